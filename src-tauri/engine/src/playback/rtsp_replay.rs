//! An RTSP replay URL (a recorder's playback mount, an ONVIF replay URI) as
//! a recording source, through our RTSP client over TCP
//! ([`ReplayReader::open_npt`]): a seek is a new session whose PLAY asks
//! `Range: npt=<offset>-`, and the answer's `Range` and `RTP-Info` anchor
//! the RTP clock, so a frame's recording time is the recording's start plus
//! its npt. The recording's start comes from `#start=` or the server's
//! RTCP sender reports; its length from the SDP's `a=range:npt=`. No
//! `Scale` is sent: the session clock paces on the client, and waits for
//! the server, which sends in real time (docs/playback.md).
use std::time::{Duration, Instant};

use super::bounds;
use super::day::{format_rfc3339, parse_rfc3339};
use super::{Decimation, PlaybackError, Recording, RecordingReader, Span};
use crate::media::source::StopFlag;
use crate::rtsp::play_info::npt_range;
use crate::rtsp::replay::{playback_error, ReplayReader, ReplayStream};
use crate::rtsp::session::Session;
use crate::secrets::redact::redact_url;

/// How long `open` waits for a sender report when no `#start=` is given.
const SR_WAIT: Duration = Duration::from_secs(8);

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

impl RtspReplay {
    /// `url` may carry credentials; `start` overrides the SDP's clock range.
    pub fn open(url: &str, start: Option<&str>) -> Result<Self, PlaybackError> {
        let mut session = Session::open(url, &[], StopFlag::default()).map_err(playback_error)?;
        let stated = session.sdp.range.as_deref().and_then(npt_range);
        session.teardown();
        let duration_ms =
            stated
                .and_then(|(s, e)| e.map(|e| e - s))
                .ok_or_else(|| PlaybackError::Source {
                    source_name: redact_url(url),
                    reason:
                        "the server states no range (a=range:npt) for this URL; is it a replay URL?"
                            .into(),
                })?;
        let start_ms = match start {
            Some(s) => parse_rfc3339(s)?,
            None => {
                let t = sender_start_ms(url)?.ok_or_else(|| {
                    PlaybackError::Invalid(
                        "the server sends no sender report to date npt 0: add #start=<RFC 3339 time of npt 0>"
                            .into(),
                    )
                })?;
                bounds::check(t, "the server's sender report")?
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

/// The sender's wall time of npt 0, from the first sender report of a
/// replay from npt 0 (`None` if none comes within [`SR_WAIT`]).
fn sender_start_ms(url: &str) -> Result<Option<i64>, PlaybackError> {
    let mut stream =
        ReplayStream::open_npt(url, 0, 0, StopFlag::default()).map_err(playback_error)?;
    let deadline = Instant::now() + SR_WAIT;
    while Instant::now() < deadline {
        let Some(u) = stream.next_unit().map_err(playback_error)? else {
            break;
        };
        // with origin 0, a unit's time is its npt
        if let Some(wall) = stream.sender_ms(u.unit.rtp_timestamp) {
            return Ok(wall.checked_sub(u.ts_ms));
        }
    }
    Ok(None)
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
        let from = t_ms.max(self.start_ms);
        frame_time(self.start_ms, from - self.start_ms)?;
        Ok(Box::new(ReplayReader::open_npt(
            &self.url,
            self.start_ms,
            from,
            decimation,
            stop,
        )?))
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
