//! Errors of the video path, with the (redacted) source in context.
use crate::error::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("{url}: authentication failed (wrong user name or password)")]
    AuthFailed { url: String },
    /// The server wants a second login step (a PIN it sent the user,
    /// Milestone XProtect's error 34): an auth failure the operator ends by
    /// entering the PIN, not by changing the password.
    #[error(
        "{source_name}: the server requires a second login step: enter the PIN it sent to the user"
    )]
    PinRequired { source_name: String },
    #[error("{url}: cannot open: {source}")]
    Open {
        url: String,
        source: ffmpeg_next::Error,
    },
    #[error("{url}: no video stream")]
    NoVideo { url: String },
    #[error("{url}: unsupported codec {codec}")]
    UnsupportedCodec { url: String, codec: String },
    #[error("stalled: no frames for {secs} s")]
    Stalled { secs: u64 },
    #[error("{url}: stream ended")]
    Ended { url: String },
    #[error("{url}: read failed: {source}")]
    Read {
        url: String,
        source: ffmpeg_next::Error,
    },
    #[error("decode failed: {0}")]
    Decode(ffmpeg_next::Error),
    #[error("encode failed: {0}")]
    Encode(String),
    #[error("scale failed: {0}")]
    Scale(ffmpeg_next::Error),
    /// A source whose URL is fetched at every connect (short-lived tokens)
    /// could not get one.
    #[error("{source_name}: cannot get a stream URL: {reason}")]
    Resolve { source_name: String, reason: String },
    /// A pushed-picture source received only pictures it cannot decode.
    #[error("{source_name}: bad pictures: {reason}")]
    BadPicture { source_name: String, reason: String },
    /// A TLS source this FFmpeg cannot verify (`rtsps://`): refused rather
    /// than sending credentials to an unchecked certificate.
    #[error("{url}: rtsps:// is refused: FFmpeg's RTSP client cannot verify the server's certificate (see docs/tls.md); use rtsp:// on a trusted network")]
    Unverifiable { url: String },
    /// Our RTSP client (`rtsp/`) failed other than by auth, stall or close.
    #[error("{url}: {reason}")]
    Rtsp { url: String, reason: String },
    #[error("stopped")]
    Stopped,
}

impl MediaError {
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            MediaError::AuthFailed { .. } | MediaError::PinRequired { .. }
        )
    }
}

impl HasKind for MediaError {
    fn kind(&self) -> ErrorKind {
        match self {
            MediaError::AuthFailed { .. } | MediaError::PinRequired { .. } => ErrorKind::AuthFailed,
            MediaError::Open { .. }
            | MediaError::Stalled { .. }
            | MediaError::Read { .. }
            | MediaError::Ended { .. }
            | MediaError::Rtsp { .. }
            | MediaError::Resolve { .. } => ErrorKind::Unreachable,
            MediaError::NoVideo { .. } | MediaError::Decode(_) | MediaError::BadPicture { .. } => {
                ErrorKind::Protocol
            }
            MediaError::UnsupportedCodec { .. } => ErrorKind::Unsupported,
            MediaError::Unverifiable { .. } => ErrorKind::Untrusted,
            MediaError::Encode(_) | MediaError::Scale(_) | MediaError::Stopped => {
                ErrorKind::Internal
            }
        }
    }
}
