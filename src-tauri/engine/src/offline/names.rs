//! Start times, end times and camera names that exported video files carry
//! in their paths. Pure functions of the text (a fuzz target calls them):
//! - Vigil's clipping service (seed 003): `{camera}_{YYYYMMDD}_{HHMMSS}`;
//! - MediaMTX's default `recordPath`: `%Y-%m-%d_%H-%M-%S-%f` (camera: the folder);
//! - Dahua devices: `HH.MM.SS-HH.MM.SS[suffix]` inside a `YYYY-MM-DD`
//!   folder (`2019-12-31/001/dav/00/00.12.00-00.20.00[R][0@0][0].dav`);
//! - Hikvision-style exports: `{camera}_{YYYYMMDDHHMMSS}[_{YYYYMMDDHHMMSS}][_{n}]`;
//! - Milestone-style exports: `{camera} {YYYY-MM-DD} {HH-MM-SS}[.fff]`, an
//!   optional ` - ` and end time of the same form.
//!
//! Names carry civil time in the recorder's zone; the caller applies it.
use jiff::civil::{Date, DateTime};

use crate::playback::bounds::YEARS;

/// Which naming scheme matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePattern {
    Clipping,
    MediaMtx,
    Dahua,
    Hikvision,
    Milestone,
}

/// What a file's path says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedFile {
    pub start: DateTime,
    pub end: Option<DateTime>,
    /// The camera the name names (None: the folder is the camera).
    pub camera: Option<String>,
    pub pattern: NamePattern,
}

/// The longest path component looked at (a name is never longer).
const MAX_COMPONENT: usize = 255;

