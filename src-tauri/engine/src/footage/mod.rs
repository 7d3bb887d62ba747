//! The footage worker: for each camera of a case, a clip of the case's window
//! and a snapshot at the event time, written durably under the media root.
//! Jobs live in SQLite (`jobs`), are leased by one attempt at a time (`lease`:
//! a token per claim, renewed by a heartbeat), and produce their file
//! exactly once (`durable`: write aside per attempt, fsync, rename while the
//! lease holds).
//! Clips are stream copies of segment files when the recording is file-backed
//! (`copy`) and libx264 encodes of decoded frames otherwise (`encode`).
pub mod copy;
pub mod durable;
pub mod encode;
mod error;
mod job_run;
pub mod jobs;
pub mod lease;
mod lookup;
pub mod paths;
pub mod probe;
pub mod server_export;
pub mod settings;
mod sidecar;
mod snapshot;
pub mod synth;
mod worker;

pub use error::FootageError;
pub use lease::{Clock, LeaseConfig, SharedClock, SimClock, SystemClock};
pub use lookup::RecordingLookup;
pub use settings::{SiteFootage, Window};
pub use sidecar::{Sidecar, SidecarError};
pub use worker::{FootageWorker, RetryPolicy, RunMode, WorkerConfig};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Clip,
    Snapshot,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Clip => "clip",
            JobKind::Snapshot => "snapshot",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "clip" => Some(JobKind::Clip),
            "snapshot" => Some(JobKind::Snapshot),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting until due (first time or for a retry).
    Pending,
    Running,
    Done,
    /// Given up; `error` says why.
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => JobStatus::Pending,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => return None,
        })
    }
}

/// How a file was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Packets copied from the recording's H.264/H.265 segment files.
    StreamCopy,
    /// Decoded frames encoded with libx264.
    Encode,
    /// One decoded frame written as JPEG (snapshots).
    Decode,
    /// The VMS's own export, downloaded (and stream-copied into MP4).
    ServerExport,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::StreamCopy => "stream_copy",
            Method::Encode => "encode",
            Method::Decode => "decode",
            Method::ServerExport => "server_export",
        }
    }
}

/// The file a done job produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub sidecar_path: Option<String>,
    pub sidecar_sha256: Option<String>,
    /// First and last frame on the recorder's clock (a snapshot: its frame).
    pub actual_start_ms: Option<i64>,
    pub actual_end_ms: Option<i64>,
    pub frames: u64,
    pub method: String,
    pub source: String,
}

/// A job as the UI and the CLI see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: i64,
    pub case_id: String,
    pub camera_id: String,
    pub kind: JobKind,
    pub site_id: String,
    pub event_ms: i64,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    pub status: JobStatus,
    pub due_at_ms: i64,
    pub attempts: i64,
    pub progress: f64,
    pub error_kind: Option<String>,
    pub error: Option<String>,
    pub done_at_ms: Option<i64>,
    pub media: Option<Media>,
}

/// Pushed on the worker's broadcast channel whenever a job changes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FootageEvent {
    pub job: JobView,
}

#[cfg(test)]
mod tests;
