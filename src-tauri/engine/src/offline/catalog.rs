//! The catalog of an opened path: every video file under one or more roots
//! (a file, several files, or a folder tree), each with its start time and
//! its camera. A file's start comes from, in this order: a Vigil footage
//! sidecar beside it, a package manifest at a root, a known name scheme
//! ([`super::names`]), the container's `creation_time`, else the operator
//! (remembered per file). A file with none of these is listed as needing a
//! start. Files are grouped by camera: the sidecar's, manifest's or name's
//! camera, else their folder (date and hour folders left out).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use serde::Serialize;

use super::manifest::{self, ManifestEntry};
use super::names;
use crate::footage::Sidecar;
use crate::playback::day::civil_to_utc;

/// Extensions of the video files looked at in folders (a file opened by
/// name is looked at whatever its extension).
pub const VIDEO_EXTENSIONS: [&str; 11] = [
    "mp4", "mov", "m4v", "m4s", "mkv", "ts", "m2ts", "mts", "avi", "dav", "mpg",
];
/// At most this many files are catalogued; the rest are reported.
pub const MAX_FILES: usize = 10_000;
/// Folder trees are walked this deep at most.
pub const MAX_DEPTH: usize = 8;

/// Where a file's start time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StartSource {
    Sidecar,
    Manifest,
    Name,
    Container,
    Operator,
}

/// One video file of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogFile {
    pub path: PathBuf,
    /// The camera group it belongs to.
    pub camera: String,
    /// UTC ms; `None` until someone says when it starts.
    pub start_ms: Option<i64>,
    pub source: Option<StartSource>,
    /// Why it cannot be played at all (when that is known before probing).
    pub problem: Option<String>,
}

/// One camera: a group of files with known starts, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogCamera {
    /// The group key (camera name or folder), the camera's VMS reference.
    pub key: String,
    pub files: Vec<(i64, PathBuf)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    pub files: Vec<CatalogFile>,
    pub cameras: Vec<CatalogCamera>,
    /// Files left out because the catalog was full.
    pub left_out: usize,
}

impl Catalog {
    pub fn camera(&self, key: &str) -> Option<&CatalogCamera> {
        self.cameras.iter().find(|c| c.key == key)
    }
}

/// What the catalog asks of its surroundings.
pub struct Hints<'a> {
    /// The zone names are written in.
    pub tz: &'a TimeZone,
    /// The operator's start for a file (the store).
    pub operator: &'a dyn Fn(&Path) -> Option<i64>,
    /// The container's own start (`creation_time`), opening the file; an
    /// error when it cannot be opened.
    pub container_start: &'a dyn Fn(&Path) -> Result<Option<i64>, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A file found under a root, with the path components the names read.
struct Found {
    path: PathBuf,
    /// Parent folders, relative to the root (for a file opened by name: a
    /// few of its real parents).
    folders: Vec<String>,
    /// The root's own name (the camera of files directly in it).
    root_name: String,
    /// Opened by name: its nearest folder that is not a date is its camera.
    by_name: bool,
}

