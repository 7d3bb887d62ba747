//! The state of one ingest, as tiles show it.
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Connecting,
    Live,
    Reconnecting,
    AuthFailed,
    Stopped,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamStatus {
    pub state: State,
    pub reason: Option<String>,
}

impl StreamStatus {
    pub fn new(state: State, reason: Option<String>) -> Self {
        Self { state, reason }
    }
    pub fn connecting() -> Self {
        Self::new(State::Connecting, None)
    }
}
