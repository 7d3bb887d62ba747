//! A Dahua channel's recordings as a [`Recording`]: coverage spans from
//! `mediaFileFind` in the device's local time, converted with the device's
//! zone ([`super::zone`]) to UTC, clipped and merged. Frames of the past
//! come from RTSP `cam/playback` ([`super::playback`]).
use std::sync::Arc;

use super::finder;
use super::site::Inner;
use super::stored::DahuaCamera;
use crate::error::{ErrorKind, HasKind};
use crate::media::source::StopFlag;
use crate::playback::{Decimation, PlaybackError, Recording, RecordingReader, Span};
use crate::vms::VmsError;

pub struct DahuaRecording {
    pub(crate) inner: Arc<Inner>,
    pub(crate) cam: DahuaCamera,
}

/// Sorted, merged spans of `(start, end)` pairs clipped to `[from, to)`.
pub fn merge_spans(mut spans: Vec<(i64, i64)>, from_ms: i64, to_ms: i64) -> Vec<Span> {
    spans.retain(|(a, b)| b > a);
    spans.sort();
    let mut out: Vec<Span> = Vec::new();
    for (a, b) in spans {
        let (a, b) = (a.max(from_ms), b.min(to_ms));
        if b <= a {
            continue;
        }
        match out.last_mut() {
            // files of one recording touch (end second == next start second)
            Some(last) if a <= last.end_ms + 1000 => last.end_ms = last.end_ms.max(b),
            _ => out.push(Span::new(a, b)),
        }
    }
    out
}

impl DahuaRecording {
    /// Coverage of `[from_ms, to_ms)`.
    pub async fn spans_async(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, VmsError> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let zone = self.inner.zone().await?;
        let cgi = self.inner.cgi()?;
        let files = finder::find_files(
            &cgi,
            self.inner.cgi_channel(self.cam.channel),
            zone.local(from_ms),
            zone.local(to_ms + 999),
        )
        .await?;
        let spans = files
            .iter()
            .filter_map(|f| Some((zone.utc_ms(f.start)?, zone.utc_ms(f.end)?)))
            .collect();
        Ok(merge_spans(spans, from_ms, to_ms))
    }
}

impl Recording for DahuaRecording {
    fn describe(&self) -> String {
        format!(
            "{} channel {} recordings",
            self.inner.label(),
            self.cam.channel
        )
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        crate::vms::onvif::block_on(&self.inner.rt, self.spans_async(from_ms, to_ms)).map_err(|e| {
            match e.kind() {
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
        })
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let spans = self.spans(t_ms, t_ms + 24 * 3_600_000)?;
        Ok(Box::new(super::playback::DahuaPlayback::open(
            self.inner.clone(),
            self.cam.clone(),
            &spans,
            t_ms,
            decimation,
            stop,
        )?))
    }

    fn paced_by_server(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touching_files_merge_and_gaps_stay() {
        let s = merge_spans(
            vec![(10_000, 20_000), (0, 10_000), (40_000, 50_000)],
            5_000,
            45_000,
        );
        assert_eq!(
            s.iter().map(|s| (s.start_ms, s.end_ms)).collect::<Vec<_>>(),
            vec![(5_000, 20_000), (40_000, 45_000)]
        );
    }
}
