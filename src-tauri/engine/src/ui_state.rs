//! What the operator's window keeps between runs besides the live layout:
//! the Playback view's layout and where it was (kept in `settings` as JSON
//! under `playback.state`).
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::Layout;

const KEY: &str = "playback.state";

/// The Playback view as it was left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct PlaybackState {
    pub layout: Layout,
    /// The playhead, UTC ms.
    #[ts(type = "number | null")]
    pub position_ms: Option<i64>,
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
