//! Evidence exports the operator starts from the window: a signed package
//! of a case, and a snapshot of the frame at a time on a camera. Both write
//! under the media root (`exports/`) with names that say what they hold,
//! never over an existing file, and answer with what was written (path,
//! SHA-256, the key's fingerprint) for the UI to show.
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::snapshot::{export_snapshot, Caption, ImageFormat, SnapshotRequest};
use super::{EvidenceError, PackageError};
use crate::engine::Engine;
use crate::media::source::StopFlag;

/// A case package as written, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct CasePackageExport {
    pub path: String,
    /// The signing key's fingerprint (SHA-256 of the raw public key).
    pub fingerprint: String,
    #[ts(type = "number")]
    pub files: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    pub zip: bool,
    /// Case media not finished yet, left out of the package.
    #[ts(type = "number")]
    pub not_ready: u64,
}

/// A snapshot as written, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct SnapshotFile {
    pub path: String,
    /// The time of the frame written (UTC ms).
    #[ts(type = "number")]
    pub frame_ms: i64,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// This install's evidence key, for Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct EvidenceKeyInfo {
    pub algorithm: String,
    pub public_key_pem: String,
    pub fingerprint: String,
}

/// `YYYYMMDDTHHMMSS.mmmZ` of a UTC time, for file names.
fn stamp(ms: i64) -> String {
    crate::cases::rfc3339_ms(ms).replace([':', '-'], "")
}

/// `base.ext`, or `base-2.ext`, `base-3.ext`... the first that does not exist.
fn free_path(dir: &Path, base: &str, ext: &str) -> PathBuf {
    let name = |n: u32| {
        let dot = if ext.is_empty() { "" } else { "." };
        if n == 1 {
            format!("{base}{dot}{ext}")
        } else {
            format!("{base}-{n}{dot}{ext}")
        }
    };
    (1..)
        .map(|n| dir.join(name(n)))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(name(1)))
}

impl Engine {
    /// The folder for window exports: `<media root>/exports`.
    pub fn evidence_export_dir(&self) -> Result<PathBuf, PackageError> {
        let root = self
            .cases()
            .media_root()?
            .or_else(crate::config::data_dir)
            .ok_or_else(|| PackageError::Invalid("no media root to write to".into()))?;
        let dir = root.join("exports");
        std::fs::create_dir_all(&dir).map_err(|source| PackageError::Io {
            what: "creating",
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    /// This install's evidence key (public half and fingerprint).
    pub fn evidence_key_info(&self) -> Result<EvidenceKeyInfo, PackageError> {
        let k = self.evidence_key()?;
        Ok(EvidenceKeyInfo {
            algorithm: k.algorithm,
            public_key_pem: k.public_key_pem,
            fingerprint: k.fingerprint,
        })
    }

    /// A signed package of a case (zip or folder) in `dir` (default the
    /// export folder), named by the case's label and the export time.
    /// Blocking: call off the UI's thread.
    pub fn export_case_package_to(
        &self,
        case_id: &str,
        dir: Option<&Path>,
        zip: bool,
        exported_by: &str,
        progress: &mut dyn FnMut(f64),
    ) -> Result<CasePackageExport, PackageError> {
        let d = self.cases().detail(case_id)?;
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => self.evidence_export_dir()?,
        };
        let base = format!(
            "{}_package_{}",
            crate::file_name::safe_label(&d.case.label),
            stamp(crate::media::source::now_ms())
        );
        let out = free_path(&dir, &base, if zip { "zip" } else { "" });
        let made = self.export_case_package(case_id, &out, exported_by, progress)?;
        Ok(CasePackageExport {
            path: made.created.path.display().to_string(),
            fingerprint: made.created.fingerprint,
            files: made.created.files as u64,
            bytes: made.created.bytes,
            zip: made.created.zip,
            not_ready: made.not_ready as u64,
        })
    }

    /// The frame of `camera_id`'s recording at `at_ms` as PNG or JPEG in the
    /// export folder, with the camera's name and the site's time burned in
    /// when `caption`. Blocking: call off the UI's thread.
    pub fn export_frame_snapshot(
        &self,
        camera_id: &str,
        at_ms: i64,
        jpeg: bool,
        caption: bool,
        stop: StopFlag,
    ) -> Result<SnapshotFile, PackageError> {
        let (footage, camera, _) = self.evidence_footage(camera_id)?;
        let tz = self
            .camera_time_zone(camera_id)
            .map_err(|e| EvidenceError::Invalid(e.to_string()))?;
        let dir = self.evidence_export_dir()?;
        let ext = if jpeg { "jpg" } else { "png" };
        let base = format!(
            "{}_{}",
            crate::file_name::safe_label(&camera.name),
            stamp(at_ms)
        );
        let out = free_path(&dir, &base, ext);
        let req = SnapshotRequest {
            at_ms,
            format: if jpeg {
                ImageFormat::Jpeg
            } else {
                ImageFormat::Png
            },
            caption: caption.then(|| Caption {
                camera_name: camera.name.clone(),
                tz,
            }),
        };
        let s = export_snapshot(&footage, &req, &out, stop)?;
        Ok(SnapshotFile {
            path: s.path.display().to_string(),
            frame_ms: s.frame_ms,
            width: s.width,
            height: s.height,
            sha256: s.sha256,
            bytes: s.bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::free_path;

    #[test]
    fn an_existing_export_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let first = free_path(dir.path(), "cam_x", "png");
        assert_eq!(first, dir.path().join("cam_x.png"));
        std::fs::write(&first, b"x").unwrap();
        assert_eq!(
            free_path(dir.path(), "cam_x", "png"),
            dir.path().join("cam_x-2.png")
        );
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        assert_eq!(free_path(dir.path(), "pkg", ""), dir.path().join("pkg-2"));
    }
}