fn is_video(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Every video file under `roots`, in a stable order, at most [`MAX_FILES`]
/// (the count of those left out second).
fn walk(roots: &[PathBuf]) -> Result<(Vec<Found>, usize), CatalogError> {
    let mut out = Vec::new();
    let mut left_out = 0;
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|source| CatalogError::Io {
            path: root.clone(),
            source,
        })?;
        if meta.is_file() {
            let parents: Vec<String> = root
                .ancestors()
                .skip(1)
                .take(4)
                .filter_map(|a| a.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            let mut folders = parents.clone();
            folders.reverse();
            let root_name = folders.last().cloned().unwrap_or_default();
            out.push(Found {
                path: root.clone(),
                folders,
                root_name,
                by_name: true,
            });
            continue;
        }
        let root_name = name_of(root);
        let mut stack = vec![(root.clone(), Vec::<String>::new())];
        while let Some((dir, folders)) = stack.pop() {
            let rd = std::fs::read_dir(&dir).map_err(|source| CatalogError::Io {
                path: dir.clone(),
                source,
            })?;
            let mut entries: Vec<_> = rd.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            let mut subdirs = Vec::new();
            for e in entries {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') {
                    continue;
                }
                let Ok(ft) = e.file_type() else { continue };
                let path = e.path();
                // symbolic links to folders are not followed (no loops)
                if ft.is_dir() {
                    if folders.len() < MAX_DEPTH {
                        let mut f = folders.clone();
                        f.push(name);
                        subdirs.push((path, f));
                    }
                } else if (ft.is_file() || (ft.is_symlink() && path.is_file())) && is_video(&path) {
                    if out.len() >= MAX_FILES {
                        left_out += 1;
                    } else {
                        out.push(Found {
                            path,
                            folders: folders.clone(),
                            root_name: root_name.clone(),
                            by_name: false,
                        });
                    }
                }
            }
            subdirs.reverse();
            stack.extend(subdirs);
        }
    }
    Ok((out, left_out))
}

/// The camera of files in `folders`: the folders, with date and hour
/// folders and Dahua's `dav` left out; the root's name when none is left.
pub fn folder_camera(folders: &[String], root_name: &str) -> String {
    let mut keep: Vec<&str> = Vec::new();
    let mut after_dav = false;
    for f in folders {
        let date_like = names::is_date_folder(f);
        let dav = f.eq_ignore_ascii_case("dav");
        let hour = after_dav && f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit());
        after_dav |= dav;
        if !(date_like || dav || hour) {
            keep.push(f);
        }
    }
    if keep.is_empty() {
        root_name.to_string()
    } else {
        keep.join("/")
    }
}

/// The footage sidecar beside a clip (`clip.json`), if it is one.
fn sidecar_of(path: &Path) -> Option<Sidecar> {
    let side = path.with_extension("json");
    let meta = std::fs::metadata(&side).ok()?;
    if meta.len() > 4 << 20 {
        return None;
    }
    Sidecar::parse(&std::fs::read(side).ok()?).ok()
}

/// Package manifests at the folder roots, by the absolute path of each file.
fn manifests(roots: &[PathBuf]) -> BTreeMap<PathBuf, ManifestEntry> {
    let mut out = BTreeMap::new();
    for root in roots.iter().filter(|r| r.is_dir()) {
        let Some(entries) = manifest::read_dir_manifest(root) else {
            continue;
        };
        for e in entries {
            out.insert(root.join(&e.path), e);
        }
    }
    out
}

