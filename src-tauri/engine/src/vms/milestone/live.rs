//! Live video of a camera: at every (re)connect of the tile's ingest a
//! `RequestStream` Live (Transcoded JPEG at the stream's size, Push) and
//! its video socket, then `ChangeStream DestWidth/DestHeight` on that same
//! stream to the largest tile watching it (the server scales, so the JPEGs
//! are no bigger than the tiles need; one request per stream, shared by
//! every tile on it, resized as tiles change, never above the stream's
//! size); a reader task on the runtime pushes each frame's JPEG
//! with the header's `TimeStamp` (the recording server's capture time) into
//! a [`PicturePusher`], whose source decodes it into the usual hub path.
//! The socket closing (server restart, expired watchdog) ends the source;
//! the ingest connects again and the session logs in again by itself.
//! Each message's live-events extension (also on the header-only messages
//! the server sends while the camera is lost) becomes the camera's
//! [`LiveEvents`] (motion, recording, connection lost).
use std::sync::Arc;
use std::time::Duration;

use super::site::Inner;
use super::stream::{self, Signal};
use super::wire::{live_flags, Frame};
use crate::error::{ErrorKind, HasKind};
use crate::media::picture_push::{Connect, PictureCodec, PicturePushInput, PicturePusher};
use crate::media::source::StopFlag;
use crate::media::MediaError;
use crate::vms::live_events::LiveEvents;
use crate::vms::VmsError;

/// The live events a frame message carries, if it has the extension.
pub fn live_events(f: &Frame) -> Option<LiveEvents> {
    let e = f.live?;
    Some(LiveEvents {
        motion: e.current & live_flags::MOTION != 0,
        recording: e.current & live_flags::RECORDING != 0,
        connection_lost: e.current & live_flags::CONNECTION_LOST != 0,
        at_ms: f.timestamp_ms,
    })
}

/// How often the client nudges the video socket with an empty text message.
const NUDGE: Duration = Duration::from_secs(10);

/// The media error a failed stream request becomes (the tile's status).
pub(crate) fn media_error(label: &str, e: VmsError) -> MediaError {
    if matches!(e, VmsError::PinRequired { .. }) {
        MediaError::PinRequired {
            source_name: label.to_string(),
        }
    } else if e.kind() == ErrorKind::AuthFailed {
        MediaError::AuthFailed {
            url: label.to_string(),
        }
    } else {
        MediaError::Resolve {
            source_name: label.to_string(),
            reason: e.to_string(),
        }
    }
}

/// The live opener of one camera at `size`.
pub(crate) fn live_input(
    inner: Arc<Inner>,
    camera: String,
    label: String,
    size: (u32, u32),
) -> PicturePushInput {
    let name = label.clone();
    let connect: Connect = Arc::new(move |pusher: PicturePusher, stop: &StopFlag| {
        let inner = inner.clone();
        let open = {
            let inner = inner.clone();
            let camera = camera.clone();
            async move {
                stream::open(
                    &inner.session,
                    inner.pin,
                    &camera,
                    Signal::Live,
                    size,
                    inner.fps,
                    inner.timeout,
                )
                .await
            }
        };
        let s = crate::vms::dss::block_on(&inner.rt, open).map_err(|e| media_error(&name, e))?;
        let stop = stop.clone();
        let name = name.clone();
        let camera = camera.clone();
        inner.rt.clone().spawn(async move {
            read_loop(inner, s, pusher, stop, name, camera, size).await;
        });
        Ok(())
    });
    PicturePushInput::new(label, PictureCodec::Jpeg, connect)
}

