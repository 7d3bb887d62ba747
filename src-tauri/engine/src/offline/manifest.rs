//! Package manifests read for their files' cameras and start times when a
//! folder opened offline is an incident package (`manifest.json` at its
//! root). Only what the offline catalog needs is read, tolerantly (the
//! evidence module owns the format and its verification): a `files` array
//! whose entries name a `path` relative to the package, a camera
//! (`camera_name`, `cameraName` or `camera`) and a UTC start (`start_ms`,
//! `startMs`, or an RFC 3339 `start`/`utc_start`, also inside a `utc` object).
use std::path::Path;

use serde_json::Value;

/// The manifest's file name at a package's root.
pub const MANIFEST: &str = "manifest.json";
/// Manifests larger than this are not read.
pub const MAX_MANIFEST: u64 = 16 << 20;

/// One file a manifest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Relative to the package root; never absolute, never with `..`.
    pub path: String,
    pub camera: Option<String>,
    pub start_ms: Option<i64>,
}

fn text<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| v.get(k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
}

fn start_of(v: &Value) -> Option<i64> {
    let ms = ["start_ms", "startMs", "utc_start_ms"]
        .iter()
        .find_map(|k| v.get(k).and_then(Value::as_i64))
        .or_else(|| {
            text(v, &["start", "utc_start", "startUtc", "start_utc"])
                .and_then(|s| crate::playback::day::parse_rfc3339(s).ok())
        })
        .or_else(|| v.get("utc").and_then(start_of));
    ms.filter(|m| crate::playback::bounds::in_bounds(*m))
}

/// Whether a manifest path stays inside the package.
fn contained(p: &str) -> bool {
    let path = Path::new(p);
    !p.is_empty()
        && !p.starts_with(['/', '\\'])
        && !path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
        && !p.split(['/', '\\']).any(|c| c == "..")
}

/// The files a manifest's bytes list (entries without a safe path are
/// skipped; bytes that are not a JSON object give none). Any bytes are safe here.
pub fn parse_manifest(bytes: &[u8]) -> Vec<ManifestEntry> {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let Some(files) = v.get("files").and_then(Value::as_array) else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|f| {
            let path = text(f, &["path", "file", "name"])?;
            contained(path).then(|| ManifestEntry {
                path: path.to_string(),
                camera: text(f, &["camera_name", "cameraName", "camera"])
                    .or_else(|| f.get("camera").and_then(|c| text(c, &["name", "id"])))
                    .map(str::to_string),
                start_ms: start_of(f),
            })
        })
        .collect()
}

/// The manifest of the package at `root`, if it has one.
pub fn read_dir_manifest(root: &Path) -> Option<Vec<ManifestEntry>> {
    let p = root.join(MANIFEST);
    if std::fs::metadata(&p).ok()?.len() > MAX_MANIFEST {
        return None;
    }
    Some(parse_manifest(&std::fs::read(p).ok()?))
}

/// Whether `root` looks like an incident package (a manifest and a signature).
pub fn is_package(root: &Path) -> bool {
    root.join(MANIFEST).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_tolerantly_and_paths_stay_inside() {
        let m = br#"{"files":[
            {"path":"clips/gate.mp4","camera_name":"Gate","start":"2025-08-29T14:30:10Z"},
            {"path":"snap.jpg","camera":{"id":"c-1","name":"Gate"},"utc":{"start_ms":1756477810000}},
            {"path":"../etc/passwd","camera":"x","start_ms":1},
            {"path":"/abs.mp4","start_ms":1},
            {"nopath":true}
        ]}"#;
        let e = parse_manifest(m);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].camera.as_deref(), Some("Gate"));
        assert_eq!(e[0].start_ms, Some(1_756_477_810_000));
        assert_eq!(e[1].start_ms, Some(1_756_477_810_000));
        assert!(parse_manifest(b"[1,2]").is_empty());
        assert!(parse_manifest(b"\xff").is_empty());
    }
}
