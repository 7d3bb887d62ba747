//! A camera's recordings on the Mobile Server: coverage from `GetSequences`
//! (ms UTC, merged into spans) and frames from a Playback stream. The
//! engine paces playback itself (speed, reverse, steps and the group clock
//! of a grid are the engine's, as for every other kind), so the reader
//! needs recorded frames in order, every one, as fast as it asks: it opens
//! a Playback stream at T (the server seeks to the first frame at or after
//! T and sends it, paused) and then asks for each next frame with
//! `ChangeStream SeekType=NextFrame`, reading it from the video socket.
//! The JPEG's header `TimeStamp` is its recording time. The stream is
//! closed when the reader is dropped.
use std::sync::Arc;
use std::time::Duration;

use super::site::Inner;
use super::stream::{self, Signal};
use super::wire::{self, playback_flags};
use crate::error::{ErrorKind, HasKind};
use crate::media::picture_push::{PictureCodec, PictureDecoder};
use crate::media::source::StopFlag;
use crate::playback::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, Span};
use crate::vms::VmsError;

/// How long the reader waits for the next frame it asked for; none by then
/// (and nothing newer) is the end of the recordings.
const FRAME_WAIT: Duration = Duration::from_secs(5);
/// How long a new stream may take to send its first frame (the server
/// seeks, starts a transcoder): none by then is an error the playback
/// session retries, never the end of the recordings, which would leave a
/// seek showing no frame.
pub const FIRST_FRAME_WAIT: Duration = Duration::from_secs(15);

pub struct MilestoneRecording {
    inner: Arc<Inner>,
    camera: String,
    size: (u32, u32),
}

impl MilestoneRecording {
    pub(crate) fn new(inner: Arc<Inner>, camera: String, size: (u32, u32)) -> Self {
        Self {
            inner,
            camera,
            size,
        }
    }

    fn to_playback(&self, e: VmsError) -> PlaybackError {
        to_playback(&self.describe(), e)
    }
}

fn to_playback(source_name: &str, e: VmsError) -> PlaybackError {
    match e.kind() {
        k @ (ErrorKind::AuthFailed | ErrorKind::Untrusted) => PlaybackError::Refused {
            source_name: source_name.to_string(),
            kind: k,
            reason: e.to_string(),
        },
        ErrorKind::NotFound => PlaybackError::NoRecording(e.to_string()),
        _ => PlaybackError::Source {
            source_name: source_name.to_string(),
            reason: e.to_string(),
        },
    }
}

/// Sequences merged into spans clipped to `[from_ms, to_ms)`.
pub fn spans_of(seqs: &[wire::Sequence], from_ms: i64, to_ms: i64) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for s in seqs {
        let (a, b) = (s.start_ms.max(from_ms), s.end_ms.min(to_ms));
        if a >= b {
            continue;
        }
        match out.last_mut() {
            Some(last) if a <= last.end_ms => last.end_ms = last.end_ms.max(b),
            _ => out.push(Span::new(a, b)),
        }
    }
    out
}

