//! What an RTSP session's requests can fail with, each naming the URL
//! (credentials removed), and which SETUP refusals mean "try another
//! transport".
use super::auth::AuthError;
use super::message::MessageError;
use super::sdp::SdpError;

#[derive(Debug, thiserror::Error)]
pub enum RtspError {
    #[error("{0}: not an rtsp:// URL with a host")]
    BadUrl(String),
    #[error("{url}: cannot connect: {source}")]
    Connect {
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{url}: {source}")]
    Io {
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{url}: the server closed the connection")]
    Closed { url: String },
    #[error("{url}: nothing from the server for {secs} s")]
    Stalled { url: String, secs: u64 },
    #[error("{url}: {source}")]
    Message {
        url: String,
        #[source]
        source: MessageError,
    },
    #[error("{url}: {source}")]
    Sdp {
        url: String,
        #[source]
        source: SdpError,
    },
    #[error("{url}: the user name or password was refused")]
    AuthFailed { url: String },
    #[error("{url}: {source}")]
    Auth {
        url: String,
        #[source]
        source: AuthError,
    },
    #[error("{url}: {method} answered {status} {reason}")]
    Status {
        url: String,
        method: String,
        status: u16,
        reason: String,
        /// The `Unsupported` header of a 551 (a missing feature tag).
        unsupported: Option<String>,
    },
    #[error("stopped")]
    Stopped,
}

/// Whether a SETUP answer's status means "not this transport" (461
/// Unsupported Transport, and what servers answer instead: 400, 455, 501).
pub fn refuses_transport(status: u16) -> bool {
    matches!(status, 400 | 455 | 461 | 501)
}
