//! What the operator's window keeps between runs besides the live layout:
//! the Playback view's layout and where it was (kept in `settings` as JSON
//! under `playback.state`), and the windows torn out of the main one (a
//! second monitor) with their layouts (under `windows.torn`).
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::Layout;

const KEY: &str = "playback.state";
const WINDOWS_KEY: &str = "windows.torn";
/// At most this many torn-out windows are kept.
pub const MAX_TORN_WINDOWS: usize = 8;

/// The Playback view as it was left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct PlaybackState {
    pub layout: Layout,
    /// The playhead, UTC ms.
    #[ts(type = "number | null")]
    pub position_ms: Option<i64>,
    /// Whether playback was paused there (restored paused).
    #[serde(default)]
    pub paused: bool,
}

impl Engine {
    /// The Playback view's saved layout and position (none saved yet: `None`).
    pub fn playback_state(&self) -> Result<Option<PlaybackState>, EngineError> {
        let Some(json) = self.store.setting(KEY)? else {
            return Ok(None);
        };
        // a stored state that no longer parses is forgotten, not an error
        Ok(serde_json::from_str::<PlaybackState>(&json)
            .ok()
            .and_then(|s| {
                let layout = s.layout.normalized().ok()?;
                Some(PlaybackState { layout, ..s })
            }))
    }

    pub fn save_playback_state(&self, state: PlaybackState) -> Result<(), EngineError> {
        let layout = state
            .layout
            .normalized()
            .map_err(EngineError::InvalidInput)?;
        let json = serde_json::to_string(&PlaybackState { layout, ..state })
            .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        Ok(self.store.set_setting(KEY, &json)?)
    }
}

/// A window torn out of the main one: its label (`tearout-N`), the layout it
/// shows, whether it was full screen, and where it was (out of full screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TornWindow {
    pub label: String,
    pub layout: Layout,
    #[serde(default)]
    pub fullscreen: bool,
    /// Position and size; `None` until the window was first placed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<WindowBounds>,
}

/// A window's place on the desktop in logical pixels: its outer position
/// (top-left corner, may be negative on a screen left of or above the
/// primary one) and its inner size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowBounds {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// Positions beyond this (either sign) are not kept: no desktop is that large.
const MAX_COORD: i32 = 65_536;
/// Sizes kept: from a usable minimum to the largest screen.
const SIZE_RANGE: std::ops::RangeInclusive<u32> = 120..=16_384;

impl WindowBounds {
    /// The bounds if they can be a window on some desktop, else `None`.
    pub fn sane(self) -> Option<Self> {
        let coords = (-MAX_COORD..=MAX_COORD).contains(&self.x)
            && (-MAX_COORD..=MAX_COORD).contains(&self.y);
        let size = SIZE_RANGE.contains(&self.width) && SIZE_RANGE.contains(&self.height);
        (coords && size).then_some(self)
    }
}

/// Whether `label` names a torn-out window (`tearout-` and 1 to 4 digits).
pub fn is_torn_label(label: &str) -> bool {
    label
        .strip_prefix("tearout-")
        .is_some_and(|n| (1..=4).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

impl Engine {
    /// The torn-out windows saved last (in the order they were opened);
    /// entries that no longer parse are dropped.
    pub fn torn_windows(&self) -> Result<Vec<TornWindow>, EngineError> {
        let Some(json) = self.store.setting(WINDOWS_KEY)? else {
            return Ok(Vec::new());
        };
        let list: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap_or_default();
        Ok(list
            .into_iter()
            .filter_map(|v| serde_json::from_value::<TornWindow>(v).ok())
            .filter_map(|w| {
                let layout = w.layout.normalized().ok()?;
                let bounds = w.bounds.and_then(WindowBounds::sane);
                is_torn_label(&w.label).then_some(TornWindow {
                    layout,
                    bounds,
                    ..w
                })
            })
            .take(MAX_TORN_WINDOWS)
            .collect())
    }

    /// Replaces the saved torn-out windows.
    pub fn save_torn_windows(&self, windows: &[TornWindow]) -> Result<(), EngineError> {
        if windows.len() > MAX_TORN_WINDOWS {
            return Err(EngineError::InvalidInput(format!(
                "at most {MAX_TORN_WINDOWS} torn-out windows"
            )));
        }
        let mut out = Vec::with_capacity(windows.len());
        for w in windows {
            if !is_torn_label(&w.label) {
                return Err(EngineError::InvalidInput(format!(
                    "not a torn-out window label: {:?}",
                    w.label
                )));
            }
            let layout = w
                .layout
                .clone()
                .normalized()
                .map_err(EngineError::InvalidInput)?;
            out.push(TornWindow {
                layout,
                bounds: w.bounds.and_then(WindowBounds::sane),
                ..w.clone()
            });
        }
        let json =
            serde_json::to_string(&out).map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        Ok(self.store.set_setting(WINDOWS_KEY, &json)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_labels() {
        assert!(is_torn_label("tearout-1"));
        assert!(is_torn_label("tearout-1234"));
        for bad in [
            "main",
            "tearout-",
            "tearout-12345",
            "tearout-1a",
            "x-tearout-1",
        ] {
            assert!(!is_torn_label(bad), "{bad}");
        }
    }

    #[test]
    fn window_bounds_kept_only_when_sane() {
        let b = |x, y, width, height| WindowBounds {
            x,
            y,
            width,
            height,
        };
        assert_eq!(b(-1920, 0, 960, 600).sane(), Some(b(-1920, 0, 960, 600)));
        assert_eq!(b(0, 0, 100, 600).sane(), None);
        assert_eq!(b(0, 0, 960, 20_000).sane(), None);
        assert_eq!(b(70_000, 0, 960, 600).sane(), None);
    }

    #[test]
    fn torn_window_without_bounds_reads_as_before() {
        let w: TornWindow = serde_json::from_str(
            r#"{"label":"tearout-1","layout":{"grid":4,"tiles":[]},"fullscreen":false}"#,
        )
        .expect("old entry");
        assert_eq!(w.bounds, None);
        let w: TornWindow = serde_json::from_str(
            r#"{"label":"tearout-2","layout":{"grid":1,"tiles":["demo-1"]},"bounds":{"x":-5,"y":40,"width":900,"height":560}}"#,
        )
        .expect("entry with bounds");
        assert_eq!(
            w.bounds,
            Some(WindowBounds {
                x: -5,
                y: 40,
                width: 900,
                height: 560
            })
        );
    }
}
