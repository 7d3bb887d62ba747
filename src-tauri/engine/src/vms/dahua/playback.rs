//! Playback of a Dahua channel over RTSP: `cam/playback?channel=N&subtype=0
//! &starttime=YYYY_MM_DD_HH_MM_SS&endtime=...` in the device's local time,
//! one request per recorded span (what a device sends across a gap is not
//! documented), so a frame's time is the request's start plus its offset
//! from the first frame. The device sends in real time; 1x-4x is paced by
//! the engine's session clock. The credentials go into the URL only here.
use std::sync::Arc;

use ffmpeg_next::Dictionary;

use super::site::Inner;
use super::stored::DahuaCamera;
use super::zone::underscored;
use crate::media::recorded_input::RecordedInput;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;
use crate::playback::day::format_rfc3339;
use crate::playback::{Decimation, PlaybackError, ReadEvent, RecordingReader, Span};
use crate::secrets::redact::with_credentials;

/// How far ahead a reader looks for the next span at the end of one.
const LOOKAHEAD_MS: i64 = 24 * 3_600_000;

fn options() -> Dictionary<'static> {
    let mut o = Dictionary::new();
    o.set("rtsp_transport", "tcp");
    o.set("allowed_media_types", "video");
    o.set("timeout", "10000000");
    o
}

pub struct DahuaPlayback {
    inner: Arc<Inner>,
    cam: DahuaCamera,
    decimation: Decimation,
    stop: StopFlag,
    input: RecordedInput,
    /// Start of the current request (whole second, UTC ms) and its span's end.
    start_ms: i64,
    end_ms: i64,
}

impl DahuaPlayback {
    /// A reader from `t_ms` (the next span's start when `t_ms` is in a gap).
    pub(crate) fn open(
        inner: Arc<Inner>,
        cam: DahuaCamera,
        spans: &[Span],
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Self, PlaybackError> {
        let span = spans
            .iter()
            .find(|s| s.end_ms > t_ms)
            .ok_or_else(|| PlaybackError::NoRecording(format_rfc3339(t_ms)))?;
        let from = t_ms.max(span.start_ms).div_euclid(1000) * 1000;
        let input = open_input(&inner, &cam, from, span.end_ms, decimation, &stop)?;
        Ok(Self {
            inner,
            cam,
            decimation,
            stop,
            input,
            start_ms: from,
            end_ms: span.end_ms,
        })
    }
}

/// The playback URL without credentials.
pub(crate) fn url(
    inner: &Inner,
    cam: &DahuaCamera,
    zone: &super::zone::DeviceZone,
    from_ms: i64,
    to_ms: i64,
) -> String {
    format!(
        "rtsp://{}/cam/playback?channel={}&subtype=0&starttime={}&endtime={}",
        inner.rtsp_authority(cam.rtsp_port),
        cam.channel,
        underscored(zone.local(from_ms)),
        underscored(zone.local(to_ms + 999))
    )
}

fn open_input(
    inner: &Arc<Inner>,
    cam: &DahuaCamera,
    from_ms: i64,
    to_ms: i64,
    decimation: Decimation,
    stop: &StopFlag,
) -> Result<RecordedInput, PlaybackError> {
    let zone = crate::vms::onvif::block_on(&inner.rt, inner.zone()).map_err(|e| {
        PlaybackError::Source {
            source_name: inner.label(),
            reason: e.to_string(),
        }
    })?;
    let plain = url(inner, cam, &zone, from_ms, to_ms);
    let creds = inner.credentials().map_err(|e| PlaybackError::Source {
        source_name: inner.label(),
        reason: e.to_string(),
    })?;
    let full = match creds {
        Some((u, p)) => with_credentials(&plain, Some(&u), Some(&p)).unwrap_or(plain),
        None => plain,
    };
    let mut input = RecordedInput::open(&full, options(), stop.clone())?;
    input.set_decimation(decimation);
    Ok(input)
}

impl RecordingReader for DahuaPlayback {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        if self.stop.is_stopped() {
            return Err(MediaError::Stopped.into());
        }
        match self.input.next_frame() {
            Ok(Some(f)) => {
                let ts = self.start_ms.saturating_add(f.offset_ms);
                if ts >= self.end_ms {
                    return self.next_span();
                }
                Ok(ReadEvent::Frame(DecodedFrame {
                    ts_ms: ts,
                    frame: f.frame,
                    keyframe: f.keyframe,
                }))
            }
            Ok(None) | Err(MediaError::Ended { .. }) => self.next_span(),
            Err(e) => Err(e.into()),
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        self.input.set_decimation(d);
    }
}

impl DahuaPlayback {
    /// At the end of a span: a gap to the next one (reopened there), or the end.
    fn next_span(&mut self) -> Result<ReadEvent, PlaybackError> {
        let rec = super::recording::DahuaRecording {
            inner: self.inner.clone(),
            cam: self.cam.clone(),
        };
        let after = self.end_ms;
        let spans = crate::vms::onvif::block_on(
            &self.inner.rt,
            rec.spans_async(after + 1000, after + LOOKAHEAD_MS),
        )
        .map_err(|e| PlaybackError::Source {
            source_name: self.inner.label(),
            reason: e.to_string(),
        })?;
        let Some(next) = spans.first().copied() else {
            return Ok(ReadEvent::End);
        };
        let from = next.start_ms.div_euclid(1000) * 1000;
        self.input = open_input(
            &self.inner,
            &self.cam,
            from,
            next.end_ms,
            self.decimation,
            &self.stop,
        )?;
        self.start_ms = from;
        let gap = ReadEvent::Gap {
            from_ms: after,
            to_ms: from,
        };
        self.end_ms = next.end_ms;
        Ok(gap)
    }
}
