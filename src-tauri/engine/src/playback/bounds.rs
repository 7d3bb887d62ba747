//! Bounds on recording times that come from outside (file names, MediaMTX
//! answers, stream timestamps, seek requests, the command line): a time is
//! a millisecond in the years 1970..=2200, a duration fits between two such
//! times. Arithmetic on them saturates at the bounds instead of overflowing.
use super::PlaybackError;

/// 1970-01-01T00:00:00Z.
pub const EARLIEST_MS: i64 = 0;
/// 2201-01-01T00:00:00Z (exclusive): the last year is 2200.
pub const LATEST_MS: i64 = 7_289_654_400_000;
/// The first and the last year a time may fall in.
pub const YEARS: std::ops::RangeInclusive<i16> = 1970..=2200;

/// Whether `ms` is a time we accept from outside.
pub fn in_bounds(ms: i64) -> bool {
    (EARLIEST_MS..LATEST_MS).contains(&ms)
}

/// `ms`, or an error naming `what` when it is outside 1970..=2200.
pub fn check(ms: i64, what: &str) -> Result<i64, PlaybackError> {
    if in_bounds(ms) {
        Ok(ms)
    } else {
        Err(PlaybackError::Invalid(format!(
            "{what} {ms} ms is outside the years 1970..=2200"
        )))
    }
}

/// `ms` moved into the accepted range (a seek far in the past or future).
pub fn clamp(ms: i64) -> i64 {
    ms.clamp(EARLIEST_MS, LATEST_MS - 1)
}

/// `t + d`, saturating, then clamped into the accepted range.
pub fn add(t: i64, d: i64) -> i64 {
    clamp(t.saturating_add(d))
}

/// Seconds (an outside duration, e.g. MediaMTX's) as ms, if finite, not
/// negative and no longer than the accepted range.
pub fn secs_to_ms(secs: f64) -> Option<i64> {
    let ms = (secs * 1000.0).round();
    (ms.is_finite() && ms >= 0.0 && ms <= (LATEST_MS - EARLIEST_MS) as f64).then_some(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::day::{format_rfc3339, parse_rfc3339};

    #[test]
    fn bounds_are_1970_to_2200() {
        assert_eq!(format_rfc3339(LATEST_MS), "2201-01-01T00:00:00.000Z");
        assert!(in_bounds(
            parse_rfc3339("2200-12-31T23:59:59.999Z").unwrap()
        ));
        assert!(!in_bounds(LATEST_MS) && !in_bounds(-1));
        assert!(check(i64::MAX, "seek").is_err() && check(i64::MIN, "seek").is_err());
        assert_eq!(clamp(i64::MIN), 0);
        assert_eq!(clamp(i64::MAX), LATEST_MS - 1);
        assert_eq!(add(i64::MAX - 1, i64::MAX), LATEST_MS - 1);
        assert_eq!(add(5, i64::MIN), 0);
    }

    #[test]
    fn outside_durations_are_checked() {
        assert_eq!(secs_to_ms(1.5), Some(1500));
        for bad in [f64::NAN, f64::INFINITY, -1.0, 1e300, f64::MAX] {
            assert_eq!(secs_to_ms(bad), None, "{bad}");
        }
    }
}
