//! Live video of a camera: at every (re)connect of the tile's ingest a
//! `RequestStream` Live (Transcoded JPEG at the stream's size, Push) and
//! its video socket; a reader task on the runtime pushes each frame's JPEG
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
            read_loop(inner, s, pusher, stop, name, camera).await;
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
) {
    let mut nudge = tokio::time::interval(NUDGE);
    nudge.tick().await;
    loop {
        if stop.is_stopped() || pusher.is_closed() {
            break;
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

#[cfg(test)]
mod tests {
    use super::*;
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
