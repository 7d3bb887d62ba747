//! The device's own time zone: Dahua CGI and RTSP speak the device's local
//! civil time. The zone is the site's `device_time_zone` option (an IANA
//! name), else the device's configuration ([`configured_zone`]: the
//! `NTP.TimeZone` index's standard offset and the `Locales` DST rules, as a
//! POSIX TZ zone, exact across DST changes) when it agrees with the
//! device's clock now, else the device's current offset learnt from
//! `global.cgi?action=getCurrentTime` against the workstation's UTC clock,
//! rounded to 15 minutes (fixed: a DST change inside a searched window is
//! then off by the DST shift).
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

    /// Whether this zone's offset at `now_ms` is `other`'s.
    pub fn agrees_with(&self, other: &DeviceZone, now_ms: i64) -> bool {
        let Ok(t) = Timestamp::from_millisecond(now_ms) else {
            return false;
        };
        self.tz.to_offset(t) == other.tz.to_offset(t)
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

/// One end of the device's DST period as `getConfig&name=Locales` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DstRule {
    pub month: u8,
    /// 1..4 the n-th `day` of the month, -1 (or 5) the last; 0: `day` is
    /// a day of the month (our reading, PROTOCOLS.md leaves it unsure).
    pub week: i8,
    /// 0 = Sunday .. 6 (or the day of the month when `week` is 0).
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}

impl DstRule {
    /// The POSIX TZ rule: `Mm.w.d/hh:mm` or `Jn/hh:mm`.
    fn posix(&self) -> Option<String> {
        if !(1..=12).contains(&self.month) || self.hour > 24 || self.minute > 59 {
            return None;
        }
        let date = match self.week {
            -1 | 5 if self.day <= 6 => format!("M{}.5.{}", self.month, self.day),
            1..=4 if self.day <= 6 => format!("M{}.{}.{}", self.month, self.week, self.day),
            0 => {
                // a day of the month: Julian day 1..365 (February 29 not counted)
                let d = jiff::civil::Date::new(2025, self.month as i8, self.day as i8).ok()?;
                format!("J{}", d.day_of_year())
            }
            _ => return None,
        };
        Some(format!("{date}/{}:{:02}", self.hour, self.minute))
    }
}

/// `Locales` DST rules: `Some((start, end))` when `DSTEnable=true` and
/// both ends are readable, `None` otherwise (no DST or unreadable).
pub fn locales_dst(text: &str) -> Option<(DstRule, DstRule)> {
    let kv = super::kv::parse_kv(text);
    let v = |k: &str| super::kv::value(&kv, &format!("table.Locales.{k}"));
    if !v("DSTEnable")?.eq_ignore_ascii_case("true") {
        return None;
    }
    let rule = |end: &str| -> Option<DstRule> {
        let n = |f: &str| v(&format!("{end}.{f}"))?.trim().parse::<i32>().ok();
        Some(DstRule {
            month: u8::try_from(n("Month")?).ok()?,
            week: i8::try_from(n("Week").unwrap_or(0)).ok()?,
            day: u8::try_from(n("Day")?).ok()?,
            hour: u8::try_from(n("Hour").unwrap_or(0)).ok()?,
            minute: u8::try_from(n("Minute").unwrap_or(0)).ok()?,
        })
    };
    Some((rule("DSTStart")?, rule("DSTEnd")?))
}

/// The device's zone from its configuration: the standard offset of
/// `NTP.TimeZone` (an index into the firmware's table) and, when
/// `Locales.DSTEnable` is true, its DST rules (one hour ahead; the device
/// names no other shift), as a POSIX TZ zone. `None` when the NTP answer
/// has no readable index or the rules are unreadable.
pub fn configured_zone(ntp: &str, locales: Option<&str>) -> Option<TimeZone> {
    let minutes = super::kv::ntp_offset_minutes(ntp)?;
    let std = posix_offset("STD", -minutes);
    let dst = match locales.map(|l| (l, locales_dst(l))) {
        Some((_, Some((start, end)))) => {
            let dst = posix_offset("DST", -(minutes + 60));
            format!("{dst},{},{}", start.posix()?, end.posix()?)
        }
        Some((l, None))
            if super::kv::value(&super::kv::parse_kv(l), "table.Locales.DSTEnable")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")) =>
        {
            return None
        }
        _ => String::new(),
    };
    TimeZone::posix(&format!("{std}{dst}")).ok()
}

