//! The device's own time zone: Dahua CGI and RTSP speak the device's local
//! civil time. The zone is the site's `device_time_zone` option (an IANA
//! name, exact across DST changes) or, without it, the device's current
//! offset learnt from `global.cgi?action=getCurrentTime` against the
//! workstation's UTC clock, rounded to 15 minutes (fixed: a DST change
//! inside a searched window is then off by the DST shift).
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

/// Local civil time <-> UTC ms for one device.
#[derive(Debug, Clone)]
pub struct DeviceZone {
    tz: TimeZone,
}

impl DeviceZone {
    pub fn named(tz: TimeZone) -> Self {
        Self { tz }
    }

    /// From the device's current local time and the workstation's `now_ms`.
    pub fn learnt(device_now: DateTime, now_ms: i64) -> Option<Self> {
        let as_utc = device_now
            .to_zoned(TimeZone::UTC)
            .ok()?
            .timestamp()
            .as_millisecond();
        let minutes = ((as_utc - now_ms) as f64 / 60_000.0 / 15.0).round() as i32 * 15;
        if minutes.abs() > 14 * 60 {
            return None;
        }
        Some(Self {
            tz: TimeZone::fixed(Offset::from_seconds(minutes * 60).ok()?),
        })
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// UTC ms -> the device's civil time (whole seconds, rounded down).
    pub fn local(&self, ms: i64) -> DateTime {
        let ts = Timestamp::from_millisecond(ms.div_euclid(1000) * 1000)
            .unwrap_or(Timestamp::UNIX_EPOCH);
        ts.to_zoned(self.tz.clone()).datetime()
    }

    /// The device's civil time -> UTC ms (the earlier instant when it occurs twice).
    pub fn utc_ms(&self, dt: DateTime) -> Option<i64> {
        crate::playback::day::civil_to_utc(dt, &self.tz)
    }
}

/// `YYYY_MM_DD_HH_MM_SS` (RTSP playback).
pub fn underscored(dt: DateTime) -> String {
    dt.strftime("%Y_%m_%d_%H_%M_%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokyo_local_times_map_to_utc_and_back() {
        let z = DeviceZone::named(TimeZone::get("Asia/Tokyo").unwrap());
        let t = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        let l = z.local(t + 999);
        assert_eq!(l.to_string(), "2026-01-01T09:00:00");
        assert_eq!(z.utc_ms(l), Some(t));
        assert_eq!(underscored(l), "2026_01_01_09_00_00");
        let learnt = DeviceZone::learnt(l, t - 40_000).unwrap();
        assert_eq!(learnt.utc_ms(l), Some(t));
    }
}
