//! The JSON annotation written beside every exported clip (seed 003's clip
//! metadata, with hashes): what was asked for, what the clip holds (first
//! and last frame), how it was made, and each source file used with its
//! recorded span, size and SHA-256. Also read back (a file's start time),
//! so [`Annotation::parse`] takes outside input.
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "vigil-clip-annotation/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    pub format: String,
    pub clip_id: String,
    pub camera_id: String,
    pub camera_name: String,
    /// RFC 3339 UTC, milliseconds.
    pub requested_start: String,
    pub requested_end: String,
    /// First and last frame of the clip.
    pub actual_start: String,
    pub actual_end: String,
    pub actual_start_ms: i64,
    pub actual_end_ms: i64,
    pub duration_seconds: f64,
    pub frames: u64,
    pub codec: String,
    /// `stream_copy`: the source's packets, not re-encoded.
    pub method: String,
    pub clip: ClipFile,
    pub source_clips: Vec<SourceClip>,
    /// The recording source (site reader or file; no credentials).
    pub source: String,
    pub site: Option<String>,
    pub vms: Option<String>,
    pub created_at: String,
    pub vigil_version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipFile {
    pub filename: String,
    pub file_size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceClip {
    pub file_path: String,
    pub filename: String,
    pub start_time: String,
    pub end_time: String,
    pub file_size: u64,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AnnotationError {
    #[error("not a clip annotation: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown annotation format {0:?} (expected {FORMAT})")]
    Format(String),
}

impl Annotation {
    /// Reads an annotation's bytes (outside input).
    pub fn parse(bytes: &[u8]) -> Result<Self, AnnotationError> {
        let a: Annotation = serde_json::from_slice(bytes)?;
        if a.format != FORMAT {
            return Err(AnnotationError::Format(a.format));
        }
        Ok(a)
    }
}
