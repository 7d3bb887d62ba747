//! A channel's recordings as a [`Recording`]: coverage from ISAPI search,
//! the month calendar from `dailyDistribution`, and frames from RTSP
//! playback `/Streaming/tracks/<ID>/?starttime=&endtime=` one span at a
//! time. Some NVRs ignore `endtime` (PROTOCOLS.md 3.5), so the reader stops
//! on our side when a frame reaches the span's end, then goes on to the next
//! span with a gap. Frame times are the request's start plus the stream's
//! offset (npt 0 = `starttime`).
use std::sync::Arc;

use ffmpeg_next::Dictionary;

use super::search::{self, spans_of};
use super::site::{DeviceClock, HikCamera, Inner};
use super::time::format_compact;
use crate::error::{ErrorKind, HasKind};
use crate::media::recorded_input::RecordedInput;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;
use crate::playback::day::format_rfc3339;
use crate::playback::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, Span};
use crate::vms::VmsError;

/// How far ahead of a requested time a reader looks for spans.
const LOOKAHEAD_MS: i64 = 24 * 3_600_000;

#[derive(Clone)]
pub struct HikRecording {
    inner: Arc<Inner>,
    cam: HikCamera,
}

impl HikRecording {
    pub(crate) fn new(inner: Arc<Inner>, cam: HikCamera) -> Self {
        Self { inner, cam }
    }

    /// Coverage of the main track clipped to `[from_ms, to_ms)`.
    pub async fn spans_async(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, VmsError> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let clock = self.inner.clock().await?;
        let client = self.inner.client().await?;
        let segs = self
            .inner
            .forget_on(
                search::segments(
                    &client,
                    self.cam.main,
                    from_ms,
                    to_ms,
                    clock.mode,
                    &clock.zone,
                )
                .await,
            )
            .await?;
        Ok(spans_of(&segs, from_ms, to_ms))
    }

    /// Days of `year`-`month` (the device's calendar) that have recordings.
    pub async fn month_days(&self, year: i16, month: i8) -> Result<Vec<u8>, VmsError> {
        let client = self.inner.client().await?;
        Ok(self
            .inner
            .forget_on(search::month_days(&client, self.cam.main, year, month).await)
            .await?)
    }

    /// The playback URL (with credentials) of `[start_ms, end_ms]`.
    fn playback_url(
        &self,
        clock: &DeviceClock,
        start_ms: i64,
        end_ms: i64,
    ) -> Result<String, VmsError> {
        self.inner.rtsp_url(
            self.cam.rtsp_port,
            &format!(
                "/Streaming/tracks/{}/?starttime={}&endtime={}",
                self.cam.main,
                format_compact(start_ms, clock.mode, &clock.zone),
                format_compact(end_ms, clock.mode, &clock.zone)
            ),
        )
    }

    fn playback_error(&self, e: VmsError) -> PlaybackError {
        match e.kind() {
            ErrorKind::Unsupported => PlaybackError::Unsupported("recording search (ISAPI)"),
            k @ (ErrorKind::AuthFailed | ErrorKind::Untrusted) => PlaybackError::Refused {
                source_name: self.describe(),
                kind: k,
                reason: e.to_string(),
            },
            _ => PlaybackError::Source {
                source_name: self.describe(),
                reason: e.to_string(),
            },
        }
    }
}

impl Recording for HikRecording {
    fn describe(&self) -> String {
        format!("hikvision {} track {}", self.inner.label(), self.cam.main)
    }

    fn paced_by_server(&self) -> bool {
        true
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        crate::vms::onvif::block_on(&self.inner.rt, self.spans_async(from_ms, to_ms))
            .map_err(|e| self.playback_error(e))
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let spans: Vec<Span> = self
            // from a little before: the reader may start a second early
            .spans(
                t_ms.saturating_sub(60_000),
                t_ms.saturating_add(LOOKAHEAD_MS),
            )?
            .into_iter()
            .filter(|s| s.end_ms > t_ms)
            .collect();
        if spans.is_empty() {
            return Err(PlaybackError::NoRecording(format_rfc3339(t_ms)));
        }
        let clock = crate::vms::onvif::block_on(&self.inner.rt, self.inner.clock())
            .map_err(|e| self.playback_error(e))?;
        Ok(Box::new(HikReader {
            rec: self.clone(),
            clock,
            spans,
            index: 0,
            from_ms: t_ms,
            current: None,
            decimation,
            stop,
        }))
    }
}

fn options() -> Dictionary<'static> {
    let mut o = Dictionary::new();
    o.set("rtsp_transport", "tcp");
    o.set("allowed_media_types", "video");
    o.set("timeout", "10000000");
    o
}

struct Playing {
    input: RecordedInput,
    /// Recording time of npt 0 (the URL's whole-second `starttime`).
    base_ms: i64,
    end_ms: i64,
}

struct HikReader {
    rec: HikRecording,
    clock: DeviceClock,
    spans: Vec<Span>,
    index: usize,
    /// No frame before this time is returned.
    from_ms: i64,
    current: Option<Playing>,
    decimation: Decimation,
    stop: StopFlag,
}

impl HikReader {
    fn start(&mut self) -> Result<(), PlaybackError> {
        let span = self.spans[self.index];
        let from = self.from_ms.max(span.start_ms);
        // the URL carries whole seconds: start at the second, skip to `from`;
        // a second earlier where the span allows, because FFmpeg gives the
        // first packet of an RTSP session no timestamp (it and its GOP are
        // lost), and the wanted frame should not be in that first GOP
        let second = from - from.rem_euclid(1000);
        let base = if second - 1000 >= span.start_ms {
            second - 1000
        } else {
            second
        };
        let end_s = span.end_ms + 999 - (span.end_ms + 999).rem_euclid(1000);
        let url = self
            .rec
            .playback_url(&self.clock, base, end_s)
            .map_err(|e| self.rec.playback_error(e))?;
        let mut input = RecordedInput::open(&url, options(), self.stop.clone())?;
        input.use_zero_origin();
        input.set_decimation(self.decimation);
        self.current = Some(Playing {
            input,
            base_ms: base,
            end_ms: span.end_ms,
        });
        Ok(())
    }

    /// Ends the current span: a gap to the next one, or the end.
    fn finish_span(&mut self) -> ReadEvent {
        let ended = self.spans[self.index].end_ms;
        self.current = None;
        self.index += 1;
        match self.spans.get(self.index) {
            Some(next) => {
                self.from_ms = next.start_ms;
                ReadEvent::Gap {
                    from_ms: ended,
                    to_ms: next.start_ms,
                }
            }
            None => ReadEvent::End,
        }
    }
}

impl RecordingReader for HikReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            if self.index >= self.spans.len() {
                return Ok(ReadEvent::End);
            }
            if self.current.is_none() {
                self.start()?;
            }
            let p = self.current.as_mut().expect("playing");
            match p.input.next_frame() {
                Ok(Some(f)) => {
                    let ts = p.base_ms.saturating_add(f.offset_ms);
                    if ts >= p.end_ms {
                        // the device goes on past endtime: stop here
                        return Ok(self.finish_span());
                    }
                    if ts < self.from_ms {
                        continue;
                    }
                    return Ok(ReadEvent::Frame(DecodedFrame {
                        ts_ms: ts,
                        frame: f.frame,
                        keyframe: f.keyframe,
                    }));
                }
                Ok(None) | Err(MediaError::Ended { .. }) => return Ok(self.finish_span()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        if let Some(p) = self.current.as_mut() {
            p.input.set_decimation(d);
        }
    }
}
