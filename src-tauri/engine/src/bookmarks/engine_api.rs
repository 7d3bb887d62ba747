//! The engine's bookmark methods: add (the camera must exist), list and
//! search, delete, and export a bookmark's range as a lossless clip with its
//! annotation (the evidence clip export: stream copy from the recording).
//! A bookmark without a range exports [`AROUND_MS`] either side of its moment.
//! A recording with no files to copy (the demo site, live-only readers) is
//! encoded instead (the footage worker's encoder), with a JSON note beside it.
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Bookmark, BookmarkError, BookmarkFilter, NewBookmark};
use crate::engine::Engine;
use crate::evidence::clip::{export_clip, ClipRequest};
use crate::evidence::source::Footage;
use crate::evidence::EvidenceError;
use crate::media::source::StopFlag;

/// A bookmark without a range exports this much before and after its moment.
pub const AROUND_MS: i64 = 5_000;

/// A bookmark's clip as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct BookmarkClip {
    #[ts(type = "number")]
    pub bookmark: i64,
    pub path: String,
    pub annotation_path: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The range asked for.
    #[ts(type = "number")]
    pub from_ms: i64,
    #[ts(type = "number")]
    pub to_ms: i64,
    /// What the clip holds (its first and last frame).
    #[ts(type = "number")]
    pub actual_start_ms: i64,
    #[ts(type = "number")]
    pub actual_end_ms: i64,
}

