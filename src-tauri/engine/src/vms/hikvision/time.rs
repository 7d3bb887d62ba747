//! ISAPI times: ISO 8601 with `Z` or an offset in XML, `YYYYMMDDThhmmssZ` in
//! playback URIs, and firmware that writes (and reads) the device's *local*
//! time with a `Z` suffix ([`TimeMode::LocalZ`], PROTOCOLS.md 3.5). The
//! device's zone comes from `/ISAPI/System/time` `timeZone`, a POSIX-like
//! string with an inverted sign (`CST-8:00:00` = UTC+8) whose DST part
//! (`DST01:00:00`) is the size of the shift, not an offset (3.8); it is
//! rewritten into a real POSIX TZ string for jiff.
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// How a device writes `Z` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeMode {
    /// `Z` means UTC (the standard).
    Utc,
    /// `Z` times are the device's local wall time.
    LocalZ,
}

impl TimeMode {
    /// The site option's value (`utc`, `local_z`); `auto` and unset are `None`.
    pub fn from_option(v: Option<&str>) -> Result<Option<Self>, String> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("auto") => Ok(None),
            Some("utc") => Ok(Some(TimeMode::Utc)),
            Some("local_z") => Ok(Some(TimeMode::LocalZ)),
            Some(o) => Err(format!("time_mode is auto, utc or local_z, not {o:?}")),
        }
    }
}

/// A time that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unreadable ISAPI time {0:?}")]
pub struct TimeError(pub String);

/// Reads an ISAPI time (`2021-08-18T15:18:15Z`, `…+08:00`, `…15.5Z`, or the
/// compact `20210818T151815Z`) as ms UTC. A `Z` time is local to `zone` in
/// [`TimeMode::LocalZ`]; a time without a designator is always local.
pub fn parse_time(s: &str, mode: TimeMode, zone: &TimeZone) -> Result<i64, TimeError> {
    let err = || TimeError(s.chars().take(64).collect());
    let t = s.trim();
    let (body, designator) = if let Some(b) = t.strip_suffix(['Z', 'z']) {
        (b, Some("Z"))
    } else if let Some(i) = t
        .rfind(['+', '-'])
        .filter(|i| *i > 10 && t[..*i].contains('T'))
    {
        (&t[..i], Some(&t[i..]))
    } else {
        (t, None)
    };
    let dt = civil(body).ok_or_else(err)?;
    let ts = match designator {
        Some("Z") if mode == TimeMode::Utc => dt.to_zoned(TimeZone::UTC).map_err(|_| err())?,
        Some("Z") | None => dt.to_zoned(zone.clone()).map_err(|_| err())?,
        Some(off) => {
            let secs = offset_seconds(off).ok_or_else(err)?;
            let tz = TimeZone::fixed(jiff::tz::Offset::from_seconds(secs).map_err(|_| err())?);
            dt.to_zoned(tz).map_err(|_| err())?
        }
    };
    let ms = ts.timestamp().as_millisecond();
    crate::playback::bounds::check(ms, "ISAPI time").map_err(|_| err())
}

/// `YYYY-MM-DDThh:mm:ss[.f]` or `YYYYMMDDThhmmss` as a civil time.
fn civil(s: &str) -> Option<DateTime> {
    let digits: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w.to_string(), f.to_string()),
        None => (digits, String::new()),
    };
    if whole.len() != 14 || !s.contains(['T', 't']) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| whole[a..b].parse::<i32>().ok();
    let nanos: i32 = if frac.is_empty() {
        0
    } else {
        format!("{:0<9}", &frac[..frac.len().min(9)]).parse().ok()?
    };
    DateTime::new(
        n(0, 4)? as i16,
        n(4, 6)? as i8,
        n(6, 8)? as i8,
        n(8, 10)? as i8,
        n(10, 12)? as i8,
        n(12, 14)? as i8,
        nanos,
    )
    .ok()
}

