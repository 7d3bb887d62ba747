//! The video channel of one stream: `ws(s)://host:port/XProtectMobile/
//! Video/<VideoId>/`, one binary message per frame (Push). TLS uses the
//! site's own client configuration (its pin, or the system roots), so the
//! video socket trusts exactly what the command channel trusts. Frames are
//! read with [`super::wire::parse_frame`]; text, ping and empty messages are
//! skipped.
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::wire::{self, Frame};
use crate::net::pin::CertPin;

/// The largest video message read (a 4K JPEG at high quality is ~2 MB).
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// A byte stream, plain or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open video socket.
pub struct VideoSocket {
    ws: WebSocketStream<Box<dyn Io>>,
    pub video_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("video channel {0}: {1}")]
    Connect(String, String),
    #[error("video channel closed")]
    Closed,
    #[error("video channel: {0}")]
    Read(String),
    #[error("video channel: {0}")]
    Frame(#[from] wire::WireError),
}

/// The video URL of a stream (`ws` for `http`, `wss` for `https`).
pub fn video_url(base: &url::Url, video_id: &str) -> String {
    let scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    // an IPv6 host comes with its brackets
    let host = base.host_str().unwrap_or_default();
    let port = base
        .port_or_known_default()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!("{scheme}://{host}{port}/XProtectMobile/Video/{video_id}/")
}

impl VideoSocket {
    /// Opens the video socket of `video_id`.
    pub async fn open(
        base: &url::Url,
        pin: Option<CertPin>,
        video_id: &str,
        timeout: Duration,
    ) -> Result<Self, VideoError> {
        let url = video_url(base, video_id);
        let fail = |e: String| VideoError::Connect(format!("/XProtectMobile/Video/{video_id}/"), e);
        let host = base.host_str().unwrap_or_default().to_string();
        let port = base.port_or_known_default().unwrap_or(80);
        let connect = async {
            let tcp = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
                .await
                .map_err(|e| fail(e.to_string()))?;
            let _ = tcp.set_nodelay(true);
            let io: Box<dyn Io> = if base.scheme() == "https" {
                let cfg = Arc::new(crate::net::tls::client_config(pin));
                let name = rustls::pki_types::ServerName::try_from(
                    host.trim_matches(['[', ']']).to_string(),
                )
                .map_err(|e| fail(e.to_string()))?;
                let tls = tokio_rustls::TlsConnector::from(cfg)
                    .connect(name, tcp)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                Box::new(tls)
            } else {
                Box::new(tcp)
            };
            let cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
                max_message_size: Some(MAX_MESSAGE),
                max_frame_size: Some(MAX_MESSAGE),
                ..Default::default()
            };
            let (ws, _) = tokio_tungstenite::client_async_with_config(url.as_str(), io, Some(cfg))
                .await
                .map_err(|e| fail(e.to_string()))?;
            Ok::<_, VideoError>(ws)
        };
        let ws = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| fail("timed out".into()))??;
        Ok(Self {
            ws,
            video_id: video_id.to_string(),
        })
    }

    /// The next frame message: its header and the whole message.
    pub async fn next_frame(&mut self) -> Result<(Frame, Vec<u8>), VideoError> {
        loop {
            let msg = match self.ws.next().await {
                None => return Err(VideoError::Closed),
                Some(Err(e)) => return Err(VideoError::Read(e.to_string())),
                Some(Ok(m)) => m,
            };
            match msg {
                Message::Binary(b) => {
                    let f = wire::parse_frame(&b)?;
                    return Ok((f, b));
                }
                Message::Close(_) => return Err(VideoError::Closed),
                _ => continue,
            }
        }
    }

    /// The client's periodic empty text message.
    pub async fn nudge(&mut self) -> Result<(), VideoError> {
        self.ws
            .send(Message::Text(String::new()))
            .await
            .map_err(|e| VideoError::Read(e.to_string()))
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_urls_follow_the_command_channel() {
        let b = url::Url::parse("https://10.0.0.5:8082").unwrap();
        assert_eq!(
            video_url(&b, "abc"),
            "wss://10.0.0.5:8082/XProtectMobile/Video/abc/"
        );
        let b = url::Url::parse("http://[::1]:8081/").unwrap();
        assert_eq!(
            video_url(&b, "x"),
            "ws://[::1]:8081/XProtectMobile/Video/x/"
        );
    }
}