/// `GetSequences` of a camera over `[from_ms, to_ms)`; a camera without
/// recordings (32) has none.
pub(crate) async fn sequences(
    inner: &Inner,
    camera: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<wire::Sequence>, VmsError> {
    let after_s = ((to_ms - from_ms).max(0) + 999) / 1000;
    let r = inner
        .session
        .call(
            "GetSequences",
            &[
                ("ItemId", camera.to_string()),
                ("ItemKind", "Camera".into()),
                ("SeqType", "Recording".into()),
                ("Time", from_ms.to_string()),
                ("BeforeTime", "0".into()),
                ("BeforeCount", "1".into()),
                ("AfterTime", after_s.to_string()),
                ("AfterCount", "100000".into()),
                ("ProcessingMessage", "No".into()),
            ],
        )
        .await;
    match r {
        Ok(a) => Ok(wire::parse_sequences(&a)),
        Err(VmsError::Remote(e)) if e.vendor_code.as_deref() == Some("32") => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

impl Recording for MilestoneRecording {
    fn describe(&self) -> String {
        format!("{} camera {}", self.inner.session.site(), self.camera)
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let seqs = crate::vms::dss::block_on(
            &self.inner.rt,
            sequences(&self.inner, &self.camera, from_ms, to_ms),
        )
        .map_err(|e| self.to_playback(e))?;
        Ok(spans_of(&seqs, from_ms, to_ms))
    }

    fn open(
        &self,
        t_ms: i64,
        _decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let inner = self.inner.clone();
        let camera = self.camera.clone();
        let size = self.size;
        let s = crate::vms::dss::block_on(&self.inner.rt, async move {
            stream::open(
                &inner.session,
                inner.pin,
                &camera,
                Signal::PlaybackFrom(t_ms),
                size,
                inner.fps,
                inner.timeout,
            )
            .await
        })
        .map_err(|e| self.to_playback(e))?;
        Ok(Box::new(Reader {
            inner: self.inner.clone(),
            name: self.describe(),
            stream: Some(s),
            decoder: PictureDecoder::new(PictureCodec::Jpeg)?,
            last_ts: None,
            stop,
        }))
    }

    fn frame_interval_ms(&self) -> Option<f64> {
        Some(1000.0 / self.inner.fps.max(1) as f64)
    }
}

struct Reader {
    inner: Arc<Inner>,
    name: String,
    stream: Option<stream::OpenStream>,
    decoder: PictureDecoder,
    /// The last frame's time; `None` before the first.
    last_ts: Option<i64>,
    stop: StopFlag,
}

/// What the socket gave for one request.
enum Got {
    Frame(i64, Vec<u8>),
    End,
}

impl Reader {
    /// Asks for the next frame (none for the first: the seek sends it) and
    /// waits for a picture newer than the last one.
    async fn fetch(
        inner: &Inner,
        s: &mut stream::OpenStream,
        last: Option<i64>,
    ) -> Result<Got, VmsError> {
        if last.is_some() {
            stream::change(
                &inner.session,
                &s.video_id,
                &[("SeekType", "NextFrame".into())],
            )
            .await?;
        }
        let wait = if last.is_some() {
            FRAME_WAIT
        } else {
            FIRST_FRAME_WAIT
        };
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, s.socket.next_frame()).await;
            let (f, msg) = match next {
                Err(_) if last.is_some() => return Ok(Got::End),
                Err(_) => {
                    return Err(VmsError::Site {
                        site: inner.session.site().to_string(),
                        reason: format!(
                            "the playback stream sent no frame within {} s",
                            wait.as_secs()
                        ),
                    })
                }
                Ok(Err(e)) => return Err(stream::video_error(&inner.session, e)),
                Ok(Ok(x)) => x,
            };
            let newer = last.is_none_or(|l| f.timestamp_ms > l);
            let ev = f.playback.map(|e| e.current).unwrap_or(0);
            if f.payload_len > 0 && newer {
                return Ok(Got::Frame(f.timestamp_ms, f.payload(&msg).to_vec()));
            }
            let at_end = ev
                & (playback_flags::DATABASE_END
                    | playback_flags::OUT_OF_RANGE
                    | playback_flags::DATABASE_ERROR)
                != 0;
            if at_end && (last.is_some() || f.payload_len == 0) {
                return Ok(Got::End);
            }
        }
    }
}

impl RecordingReader for Reader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(crate::media::MediaError::Stopped.into());
            }
            let Some(mut s) = self.stream.take() else {
                return Ok(ReadEvent::End);
            };
            let inner = self.inner.clone();
            let last = self.last_ts;
            let (got, s) = crate::vms::dss::block_on(&self.inner.rt, async move {
                let r = Reader::fetch(&inner, &mut s, last).await;
                (r, s)
            });
            self.stream = Some(s);
            match got.map_err(|e| to_playback(&self.name, e))? {
                Got::End => return Ok(ReadEvent::End),
                Got::Frame(ts, jpeg) => match self.decoder.decode(&jpeg, ts) {
                    Ok(frame) => {
                        self.last_ts = Some(ts);
                        return Ok(ReadEvent::Frame(frame));
                    }
                    Err(e) => {
                        // a bad picture is skipped; the next one is asked for
                        tracing::debug!("{}: picture at {ts} skipped: {e}", self.name);
                        self.last_ts = Some(ts);
                    }
                },
            }
        }
    }

    fn set_decimation(&mut self, _d: Decimation) {}
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(s) = self.stream.take() {
            let session = self.inner.session.clone();
            self.inner.rt.spawn(async move {
                let id = s.video_id.clone();
                s.socket.close().await;
                stream::close(&session, &id).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_merge_and_clip() {
        let s = |a, b| wire::Sequence {
            start_ms: a,
            end_ms: b,
        };
        let seqs = [
            s(0, 100),
            s(100, 200),
            s(300, 400),
            s(350, 500),
            s(900, 1000),
        ];
        assert_eq!(
            spans_of(&seqs, 50, 950),
            vec![Span::new(50, 200), Span::new(300, 500), Span::new(900, 950)]
        );
        assert!(spans_of(&seqs, 600, 800).is_empty());
    }
}
