//! The state of one ingest, as tiles show it.
use serde::Serialize;

use crate::media::source::FrameTiming;
use crate::vms::live_events::LiveEvents;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Connecting,
    Live,
    Reconnecting,
    AuthFailed,
    /// The login waits for a second-step PIN the server sent the user
    /// (entered on the tile or in the Sites panel); parked until then.
    PinRequired,
    Stopped,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamStatus {
    pub state: State,
    pub reason: Option<String>,
    /// Live sources that know: where frame times come from (capture or
    /// arrival) and the camera clock's measured offset.
    pub timing: Option<FrameTiming>,
    /// Live events the stream reports (motion, recording, connection lost;
    /// Milestone), kept across state changes; `None`: the source says none.
    pub events: Option<LiveEvents>,
}

impl StreamStatus {
    pub fn new(state: State, reason: Option<String>) -> Self {
        Self {
            state,
            reason,
            timing: None,
            events: None,
        }
    }
    pub fn connecting() -> Self {
        Self::new(State::Connecting, None)
    }
}
