//! Engine errors: detailed `thiserror` enums inside, one coarse [`ErrorKind`]
//! plus a redacted message at the UI/CLI boundary ([`UiError`]).
use serde::Serialize;

/// The coarse kind the UI shows and scripts branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input from the user or a caller was not acceptable.
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// The device or VMS refused the credentials.
    AuthFailed,
    /// The host could not be reached or stopped answering.
    Unreachable,
    /// The server's TLS certificate is not trusted (no system root vouches
    /// for it and no pin is set), or does not match the site's pin.
    Untrusted,
    /// The device answered with something we could not understand.
    Protocol,
    /// The VMS or device does not have this capability.
    Unsupported,
    /// Local storage (database, keyring, disk) failed.
    Storage,
    /// Anything else.
    Internal,
}

/// What crosses the boundary to the UI: a kind and a message with no secrets.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct UiError {
    pub kind: ErrorKind,
    pub message: String,
    /// For `untrusted`: the fingerprint (`sha256:<hex>`) of the certificate
    /// the server presented, so the operator can be asked to pin it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub certificate: Option<String>,
}

/// Errors that know their coarse kind.
pub trait HasKind: std::fmt::Display {
    fn kind(&self) -> ErrorKind;

    /// The certificate fingerprint an `untrusted` error is about.
    fn certificate(&self) -> Option<String> {
        None
    }

    fn to_ui(&self) -> UiError {
        UiError {
            kind: self.kind(),
            message: crate::secrets::redact::redact_text(&self.to_string()),
            certificate: self.certificate(),
        }
    }
}

/// The engine's top-level error, wrapping each layer's own.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Vms(#[from] crate::vms::VmsError),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("frame hub: {0}")]
    Hub(String),
    #[error(transparent)]
    Playback(#[from] crate::playback::PlaybackError),
}

impl HasKind for EngineError {
    fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Store(e) => e.kind(),
            EngineError::Secret(e) => e.kind(),
            EngineError::Vms(e) => e.kind(),
            EngineError::InvalidInput(_) => ErrorKind::InvalidInput,
            EngineError::Hub(_) => ErrorKind::Internal,
            EngineError::Playback(e) => e.kind(),
        }
    }

    fn certificate(&self) -> Option<String> {
        match self {
            EngineError::Vms(e) => e.certificate(),
            _ => None,
        }
    }
}

impl From<EngineError> for UiError {
    fn from(e: EngineError) -> Self {
        e.to_ui()
    }
}