async fn read_loop(
    inner: Arc<Inner>,
    mut s: stream::OpenStream,
    pusher: PicturePusher,
    stop: StopFlag,
    name: String,
    camera: String,
    stream_size: (u32, u32),
) {
    let mut nudge = tokio::time::interval(NUDGE);
    nudge.tick().await;
    let mut asked = stream_size;
    // the first picture comes at the stream's own size: the ingest reads
    // the stream's size from it; resizing waits until it is through
    let mut first_pushed = false;
    loop {
        if stop.is_stopped() || pusher.is_closed() {
            break;
        }
        if let Some(want) = pusher
            .wanted_size()
            .filter(|_| first_pushed)
            .map(|b| dest_size(stream_size, b))
        {
            if want != asked {
                let p = [
                    ("DestWidth", want.0.to_string()),
                    ("DestHeight", want.1.to_string()),
                ];
                match stream::change(&inner.session, &s.video_id, &p).await {
                    Ok(()) => tracing::debug!("{name}: JPEGs at {}x{}", want.0, want.1),
                    // the stream plays on at its size; the hub scales
                    Err(e) => {
                        tracing::info!("{name}: resize to {}x{} refused: {e}", want.0, want.1)
                    }
                }
                asked = want;
            }
        }
        tokio::select! {
            r = s.socket.next_frame() => match r {
                Ok((f, msg)) => {
                    if let Some(e) = live_events(&f) {
                        pusher.events(e);
                        inner
                            .events
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(camera.clone(), e);
                    }
                    if f.payload_len == 0 {
                        continue;
                    }
                    if !pusher.push(f.payload(&msg).to_vec(), f.timestamp_ms) {
                        break;
                    }
                    first_pushed = true;
                }
                Err(e) => {
                    tracing::info!("{name}: {e}");
                    pusher.finish();
                    return;
                }
            },
            _ = nudge.tick() => {
                if s.socket.nudge().await.is_err() {
                    pusher.finish();
                    return;
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
    let id = s.video_id.clone();
    s.socket.close().await;
    stream::close(&inner.session, &id).await;
    pusher.finish();
}

/// The JPEG size to ask for: the stream's picture fitted into the largest
/// tile box (its aspect kept), never larger than the stream, even sides.
pub fn dest_size(stream: (u32, u32), tile: (u32, u32)) -> (u32, u32) {
    let (sw, sh) = (f64::from(stream.0.max(2)), f64::from(stream.1.max(2)));
    let k = (f64::from(tile.0) / sw)
        .min(f64::from(tile.1) / sh)
        .min(1.0);
    let even = |v: f64| ((v.round() as u32) & !1).max(16);
    (even(sw * k), even(sh * k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpegs_are_asked_at_the_biggest_tile_never_above_the_stream() {
        assert_eq!(dest_size((1280, 720), (480, 270)), (480, 270));
        assert_eq!(dest_size((1280, 720), (960, 540)), (960, 540));
        // a tile of another shape: the picture fitted inside it
        assert_eq!(dest_size((1280, 720), (400, 400)), (400, 224));
        assert_eq!(dest_size((1280, 720), (3840, 2160)), (1280, 720));
        assert_eq!(dest_size((640, 360), (2, 2)), (16, 16));
    }
    use crate::vms::milestone::wire::Events;

    #[test]
    fn live_flags_become_events() {
        let mut f = Frame {
            video_id: String::new(),
            timestamp_ms: 1_700_000_000_000,
            frame_number: 0,
            flags: 0x02,
            size: None,
            live: Some(Events {
                current: live_flags::LIVE_FEED | live_flags::MOTION | live_flags::RECORDING,
                changed: 0,
            }),
            playback: None,
            data_type: None,
            payload_start: 0,
            payload_len: 0,
        };
        let e = live_events(&f).unwrap();
        assert!(e.motion && e.recording && !e.connection_lost);
        assert_eq!(e.at_ms, 1_700_000_000_000);
        f.live = Some(Events {
            current: live_flags::CONNECTION_LOST,
            changed: live_flags::CONNECTION_LOST,
        });
        let e = live_events(&f).unwrap();
        assert!(e.connection_lost && !e.motion && !e.recording);
        f.live = None;
        assert!(live_events(&f).is_none());
    }
}
