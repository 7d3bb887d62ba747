//! The device clock from a `GetSystemDateAndTime` answer: `UTCDateTime`,
//! or `LocalDateTime` converted with the answer's `TimeZone/TZ` (a POSIX TZ
//! string such as `CET-1CEST,M3.5.0,M10.5.0/3`, or an IANA name some devices
//! send), its `DaylightSavings` flag settling the repeated hour. Every field
//! is range-checked and the result must fall in [`CLOCK_YEARS`]: a clock
//! outside is reported, never used for arithmetic (PROTOCOLS.md 1.2).
use time::OffsetDateTime;

use super::error::OnvifError;
use super::xml::Element;

const OP: &str = "GetSystemDateAndTime";

/// The years a device clock may read (a camera reset to 1970 still works;
/// 9999-12-31 is refused: adding to it would overflow).
pub const CLOCK_YEARS: std::ops::Range<i32> = 1900..2200;

/// The device's UTC time from a `GetSystemDateAndTimeResponse` (or any
/// element holding a `SystemDateAndTime`).
pub fn device_time(answer: &Element) -> Result<OffsetDateTime, OnvifError> {
    let sdt = answer
        .find("SystemDateAndTime")
        .ok_or_else(|| OnvifError::protocol(OP, "no SystemDateAndTime"))?;
    let t = if let Some(utc) = sdt.child("UTCDateTime") {
        let dt = civil(utc).map_err(|e| OnvifError::protocol(OP, format!("UTCDateTime: {e}")))?;
        in_range(dt, "UTC")?;
        jiff::tz::TimeZone::UTC
            .to_ambiguous_timestamp(dt)
            .compatible()
            .map_err(|e| OnvifError::protocol(OP, format!("UTCDateTime: {e}")))?
    } else if let Some(local) = sdt.child("LocalDateTime") {
        let dt =
            civil(local).map_err(|e| OnvifError::protocol(OP, format!("LocalDateTime: {e}")))?;
        in_range(dt, "local time")?;
        let tz = sdt.text_at(&["TimeZone", "TZ"]).ok_or_else(|| {
            OnvifError::protocol(
                OP,
                "only a LocalDateTime and no TimeZone: the device's UTC time is unknown",
            )
        })?;
        let dst = sdt
            .text_at(&["DaylightSavings"])
            .map(|d| d.eq_ignore_ascii_case("true") || d == "1");
        local_to_utc(dt, tz, dst)?
    } else {
        return Err(OnvifError::protocol(OP, "no UTCDateTime or LocalDateTime"));
    };
    let t = OffsetDateTime::from_unix_timestamp(t.as_second())
        .map_err(|e| OnvifError::protocol(OP, format!("device time: {e}")))?;
    if !CLOCK_YEARS.contains(&t.year()) {
        return Err(out_of_range(&super::auth::created_text(t)));
    }
    Ok(t)
}

/// A clock reading outside [`CLOCK_YEARS`] is refused before any arithmetic.
fn in_range(dt: jiff::civil::DateTime, what: &str) -> Result<(), OnvifError> {
    if CLOCK_YEARS.contains(&i32::from(dt.year())) {
        Ok(())
    } else {
        Err(out_of_range(&format!("{dt} {what}")))
    }
}

fn out_of_range(reading: &str) -> OnvifError {
    OnvifError::protocol(
        OP,
        format!(
            "the device clock reads {reading}, outside the years {}..{}: set the device's clock",
            CLOCK_YEARS.start, CLOCK_YEARS.end
        ),
    )
}

