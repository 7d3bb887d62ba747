//! Cases: an incident at an event time (UTC) on a piece of equipment (a
//! camera, or an asset such as a door or sensor), with the cameras selected
//! for its footage (the equipment itself if a camera, plus its configured
//! nearest cameras). Creating a case queues its footage jobs in the same
//! transaction, so a case never exists without its jobs.
mod create;
mod equipment;
pub mod media_http;
pub mod media_pool;
pub mod media_server;
mod service;
mod store;

pub use create::{create_case, CameraDirectory, NewCase, FUTURE_TOLERANCE_MS};
pub use equipment::{Equipment, NewEquipment};
pub use service::{CaseDetail, CaseService};

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, HasKind};
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    Open,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(CaseStatus::Open),
            "closed" => Some(CaseStatus::Closed),
            _ => None,
        }
    }
}

/// Why a camera is on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CameraRole {
    Equipment,
    Nearest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseCamera {
    pub camera_id: String,
    pub camera_name: String,
    pub role: CameraRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    pub id: String,
    pub number: i64,
    /// Shown to people: `C-000042`.
    pub label: String,
    pub title: String,
    /// UTC, ms since the Unix epoch.
    pub event_ms: i64,
    pub equipment_id: String,
    pub equipment_kind: String,
    pub equipment_name: String,
    pub status: CaseStatus,
    pub notes: String,
    pub created_at_ms: i64,
    pub cameras: Vec<CaseCamera>,
}

/// What the case list asks for. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaseFilter {
    /// Matches title, notes, label, equipment name or id (case-insensitive).
    pub search: Option<String>,
    pub status: Option<CaseStatus>,
    pub equipment_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: Option<u32>,
}

/// A case marker for a timeline: when, which case, which cameras.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseMarker {
    pub case_id: String,
    pub label: String,
    pub title: String,
    pub event_ms: i64,
    pub cameras: Vec<String>,
}

/// Changes an operator can make to a case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaseUpdate {
    pub title: Option<String>,
    pub status: Option<CaseStatus>,
    pub notes: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("unknown equipment {0}: not a camera and not a configured asset")]
    UnknownEquipment(String),
    #[error("unknown camera {0}")]
    UnknownCamera(String),
    #[error("unknown case {0}")]
    UnknownCase(String),
    #[error("the event time {0} is in the future")]
    FutureEvent(String),
    #[error("invalid case: {0}")]
    Invalid(String),
    /// A case file that cannot be read (missing, truncated, not video).
    #[error("case media: {0}")]
    Media(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HasKind for CaseError {
    fn kind(&self) -> ErrorKind {
        match self {
            CaseError::UnknownEquipment(_)
            | CaseError::UnknownCamera(_)
            | CaseError::UnknownCase(_) => ErrorKind::NotFound,
            CaseError::FutureEvent(_) | CaseError::Invalid(_) => ErrorKind::InvalidInput,
            CaseError::Media(_) => ErrorKind::Storage,
            CaseError::Store(e) => e.kind(),
        }
    }
}

/// `C-000042`.
pub fn case_label(number: i64) -> String {
    format!("C-{number:06}")
}

/// RFC 3339 UTC with milliseconds, for messages and file metadata.
pub fn rfc3339_ms(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&f).unwrap_or_else(|_| ms.to_string())
}

/// Parses an RFC 3339 time (any offset) to UTC ms.
pub fn parse_rfc3339(s: &str) -> Result<i64, CaseError> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|e| CaseError::Invalid(format!("not an RFC 3339 time ({e}): {s}")))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        let ms = parse_rfc3339("2026-03-04T05:06:07.089+01:00").unwrap();
        assert_eq!(rfc3339_ms(ms), "2026-03-04T04:06:07.089Z");
        assert!(parse_rfc3339("yesterday").is_err());
        assert_eq!(case_label(42), "C-000042");
    }
}