/// `NAME[-]h[:mm]` with POSIX's sign (west of UTC positive).
fn posix_offset(name: &str, west_minutes: i32) -> String {
    let sign = if west_minutes < 0 { "-" } else { "" };
    let m = west_minutes.unsigned_abs();
    if m.is_multiple_of(60) {
        format!("{name}{sign}{}", m / 60)
    } else {
        format!("{name}{sign}{}:{:02}", m / 60, m % 60)
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

    const BERLIN_LOCALES: &str = "table.Locales.DSTEnable=true\r\n\
        table.Locales.DSTStart.Day=0\r\ntable.Locales.DSTStart.Hour=2\r\n\
        table.Locales.DSTStart.Minute=0\r\ntable.Locales.DSTStart.Month=3\r\n\
        table.Locales.DSTStart.Week=-1\r\ntable.Locales.DSTEnd.Day=0\r\n\
        table.Locales.DSTEnd.Hour=3\r\ntable.Locales.DSTEnd.Minute=0\r\n\
        table.Locales.DSTEnd.Month=10\r\ntable.Locales.DSTEnd.Week=-1\r\n";

    #[test]
    fn the_configured_zone_follows_dst_like_the_iana_zone() {
        let tz = configured_zone("table.NTP.TimeZone=1\r\n", Some(BERLIN_LOCALES)).unwrap();
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // every hour of 2026 maps to the same offset as Europe/Berlin
        let start = 1_767_225_600i64; // 2026-01-01T00:00:00Z
        for h in 0..(365 * 24) {
            let t = Timestamp::from_second(start + h * 3600).unwrap();
            assert_eq!(tz.to_offset(t), berlin.to_offset(t), "hour {h}");
        }
        // New York: second Sunday of March, first Sunday of November
        let ny_locales = BERLIN_LOCALES
            .replace("DSTStart.Week=-1", "DSTStart.Week=2")
            .replace("DSTEnd.Week=-1", "DSTEnd.Week=1")
            .replace("DSTEnd.Month=10", "DSTEnd.Month=11")
            .replace("DSTEnd.Hour=3", "DSTEnd.Hour=2");
        let tz = configured_zone("table.NTP.TimeZone=25\r\n", Some(&ny_locales)).unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        for h in 0..(365 * 24) {
            let t = Timestamp::from_second(start + h * 3600).unwrap();
            assert_eq!(tz.to_offset(t), ny.to_offset(t), "hour {h}");
        }
    }

    #[test]
    fn no_dst_or_unreadable_rules() {
        let tokyo = configured_zone(
            "table.NTP.TimeZone=14\r\n",
            Some("table.Locales.DSTEnable=false\r\n"),
        )
        .unwrap();
        assert_eq!(tokyo.to_offset(Timestamp::UNIX_EPOCH), jiff::tz::offset(9));
        let india = configured_zone("table.NTP.TimeZone=8\r\n", None).unwrap();
        assert_eq!(india.to_offset(Timestamp::UNIX_EPOCH).seconds(), 330 * 60);
        assert!(configured_zone("table.NTP.TimeZone=99\r\n", None).is_none());
        assert!(configured_zone(
            "table.NTP.TimeZone=1\r\n",
            Some("table.Locales.DSTEnable=true\r\ntable.Locales.DSTStart.Month=13\r\n")
        )
        .is_none());
        let date_mode = DstRule {
            month: 3,
            week: 0,
            day: 30,
            hour: 2,
            minute: 30,
        };
        assert_eq!(date_mode.posix().unwrap(), "J89/2:30");
    }
}