/// Why a bookmark clip was not made.
#[derive(Debug, thiserror::Error)]
pub enum BookmarkClipError {
    #[error(transparent)]
    Bookmark(#[from] BookmarkError),
    #[error("bookmark clip: {0}")]
    Evidence(#[from] EvidenceError),
    #[error("bookmark clip: no folder to write to (set a media root in Settings)")]
    NoFolder,
    #[error("bookmark clip: {0}")]
    Footage(#[from] crate::footage::FootageError),
    #[error("bookmark clip: {what} {path}: {reason}")]
    Write {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
}

impl crate::error::HasKind for BookmarkClipError {
    fn kind(&self) -> crate::error::ErrorKind {
        match self {
            BookmarkClipError::Bookmark(e) => e.kind(),
            BookmarkClipError::Evidence(e) => e.kind(),
            BookmarkClipError::Footage(e) => e.kind(),
            BookmarkClipError::NoFolder | BookmarkClipError::Write { .. } => {
                crate::error::ErrorKind::Storage
            }
        }
    }
}

/// The range a bookmark's clip covers.
pub fn clip_range(b: &Bookmark) -> (i64, i64) {
    match (b.from_ms, b.to_ms) {
        (Some(a), Some(z)) => (a, z),
        _ => (b.at_ms - AROUND_MS, b.at_ms + AROUND_MS),
    }
}

/// A file name in `dir` for bookmark `b` that does not exist yet.
fn clip_path(dir: &Path, b: &Bookmark, from_ms: i64) -> PathBuf {
    let stamp = crate::cases::rfc3339_ms(from_ms).replace([':', '-'], "");
    let base = format!(
        "bookmark-{}_{}_{}",
        b.id,
        crate::file_name::safe_id(&b.camera),
        crate::file_name::safe_id(&stamp)
    );
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{base}.mp4")
        } else {
            format!("{base}-{n}.mp4")
        };
        let p = dir.join(name);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

impl Engine {
    /// Adds a bookmark of a known camera.
    pub fn add_bookmark(&self, b: &NewBookmark) -> Result<Bookmark, BookmarkError> {
        let b = b.validated()?;
        self.registry
            .camera(&b.camera)
            .map_err(|e| BookmarkError::Invalid(format!("camera {}: {e}", b.camera)))?;
        self.store.add_bookmark(&b, crate::media::source::now_ms())
    }

    /// Bookmarks matching the filter, latest moment first.
    pub fn bookmarks(&self, f: &BookmarkFilter) -> Result<Vec<Bookmark>, BookmarkError> {
        self.store.bookmarks(f)
    }

    /// One bookmark.
    pub fn bookmark(&self, id: i64) -> Result<Bookmark, BookmarkError> {
        self.store.bookmark(id)
    }

    /// Deletes a bookmark (`false`: there was none).
    pub fn delete_bookmark(&self, id: i64) -> Result<bool, BookmarkError> {
        self.store.delete_bookmark(id)
    }

    /// The folder bookmark clips go to by default: `<media root>/bookmarks`,
    /// else `<data dir>/bookmarks`.
    pub fn bookmark_clip_dir(&self) -> Option<PathBuf> {
        let root = self
            .cases()
            .media_root()
            .ok()
            .flatten()
            .or_else(crate::config::data_dir)?;
        Some(root.join("bookmarks"))
    }

    /// Cuts a bookmark's range (or its moment ± [`AROUND_MS`]) from the
    /// camera's recording into `dir` (default [`Self::bookmark_clip_dir`]).
    /// Blocking: call off the UI's thread.
    pub fn export_bookmark_clip(
        &self,
        id: i64,
        dir: Option<&Path>,
        stop: StopFlag,
    ) -> Result<BookmarkClip, BookmarkClipError> {
        let b = self.store.bookmark(id)?;
        let dir = match dir {
            Some(d) => d.to_path_buf(),
            None => self
                .bookmark_clip_dir()
                .ok_or(BookmarkClipError::NoFolder)?,
        };
        let (from_ms, to_ms) = clip_range(&b);
        let (footage, camera, source) = self.evidence_footage(&b.camera)?;
        let req = ClipRequest {
            from_ms,
            to_ms,
            camera,
            source,
            now_ms: crate::media::source::now_ms(),
        };
        let out = clip_path(&dir, &b, from_ms);
        let stop2 = stop.clone();
        match export_clip(
            &footage,
            &req,
            &out,
            &mut |_| !stop2.is_stopped(),
            stop.clone(),
        ) {
            Ok(c) => Ok(BookmarkClip {
                bookmark: b.id,
                path: c.path.display().to_string(),
                annotation_path: c.annotation_path.display().to_string(),
                sha256: c.sha256,
                bytes: c.bytes,
                from_ms,
                to_ms,
                actual_start_ms: c.annotation.actual_start_ms,
                actual_end_ms: c.annotation.actual_end_ms,
            }),
            Err(EvidenceError::NotFileBacked { .. }) | Err(EvidenceError::NotCopyable { .. }) => {
                let Footage::Recording { rec, .. } = &footage else {
                    return Err(BookmarkClipError::Evidence(EvidenceError::Invalid(
                        "not a recording".into(),
                    )));
                };
                encoded_clip(rec.as_ref(), &b, from_ms, to_ms, &out, stop)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Encodes `[from_ms, to_ms]` of `rec` into `out` (H.264 MP4, written aside
/// and renamed), with `NAME.json` beside it saying what it holds.
fn encoded_clip(
    rec: &dyn crate::playback::Recording,
    b: &Bookmark,
    from_ms: i64,
    to_ms: i64,
    out: &Path,
    stop: StopFlag,
) -> Result<BookmarkClip, BookmarkClipError> {
    let write = |what: &'static str, path: &Path, reason: String| BookmarkClipError::Write {
        what,
        path: path.to_path_buf(),
        reason,
    };
    let dir = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| write("creating", dir, e.to_string()))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = dir.join(format!(".{name}.partial"));
    let preset = crate::footage::WorkerConfig::default().preset;
    let stop2 = stop.clone();
    let facts = crate::footage::encode::encode_clip(
        rec,
        &b.camera,
        from_ms,
        to_ms,
        &partial,
        &preset,
        &mut |_| !stop2.is_stopped(),
        stop,
    );
    let facts = match facts {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    std::fs::rename(&partial, out).map_err(|e| write("renaming to", out, e.to_string()))?;
    let (sha256, bytes) = crate::evidence::package::files::hash_file(out)
        .map_err(|e| write("hashing", out, e.to_string()))?;
    let actual_start_ms = facts.first_ms.unwrap_or(from_ms);
    let actual_end_ms = facts.last_ms.unwrap_or(to_ms);
    let note = serde_json::json!({
        "bookmark": b.id,
        "camera": b.camera,
        "note": b.note,
        "method": "encode",
        "requestedStart": crate::cases::rfc3339_ms(from_ms),
        "requestedEnd": crate::cases::rfc3339_ms(to_ms),
        "actualStartMs": actual_start_ms,
        "actualEndMs": actual_end_ms,
        "frames": facts.frames,
        "gaps": facts.gaps,
        "sha256": sha256,
        "bytes": bytes,
    });
    let annotation = crate::evidence::clip::annotation_path(out);
    std::fs::write(
        &annotation,
        serde_json::to_vec_pretty(&note).unwrap_or_default(),
    )
    .map_err(|e| write("writing", &annotation, e.to_string()))?;
    Ok(BookmarkClip {
        bookmark: b.id,
        path: out.display().to_string(),
        annotation_path: annotation.display().to_string(),
        sha256,
        bytes,
        from_ms,
        to_ms,
        actual_start_ms,
        actual_end_ms,
    })
}
