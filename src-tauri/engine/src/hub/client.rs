//! A hub client, exactly as a tile uses the hub: one WebSocket per tile, the
//! token in the query. The CLI, the benchmark and the tests use it.
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::protocol::{ClientMessage, FrameHeader, ServerMessage};
use super::HubInfo;
use crate::media::source::now_ms;

/// One message from the hub.
#[derive(Debug)]
pub enum HubEvent {
    Frame {
        header: FrameHeader,
        payload: Vec<u8>,
        /// Wall clock when the message arrived, ms since the Unix epoch.
        arrived_ms: i64,
        /// Bytes of the whole message on the wire (header included).
        wire_bytes: usize,
    },
    Status(ServerMessage),
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("hub refused or failed: {0}")]
    Connect(String),
    #[error("hub connection failed: {0}")]
    Io(String),
    #[error("malformed frame from hub: {0}")]
    Frame(#[from] super::protocol::HeaderError),
}

pub struct TileClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl TileClient {
    /// Connects one tile of `width` x `height` pixels to a camera. `extra`
    /// is appended to the query (e.g. `&fmt=jpeg`).
    pub async fn connect(
        hub: &HubInfo,
        camera: &str,
        width: u32,
        height: u32,
        extra: &str,
    ) -> Result<Self, ClientError> {
        Self::connect_path(hub, "live", camera, width, height, extra).await
    }

    /// A playback tile from `at_ms` at `speed`; `extra` may add `&group=G`,
    /// `&paused=1`, `&fmt=jpeg` or `&stream=main|sub`.
    pub async fn playback(
        hub: &HubInfo,
        camera: &str,
        size: (u32, u32),
        at_ms: i64,
        speed: f64,
        extra: &str,
    ) -> Result<Self, ClientError> {
        let extra = format!("&at={at_ms}&speed={speed}{extra}");
        Self::connect_path(hub, "playback", camera, size.0, size.1, &extra).await
    }

    async fn connect_path(
        hub: &HubInfo,
        path: &str,
        camera: &str,
        width: u32,
        height: u32,
        extra: &str,
    ) -> Result<Self, ClientError> {
        let url = format!(
            "{}/v1/{path}?token={}&camera={}&w={width}&h={height}{extra}",
            hub.url,
            hub.token,
            url::form_urlencoded::byte_serialize(camera.as_bytes()).collect::<String>()
        );
        let (ws, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| {
            ClientError::Connect(crate::secrets::redact::redact_text(&e.to_string()))
        })?;
        Ok(Self { ws })
    }

    /// The next frame or status message; `None` when the hub closed.
    pub async fn next(&mut self) -> Option<Result<HubEvent, ClientError>> {
        loop {
            let msg = match self.ws.next().await? {
                Ok(m) => m,
                Err(e) => return Some(Err(ClientError::Io(e.to_string()))),
            };
            let arrived_ms = now_ms();
            match msg {
                Message::Binary(b) => {
                    return Some(FrameHeader::parse(&b).map_err(ClientError::from).map(
                        |(header, payload)| HubEvent::Frame {
                            header,
                            payload: payload.to_vec(),
                            arrived_ms,
                            wire_bytes: b.len(),
                        },
                    ))
                }
                Message::Text(t) => {
                    if let Ok(s) = serde_json::from_str::<ServerMessage>(&t) {
                        return Some(Ok(HubEvent::Status(s)));
                    }
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// Tells the hub the tile's new size.
    pub async fn resize(&mut self, width: u32, height: u32) -> Result<(), ClientError> {
        self.send(&ClientMessage::Resize { width, height }).await
    }

    /// Sends a control message (resize, or a playback command).
    pub async fn send(&mut self, msg: &ClientMessage) -> Result<(), ClientError> {
        let msg = serde_json::to_string(msg).expect("json");
        self.ws
            .send(Message::text(msg))
            .await
            .map_err(|e| ClientError::Io(e.to_string()))
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