/// `+08:00`, `-0530`, `+08` as seconds east of UTC.
fn offset_seconds(off: &str) -> Option<i32> {
    let sign = match off.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let d: String = off[1..].chars().filter(|c| *c != ':').collect();
    if !d.bytes().all(|b| b.is_ascii_digit()) || !(d.len() == 2 || d.len() == 4) {
        return None;
    }
    let h: i32 = d[..2].parse().ok()?;
    let m: i32 = if d.len() == 4 {
        d[2..].parse().ok()?
    } else {
        0
    };
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// A time for a request body: `YYYY-MM-DDThh:mm:ssZ` in UTC, or local with
/// a `Z` on [`TimeMode::LocalZ`] firmware.
pub fn format_time(ms: i64, mode: TimeMode, zone: &TimeZone) -> String {
    wall(ms, mode, zone)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A time for a playback URI: `YYYYMMDDThhmmssZ` (UTC, or local on LocalZ).
pub fn format_compact(ms: i64, mode: TimeMode, zone: &TimeZone) -> String {
    wall(ms, mode, zone).strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn wall(ms: i64, mode: TimeMode, zone: &TimeZone) -> DateTime {
    let ts = Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
    match mode {
        TimeMode::Utc => ts.to_zoned(TimeZone::UTC).datetime(),
        TimeMode::LocalZ => ts.to_zoned(zone.clone()).datetime(),
    }
}

/// The device's zone from `/ISAPI/System/time` `timeZone`: `CST-8:00:00`
/// (UTC+8) or `CET-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00`
/// (UTC+1, one hour more in summer). `None` when it cannot be read.
pub fn parse_device_zone(s: &str) -> Option<TimeZone> {
    let s = s.trim();
    if s.is_empty() || s.len() > 128 || !s.is_ascii() {
        return None;
    }
    let (head, rules) = match s.split_once(',') {
        Some((h, r)) => (h, Some(r)),
        None => (s, None),
    };
    let name_end = head.find(|c: char| !c.is_ascii_alphabetic())?;
    let std_name = &head[..name_end];
    let rest = &head[name_end..];
    let off_end = rest
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let std_west = hms(&rest[..off_end])?;
    let dst = &rest[off_end..];
    let std_name = if std_name.len() >= 3 { std_name } else { "STD" };
    let posix = if dst.is_empty() {
        format!("<{std_name}>{}", posix_hms(std_west))
    } else {
        let dn_end = dst
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(dst.len());
        let shift = if dn_end == dst.len() {
            3600
        } else {
            hms(&dst[dn_end..])?
        };
        // POSIX names the DST offset itself (west of UTC); Hikvision the shift
        format!(
            "<{std_name}>{}<DST>{},{}",
            posix_hms(std_west),
            posix_hms(std_west - shift),
            rules?
        )
    };
    TimeZone::posix(&posix).ok()
}

/// `-8:00:00` / `+5:30` / `8` as seconds (POSIX sign: west of UTC positive).
fn hms(s: &str) -> Option<i32> {
    let (sign, body) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let mut parts = body.split(':');
    let mut total = 0;
    for (i, mul) in [3600, 60, 1].into_iter().enumerate() {
        match parts.next() {
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                total += p.parse::<i32>().ok()? * mul
            }
            None if i > 0 => break,
            _ => return None,
        }
    }
    if parts.next().is_some() || total > 25 * 3600 {
        return None;
    }
    Some(sign * total)
}

fn posix_hms(west: i32) -> String {
    let sign = if west < 0 { "-" } else { "" };
    let a = west.abs();
    format!("{sign}{}:{:02}:{:02}", a / 3600, (a / 60) % 60, a % 60)
}

/// Whether `/ISAPI/System/time` `localTime` shows local-time-with-Z firmware:
/// it ends in `Z` yet read as UTC it is off from `now_ms` by the zone's
/// offset (within two minutes), and the zone is not UTC. `None` when the
/// answer does not tell (an offset, or a zone at UTC+0).
pub fn detect_local_z(local_time: &str, zone: &TimeZone, now_ms: i64) -> Option<TimeMode> {
    let t = local_time.trim();
    if !t.ends_with(['Z', 'z']) {
        return t.contains('T').then_some(TimeMode::Utc);
    }
    let as_utc = parse_time(t, TimeMode::Utc, zone).ok()?;
    let offset_ms = zone
        .to_offset(Timestamp::from_millisecond(now_ms).ok()?)
        .seconds() as i64
        * 1000;
    if offset_ms.abs() < 15 * 60_000 {
        return None;
    }
    let skew = as_utc - now_ms;
    if (skew - offset_ms).abs() <= 120_000 {
        Some(TimeMode::LocalZ)
    } else if skew.abs() <= 120_000 {
        Some(TimeMode::Utc)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> TimeZone {
        parse_device_zone("CST-8:00:00").unwrap()
    }

    #[test]
    fn times_with_and_without_offsets() {
        let z = sh();
        let utc = parse_time("2021-08-18T15:18:15Z", TimeMode::Utc, &z).unwrap();
        assert_eq!(utc, 1_629_299_895_000);
        assert_eq!(
            parse_time("2021-08-18T23:18:15+08:00", TimeMode::Utc, &z).unwrap(),
            utc
        );
        assert_eq!(
            parse_time("2021-08-18T23:18:15+08:00", TimeMode::LocalZ, &z).unwrap(),
            utc
        );
        assert_eq!(
            parse_time("2021-08-18T23:18:15Z", TimeMode::LocalZ, &z).unwrap(),
            utc
        );
        assert_eq!(
            parse_time("20210818T151815Z", TimeMode::Utc, &z).unwrap(),
            utc
        );
        assert_eq!(
            parse_time("2021-08-18T10:18:15-0500", TimeMode::Utc, &z).unwrap(),
            utc
        );
        assert_eq!(
            parse_time("2021-08-18T15:18:15.250Z", TimeMode::Utc, &z).unwrap(),
            utc + 250
        );
        assert_eq!(
            parse_time("2021-08-18T23:18:15", TimeMode::Utc, &z).unwrap(),
            utc
        );
        for bad in [
            "",
            "yesterday",
            "2021-13-18T15:18:15Z",
            "2021-08-18T15:18:15+99:00",
            "2021-08-18",
        ] {
            assert!(parse_time(bad, TimeMode::Utc, &z).is_err(), "{bad}");
        }
        assert_eq!(format_time(utc, TimeMode::Utc, &z), "2021-08-18T15:18:15Z");
        assert_eq!(
            format_time(utc, TimeMode::LocalZ, &z),
            "2021-08-18T23:18:15Z"
        );
        assert_eq!(
            format_compact(utc, TimeMode::LocalZ, &z),
            "20210818T231815Z"
        );
    }

    #[test]
    fn device_zones_have_an_inverted_sign_and_a_dst_shift() {
        let ts = |s: &str| s.parse::<Timestamp>().unwrap();
        let off = |z: &TimeZone, t: &str| z.to_offset(ts(t)).seconds();
        assert_eq!(off(&sh(), "2021-08-18T00:00:00Z"), 8 * 3600);
        let cet =
            parse_device_zone("CET-1:00:00DST01:00:00,M3.5.0/02:00:00,M10.5.0/03:00:00").unwrap();
        assert_eq!(off(&cet, "2021-01-10T00:00:00Z"), 3600);
        assert_eq!(off(&cet, "2021-07-10T00:00:00Z"), 7200);
        let est =
            parse_device_zone("EST5:00:00EDT01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00").unwrap();
        assert_eq!(off(&est, "2021-07-10T00:00:00Z"), -4 * 3600);
        let ind = parse_device_zone("IST-5:30:00").unwrap();
        assert_eq!(off(&ind, "2021-07-10T00:00:00Z"), 5 * 3600 + 1800);
        for bad in [
            "",
            "CST",
            "CST-99:00:00",
            "CET-1:00:00DST01:00:00",
            "CST-8:00:00x",
        ] {
            assert!(parse_device_zone(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn local_time_with_z_is_detected_from_the_device_clock() {
        let z = sh();
        let now = parse_time("2026-11-30T13:00:00Z", TimeMode::Utc, &z).unwrap();
        assert_eq!(
            detect_local_z("2026-11-30T21:00:30Z", &z, now),
            Some(TimeMode::LocalZ)
        );
        assert_eq!(
            detect_local_z("2026-11-30T13:00:30Z", &z, now),
            Some(TimeMode::Utc)
        );
        assert_eq!(
            detect_local_z("2026-11-30T21:00:30+08:00", &z, now),
            Some(TimeMode::Utc)
        );
        assert_eq!(detect_local_z("2026-11-30T17:00:30Z", &z, now), None);
        assert_eq!(
            detect_local_z("2026-11-30T13:00:30Z", &TimeZone::UTC, now),
            None
        );
    }
}
