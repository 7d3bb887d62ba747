//! A HikCentral camera's recordings as a [`Recording`]: coverage is the
//! segment list of the playback URL answer for the window asked; a reader
//! asks for a playback URL per recorded span (from the requested instant to
//! the span's end) and reads it over RTSP/TCP at the server's pace, a
//! frame's recording time being the span's start plus its stream time
//! (npt 0 is the start asked for). Gaps between spans are reported, not played.
use std::collections::VecDeque;
use std::sync::Arc;

use ffmpeg_next::Dictionary;

use super::site::{printable_stream_url, Inner};
use super::stream_copy;
use crate::media::recorded_input::RecordedInput;
use crate::media::resolving_input::with_printable_url;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;
use crate::playback::day::format_rfc3339;
use crate::playback::{
    Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, SegmentFile, Span,
};
use crate::vms::VmsError;

/// The recorded lead-in a reader asks for before the instant wanted.
const LEAD_IN_MS: i64 = 2_000;
/// How far ahead a reader looks for recorded spans.
const LOOKAHEAD_MS: i64 = 24 * 3_600_000;

pub struct HcRecording {
    inner: Arc<Inner>,
    camera: String,
}

/// Segments clipped to `[from, to)`, sorted and merged (touching pieces join).
pub fn merge_segments(segments: &[(i64, i64)], from_ms: i64, to_ms: i64) -> Vec<Span> {
    let mut pieces: Vec<(i64, i64)> = segments
        .iter()
        .map(|&(a, b)| (a.max(from_ms), b.min(to_ms)))
        .filter(|(a, b)| b > a)
        .collect();
    pieces.sort();
    let mut out: Vec<Span> = Vec::new();
    for (a, b) in pieces {
        match out.last_mut() {
            Some(last) if a <= last.end_ms => last.end_ms = last.end_ms.max(b),
            _ => out.push(Span::new(a, b)),
        }
    }
    out
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl HcRecording {
    pub(crate) fn new(inner: Arc<Inner>, camera: String) -> Self {
        Self { inner, camera }
    }

    /// Coverage of `[from_ms, to_ms)` from the playback answer's segments.
    pub async fn spans_async(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, VmsError> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let a = self.inner.playback(&self.camera, from_ms, to_ms).await?;
        Ok(merge_segments(&a.segments, from_ms, to_ms))
    }

    fn playback_error(&self, e: VmsError) -> PlaybackError {
        use crate::error::{ErrorKind, HasKind};
        match e.kind() {
            k @ (ErrorKind::AuthFailed | ErrorKind::Untrusted) => PlaybackError::Refused {
                source_name: self.describe(),
                kind: k,
                reason: e.to_string(),
            },
            ErrorKind::Unsupported => PlaybackError::Unsupported("HikCentral playback"),
            _ => PlaybackError::Source {
                source_name: self.describe(),
                reason: e.to_string(),
            },
        }
    }
}

fn options() -> Dictionary<'static> {
    let mut o = Dictionary::new();
    o.set("rtsp_transport", "tcp");
    o.set("allowed_media_types", "video");
    o.set("timeout", "10000000");
    o
}

impl Recording for HcRecording {
    fn describe(&self) -> String {
        format!(
            "{} recordings of camera {}",
            self.inner.label(),
            self.camera
        )
    }

    fn paced_by_server(&self) -> bool {
        true
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        crate::vms::onvif::block_on(&self.inner.rt, self.spans_async(from_ms, to_ms))
            .map_err(|e| self.playback_error(e))
    }

