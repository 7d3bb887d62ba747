//! Site-local days and UTC instants with the IANA time zone database (jiff):
//! the UTC bounds of a local calendar day (23 or 25 hours on DST days), the
//! machine's zone, and RFC 3339 parsing and printing.
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;

use super::PlaybackError;

/// A site-local calendar day as UTC instants.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DayBounds {
    pub date: String,
    pub time_zone: String,
    /// Local 00:00 of `date`, ms UTC.
    pub start: i64,
    /// Local 00:00 of the next day, ms UTC.
    pub end: i64,
    pub hours: f64,
}

/// The machine's IANA zone name, or "UTC" when it has none.
pub fn system_time_zone() -> String {
    TimeZone::try_system()
        .ok()
        .and_then(|tz| tz.iana_name().map(str::to_string))
        .unwrap_or_else(|| "UTC".into())
}

pub fn zone(name: &str) -> Result<TimeZone, PlaybackError> {
    TimeZone::get(name).map_err(|_| PlaybackError::Invalid(format!("unknown time zone {name}")))
}

/// The UTC bounds of `date` (YYYY-MM-DD) in zone `tz`; a date after today
/// (in that zone) is refused.
pub fn day_bounds(date: &str, tz: &str) -> Result<DayBounds, PlaybackError> {
    let zone = zone(tz)?;
    let d: Date = date
        .parse()
        .map_err(|_| PlaybackError::Invalid(format!("not a date (YYYY-MM-DD): {date}")))?;
    let today = Timestamp::now().to_zoned(zone.clone()).date();
    if d > today {
        return Err(PlaybackError::Future(date.to_string()));
    }
    if !super::bounds::YEARS.contains(&d.year()) {
        return Err(PlaybackError::Invalid(format!(
            "{date}: years 1970..=2200 only"
        )));
    }
    let start = d
        .to_zoned(zone.clone())
        .map_err(|e| PlaybackError::Invalid(format!("{date} in {tz}: {e}")))?;
    let next = d
        .tomorrow()
        .and_then(|n| n.to_zoned(zone))
        .map_err(|e| PlaybackError::Invalid(format!("{date} in {tz}: {e}")))?;
    let (start, end) = (
        start.timestamp().as_millisecond(),
        next.timestamp().as_millisecond(),
    );
    Ok(DayBounds {
        date: d.to_string(),
        time_zone: tz.to_string(),
        start,
        end,
        hours: (end - start) as f64 / 3_600_000.0,
    })
}

/// Parses an RFC 3339 instant (any offset) to ms UTC; a time outside the
/// years 1970..=2200 is refused (`bounds`).
pub fn parse_rfc3339(s: &str) -> Result<i64, PlaybackError> {
    let ms = s
        .trim()
        .parse::<Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| PlaybackError::Invalid(format!("not an RFC 3339 time: {s}")))?;
    super::bounds::check(ms, "time")
}

/// ms UTC as RFC 3339 with milliseconds, `Z`.
pub fn format_rfc3339(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| format!("{t:.3}"))
        .unwrap_or_else(|_| ms.to_string())
}

/// Local civil time in `zone` (a folder's file names) to ms UTC; for a time
/// that occurs twice (DST fall back) the earlier instant.
pub fn civil_to_utc(dt: jiff::civil::DateTime, zone: &TimeZone) -> Option<i64> {
    dt.to_zoned(zone.clone())
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dst_days_have_23_and_25_hours() {
        let spring = day_bounds("2025-03-30", "Europe/Berlin").unwrap();
        assert_eq!(spring.hours, 23.0);
        assert_eq!(format_rfc3339(spring.start), "2025-03-29T23:00:00.000Z");
        let fall = day_bounds("2025-10-26", "Europe/Berlin").unwrap();
        assert_eq!(fall.hours, 25.0);
        let ny = day_bounds("2025-11-02", "America/New_York").unwrap();
        assert_eq!(ny.hours, 25.0);
        assert_eq!(format_rfc3339(ny.start), "2025-11-02T04:00:00.000Z");
        assert_eq!(
            day_bounds("2025-06-01", "Asia/Kolkata").unwrap().hours,
            24.0
        );
    }

    #[test]
    fn future_dates_and_bad_input_are_refused() {
        assert!(matches!(
            day_bounds("2999-01-01", "UTC"),
            Err(PlaybackError::Future(_))
        ));
        assert!(matches!(
            day_bounds("2025-13-01", "UTC"),
            Err(PlaybackError::Invalid(_))
        ));
        assert!(matches!(
            day_bounds("2025-01-01", "Mars/Olympus"),
            Err(PlaybackError::Invalid(_))
        ));
    }

    #[test]
    fn rfc3339_round_trip() {
        let ms = parse_rfc3339("2025-10-26T02:30:00+02:00").unwrap();
        assert_eq!(format_rfc3339(ms), "2025-10-26T00:30:00.000Z");
        assert!(parse_rfc3339("yesterday").is_err());
        for far in [
            "9999-12-31T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "2201-01-01T00:00:00Z",
        ] {
            assert!(
                matches!(parse_rfc3339(far), Err(PlaybackError::Invalid(_))),
                "{far}"
            );
        }
        assert!(matches!(
            day_bounds("0001-01-01", "UTC"),
            Err(PlaybackError::Invalid(_))
        ));
    }
}
