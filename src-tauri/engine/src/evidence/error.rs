//! Errors of evidence exports and packages: what failed, on which file.
use std::path::PathBuf;

use crate::error::{ErrorKind, HasKind};

/// Why a clip or snapshot export failed.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("no recording from {from} to {to}")]
    NoRecording { from: String, to: String },
    #[error(
        "{source_name} is not file-backed (no recording files to copy): \
         a lossless clip needs recording files"
    )]
    NotFileBacked { source_name: String },
    #[error("{codec} cannot be stream-copied into MP4 (H.264 and H.265 can)")]
    NotCopyable { codec: String },
    #[error("source file {path} is damaged or truncated: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error("recording: {0}")]
    Playback(#[from] crate::playback::PlaybackError),
    #[error("writing {what} {path}: {reason}")]
    Write {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stopped")]
    Stopped,
}

impl HasKind for EvidenceError {
    fn kind(&self) -> ErrorKind {
        match self {
            EvidenceError::Invalid(_) => ErrorKind::InvalidInput,
            EvidenceError::NoRecording { .. } => ErrorKind::NotFound,
            EvidenceError::NotFileBacked { .. } | EvidenceError::NotCopyable { .. } => {
                ErrorKind::Unsupported
            }
            EvidenceError::Damaged { .. } => ErrorKind::Protocol,
            EvidenceError::Playback(e) => e.kind(),
            EvidenceError::Write { .. } | EvidenceError::Io { .. } => ErrorKind::Storage,
            EvidenceError::Stopped => ErrorKind::Internal,
        }
    }
}

/// Why a package could not be made or read at all (a package that reads
/// but does not verify is a [`super::PackageReport`], not an error).
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{path} is not an incident package: {reason}")]
    NotAPackage { path: PathBuf, reason: String },
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("zip {path}: {reason}")]
    Zip { path: PathBuf, reason: String },
    #[error("the output {0} exists already")]
    Exists(PathBuf),
    #[error("invalid package request: {0}")]
    Invalid(String),
    #[error("the signing key: {0}")]
    Key(String),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error("case: {0}")]
    Case(#[from] crate::cases::CaseError),
    #[error("{path} changed since it was exported (SHA-256 {actual}, the case says {expected})")]
    MediaChanged {
        path: PathBuf,
        expected: String,
        actual: String,
    },
}

impl HasKind for PackageError {
    fn kind(&self) -> ErrorKind {
        match self {
            PackageError::NotAPackage { .. } | PackageError::Invalid(_) => ErrorKind::InvalidInput,
            PackageError::Exists(_) => ErrorKind::InvalidInput,
            PackageError::Io { .. } | PackageError::Zip { .. } | PackageError::Key(_) => {
                ErrorKind::Storage
            }
            PackageError::Evidence(e) => e.kind(),
            PackageError::Case(e) => e.kind(),
            PackageError::MediaChanged { .. } => ErrorKind::Protocol,
        }
    }
}

pub(crate) fn io(
    what: &'static str,
    path: &std::path::Path,
) -> impl FnOnce(std::io::Error) -> PackageError {
    let path = path.to_path_buf();
    move |source| PackageError::Io { what, path, source }
}