    /// The window's playback stream copied into local files (one per
    /// recorded span), for the stream-copy clip path when the server has no
    /// download flow: the codec is kept (H.265 stays H.265).
    fn segment_files(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Option<Vec<SegmentFile>>, PlaybackError> {
        let mut out = Vec::new();
        // with a recorded lead-in, as the reader (the first GOP may be lost)
        for span in self.spans(from_ms - LEAD_IN_MS, to_ms)? {
            let answer = crate::vms::onvif::block_on(
                &self.inner.rt,
                self.inner
                    .playback(&self.camera, span.start_ms, span.end_ms),
            )
            .map_err(|e| self.playback_error(e))?;
            let Some(url) = answer.url else { continue };
            let (path, first) =
                stream_copy::copy_to_file(&url, span.duration_ms(), &StopFlag::default()).map_err(
                    |e| PlaybackError::Source {
                        source_name: self.describe(),
                        reason: e.to_string(),
                    },
                )?;
            out.push(SegmentFile {
                path,
                start_ms: span.start_ms + first,
                end_ms: span.end_ms,
            });
        }
        Ok(Some(out))
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let to = (t_ms.saturating_add(LOOKAHEAD_MS)).min(now_ms());
        // a recorded lead-in before t: the stream starts there and frames
        // before t are decoded and dropped (FFmpeg's RTSP reader loses the
        // first GOP of a session; without a lead-in the first second shows late)
        let lead_from = t_ms - LEAD_IN_MS;
        let mut spans = self.spans(lead_from, to)?;
        if spans.first().is_some_and(|s| s.start_ms > lead_from) {
            spans = merge_segments(
                &spans
                    .iter()
                    .map(|s| (s.start_ms, s.end_ms))
                    .collect::<Vec<_>>(),
                t_ms,
                to,
            );
        }
        if spans.is_empty() {
            return Err(PlaybackError::NoRecording(format_rfc3339(t_ms)));
        }
        let mut r = HcReader {
            rec: HcRecording::new(self.inner.clone(), self.camera.clone()),
            spans: spans.into(),
            current: None,
            last_end: None,
            target_ms: t_ms,
            decimation,
            stop,
        };
        // the first span opens now, so a refused URL is an error of `open`
        r.open_next()?;
        Ok(Box::new(r))
    }
}

struct Current {
    input: RecordedInput,
    span: Span,
}

struct HcReader {
    rec: HcRecording,
    spans: VecDeque<Span>,
    current: Option<Current>,
    last_end: Option<i64>,
    /// Frames before this (the lead-in) are dropped.
    target_ms: i64,
    decimation: Decimation,
    stop: StopFlag,
}

impl HcReader {
    /// Opens the next span's playback URL; `Ok(false)` when none is left.
    fn open_next(&mut self) -> Result<bool, PlaybackError> {
        let Some(span) = self.spans.pop_front() else {
            return Ok(false);
        };
        let inner = self.rec.inner.clone();
        let answer = crate::vms::onvif::block_on(
            &inner.rt,
            inner.playback(&self.rec.camera, span.start_ms, span.end_ms),
        )
        .map_err(|e| self.rec.playback_error(e))?;
        let url = answer
            .url
            .ok_or_else(|| PlaybackError::NoRecording(format_rfc3339(span.start_ms)))?;
        let printable = printable_stream_url(&url);
        let mut input = RecordedInput::open(&url, options(), self.stop.clone())
            .map_err(|e| PlaybackError::Media(with_printable_url(e, &printable)))?;
        // npt 0 of the stream is the span's (requested) start
        input.use_zero_origin();
        input.set_decimation(self.decimation);
        self.current = Some(Current { input, span });
        Ok(true)
    }
}

impl RecordingReader for HcReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            let Some(cur) = self.current.as_mut() else {
                let gap_from = self.last_end;
                if !self.open_next()? {
                    return Ok(ReadEvent::End);
                }
                let start = self.current.as_ref().map(|c| c.span.start_ms);
                if let (Some(from), Some(to)) = (gap_from, start) {
                    if to > from {
                        return Ok(ReadEvent::Gap {
                            from_ms: from,
                            to_ms: to,
                        });
                    }
                }
                continue;
            };
            match cur.input.next_frame() {
                Ok(Some(f)) => {
                    let ts = cur.span.start_ms.saturating_add(f.offset_ms);
                    if ts >= cur.span.end_ms {
                        // past the span: a server that does not stop there
                        self.last_end = Some(cur.span.end_ms);
                        self.current = None;
                        continue;
                    }
                    if ts < self.target_ms {
                        continue;
                    }
                    return Ok(ReadEvent::Frame(DecodedFrame {
                        ts_ms: ts,
                        frame: f.frame,
                        keyframe: f.keyframe,
                    }));
                }
                Ok(None) | Err(MediaError::Ended { .. }) => {
                    self.last_end = Some(cur.span.end_ms);
                    self.current = None;
                }
                Err(e) => {
                    let printable = "HikCentral playback stream";
                    return Err(PlaybackError::Media(with_printable_url(e, printable)));
                }
            }
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        if let Some(c) = self.current.as_mut() {
            c.input.set_decimation(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_merge_and_clip() {
        let s = merge_segments(&[(50, 100), (0, 50), (200, 300), (250, 260)], 10, 280);
        assert_eq!(s, vec![Span::new(10, 100), Span::new(200, 280)]);
        assert!(merge_segments(&[(0, 5)], 10, 20).is_empty());
    }
}
