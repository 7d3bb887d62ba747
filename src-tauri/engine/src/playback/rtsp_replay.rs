//! An RTSP replay URL (a recorder's playback mount, an ONVIF replay URI) as
//! a recording source, through FFmpeg's RTSP client over TCP: a seek is a
//! new PLAY with `Range: npt=<offset>-`, and FFmpeg stamps packets with the
//! range's time, so a frame's recording time is the recording's start plus
//! its npt. The recording's start comes from `#start=` or the server's
//! RTCP sender reports; its length from the SDP's `a=range:npt=`. FFmpeg
//! sends no `Scale`: the session clock paces on the client, and waits for
//! the server, which sends in real time (docs/playback.md).
use ffmpeg_next::Dictionary;

use super::bounds;
use super::day::{format_rfc3339, parse_rfc3339};
use super::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, Span};
use crate::media::recorded_input::RecordedInput;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;
use crate::secrets::redact::redact_url;

pub struct RtspReplay {
    url: String,
    start_ms: i64,
    duration_ms: i64,
}

impl std::fmt::Debug for RtspReplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtspReplay")
            .field("url", &redact_url(&self.url))
            .field("start", &format_rfc3339(self.start_ms))
            .finish()
    }
}

fn options() -> Dictionary<'static> {
    let mut o = Dictionary::new();
    o.set("rtsp_transport", "tcp");
    o.set("allowed_media_types", "video");
    o.set("timeout", "10000000");
    o
}

impl RtspReplay {
    /// `url` may carry credentials; `start` overrides the SDP's clock range.
    pub fn open(url: &str, start: Option<&str>) -> Result<Self, PlaybackError> {
        let input = RecordedInput::open(url, options(), StopFlag::default())?;
        let duration_ms = input
            .stated_duration_ms()
            .ok_or_else(|| PlaybackError::Source {
                source_name: redact_url(url),
                reason:
                    "the server states no range (a=range:npt) for this URL; is it a replay URL?"
                        .into(),
            })?;
        let start_ms = match start {
            Some(s) => parse_rfc3339(s)?,
            None => {
                let t = input.start_time_utc_ms().ok_or_else(|| {
                    PlaybackError::Invalid(
                        "the server gives no clock range: add #start=<RFC 3339 time of npt 0>"
                            .into(),
                    )
                })?;
                bounds::check(t, "the server's clock range start")?
            }
        };
        let duration_ms = recording_end(start_ms, duration_ms)
            .map(|end| end - start_ms)
            .ok_or_else(|| PlaybackError::Source {
                source_name: redact_url(url),
                reason: format!("the stated range of {duration_ms} ms ends after 2200"),
            })?;
        Ok(Self {
            url: url.to_string(),
            start_ms,
            duration_ms,
        })
    }
}

/// Where a recording starting at `start_ms` and `duration_ms` long ends, if
/// that is before the end of 2200.
fn recording_end(start_ms: i64, duration_ms: i64) -> Option<i64> {
    start_ms
        .checked_add(duration_ms)
        .filter(|end| *end <= bounds::LATEST_MS)
}

/// A frame's recording time, if the stream's timestamp keeps it in 1970..=2200.
fn frame_time(start_ms: i64, offset_ms: i64) -> Result<i64, PlaybackError> {
    start_ms
        .checked_add(offset_ms)
        .filter(|t| bounds::in_bounds(*t))
        .ok_or_else(|| PlaybackError::Source {
            source_name: "rtsp replay".into(),
            reason: format!("a frame {offset_ms} ms into the replay is out of range"),
        })
}

impl Recording for RtspReplay {
    fn describe(&self) -> String {
        format!("rtsp replay {}", redact_url(&self.url))
    }

    fn paced_by_server(&self) -> bool {
        true
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        let (a, b) = (
            self.start_ms.max(from_ms),
            (self.start_ms + self.duration_ms).min(to_ms),
        );
        Ok(if a < b {
            vec![Span::new(a, b)]
        } else {
            Vec::new()
        })
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let end = self.start_ms + self.duration_ms;
        if t_ms >= end {
            return Err(PlaybackError::NoRecording(format_rfc3339(t_ms)));
        }
        let offset = t_ms.saturating_sub(self.start_ms).max(0);
        let mut input = RecordedInput::open(&self.url, options(), stop.clone())?;
        input.use_zero_origin();
        input.set_decimation(decimation);
        input.seek_ms(offset)?;
        Ok(Box::new(ReplayReader {
            input,
            start_ms: self.start_ms,
            stop,
        }))
    }
}

struct ReplayReader {
    input: RecordedInput,
    start_ms: i64,
    stop: StopFlag,
}

impl RecordingReader for ReplayReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        if self.stop.is_stopped() {
            return Err(MediaError::Stopped.into());
        }
        match self.input.next_frame() {
            Ok(Some(f)) => Ok(ReadEvent::Frame(DecodedFrame {
                ts_ms: frame_time(self.start_ms, f.offset_ms)?,
                frame: f.frame,
                keyframe: f.keyframe,
            })),
            Ok(None) | Err(MediaError::Ended { .. }) => Ok(ReadEvent::End),
            Err(e) => Err(e.into()),
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.input.set_decimation(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ranges_and_timestamps_are_refused() {
        let t0 = parse_rfc3339("2025-08-29T14:30:00Z").unwrap();
        assert_eq!(recording_end(t0, 20_000), Some(t0 + 20_000));
        assert_eq!(recording_end(t0, i64::MAX), None);
        assert_eq!(recording_end(t0, bounds::LATEST_MS), None);
        assert_eq!(frame_time(t0, 40).unwrap(), t0 + 40);
        assert!(frame_time(t0, i64::MAX).is_err());
        assert!(frame_time(t0, i64::MIN).is_err());
    }
}