/// `Date/Year|Month|Day` and `Time/Hour|Minute|Second`, each range-checked
/// (a leap second reads as :59).
fn civil(dt: &Element) -> Result<jiff::civil::DateTime, String> {
    let n = |p: [&str; 2]| -> Result<i64, String> {
        dt.text_at(&p)
            .ok_or_else(|| format!("no {}", p.join("/")))?
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{} is not a number", p.join("/")))
    };
    let small = |p: [&str; 2], max: i64| -> Result<i8, String> {
        let v = n(p)?;
        if !(0..=max).contains(&v) {
            return Err(format!("{} {v} is out of range", p.join("/")));
        }
        Ok(v as i8)
    };
    let year = n(["Date", "Year"])?;
    let year = i16::try_from(year)
        .ok()
        .filter(|y| (-9999..=9999).contains(y))
        .ok_or_else(|| format!("Date/Year {year} is out of range"))?;
    let second = small(["Time", "Second"], 60)?.min(59);
    jiff::civil::DateTime::new(
        year,
        small(["Date", "Month"], 12)?,
        small(["Date", "Day"], 31)?,
        small(["Time", "Hour"], 23)?,
        small(["Time", "Minute"], 59)?,
        second,
        0,
    )
    .map_err(|e| e.to_string())
}

/// A device-local civil time to UTC in the zone `tz` names; `dst` (the
/// device's DaylightSavings flag) picks the earlier or later of a
/// repeated hour.
pub fn local_to_utc(
    dt: jiff::civil::DateTime,
    tz: &str,
    dst: Option<bool>,
) -> Result<jiff::Timestamp, OnvifError> {
    let zone = posix_or_iana(tz)?;
    let amb = zone.to_ambiguous_timestamp(dt);
    let t = match (amb.is_ambiguous(), dst) {
        (true, Some(true)) => amb.earlier(),
        (true, Some(false)) => amb.later(),
        _ => amb.compatible(),
    };
    t.map_err(|e| OnvifError::protocol(OP, format!("LocalDateTime in {}: {e}", shown(tz))))
}

/// A `TimeZone/TZ` value as a zone: POSIX first, then an IANA name.
pub fn posix_or_iana(tz: &str) -> Result<jiff::tz::TimeZone, OnvifError> {
    let tz_trim = tz.trim();
    jiff::tz::TimeZone::posix(tz_trim)
        .or_else(|_| jiff::tz::TimeZone::get(tz_trim))
        .map_err(|_| {
            OnvifError::protocol(
                OP,
                format!(
                    "TimeZone {} is neither a POSIX TZ string nor a zone name: the device's UTC time is unknown",
                    shown(tz)
                ),
            )
        })
}

