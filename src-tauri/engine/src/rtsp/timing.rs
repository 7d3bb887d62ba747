//! Which wall-clock time a frame belongs to. Live: RTCP sender reports map
//! RTP timestamps to the camera's clock ([`SrMapping`]); the camera clock's
//! offset to the workstation is estimated from arrivals ([`LiveClock`]); a
//! camera whose clock is off by more than [`MAX_SANE_OFFSET_MS`] (or that
//! sends no report) gets arrival times, flagged. Replay: the ONVIF header
//! extension, else the PLAY range start plus elapsed RTP time.
use super::rtp::{ntp_to_unix_ms, SenderReport};

/// A camera clock further off than this is not trusted for capture times.
pub const MAX_SANE_OFFSET_MS: i64 = 5_000;

/// ms of RTP time between `from` and `to` (wrapping, signed) at `clock_rate`.
pub fn rtp_delta_ms(from: u32, to: u32, clock_rate: u32) -> i64 {
    let ticks = i64::from(to.wrapping_sub(from) as i32);
    ticks * 1000 / i64::from(clock_rate.max(1))
}

/// The latest sender report's RTP-to-wall-clock mapping of one stream.
#[derive(Debug, Clone, Default)]
pub struct SrMapping {
    clock_rate: u32,
    ssrc: Option<u32>,
    last: Option<(u32, i64)>,
}

impl SrMapping {
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate,
            ..Default::default()
        }
    }
    /// Only the media's own SSRC counts once it is known.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        if self.ssrc.is_some_and(|s| s != ssrc) {
            self.last = None;
        }
        self.ssrc = Some(ssrc);
    }
    pub fn on_report(&mut self, sr: &SenderReport) {
        if self.ssrc.is_some_and(|s| s != sr.ssrc) {
            return;
        }
        // zero NTP: no clock (ONVIF replay with rate control off)
        if let Some(ms) = ntp_to_unix_ms(sr.ntp).filter(|_| sr.ntp != 0) {
            self.last = Some((sr.rtp_timestamp, ms));
        }
    }
    /// The sender's wall-clock time of RTP time `rtp`, once a report came.
    pub fn wall_ms(&self, rtp: u32) -> Option<i64> {
        let (sr_rtp, sr_ms) = self.last?;
        Some(sr_ms + rtp_delta_ms(sr_rtp, rtp, self.clock_rate))
    }
}

/// Where a frame's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// The camera's capture time (sender report, offset sane).
    Capture,
    /// The workstation's arrival time: no report yet.
    ArrivalNoReport,
    /// The workstation's arrival time: the camera's clock is off.
    ArrivalClockOff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTime {
    pub ts_ms: i64,
    pub source: TimeSource,
}

/// Capture times for a live stream, with the camera clock's offset.
#[derive(Debug, Clone)]
pub struct LiveClock {
    pub mapping: SrMapping,
    /// min(arrival - capture) seen: camera clock behind the workstation's
    /// by this much plus the smallest network delay.
    min_lag_ms: Option<i64>,
}

impl LiveClock {
    pub fn new(clock_rate: u32) -> Self {
        Self {
            mapping: SrMapping::new(clock_rate),
            min_lag_ms: None,
        }
    }

    /// The estimated offset workstation clock minus camera clock (ms).
    pub fn offset_ms(&self) -> Option<i64> {
        self.min_lag_ms
    }

    /// The time to stamp a frame of RTP time `rtp` that arrived at `arrival_ms`.
    pub fn frame_time(&mut self, rtp: u32, arrival_ms: i64) -> FrameTime {
        let Some(capture) = self.mapping.wall_ms(rtp) else {
            return FrameTime {
                ts_ms: arrival_ms,
                source: TimeSource::ArrivalNoReport,
            };
        };
        let lag = arrival_ms - capture;
        self.min_lag_ms = Some(self.min_lag_ms.map_or(lag, |m| m.min(lag)));
        if self
            .min_lag_ms
            .is_some_and(|m| m.abs() > MAX_SANE_OFFSET_MS)
        {
            return FrameTime {
                ts_ms: arrival_ms,
                source: TimeSource::ArrivalClockOff,
            };
        }
        FrameTime {
            ts_ms: capture,
            source: TimeSource::Capture,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::rtp::unix_ms_to_ntp;
    use super::*;

    fn sr(rtp: u32, ms: i64) -> SenderReport {
        SenderReport {
            ssrc: 7,
            ntp: unix_ms_to_ntp(ms),
            rtp_timestamp: rtp,
        }
    }

    #[test]
    fn capture_time_from_sender_report_despite_delay() {
        let t0 = 1_767_225_600_000;
        let mut c = LiveClock::new(90_000);
        assert_eq!(c.frame_time(0, t0).source, TimeSource::ArrivalNoReport);
        c.mapping.set_ssrc(7);
        c.mapping.on_report(&sr(u32::MAX - 8999, t0)); // wraps before the frame
                                                       // a frame 1 s of RTP later that arrives 300 ms late
        let f = c.frame_time(81_000, t0 + 1_300);
        assert_eq!(
            f,
            FrameTime {
                ts_ms: t0 + 1_000,
                source: TimeSource::Capture
            }
        );
        assert_eq!(c.offset_ms(), Some(300));
    }

    #[test]
    fn a_camera_90_s_off_falls_back_to_arrival() {
        let t0 = 1_767_225_600_000;
        let mut c = LiveClock::new(90_000);
        c.mapping.on_report(&sr(0, t0 - 90_000));
        let f = c.frame_time(9_000, t0 + 120);
        assert_eq!(
            f,
            FrameTime {
                ts_ms: t0 + 120,
                source: TimeSource::ArrivalClockOff
            }
        );
        assert_eq!(c.offset_ms(), Some(90_020));
    }

    #[test]
    fn zero_ntp_reports_are_ignored() {
        let mut m = SrMapping::new(90_000);
        m.on_report(&SenderReport {
            ssrc: 1,
            ntp: 0,
            rtp_timestamp: 5,
        });
        assert_eq!(m.wall_ms(5), None);
    }
}
