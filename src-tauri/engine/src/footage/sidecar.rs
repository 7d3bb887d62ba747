//! The JSON sidecar written beside each clip: what was asked for, what the
//! clip holds, where it came from, and the SHA-256 of each file involved.
use serde::{Deserialize, Serialize};

use crate::cases::rfc3339_ms;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeRange {
    pub start: String,
    pub end: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

impl TimeRange {
    pub fn new(start_ms: i64, end_ms: i64) -> Self {
        Self {
            start: rfc3339_ms(start_ms),
            end: rfc3339_ms(end_ms),
            start_ms,
            end_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileHash {
    /// The file name (relative to the sidecar's directory) or the full path of a source.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentUsed {
    pub path: String,
    pub start: String,
    pub end: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    pub format: String,
    pub case_id: String,
    pub case_label: String,
    pub camera_id: String,
    pub camera_name: String,
    pub site_id: String,
    /// The event on the recorder's clock.
    pub event: String,
    pub requested: TimeRange,
    /// First and last frame in the clip.
    pub actual: TimeRange,
    pub frames: u64,
    /// `stream_copy` or `encode`.
    pub method: String,
    /// The recording source, as the adapter describes it (no credentials).
    pub source: String,
    pub codec: String,
    /// Gaps in the recording inside the window.
    pub gaps: Vec<TimeRange>,
    pub segments: Vec<SegmentUsed>,
    /// The clip itself.
    pub files: Vec<FileHash>,
    pub created: String,
}

pub const FORMAT: &str = "vigil-footage-sidecar/1";

/// Why bytes are not a footage sidecar.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("not a footage sidecar: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unknown sidecar format {0:?} (expected {FORMAT})")]
    Format(String),
}

impl Sidecar {
    /// Reads a sidecar file's bytes (outside input: a media root can be
    /// copied around and edited).
    pub fn parse(bytes: &[u8]) -> Result<Self, SidecarError> {
        let s: Sidecar = serde_json::from_slice(bytes)?;
        if s.format != FORMAT {
            return Err(SidecarError::Format(s.format));
        }
        Ok(s)
    }
}
