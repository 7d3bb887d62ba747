//! What the operator told us and what was opened, kept in the store's
//! settings: a file's start time and zone when nothing in or beside the file
//! says it (per file, by its absolute path), and the recent list of opened
//! paths (newest first, at most [`RECENT_MAX`]).
use std::path::{Path, PathBuf};

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::playback::day::civil_to_utc;
use crate::store::{Store, StoreError};

/// How many opened paths the recent list keeps.
pub const RECENT_MAX: usize = 20;
const RECENT_KEY: &str = "offline.recent";
const START_PREFIX: &str = "offline.start:";

/// A file's start as the operator gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OperatorStart {
    /// The civil time entered, `YYYY-MM-DDTHH:MM:SS[.fff]`.
    pub civil: String,
    /// Its IANA zone.
    pub zone: String,
    /// The UTC instant (ms) they make.
    #[ts(type = "number")]
    pub utc_ms: i64,
}

/// One entry of the recent list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecentOpen {
    pub paths: Vec<String>,
    pub site_id: String,
    #[ts(type = "number")]
    pub opened_ms: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("start time {0:?}: use YYYY-MM-DDTHH:MM:SS (local time in the zone given)")]
    Civil(String),
    #[error("time zone {0:?} is not an IANA zone")]
    Zone(String),
    #[error("{civil} does not exist in {zone} or is outside the years 1970..=2200")]
    Instant { civil: String, zone: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The civil time `civil` in `zone` as a UTC instant (ms). Any text is safe here.
pub fn operator_start(civil: &str, zone: &str) -> Result<OperatorStart, StartError> {
    let civil = civil.trim();
    let dt: DateTime = civil
        .replacen(' ', "T", 1)
        .parse()
        .map_err(|_| StartError::Civil(civil.to_string()))?;
    let tz = TimeZone::get(zone.trim()).map_err(|_| StartError::Zone(zone.to_string()))?;
    let utc_ms = civil_to_utc(dt, &tz)
        .filter(|ms| crate::playback::bounds::in_bounds(*ms))
        .ok_or_else(|| StartError::Instant {
            civil: civil.to_string(),
            zone: zone.to_string(),
        })?;
    Ok(OperatorStart {
        civil: civil.to_string(),
        zone: zone.trim().to_string(),
        utc_ms,
    })
}

fn start_key(path: &Path) -> String {
    format!("{START_PREFIX}{}", path.display())
}

/// Remembers the operator's start for the file at `path` (absolute).
pub fn remember_start(store: &Store, path: &Path, start: &OperatorStart) -> Result<(), StartError> {
    let json = serde_json::to_string(start).expect("a start serialises");
    store.set_setting(&start_key(path), &json)?;
    Ok(())
}

/// The operator's start for the file at `path`, if one was given (a
/// damaged entry counts as none).
pub fn remembered_start(store: &Store, path: &Path) -> Option<OperatorStart> {
    let json = store.setting(&start_key(path)).ok()??;
    serde_json::from_str(&json).ok()
}

/// The recent list, newest first.
pub fn recent(store: &Store) -> Vec<RecentOpen> {
    store
        .setting(RECENT_KEY)
        .ok()
        .flatten()
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

/// Puts `paths` (opened as `site_id`) at the top of the recent list.
pub fn push_recent(store: &Store, paths: &[PathBuf], site_id: &str) -> Result<(), StoreError> {
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let mut list = recent(store);
    list.retain(|r| r.paths != paths);
    list.insert(
        0,
        RecentOpen {
            paths,
            site_id: site_id.to_string(),
            opened_ms: crate::media::source::now_ms(),
        },
    );
    list.truncate(RECENT_MAX);
    store.set_setting(
        RECENT_KEY,
        &serde_json::to_string(&list).expect("a list serialises"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_starts_are_checked_and_remembered() {
        let s = operator_start("2025-08-29 16:30:10", "Europe/Berlin").unwrap();
        assert_eq!(
            crate::playback::day::format_rfc3339(s.utc_ms),
            "2025-08-29T14:30:10.000Z"
        );
        assert!(matches!(
            operator_start("yesterday", "UTC"),
            Err(StartError::Civil(_))
        ));
        assert!(matches!(
            operator_start("2025-08-29T10:00:00", "Mars/Base"),
            Err(StartError::Zone(_))
        ));
        assert!(operator_start("2999-01-01T00:00:00", "UTC").is_err());
        let store = Store::open_in_memory().unwrap();
        let p = Path::new("/media/usb/clip.mp4");
        assert_eq!(remembered_start(&store, p), None);
        remember_start(&store, p, &s).unwrap();
        assert_eq!(remembered_start(&store, p), Some(s));
    }

    #[test]
    fn the_recent_list_is_newest_first_without_repeats() {
        let store = Store::open_in_memory().unwrap();
        for i in 0..(RECENT_MAX + 5) {
            push_recent(&store, &[PathBuf::from(format!("/m/{i}"))], "folder-1").unwrap();
        }
        push_recent(&store, &[PathBuf::from("/m/10")], "folder-1").unwrap();
        let r = recent(&store);
        assert_eq!(r.len(), RECENT_MAX);
        assert_eq!(r[0].paths, vec!["/m/10".to_string()]);
        assert_eq!(r.iter().filter(|e| e.paths[0] == "/m/10").count(), 1);
    }
}
