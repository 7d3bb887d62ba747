//! Sub-clip export: the packets of a marked in/out range copied from the
//! recording files (no re-encode, `footage::copy`): the clip starts at the
//! keyframe at or before the in point with an edit list, so players decode
//! from the keyframe but show the clip from the in point. Written aside and
//! renamed into place, then its JSON annotation (`NAME.json`: the source
//! files with their spans, sizes and SHA-256). Progress goes to a callback
//! that can also stop the export.
use std::path::{Path, PathBuf};

use rand::RngCore;

use super::annotation::{Annotation, ClipFile, SourceClip, FORMAT};
use super::package::files::hash_file;
use super::package::{CameraRef, SourceRef};
use super::source::Footage;
use super::EvidenceError;
use crate::cases::rfc3339_ms;
use crate::footage::copy::{copy_clip, CopyError};
use crate::footage::FootageError;
use crate::media::source::StopFlag;

#[derive(Debug, Clone)]
pub struct ClipRequest {
    pub from_ms: i64,
    pub to_ms: i64,
    pub camera: CameraRef,
    pub source: SourceRef,
    /// For the annotation's `created_at` (the engine's clock).
    pub now_ms: i64,
}

#[derive(Debug, Clone)]
pub struct ClipExport {
    pub path: PathBuf,
    pub annotation_path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    pub annotation: Annotation,
}

/// Longest clip one export makes (a day).
pub const MAX_CLIP_MS: i64 = 24 * 3600 * 1000;

/// The annotation's path for a clip: `NAME.json`.
pub fn annotation_path(clip: &Path) -> PathBuf {
    clip.with_extension("json")
}

