//! Where a case's media goes: `Footage/YYYYMMDD/` and `Snapshot/YYYYMMDD/`
//! under the media root (the date of the event, UTC), named with the case,
//! the camera and the event time.
use std::path::{Path, PathBuf};

use super::JobKind;

fn stamp(ms: i64) -> (String, String) {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let day = format!("{:04}{:02}{:02}", t.year(), t.month() as u8, t.day());
    let full = format!(
        "{day}T{:02}{:02}{:02}.{:03}Z",
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    );
    (day, full)
}

/// The final path of a job's file.
pub fn media_path(
    root: &Path,
    kind: JobKind,
    case_label: &str,
    camera_id: &str,
    event_ms: i64,
) -> PathBuf {
    let (day, full) = stamp(event_ms);
    let (dir, ext) = match kind {
        JobKind::Clip => ("Footage", "mp4"),
        JobKind::Snapshot => ("Snapshot", "jpg"),
    };
    root.join(dir).join(day).join(format!(
        "{}_{}_{full}.{ext}",
        crate::file_name::safe_id(case_label),
        crate::file_name::safe_id(camera_id)
    ))
}

/// The sidecar of a clip: same name, `.json`.
pub fn sidecar_path(clip: &Path) -> PathBuf {
    clip.with_extension("json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_case_camera_and_time() {
        let p = media_path(
            Path::new("/m"),
            JobKind::Clip,
            "C-000007",
            "cam/1",
            1_700_000_000_123,
        );
        assert_eq!(
            p,
            Path::new("/m/Footage/20231114/C-000007_cam_1_20231114T221320.123Z.mp4")
        );
        assert_eq!(
            sidecar_path(&p),
            Path::new("/m/Footage/20231114/C-000007_cam_1_20231114T221320.123Z.json")
        );
        let s = media_path(Path::new("/m"), JobKind::Snapshot, "C-1", "a", 0);
        assert!(s.starts_with("/m/Snapshot/19700101"));
    }
}
