//! What evidence is cut from: a recording of a camera (any site's reader,
//! through the playback seam) or one video file on disk. A file's start
//! time comes from `file:PATH#start=RFC3339`, else the Vigil annotation or
//! footage sidecar beside it (`NAME.json`), else a known segment name
//! (`{camera}_{YYYYMMDD}_{HHMMSS}`, MediaMTX) read in the given zone. The
//! file is probed once: unreadable or truncated files are named as such.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ffmpeg_next::Dictionary;

use super::annotation::Annotation;
use super::EvidenceError;
use crate::media::recorded_input::RecordedInput;
use crate::media::source::StopFlag;
use crate::playback::segment_name::segment_start;
use crate::playback::{Recording, SegmentFile};

/// Readable length this much shorter than the stated one is a truncated file.
const TRUNCATED_SLACK_MS: i64 = 1_500;

/// One video file with its recording time.
#[derive(Debug, Clone)]
pub struct FileSource {
    pub path: PathBuf,
    pub start_ms: i64,
    /// End of the readable part.
    pub end_ms: i64,
    /// Where the start came from: `argument`, `annotation`, `sidecar` or `name`.
    pub start_from: &'static str,
    /// Set when the file is shorter than its container says.
    pub truncated: Option<String>,
}

/// Footage to cut from.
#[derive(Clone)]
pub enum Footage {
    File(FileSource),
    Recording {
        name: String,
        rec: Arc<dyn Recording>,
    },
}

impl Footage {
    /// For annotations and manifests (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Footage::File(f) => f.path.display().to_string(),
            Footage::Recording { rec, .. } => crate::secrets::redact::redact_text(&rec.describe()),
        }
    }

    /// The files behind `[from_ms, to_ms)`, for stream copy.
    pub fn segment_files(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<SegmentFile>, EvidenceError> {
        match self {
            Footage::File(f) => {
                if let Some(why) = &f.truncated {
                    if to_ms > f.end_ms {
                        return Err(EvidenceError::Damaged {
                            path: f.path.clone(),
                            reason: format!(
                                "{why}; readable up to {}, the range ends at {}",
                                crate::cases::rfc3339_ms(f.end_ms),
                                crate::cases::rfc3339_ms(to_ms)
                            ),
                        });
                    }
                }
                Ok(vec![SegmentFile {
                    path: f.path.clone(),
                    start_ms: f.start_ms,
                    end_ms: f.end_ms,
                }])
            }
            Footage::Recording { name, rec } => match rec.segment_files(from_ms, to_ms)? {
                Some(files) => Ok(files),
                None => Err(EvidenceError::NotFileBacked {
                    source_name: name.clone(),
                }),
            },
        }
    }

    pub fn frame_interval_ms(&self) -> Option<f64> {
        match self {
            Footage::File(_) => None,
            Footage::Recording { rec, .. } => rec.frame_interval_ms(),
        }
    }

    /// Damaged files the reader noticed (a folder's truncated segments).
    pub fn problems(&self) -> Vec<String> {
        match self {
            Footage::File(f) => f
                .truncated
                .iter()
                .map(|t| format!("{}: {t}", f.path.display()))
                .collect(),
            Footage::Recording { rec, .. } => rec.problems(),
        }
    }
}

/// `file:PATH[#start=RFC3339]`, or a path to an existing file.
pub fn is_file_spec(spec: &str) -> bool {
    spec.starts_with("file:") || Path::new(spec).is_file()
}

/// Opens a file spec; names in `tz` (IANA).
pub fn open_file(spec: &str, tz: &str) -> Result<FileSource, EvidenceError> {
    let rest = spec.strip_prefix("file:").unwrap_or(spec);
    let (path, start_arg) = match rest.rsplit_once("#start=") {
        Some((p, s)) => (PathBuf::from(p), Some(s)),
        None => (PathBuf::from(rest), None),
    };
    if !path.is_file() {
        return Err(EvidenceError::Invalid(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let (start_ms, start_from) = match start_arg {
        Some(s) => (
            crate::cases::parse_rfc3339(s).map_err(|e| EvidenceError::Invalid(e.to_string()))?,
            "argument",
        ),
        None => start_of(&path, tz)?,
    };
    let (readable, truncated) = probe(&path)?;
    Ok(FileSource {
        path,
        start_ms,
        end_ms: start_ms + readable,
        start_from,
        truncated,
    })
}

fn start_of(path: &Path, tz: &str) -> Result<(i64, &'static str), EvidenceError> {
    let side = path.with_extension("json");
    if let Ok(bytes) = std::fs::read(&side) {
        if let Ok(a) = Annotation::parse(&bytes) {
            return Ok((a.actual_start_ms, "annotation"));
        }
        if let Ok(s) = crate::footage::Sidecar::parse(&bytes) {
            return Ok((s.actual.start_ms, "sidecar"));
        }
    }
    let zone = crate::playback::day::zone(tz)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    segment_start(&name, &zone)
        .map(|ms| (ms, "name"))
        .ok_or_else(|| {
            EvidenceError::Invalid(format!(
                "no start time for {}: give file:PATH#start=RFC3339 \
                 (or a Vigil annotation NAME.json, or a {{camera}}_YYYYMMDD_HHMMSS name)",
                path.display()
            ))
        })
}

/// Readable length (ms) and a truncation note; unreadable files are `Damaged`.
fn probe(path: &Path) -> Result<(i64, Option<String>), EvidenceError> {
    let damaged = |reason: String| EvidenceError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let mut input = RecordedInput::open(
        &path.to_string_lossy(),
        Dictionary::new(),
        StopFlag::default(),
    )
    .map_err(|e| damaged(e.to_string()))?;
    let stated = input.stated_duration_ms();
    let (end, packets) = input
        .scan_duration_ms()
        .map_err(|e| damaged(e.to_string()))?;
    if packets == 0 || end <= 0 {
        return Err(damaged("no video frames".into()));
    }
    let truncated = stated
        .filter(|s| *s > end.saturating_add(TRUNCATED_SLACK_MS))
        .map(|s| format!("truncated: {end} ms of {s} ms readable"));
    Ok((end, truncated))
}