/// Cuts `[from_ms, to_ms]` of `footage` into the MP4 `out`.
pub fn export_clip(
    footage: &Footage,
    req: &ClipRequest,
    out: &Path,
    progress: &mut dyn FnMut(f64) -> bool,
    stop: StopFlag,
) -> Result<ClipExport, EvidenceError> {
    crate::media::init();
    if req.to_ms <= req.from_ms {
        return Err(EvidenceError::Invalid(
            "the out point must be after the in point".into(),
        ));
    }
    if req.to_ms - req.from_ms > MAX_CLIP_MS {
        return Err(EvidenceError::Invalid("a clip is at most 24 hours".into()));
    }
    if out.exists() {
        return Err(EvidenceError::Invalid(format!(
            "{} exists already",
            out.display()
        )));
    }
    let interval = footage.frame_interval_ms().unwrap_or(40.0).ceil() as i64;
    let files = footage.segment_files(req.from_ms, req.to_ms + interval)?;
    if let Footage::Recording { rec, .. } = footage {
        check_damage(footage, rec.as_ref(), req)?;
    }
    if files.is_empty() {
        return Err(no_recording(req));
    }
    let name = out
        .file_name()
        .ok_or_else(|| EvidenceError::Invalid(format!("{} has no file name", out.display())))?
        .to_string_lossy()
        .into_owned();
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| EvidenceError::Io {
        what: "creating",
        path: dir.to_path_buf(),
        source,
    })?;
    let partial = dir.join(format!(".{name}.partial"));
    // stream copies of a VMS's playback go once the sources' hashes are taken
    let _copies =
        crate::media::stream_copy::ReleaseOnDrop::new(files.iter().map(|f| f.path.clone()));
    let copied = copy_clip(&files, req.from_ms, req.to_ms, &partial, progress, stop);
    let copied = match copied {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(match e {
                CopyError::NotCopyable(why) => EvidenceError::NotCopyable { codec: why },
                CopyError::Failed(FootageError::NoRecording { .. }) => no_recording(req),
                CopyError::Failed(FootageError::Stopped) => EvidenceError::Stopped,
                CopyError::Failed(other) => EvidenceError::Write {
                    what: "clip",
                    path: out.to_path_buf(),
                    reason: other.to_string(),
                },
            });
        }
    };
    finish(&partial, out)?;
    let (sha256, bytes) = hash_file(out).map_err(|e| write_err(out, e))?;
    let mut sources = Vec::new();
    for s in &copied.used {
        let (sh, sz) = hash_file(&s.path).map_err(|e| write_err(out, e))?;
        sources.push(SourceClip {
            file_path: s.path.display().to_string(),
            filename: s
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            start_time: rfc3339_ms(s.start_ms),
            end_time: rfc3339_ms(s.end_ms),
            file_size: sz,
            sha256: sh,
        });
    }
    let (first, last) = (
        copied.clip.first_ms.unwrap_or(req.from_ms),
        copied.clip.last_ms.unwrap_or(req.to_ms),
    );
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    let annotation = Annotation {
        format: FORMAT.into(),
        clip_id: hex::encode(id),
        camera_id: req.camera.id.clone(),
        camera_name: req.camera.name.clone(),
        requested_start: rfc3339_ms(req.from_ms),
        requested_end: rfc3339_ms(req.to_ms),
        actual_start: rfc3339_ms(first),
        actual_end: rfc3339_ms(last),
        actual_start_ms: first,
        actual_end_ms: last,
        duration_seconds: (last - first) as f64 / 1000.0,
        frames: copied.clip.frames,
        codec: copied.codec,
        method: "stream_copy".into(),
        clip: ClipFile {
            filename: name,
            file_size: bytes,
            sha256: sha256.clone(),
        },
        source_clips: sources,
        source: req
            .source
            .file
            .clone()
            .unwrap_or_else(|| footage.describe()),
        site: req.source.site.clone(),
        vms: req.source.vms.clone(),
        created_at: rfc3339_ms(req.now_ms),
        vigil_version: env!("CARGO_PKG_VERSION").into(),
    };
    let ap = annotation_path(out);
    let json = serde_json::to_vec_pretty(&annotation).map_err(|e| EvidenceError::Write {
        what: "annotation",
        path: ap.clone(),
        reason: e.to_string(),
    })?;
    let ap_partial = dir.join(format!(
        ".{}.partial",
        ap.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::write(&ap_partial, json).map_err(|source| EvidenceError::Io {
        what: "writing",
        path: ap_partial.clone(),
        source,
    })?;
    finish(&ap_partial, &ap)?;
    progress(1.0);
    Ok(ClipExport {
        path: out.to_path_buf(),
        annotation_path: ap,
        sha256,
        bytes,
        annotation,
    })
}

/// A range the recording should cover but does not, next to damaged files,
/// is those files' fault: say so instead of cutting a short clip.
fn check_damage(
    footage: &Footage,
    rec: &dyn crate::playback::Recording,
    req: &ClipRequest,
) -> Result<(), EvidenceError> {
    let spans = rec.spans(req.from_ms, req.to_ms)?;
    let covered: i64 = spans.iter().map(|s| s.duration_ms()).sum();
    let problems = footage.problems();
    if covered + 1_500 < req.to_ms - req.from_ms && !problems.is_empty() {
        return Err(EvidenceError::Damaged {
            path: PathBuf::from(footage.describe()),
            reason: problems.join("; "),
        });
    }
    Ok(())
}

fn no_recording(req: &ClipRequest) -> EvidenceError {
    EvidenceError::NoRecording {
        from: rfc3339_ms(req.from_ms),
        to: rfc3339_ms(req.to_ms),
    }
}

fn write_err(path: &Path, e: super::PackageError) -> EvidenceError {
    EvidenceError::Write {
        what: "clip",
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// fsync then rename into place.
fn finish(partial: &Path, out: &Path) -> Result<(), EvidenceError> {
    let io = |what, path: &Path| {
        let path = path.to_path_buf();
        move |source| EvidenceError::Io { what, path, source }
    };
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(io("syncing", partial))?;
    std::fs::rename(partial, out).map_err(io("renaming into", out))
}