/// Catalogues `roots`: every file's start and camera.
pub fn scan(roots: &[PathBuf], hints: &Hints<'_>) -> Result<Catalog, CatalogError> {
    let (found, left_out) = walk(roots)?;
    let manifest = manifests(roots);
    let mut files = Vec::with_capacity(found.len());
    for f in found {
        let mut rel = f.folders.join("/");
        rel.push('/');
        rel.push_str(&name_of(&f.path));
        let named = names::parse_path(&rel);
        let folder = || {
            let c = folder_camera(&f.folders, &f.root_name);
            match c.rsplit_once('/') {
                Some((_, last)) if f.by_name => last.to_string(),
                _ => c,
            }
        };
        let (camera, start, source) = if let Some(s) = sidecar_of(&f.path) {
            (s.camera_name, Some(s.actual.start_ms), StartSource::Sidecar)
        } else if let Some(m) = manifest.get(&f.path).filter(|m| m.start_ms.is_some()) {
            (
                m.camera.clone().unwrap_or_else(folder),
                m.start_ms,
                StartSource::Manifest,
            )
        } else if let Some(n) = named.as_ref().and_then(|n| {
            civil_to_utc(n.start, hints.tz)
                .filter(|ms| crate::playback::bounds::in_bounds(*ms))
                .map(|ms| (n, ms))
        }) {
            (
                n.0.camera.clone().unwrap_or_else(folder),
                Some(n.1),
                StartSource::Name,
            )
        } else {
            let inspected = (hints.container_start)(&f.path);
            let operator = match &inspected {
                Ok(None) => (hints.operator)(&f.path),
                _ => None,
            };
            match (inspected, operator) {
                (Ok(Some(ms)), _) => (folder(), Some(ms), StartSource::Container),
                (Ok(None), Some(ms)) => (folder(), Some(ms), StartSource::Operator),
                (other, _) => {
                    files.push(CatalogFile {
                        path: f.path,
                        camera: folder(),
                        start_ms: None,
                        source: None,
                        problem: other.err(),
                    });
                    continue;
                }
            }
        };
        files.push(CatalogFile {
            path: f.path,
            camera,
            start_ms: start,
            source: Some(source),
            problem: None,
        });
    }
    let mut groups: BTreeMap<String, Vec<(i64, PathBuf)>> = BTreeMap::new();
    for f in &files {
        if let Some(s) = f.start_ms {
            groups
                .entry(f.camera.clone())
                .or_default()
                .push((s, f.path.clone()));
        }
    }
    let cameras = groups
        .into_iter()
        .map(|(key, mut files)| {
            files.sort();
            CatalogCamera { key, files }
        })
        .collect();
    Ok(Catalog {
        files,
        cameras,
        left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn starts_come_from_names_container_and_operator_and_files_group_by_camera() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        touch(&r.join("gate_20250829_143010.mkv"));
        touch(&r.join("north/2025-08-29_14-30-10-000000.ts"));
        touch(&r.join("dvr/2025-08-29/001/dav/14/14.30.10-14.31.10[R][0@0][0].dav"));
        touch(&r.join("loose/clip.avi"));
        touch(&r.join("loose/other.mp4"));
        touch(&r.join("loose/notes.txt"));
        touch(&r.join(".hidden/x_20250829_143010.mp4"));
        let utc = TimeZone::UTC;
        let container = |p: &Path| Ok(p.ends_with("clip.avi").then_some(1_000_000));
        let operator = |p: &Path| p.ends_with("other.mp4").then_some(2_000_000);
        let none = |_: &Path| None;
        let nothing = |_: &Path| Ok(None);
        let cat = scan(
            &[r.to_path_buf()],
            &Hints {
                tz: &utc,
                operator: &operator,
                container_start: &container,
            },
        )
        .unwrap();
        let keys: Vec<&str> = cat.cameras.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["dvr/001", "gate", "loose", "north"]);
        assert_eq!(cat.files.len(), 5);
        let src = |end: &str| {
            cat.files
                .iter()
                .find(|f| f.path.ends_with(end))
                .unwrap()
                .source
        };
        assert_eq!(src("clip.avi"), Some(StartSource::Container));
        assert_eq!(src("other.mp4"), Some(StartSource::Operator));
        assert_eq!(src("gate_20250829_143010.mkv"), Some(StartSource::Name));
        // nothing known: listed as needing a start, on no camera's timeline
        let cat = scan(
            &[r.join("loose/clip.avi")],
            &Hints {
                tz: &utc,
                operator: &none,
                container_start: &nothing,
            },
        )
        .unwrap();
        assert_eq!(cat.files.len(), 1);
        assert_eq!(cat.files[0].start_ms, None);
        assert_eq!(cat.files[0].camera, "loose");
        assert!(cat.cameras.is_empty());
    }

    #[test]
    fn folder_cameras_leave_out_dates_and_hours() {
        let f = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            folder_camera(&f(&["2019-12-31", "001", "dav", "00"]), "r"),
            "001"
        );
        assert_eq!(folder_camera(&f(&["20191231"]), "root"), "root");
        assert_eq!(folder_camera(&f(&["site", "cam 2"]), "root"), "site/cam 2");
    }
}
