//! A camera's live events as its VMS reports them with the video (e.g.
//! Milestone's live-events header extension: motion, recording, the
//! camera's connection to its recording server lost), for tiles to show.
//! Read through [`Engine::live_events`]; kinds without such events have
//! none.
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::EngineError;

/// The last live events a camera's stream reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LiveEvents {
    pub motion: bool,
    pub recording: bool,
    /// The camera's connection to its recording server is lost (the VMS
    /// sends no pictures meanwhile).
    pub connection_lost: bool,
    /// The time of the message that said so (ms UTC, the VMS's clock).
    pub at_ms: i64,
}

impl LiveEvents {
    /// The same flags (whatever the time each was reported at).
    pub fn same_flags(&self, o: &LiveEvents) -> bool {
        (self.motion, self.recording, self.connection_lost)
            == (o.motion, o.recording, o.connection_lost)
    }
}

impl Engine {
    /// The last live events of a camera (`None`: no live stream of it was
    /// opened in this process, or its kind reports none).
    pub fn live_events(&self, camera_id: &str) -> Result<Option<LiveEvents>, EngineError> {
        let r = self.registry.resolve(camera_id)?;
        Ok(r.adapter.live_events(&r.camera))
    }
}