/// An unsigned decimal of exactly `len` ASCII digits (at most 9).
fn num(s: &str, len: usize) -> Option<i32> {
    (len <= 9 && s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// A civil time from checked parts (year in 1970..=2200).
fn civil(y: i32, mo: i32, d: i32, h: i32, mi: i32, s: i32, nanos: i32) -> Option<DateTime> {
    let year = i16::try_from(y).ok().filter(|y| YEARS.contains(y))?;
    let small = |v: i32| i8::try_from(v).ok();
    if !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
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

/// `YYYYMMDD` + `HHMMSS` digits.
fn compact(date: &str, time: &str) -> Option<DateTime> {
    civil(
        num(date.get(..4)?, 4)?,
        num(date.get(4..6)?, 2)?,
        num(date.get(6..8)?, 2)?,
        num(time.get(..2)?, 2)?,
        num(time.get(2..4)?, 2)?,
        num(time.get(4..6)?, 2)?,
        0,
    )
    .filter(|_| date.len() == 8 && time.len() == 6)
}

/// `YYYY-MM-DD`.
fn dashed_date(s: &str) -> Option<Date> {
    let d: Vec<&str> = s.split('-').collect();
    if d.len() != 3 {
        return None;
    }
    let year = i16::try_from(num(d[0], 4)?)
        .ok()
        .filter(|y| YEARS.contains(y))?;
    Date::new(year, num(d[1], 2)? as i8, num(d[2], 2)? as i8).ok()
}

/// Whether a folder name is a day (`YYYY-MM-DD` or `YYYYMMDD`).
pub fn is_date_folder(name: &str) -> bool {
    dashed_date(name).is_some() || compact(name, "000000").is_some()
}

/// A camera name from the text before a time: separators trimmed, `None`
/// when nothing is left.
fn camera(prefix: &str) -> Option<String> {
    let c = prefix.trim_matches(|c: char| c == '_' || c == '-' || c == ' ' || c == '(' || c == '.');
    (!c.is_empty()).then(|| c.to_string())
}

/// The stem of a file name: without its extension (1-5 ASCII alphanumerics).
pub fn stem(file_name: &str) -> &str {
    match file_name.rsplit_once('.') {
        Some((s, ext))
            if !s.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            s
        }
        _ => file_name,
    }
}

/// Seed 003: `camera1_20250829_143010` (the camera may contain `_`).
fn clipping(stem: &str) -> Option<NamedFile> {
    let mut parts = stem.rsplitn(3, '_');
    let (time, date) = (parts.next()?, parts.next()?);
    let cam = parts.next().filter(|c| !c.is_empty())?;
    Some(NamedFile {
        start: compact(date, time)?,
        end: None,
        camera: Some(cam.to_string()),
        pattern: NamePattern::Clipping,
    })
}

/// MediaMTX: `2025-08-29_14-30-10-123456`.
fn mediamtx(stem: &str) -> Option<NamedFile> {
    let (date, time) = stem.split_once('_')?;
    let d = dashed_date(date)?;
    let t: Vec<&str> = time.split('-').collect();
    if t.len() != 4 {
        return None;
    }
    let micros = num(t[3], 6)?;
    let start = civil(
        i32::from(d.year()),
        i32::from(d.month()),
        i32::from(d.day()),
        num(t[0], 2)?,
        num(t[1], 2)?,
        num(t[2], 2)?,
        micros.checked_mul(1000)?,
    )?;
    Some(NamedFile {
        start,
        end: None,
        camera: None,
        pattern: NamePattern::MediaMtx,
    })
}

/// `HH.MM.SS` on `date`.
fn dotted_time(date: Date, s: &str) -> Option<DateTime> {
    let t: Vec<&str> = s.split('.').collect();
    if t.len() != 3 {
        return None;
    }
    civil(
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
        num(t[0], 2)?,
        num(t[1], 2)?,
        num(t[2], 2)?,
        0,
    )
}

/// Dahua: `00.12.00-00.20.00[R][0@0][0]` under a `YYYY-MM-DD` folder; an end
/// before the start is on the next day.
fn dahua(stem: &str, folders: &[&str]) -> Option<NamedFile> {
    let times = stem.split('[').next()?;
    let (a, b) = times.split_once('-')?;
    let date = folders.iter().rev().find_map(|f| dashed_date(f))?;
    let start = dotted_time(date, a)?;
    let mut end = dotted_time(date, b)?;
    if end < start {
        end = dotted_time(date.tomorrow().ok()?, b)?;
    }
    Some(NamedFile {
        start,
        end: Some(end),
        camera: None,
        pattern: NamePattern::Dahua,
    })
}

/// `YYYYMMDDHHMMSS`.
fn digits14(s: &str) -> Option<DateTime> {
    (s.len() == 14)
        .then(|| compact(s.get(..8)?, s.get(8..)?))
        .flatten()
}

/// Hikvision-style: `ch01_20230510143000[_20230510144000][_1]`.
fn hikvision(stem: &str) -> Option<NamedFile> {
    let parts: Vec<&str> = stem.split('_').collect();
    let first = parts.iter().position(|p| digits14(p).is_some())?;
    let start = digits14(parts[first])?;
    let mut rest = parts[first + 1..].iter();
    let end = match rest.next() {
        None => None,
        Some(p) => match digits14(p) {
            Some(e) => {
                // at most a sequence number after the end
                match rest.next() {
                    None => Some(e),
                    Some(n) if rest.next().is_none() && num(n, n.len().clamp(1, 9)).is_some() => {
                        Some(e)
                    }
                    Some(_) => return None,
                }
            }
            None if rest.next().is_none() && num(p, p.len().clamp(1, 9)).is_some() => None,
            None => return None,
        },
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some(NamedFile {
        start,
        end,
        camera: camera(&parts[..first].join("_")),
        pattern: NamePattern::Hikvision,
    })
}

/// `YYYY-MM-DD HH-MM-SS[.fff]` (separator ` `, `_` or `T`; time parts
/// separated by `-`, `.` or `:`) at the start of `s`: the time and the bytes used.
fn spaced_datetime(s: &str) -> Option<(DateTime, usize)> {
    let b = s.as_bytes();
    if b.len() < 19 || !s.is_char_boundary(19) {
        return None;
    }
    let date = dashed_date(s.get(..10)?)?;
    if !matches!(b[10], b' ' | b'_' | b'T') {
        return None;
    }
    let sep = |i: usize| matches!(b[i], b'-' | b'.' | b':');
    if !(sep(13) && sep(16)) {
        return None;
    }
    let (h, mi, sec) = (
        num(&s[11..13], 2)?,
        num(&s[14..16], 2)?,
        num(&s[17..19], 2)?,
    );
    let mut used = 19;
    let mut nanos = 0;
    if b.len() >= 23 && b[19] == b'.' && s.is_char_boundary(23) {
        if let Some(ms) = num(&s[20..23], 3) {
            nanos = ms * 1_000_000;
            used = 23;
        }
    }
    let t = civil(
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
        h,
        mi,
        sec,
        nanos,
    )?;
    Some((t, used))
}

/// Milestone-style: `Camera 1 2023-05-01 10-00-00[.000][ - 2023-05-01 10-05-00]`.
fn milestone(stem: &str) -> Option<NamedFile> {
    let (at, (start, used)) = stem
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .find_map(|(i, _)| spaced_datetime(&stem[i..]).map(|r| (i, r)))?;
    let tail = stem[at + used..].trim_start_matches([' ', '-', '_']);
    let end = if tail.is_empty() {
        None
    } else {
        let (e, n) = spaced_datetime(tail)?;
        if n != tail.len() || e < start {
            return None;
        }
        Some(e)
    };
    Some(NamedFile {
        start,
        end,
        camera: camera(&stem[..at]),
        pattern: NamePattern::Milestone,
    })
}

/// What the path of a file (relative to the opened root, `/` or `\`
/// separated, the file name last) says about it, if it follows a known
/// scheme. Any text is safe here.
pub fn parse_path(rel: &str) -> Option<NamedFile> {
    let mut comps: Vec<&str> = rel
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && c.len() <= MAX_COMPONENT)
        .collect();
    let file = comps.pop()?;
    let stem = stem(file);
    mediamtx(stem)
        .or_else(|| clipping(stem))
        .or_else(|| dahua(stem, &comps))
        .or_else(|| hikvision(stem))
        .or_else(|| milestone(stem))
}

/// [`parse_path`] for raw bytes (fuzzing): `None` unless UTF-8.
pub fn parse_path_bytes(rel: &[u8]) -> Option<NamedFile> {
    parse_path(std::str::from_utf8(rel).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTime {
        s.parse().unwrap()
    }

    #[test]
    fn every_scheme_parses() {
        let n = parse_path("gate_north_20250829_143010.mp4").unwrap();
        assert_eq!(n.pattern, NamePattern::Clipping);
        assert_eq!(n.start, dt("2025-08-29T14:30:10"));
        assert_eq!(n.camera.as_deref(), Some("gate_north"));

        let n = parse_path("cam/2025-08-29_14-30-10-250000.ts").unwrap();
        assert_eq!(n.pattern, NamePattern::MediaMtx);
        assert_eq!(n.start, dt("2025-08-29T14:30:10.25"));
        assert_eq!(n.camera, None);

        let n = parse_path("2019-12-31/001/dav/23/23.52.00-00.02.00[R][0@0][0].dav").unwrap();
        assert_eq!(n.pattern, NamePattern::Dahua);
        assert_eq!(n.start, dt("2019-12-31T23:52:00"));
        assert_eq!(n.end, Some(dt("2020-01-01T00:02:00")));
        assert!(
            parse_path("001/dav/23/23.52.00-00.02.00.dav").is_none(),
            "no date folder"
        );

        let n = parse_path("ch01_20230510143000_20230510144000_1.mp4").unwrap();
        assert_eq!(n.pattern, NamePattern::Hikvision);
        assert_eq!(n.start, dt("2023-05-10T14:30:00"));
        assert_eq!(n.end, Some(dt("2023-05-10T14:40:00")));
        assert_eq!(n.camera.as_deref(), Some("ch01"));
        let n = parse_path("20230510143000.mp4").unwrap();
        assert_eq!(n.camera, None);

        let n = parse_path("Lobby Cam 2023-05-01 10-00-00.123 - 2023-05-01 10-05-00.avi").unwrap();
        assert_eq!(n.pattern, NamePattern::Milestone);
        assert_eq!(n.start, dt("2023-05-01T10:00:00.123"));
        assert_eq!(n.end, Some(dt("2023-05-01T10:05:00")));
        assert_eq!(n.camera.as_deref(), Some("Lobby Cam"));
    }

    #[test]
    fn other_names_are_not_exports() {
        for p in [
            "notes.txt",
            "clip.mp4",
            "camera1_2025082_143010.mp4",
            "cam_20251329_143010.mkv",
            "2019-12-31/99.00.00-00.00.00.dav",
            "ch01_20230510143000_x_1.mp4",
            "ch01_20230510143000_20230510133000.mp4",
            "Cam 2023-05-01 10-00-00 - later.avi",
            "",
            "/",
            "\u{00e9}\u{00e9}\u{00e9}2023-05-01 10-00-0\u{00e9}",
        ] {
            assert_eq!(parse_path(p), None, "{p}");
        }
        assert_eq!(parse_path_bytes(b"\xff\xfe_20250829_143010.mp4"), None);
    }
}
