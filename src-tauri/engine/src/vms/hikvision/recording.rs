//! A channel's recordings as a [`Recording`]: coverage from ISAPI search,
//! the month calendar from `dailyDistribution`, and frames from RTSP
//! playback `/Streaming/tracks/<ID>/?starttime=&endtime=` one span at a
//! time. Some NVRs ignore `endtime` (PROTOCOLS.md 3.5), so the reader stops
//! on our side when a frame reaches the span's end, then goes on to the next
//! span with a gap. Frames come through our RTSP client
//! ([`ReplayReader::open_recorder`]); their times are the request's start
//! plus the RTP clock's offset from the first unit (npt 0 = `starttime`).
use std::sync::Arc;

use super::search::{self, spans_of};
use super::site::{DeviceClock, HikCamera, Inner};
use super::time::format_compact;
use crate::error::{ErrorKind, HasKind};
use crate::media::source::StopFlag;
use crate::media::MediaError;
use crate::playback::day::format_rfc3339;
use crate::playback::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, Span};
use crate::rtsp::replay::ReplayReader;
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

struct Playing {
    reader: ReplayReader,
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
        // the URL carries whole seconds: start at the second, skip to `from`
        let base = from - from.rem_euclid(1000);
        let end_s = span.end_ms + 999 - (span.end_ms + 999).rem_euclid(1000);
        let url = self
            .rec
            .playback_url(&self.clock, base, end_s)
            .map_err(|e| self.rec.playback_error(e))?;
        let reader =
            ReplayReader::open_recorder(&url, base, from, self.decimation, self.stop.clone())?;
        self.current = Some(Playing {
            reader,
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
            match p.reader.next()? {
                ReadEvent::Frame(f) if f.ts_ms >= p.end_ms => {
                    // the device goes on past endtime: stop here
                    return Ok(self.finish_span());
                }
                ReadEvent::Frame(f) if f.ts_ms < self.from_ms => continue,
                ReadEvent::End => return Ok(self.finish_span()),
                other => return Ok(other),
            }
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        if let Some(p) = self.current.as_mut() {
            p.reader.set_decimation(d);
        }
    }
}
