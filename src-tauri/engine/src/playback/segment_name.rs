//! Recording start times from segment file names: the clipping service's
//! `{camera}_{YYYYMMDD}_{HHMMSS}.mp4` and MediaMTX's default `recordPath`
//! `%Y-%m-%d_%H-%M-%S-%f` (`.mp4` fMP4 or `.ts` MPEG-TS). Names carry civil
//! time in the recorder's zone; the folder's zone turns them into UTC.
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::bounds::YEARS;
use super::day::civil_to_utc;

/// Extensions of video segments we read.
pub const EXTENSIONS: [&str; 5] = ["mp4", "m4s", "ts", "mkv", "avi"];

/// An unsigned decimal of exactly `len` ASCII digits (at most 9: no overflow).
fn num(s: &str, len: usize) -> Option<i32> {
    (len <= 9 && s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A civil time from checked parts: every field in its range (no `as`
/// truncation), the year in 1970..=2200.
fn civil(y: i32, mo: i32, d: i32, h: i32, mi: i32, s: i32, micros: i32) -> Option<DateTime> {
    let year = i16::try_from(y).ok().filter(|y| YEARS.contains(y))?;
    let small = |v: i32| i8::try_from(v).ok();
    let nanos = micros
        .checked_mul(1000)
        .filter(|n| (0..1_000_000_000).contains(n))?;
    DateTime::new(
        year,
        small(mo)?,
        small(d)?,
        small(h)?,
        small(mi)?,
        small(s)?,
        nanos,
    )
    .ok()
}

/// The civil start time a segment's file stem names, if it follows either scheme.
pub fn parse_stem(stem: &str) -> Option<DateTime> {
    // MediaMTX: 2025-08-29_14-30-10-123456
    if let Some((date, time)) = stem.split_once('_') {
        let d: Vec<&str> = date.split('-').collect();
        let t: Vec<&str> = time.split('-').collect();
        if d.len() == 3 && t.len() == 4 {
            return civil(
                num(d[0], 4)?,
                num(d[1], 2)?,
                num(d[2], 2)?,
                num(t[0], 2)?,
                num(t[1], 2)?,
                num(t[2], 2)?,
                num(t[3], 6)?,
            );
        }
    }
    // clipping service: camera1_20250829_143010 (the camera name may contain '_')
    let mut parts = stem.rsplitn(3, '_');
    let (time, date) = (parts.next()?, parts.next()?);
    parts.next().filter(|c| !c.is_empty())?;
    civil(
        num(date.get(..4)?, 4)?,
        num(date.get(4..6)?, 2)?,
        num(date.get(6..)?, 2)?,
        num(time.get(..2)?, 2)?,
        num(time.get(2..4)?, 2)?,
        num(time.get(4..)?, 2)?,
        0,
    )
    .filter(|_| date.len() == 8 && time.len() == 6)
}

/// The UTC start (ms) of a segment file name in zone `tz`, if it is a
/// segment whose time falls in the years 1970..=2200. Any text is safe here
/// (a fuzz target calls it).
pub fn segment_start(file_name: &str, tz: &TimeZone) -> Option<i64> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    if !EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
        return None;
    }
    civil_to_utc(parse_stem(stem)?, tz).filter(|ms| super::bounds::in_bounds(*ms))
}

/// `segment_start` in UTC, for raw bytes (fuzzing): `None` unless UTF-8.
pub fn segment_start_utc(file_name: &[u8]) -> Option<i64> {
    segment_start(std::str::from_utf8(file_name).ok()?, &TimeZone::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::day::{format_rfc3339, zone};

    #[test]
    fn both_schemes_parse() {
        let utc = zone("UTC").unwrap();
        let t = segment_start("camera1_20250829_143010.mp4", &utc).unwrap();
        assert_eq!(format_rfc3339(t), "2025-08-29T14:30:10.000Z");
        let t = segment_start("gate_north_20250829_143010.mp4", &utc).unwrap();
        assert_eq!(format_rfc3339(t), "2025-08-29T14:30:10.000Z");
        let t = segment_start("2025-08-29_14-30-10-123456.mp4", &utc).unwrap();
        assert_eq!(format_rfc3339(t), "2025-08-29T14:30:10.123Z");
        assert!(segment_start("2025-08-29_14-30-10-123456.ts", &utc).is_some());
        let berlin = zone("Europe/Berlin").unwrap();
        let t = segment_start("cam_20250829_143010.mp4", &berlin).unwrap();
        assert_eq!(format_rfc3339(t), "2025-08-29T12:30:10.000Z");
    }

    #[test]
    fn other_files_are_not_segments() {
        let utc = zone("UTC").unwrap();
        for name in [
            "notes.txt",
            "camera1_20250829_143010.jpg",
            "camera1_2025082_143010.mp4",
            "camera1_20251329_143010.mp4",
            "_20250829_143010.mp4",
            "2025-08-29_14-30-10.mp4",
            "",
        ] {
            assert_eq!(segment_start(name, &utc), None, "{name}");
        }
    }

    #[test]
    fn hostile_names_are_refused_without_panic() {
        let utc = zone("UTC").unwrap();
        for name in [
            // years out of 1970..=2200 or too long
            "99999-08-29_14-30-10-123456.mp4",
            "9999-12-31_23-59-59-999999.mp4",
            "1969-12-31_23-59-59-000000.mp4",
            "2201-01-01_00-00-00-000000.mp4",
            "cam_99991231_235959.mp4",
            "cam_00000101_000000.mp4",
            // huge or odd fractional parts, fields out of range
            "2025-08-29_14-30-10-99999999999999999999.mp4",
            "2025-08-29_14-30-10-1234567.mp4",
            "2025-08-29_14-30-10--12345.mp4",
            "2025-08-29_14-30-10-+12345.mp4",
            "2025-08-29_99-99-99-000000.mp4",
            "2025-02-30_10-00-00-000000.mp4",
            "cam_20250829_256161.mp4",
            // not ASCII where digits belong
            "cam_2025\u{0663}829_143010.mp4",
            "cam_20250829_14\u{00e9}010.mp4",
            "\u{00e9}_\u{00e9}\u{00e9}\u{00e9}.ts",
            "..mp4",
            "_.mp4",
            "__.mp4",
        ] {
            assert_eq!(segment_start(name, &utc), None, "{name}");
            assert_eq!(segment_start_utc(name.as_bytes()), None, "{name}");
        }
        assert_eq!(segment_start_utc(b"\xff\xfe.mp4"), None);
        let last = segment_start("2200-12-31_23-59-59-999999.mp4", &utc).unwrap();
        assert_eq!(format_rfc3339(last), "2200-12-31T23:59:59.999Z");
        let first = segment_start_utc(b"cam_19700101_000000.ts").unwrap();
        assert_eq!(first, 0);
    }
}
