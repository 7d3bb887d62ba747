//! Playback of a Dahua channel over RTSP: `cam/playback?channel=N&subtype=0
//! &starttime=YYYY_MM_DD_HH_MM_SS&endtime=...` in the device's local time,
//! one request per recorded span (what a device sends across a gap is not
//! documented), through our RTSP client ([`ReplayReader::open_recorder`]),
//! so a frame's time is the request's start plus its RTP offset from the
//! first unit. The device sends in real time; 1x-4x is paced by the
//! engine's session clock. The credentials go into the URL only here.
use std::sync::Arc;

use super::site::Inner;
use super::stored::DahuaCamera;
use super::zone::underscored;
use crate::media::source::StopFlag;
use crate::media::MediaError;
use crate::playback::day::format_rfc3339;
use crate::playback::{Decimation, PlaybackError, ReadEvent, RecordingReader, Span};
use crate::rtsp::replay::ReplayReader;
use crate::secrets::redact::with_credentials;

/// How far ahead a reader looks for the next span at the end of one.
const LOOKAHEAD_MS: i64 = 24 * 3_600_000;

pub struct DahuaPlayback {
    inner: Arc<Inner>,
    cam: DahuaCamera,
    decimation: Decimation,
    stop: StopFlag,
    reader: ReplayReader,
    /// The current request's span's end.
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
        let at = t_ms.max(span.start_ms);
        let from = at.div_euclid(1000) * 1000;
        let reader = open_reader(&inner, &cam, (from, at), span.end_ms, decimation, &stop)?;
        Ok(Self {
            inner,
            cam,
            decimation,
            stop,
            reader,
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

/// A reader of the request from `from_ms` (whole second) to `to_ms`,
/// returning frames from `skip_to_ms`.
fn open_reader(
    inner: &Arc<Inner>,
    cam: &DahuaCamera,
    (from_ms, skip_to_ms): (i64, i64),
    to_ms: i64,
    decimation: Decimation,
    stop: &StopFlag,
) -> Result<ReplayReader, PlaybackError> {
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
    ReplayReader::open_recorder(&full, from_ms, skip_to_ms, decimation, stop.clone())
}

impl RecordingReader for DahuaPlayback {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        if self.stop.is_stopped() {
            return Err(MediaError::Stopped.into());
        }
        match self.reader.next()? {
            ReadEvent::Frame(f) if f.ts_ms >= self.end_ms => self.next_span(),
            ReadEvent::End => self.next_span(),
            other => Ok(other),
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        self.reader.set_decimation(d);
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
        self.reader = open_reader(
            &self.inner,
            &self.cam,
            (from, from),
            next.end_ms,
            self.decimation,
            &self.stop,
        )?;
        let gap = ReadEvent::Gap {
            from_ms: after,
            to_ms: from,
        };
        self.end_ms = next.end_ms;
        Ok(gap)
    }
}
