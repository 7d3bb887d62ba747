//! Stream commands: `RequestStream` (Transcoded JPEG, Push, at a given
//! size; Live, or Playback from a time), `ChangeStream` (seeks, speed) and
//! `CloseStream`, each through the site's [`Session`], plus the video socket
//! of the new `VideoId`.
use std::sync::Arc;

use super::session::Session;
use super::video::{VideoError, VideoSocket};
use crate::net::pin::CertPin;
use crate::vms::VmsError;

/// What to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Live,
    /// Playback from the first frame at or after this time (ms UTC).
    PlaybackFrom(i64),
}

/// JPEG quality asked for (the SDK's default).
pub const COMPRESSION: u32 = 70;

/// An open stream: its id and video socket.
pub struct OpenStream {
    pub video_id: String,
    pub socket: VideoSocket,
}

/// Asks for a stream of `camera` at `width`x`height` and opens its socket.
pub async fn open(
    session: &Arc<Session>,
    pin: Option<CertPin>,
    camera: &str,
    signal: Signal,
    size: (u32, u32),
    fps: u32,
    timeout: std::time::Duration,
) -> Result<OpenStream, VmsError> {
    let mut p: Vec<(&str, String)> = vec![
        ("CameraId", camera.to_string()),
        ("DestWidth", size.0.to_string()),
        ("DestHeight", size.1.to_string()),
        ("MethodType", "Push".into()),
        ("StreamType", "Transcoded".into()),
        ("Fps", fps.to_string()),
        ("ComprLevel", COMPRESSION.to_string()),
        ("KeyFramesOnly", "No".into()),
        ("RequestSize", "No".into()),
        ("ProcessingMessage", "No".into()),
    ];
    match signal {
        Signal::Live => p.push(("SignalType", "Live".into())),
        Signal::PlaybackFrom(t) => {
            p.push(("SignalType", "Playback".into()));
            p.push(("SeekType", "TimeOrAfter".into()));
            p.push(("Time", t.to_string()));
        }
    }
    let a = session.call("RequestStream", &p).await?;
    let video_id = a
        .output("VideoId")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| VmsError::Site {
            site: session.site().to_string(),
            reason: "RequestStream answered no VideoId".into(),
        })?
        .to_string();
    match VideoSocket::open(session.base(), pin, &video_id, timeout).await {
        Ok(socket) => Ok(OpenStream { video_id, socket }),
        Err(e) => {
            close(session, &video_id).await;
            Err(video_error(session, e))
        }
    }
}

/// A video socket failure as a site error.
pub fn video_error(session: &Session, e: VideoError) -> VmsError {
    VmsError::Site {
        site: session.site().to_string(),
        reason: e.to_string(),
    }
}

/// `ChangeStream` with these parameters.
pub async fn change(
    session: &Session,
    video_id: &str,
    params: &[(&str, String)],
) -> Result<(), VmsError> {
    let mut p: Vec<(&str, String)> = vec![("VideoId", video_id.to_string())];
    p.extend_from_slice(params);
    session.call("ChangeStream", &p).await.map(|_| ())
}

/// `CloseStream` (failures only logged: the server drops it with the
/// connection anyway).
pub async fn close(session: &Session, video_id: &str) {
    if let Err(e) = session
        .call("CloseStream", &[("VideoId", video_id.to_string())])
        .await
    {
        tracing::debug!("{}: CloseStream: {e}", session.site());
    }
}
