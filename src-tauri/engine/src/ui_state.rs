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
/// shows and whether it was full screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TornWindow {
    pub label: String,
    pub layout: Layout,
    #[serde(default)]
    pub fullscreen: bool,
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
                is_torn_label(&w.label).then_some(TornWindow { layout, ..w })
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
}
