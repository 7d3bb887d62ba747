//! One tile's socket: picks the stream for the tile's size, forwards status
//! changes and the newest frame whenever the previous send has finished
//! (latest frame wins), and follows resize messages without reconnecting.
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::protocol::{
    encode_frame, parse_client_message, ClientMessage, LiveRequest, PixelFormat, ServerMessage,
};
use crate::ingest::{Ingest, IngestManager, PictureRx, StreamStatus};
use crate::media::picture::{i420_to_jpeg, Picture};
use crate::vms::select::choose_stream;
use crate::vms::StreamKind;

struct Attached {
    ingest: Arc<Ingest>,
    frames: PictureRx,
    status: watch::Receiver<StreamStatus>,
}

fn attach(ingests: &IngestManager, req: &LiveRequest) -> Result<Attached, String> {
    let cam = ingests
        .registry()
        .camera(&req.camera)
        .map_err(|e| e.to_string())?;
    let kind = req
        .stream
        .unwrap_or_else(|| choose_stream(&cam.streams, req.width, req.height));
    let kind = if cam.streams.iter().any(|s| s.kind == kind) {
        kind
    } else {
        StreamKind::Main
    };
    let ingest = ingests
        .acquire(&req.camera, kind)
        .map_err(|e| e.to_string())?;
    Ok(Attached {
        frames: ingest.subscribe((req.width, req.height)),
        status: ingest.status(),
        ingest,
    })
}

/// The tile's status message, or `None` when it says exactly what the tile
/// was last sent. The value is marked seen, so a change that lands between
/// attaching and the first send is not sent twice.
fn status_msg(req: &LiveRequest, a: &mut Attached, last: &mut String) -> Option<Message> {
    let s = a.status.borrow_and_update().clone();
    let text = serde_json::to_string(&ServerMessage::status(
        &req.camera,
        Some(a.ingest.stream.as_str()),
        &s,
    ))
    .expect("json");
    if text == *last {
        return None;
    }
    last.clone_from(&text);
    Some(Message::text(text))
}

fn frame_msg(stream_id: u32, pic: &Picture, format: PixelFormat) -> Option<Message> {
    match format {
        PixelFormat::Jpeg => i420_to_jpeg(&pic.data, pic.width, pic.height)
            .ok()
            .map(|j| Message::binary(encode_frame(stream_id, pic, PixelFormat::Jpeg, &j))),
        _ => Some(Message::binary(encode_frame(
            stream_id,
            pic,
            PixelFormat::I420,
            &pic.data,
        ))),
    }
}

pub async fn run(
    ws: WebSocketStream<TcpStream>,
    mut req: LiveRequest,
    ingests: Arc<IngestManager>,
) {
    let (mut tx, mut rx) = ws.split();
    let mut att = match attach(&ingests, &req) {
        Ok(a) => a,
        Err(reason) => {
            let msg = ServerMessage::Status {
                camera: req.camera.clone(),
                stream: None,
                state: "error".into(),
                reason: Some(reason),
                timing: None,
                events: None,
            };
            let _ = tx
                .send(Message::text(serde_json::to_string(&msg).expect("json")))
                .await;
            let _ = tx.close().await;
            return;
        }
    };
    let mut last_status = String::new();
    if let Some(msg) = status_msg(&req, &mut att, &mut last_status) {
        if tx.send(msg).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            changed = att.frames.changed() => {
                if changed.is_err() { break; }
                let pic = att.frames.borrow_and_update().clone();
                if let Some(msg) = pic.and_then(|p| frame_msg(att.ingest.id, &p, req.format)) {
                    if tx.send(msg).await.is_err() { break; }
                }
            }
            changed = att.status.changed() => {
                if changed.is_err() { break; }
                if let Some(msg) = status_msg(&req, &mut att, &mut last_status) {
                    if tx.send(msg).await.is_err() { break; }
                }
            }
            incoming = rx.next() => {
                match incoming {
                    Some(Ok(Message::Text(t))) => {
                        if let Ok(ClientMessage::Resize { width, height }) = parse_client_message(&t) {
                            req.width = width.clamp(2, 8192);
                            req.height = height.clamp(2, 8192);
                            match attach(&ingests, &req) {
                                Ok(a) => {
                                    let switched = a.ingest.id != att.ingest.id;
                                    att = a;
                                    if switched {
                                        if let Some(msg) = status_msg(&req, &mut att, &mut last_status) {
                                            if tx.send(msg).await.is_err() { break; }
                                        }
                                    }
                                }
                                Err(e) => tracing::warn!("resize of {}: {e}", req.camera),
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
        }
    }
}
