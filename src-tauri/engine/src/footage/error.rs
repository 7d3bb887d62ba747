//! Why a footage job did not produce its file, and whether to try again.
use crate::error::{ErrorKind, HasKind};
use crate::playback::PlaybackError;
use crate::vms::VmsError;

#[derive(Debug, thiserror::Error)]
pub enum FootageError {
    #[error("footage not recorded yet: the recording reaches {reached}, the window ends {needed}")]
    NotYetRecorded { reached: String, needed: String },
    #[error("no recording in the window {from} to {to}")]
    NoRecording { from: String, to: String },
    #[error("camera {camera}: {source}")]
    Vms {
        camera: String,
        #[source]
        source: Box<VmsError>,
    },
    #[error("recording of {camera}: {source}")]
    Playback {
        camera: String,
        #[source]
        source: Box<PlaybackError>,
    },
    #[error("media root: {what} {path}: {source}")]
    Storage {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("media root is not configured (set one in settings or VIGIL_DATA_DIR)")]
    NoMediaRoot,
    #[error("writing {what}: {reason}")]
    Write { what: &'static str, reason: String },
    #[error("stopped")]
    Stopped,
    /// The job's lease was taken over (this attempt ran too long without
    /// renewing it); the newer attempt owns the job and its files.
    #[error("the job's lease was taken over by another attempt")]
    LeaseLost,
    #[error("export of {camera}: {source}")]
    Export {
        camera: String,
        #[source]
        source: Box<super::server_export::ServerExportError>,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl FootageError {
    /// Whether a later attempt can succeed (network, storage, lag).
    pub fn retryable(&self) -> bool {
        match self {
            FootageError::NotYetRecorded { .. }
            | FootageError::Storage { .. }
            | FootageError::NoMediaRoot
            | FootageError::Stopped
            | FootageError::LeaseLost
            | FootageError::Store(_) => true,
            FootageError::NoRecording { .. } | FootageError::Write { .. } => false,
            FootageError::Vms { source, .. } => {
                matches!(source.kind(), ErrorKind::Unreachable | ErrorKind::Storage)
            }
            FootageError::Playback { source, .. } => matches!(
                source.kind(),
                ErrorKind::Unreachable | ErrorKind::Storage | ErrorKind::Internal
            ),
            FootageError::Export { source, .. } => source.retryable(),
        }
    }

    /// Storage problems are retried without limit: the job is kept until
    /// the operator frees space or fixes the media root.
    pub fn keeps_job(&self) -> bool {
        matches!(
            self,
            FootageError::Storage { .. }
                | FootageError::NoMediaRoot
                | FootageError::Store(_)
                | FootageError::Stopped
                | FootageError::LeaseLost
        )
    }

    pub fn storage(what: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        FootageError::Storage {
            what,
            path: path.display().to_string(),
            source,
        }
    }
}

impl HasKind for FootageError {
    fn kind(&self) -> ErrorKind {
        match self {
            FootageError::NotYetRecorded { .. } | FootageError::NoRecording { .. } => {
                ErrorKind::NotFound
            }
            FootageError::Vms { source, .. } => source.kind(),
            FootageError::Playback { source, .. } => source.kind(),
            FootageError::Export { source, .. } => source.kind(),
            FootageError::Storage { .. } | FootageError::NoMediaRoot | FootageError::Store(_) => {
                ErrorKind::Storage
            }
            FootageError::Write { .. } | FootageError::Stopped | FootageError::LeaseLost => {
                ErrorKind::Internal
            }
        }
    }
}