/// A device's text for a message: quoted, at most 60 characters.
fn shown(s: &str) -> String {
    let cut: String = s.chars().take(60).collect();
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vms::onvif::xml::parse;

    fn answer(inner: &str) -> Element {
        parse(&format!(
            "<GetSystemDateAndTimeResponse><SystemDateAndTime>{inner}</SystemDateAndTime></GetSystemDateAndTimeResponse>"
        ))
        .unwrap()
    }

    fn dt(tag: &str, y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> String {
        format!(
            "<{tag}><Time><Hour>{h}</Hour><Minute>{mi}</Minute><Second>{s}</Second></Time>\
             <Date><Year>{y}</Year><Month>{mo}</Month><Day>{d}</Day></Date></{tag}>"
        )
    }

    fn text(t: OffsetDateTime) -> String {
        super::super::auth::created_text(t)
    }

    #[test]
    fn utc_wins_over_local() {
        let a = answer(&format!(
            "<TimeZone><TZ>CET-1</TZ></TimeZone>{}{}",
            dt("UTCDateTime", 2024, 3, 1, 10, 20, 30),
            dt("LocalDateTime", 2024, 3, 1, 11, 20, 30)
        ));
        assert_eq!(text(device_time(&a).unwrap()), "2024-03-01T10:20:30.000Z");
    }

    #[test]
    fn local_only_is_converted_with_the_posix_zone() {
        // India: UTC+5:30, POSIX writes the offset west of UTC
        let a = answer(&format!(
            "<TimeZone><TZ>IST-5:30</TZ></TimeZone>{}",
            dt("LocalDateTime", 2024, 3, 1, 10, 0, 0)
        ));
        assert_eq!(text(device_time(&a).unwrap()), "2024-03-01T04:30:00.000Z");
        // Berlin in summer (DST by the rule) and winter
        let berlin = "<TimeZone><TZ>CET-1CEST,M3.5.0,M10.5.0/3</TZ></TimeZone>";
        let a = answer(&format!(
            "{berlin}{}",
            dt("LocalDateTime", 2024, 7, 1, 12, 0, 0)
        ));
        assert_eq!(text(device_time(&a).unwrap()), "2024-07-01T10:00:00.000Z");
        let a = answer(&format!(
            "{berlin}{}",
            dt("LocalDateTime", 2024, 1, 1, 12, 0, 0)
        ));
        assert_eq!(text(device_time(&a).unwrap()), "2024-01-01T11:00:00.000Z");
        // the repeated hour: the DaylightSavings flag decides
        for (flag, want) in [
            ("true", "2024-10-27T00:30:00.000Z"),
            ("false", "2024-10-27T01:30:00.000Z"),
        ] {
            let a = answer(&format!(
                "<DaylightSavings>{flag}</DaylightSavings>{berlin}{}",
                dt("LocalDateTime", 2024, 10, 27, 2, 30, 0)
            ));
            assert_eq!(text(device_time(&a).unwrap()), want, "{flag}");
        }
        // a zone name (some devices)
        let a = answer(&format!(
            "<TimeZone><TZ>America/New_York</TZ></TimeZone>{}",
            dt("LocalDateTime", 2024, 1, 15, 7, 0, 0)
        ));
        assert_eq!(text(device_time(&a).unwrap()), "2024-01-15T12:00:00.000Z");
    }

    #[test]
    fn local_only_without_a_usable_zone_is_reported() {
        let a = answer(&dt("LocalDateTime", 2024, 3, 1, 10, 0, 0));
        let e = device_time(&a).unwrap_err().to_string();
        assert!(e.contains("no TimeZone"), "{e}");
        let a = answer(&format!(
            "<TimeZone><TZ>not a zone!</TZ></TimeZone>{}",
            dt("LocalDateTime", 2024, 3, 1, 10, 0, 0)
        ));
        let e = device_time(&a).unwrap_err().to_string();
        assert!(e.contains("neither a POSIX TZ"), "{e}");
    }

    #[test]
    fn out_of_range_fields_and_far_clocks_are_errors_not_panics() {
        for (y, mo, d, h, mi, s) in [
            (2024, 257, 1, 0, 0, 0), // 257 as u8 was 1
            (2024, 1, 1, 256, 0, 0), // 256 as u8 was 0
            (2024, 2, 30, 0, 0, 0),
            (2024, 1, 1, 0, 60, 0),
            (2024, 1, 1, 0, 0, 61),
            (2024, 1, 1, -1, 0, 0),
            (99_999_999_999, 1, 1, 0, 0, 0),
            (-10_000, 1, 1, 0, 0, 0),
        ] {
            let a = answer(&dt("UTCDateTime", y, mo, d, h, mi, s));
            assert!(device_time(&a).is_err(), "{y}-{mo}-{d} {h}:{mi}:{s}");
        }
        let a = answer(&dt("UTCDateTime", 9999, 12, 31, 23, 59, 59));
        let e = device_time(&a).unwrap_err().to_string();
        assert!(
            e.contains("9999-12-31T23:59:59") && e.contains("outside"),
            "{e}"
        );
        // local 9999-12-31 west of UTC is past the representable range: an error
        let a = answer(&format!(
            "<TimeZone><TZ>EST5</TZ></TimeZone>{}",
            dt("LocalDateTime", 9999, 12, 31, 23, 0, 0)
        ));
        assert!(device_time(&a).is_err());
        // a camera reset to 1970 is still a usable clock; a leap second reads :59
        let a = answer(&dt("UTCDateTime", 1970, 1, 1, 0, 0, 60));
        assert_eq!(text(device_time(&a).unwrap()), "1970-01-01T00:00:59.000Z");
        let a = answer("<UTCDateTime><Date><Year>x</Year></Date></UTCDateTime>");
        assert!(device_time(&a).is_err());
    }
}
