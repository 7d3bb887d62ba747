//! One playback tile's socket: opens a playback session (joining its group's
//! clock), forwards frames (latest wins), status and clock changes, and
//! applies the tile's control messages: seek, pause, play and speed to the
//! group clock; step and resize to its own session.
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::playback_query::PlaybackRequest;
use super::protocol::{
    control_seq, encode_frame, parse_client_message, ClientMessage, PixelFormat, ServerMessage,
};
use crate::media::picture::i420_to_jpeg;
use crate::playback::clock::{valid_speed, ClockState};
use crate::playback::service::{OpenRequest, PlaybackService};
use crate::playback::session::{Command, PlaybackSession, PlaybackStatus};

fn json(msg: &ServerMessage) -> Message {
    Message::text(serde_json::to_string(msg).expect("json"))
}

fn status_msg(camera: &str, s: &PlaybackStatus) -> Message {
    json(&ServerMessage::Status {
        camera: camera.to_string(),
        stream: Some(s.stream.as_str().to_string()),
        state: serde_json::to_value(s.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        reason: s.reason.clone(),
        timing: None,
        events: None,
    })
}

fn clock_msg(c: &ClockState) -> Message {
    json(&ServerMessage::Clock {
        position: c.position(),
        speed: c.speed,
        paused: c.paused,
        ack: c.ack,
    })
}

/// Applies a control message; returns an error text for the tile.
fn apply(session: &PlaybackSession, msg: ClientMessage) -> Result<(), String> {
    let clock = &session.group.clock;
    let me = session.id as u64;
    match msg {
        ClientMessage::Seek { at } => clock.seek(at, me),
        ClientMessage::Pause => clock.pause(me),
        ClientMessage::Play => clock.play(me),
        ClientMessage::Speed { speed } if valid_speed(speed) => clock.set_speed(speed, me),
        ClientMessage::Speed { speed } => return Err(format!("unsupported speed {speed}")),
        ClientMessage::Step { frames } => session.send(Command::Step {
            frames: frames.signum(),
            epoch: clock.state().epoch,
        }),
        ClientMessage::Resize { width, height } => session.send(Command::Resize(width, height)),
    }
    Ok(())
}

pub async fn run(
    ws: WebSocketStream<TcpStream>,
    req: PlaybackRequest,
    service: Arc<PlaybackService>,
) {
    let (mut tx, mut rx) = ws.split();
    let camera = req.tile.camera.clone();
    let open = OpenRequest {
        camera: camera.clone(),
        tile: (req.tile.width, req.tile.height),
        stream: req.tile.stream,
        at_ms: req.at_ms,
        speed: req.speed,
        paused: req.paused,
        group: req.group.clone(),
    };
    let svc = service.clone();
    let opened = tokio::task::spawn_blocking(move || svc.open(&open)).await;
    let session = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            let msg = ServerMessage::Status {
                camera,
                stream: None,
                state: "error".into(),
                reason: Some(crate::secrets::redact::redact_text(&e.to_string())),
                timing: None,
                events: None,
            };
            let _ = tx.send(json(&msg)).await;
            let _ = tx.close().await;
            return;
        }
        Err(_) => return,
    };
    let (mut frames, mut status) = (session.frames(), session.status());
    let mut clock = session.group.clock.subscribe();
    let format = req.tile.format;
    let first = status.borrow_and_update().clone();
    let c = *clock.borrow_and_update();
    if tx.send(status_msg(&camera, &first)).await.is_err() || tx.send(clock_msg(&c)).await.is_err()
    {
        return;
    }
    loop {
        // Biased: a control is read before anything is sent, and a frame goes
        // before a status or clock change that was also ready, so "paused"
        // reaches the tile after every frame shown before the pause.
        tokio::select! {
            biased;
            incoming = rx.next() => {
                match incoming {
                    Some(Ok(Message::Text(t))) => {
                        let result = parse_client_message(&t).and_then(|m| apply(&session, m));
                        // after the control took effect: clock messages from now on say so
                        if let (Ok(()), Some(seq)) = (&result, control_seq(&t)) {
                            session.group.clock.acknowledge(seq);
                        }
                        if let Err(reason) = result {
                            let msg = ServerMessage::Status {
                                camera: camera.clone(),
                                stream: None,
                                state: "warning".into(),
                                reason: Some(reason),
                                timing: None,
                                events: None,
                            };
                            if tx.send(json(&msg)).await.is_err() { break; }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            changed = frames.changed() => {
                if changed.is_err() { break; }
                let pic = frames.borrow_and_update().clone();
                let Some(pic) = pic else { continue };
                let msg = match format {
                    PixelFormat::Jpeg => match i420_to_jpeg(&pic.data, pic.width, pic.height) {
                        Ok(j) => Message::binary(encode_frame(session.id, &pic, PixelFormat::Jpeg, &j)),
                        Err(_) => continue,
                    },
                    _ => Message::binary(encode_frame(session.id, &pic, PixelFormat::I420, &pic.data)),
                };
                if tx.send(msg).await.is_err() { break; }
            }
            changed = status.changed() => {
                if changed.is_err() { break; }
                let s = status.borrow_and_update().clone();
                if tx.send(status_msg(&camera, &s)).await.is_err() { break; }
            }
            changed = clock.changed() => {
                if changed.is_err() { break; }
                let c = *clock.borrow_and_update();
                if tx.send(clock_msg(&c)).await.is_err() { break; }
            }
        }
    }
}
