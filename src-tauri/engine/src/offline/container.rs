//! A container's own start time: its `creation_time` tag (MP4/MOV `mvhd`,
//! Matroska `DateUTC`, AVI `IDIT`/`ICRD` as FFmpeg reports them), read once
//! per file version (size and modification time) and cached for the process;
//! and the video's real size ([`video_size`], what a camera lists).
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use jiff::civil::DateTime;
use jiff::Timestamp;

type Key = (PathBuf, u64, Option<SystemTime>);
/// The container's start if it states one, or why the file cannot be opened.
pub type Inspected = Result<Option<i64>, String>;

fn cache() -> &'static Mutex<HashMap<Key, Inspected>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Inspected>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A `creation_time` tag's value as UTC ms: RFC 3339 (`2025-08-29T14:30:10.000000Z`),
/// or a civil `YYYY-MM-DD HH:MM:SS` taken as UTC (FFmpeg writes UTC). Times
/// outside 1970..=2200 and the epoch itself (an unset MP4 time) are none.
/// Any text is safe here.
pub fn parse_creation_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    let ms = match s.parse::<Timestamp>() {
        Ok(t) => t.as_millisecond(),
        Err(_) => s
            .replacen(' ', "T", 1)
            .parse::<DateTime>()
            .ok()?
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?
            .timestamp()
            .as_millisecond(),
    };
    (ms > 0 && crate::playback::bounds::in_bounds(ms)).then_some(ms)
}

fn read(path: &Path) -> Inspected {
    crate::media::init();
    let input = crate::media::protocols::open_local_file(path)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    if input
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .is_none()
    {
        return Err("no video in the file".into());
    }
    Ok(input
        .metadata()
        .get("creation_time")
        .map(str::to_string)
        .or_else(|| {
            input
                .streams()
                .find_map(|s| s.metadata().get("creation_time").map(str::to_string))
        })
        .and_then(|tag| parse_creation_time(&tag)))
}

/// The file's container start (UTC ms), if it states one; an error when
/// FFmpeg cannot open it or it has no video.
pub fn inspect(path: &Path) -> Inspected {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    if let Some(v) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return v.clone();
    }
    let v = read(path);
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, v.clone());
    v
}

/// The size and codec of the file's video (`H264`, `HEVC`, `MJPEG`), as
/// its codec parameters state them (no frame decoded); `None` when FFmpeg
/// cannot open it or it has no video of known size.
pub fn video_size(path: &Path) -> Option<(u32, u32, String)> {
    crate::media::init();
    let input = crate::media::protocols::open_local_file(path).ok()?;
    let stream = input.streams().best(ffmpeg_next::media::Type::Video)?;
    let params = stream.parameters();
    let codec = format!("{:?}", params.id()).to_uppercase();
    let video = ffmpeg_next::codec::context::Context::from_parameters(params)
        .ok()?
        .decoder()
        .video()
        .ok()?;
    let (w, h) = (video.width(), video.height());
    (w > 0 && h > 0).then_some((w, h, codec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creation_times_parse() {
        assert_eq!(
            parse_creation_time("2025-08-29T14:30:10.000000Z"),
            Some(1_756_477_810_000)
        );
        assert_eq!(
            parse_creation_time("2025-08-29 14:30:10"),
            Some(1_756_477_810_000)
        );
        assert_eq!(parse_creation_time("1970-01-01T00:00:00Z"), None);
        assert_eq!(parse_creation_time("9999-01-01T00:00:00Z"), None);
        assert_eq!(parse_creation_time("soon"), None);
    }
}
