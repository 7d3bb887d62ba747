//! ONVIF errors: SOAP faults keep their fault codes, HTTP failures their
//! status; each maps to one coarse [`ErrorKind`] at the boundary.
use crate::error::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum OnvifError {
    /// The device refused the credentials (HTTP 401/403, `ter:NotAuthorized`,
    /// or a WS-Security fault).
    #[error("{host}: auth failed ({detail})")]
    AuthFailed { host: String, detail: String },
    /// No TCP connection, or no answer in time.
    #[error("{host}: unreachable ({detail})")]
    Unreachable { host: String, detail: String },
    /// A SOAP fault: `code` is the innermost subcode (e.g. `ter:NoProfile`),
    /// or the top-level code when there is none.
    #[error("{operation} failed with SOAP fault {code}{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Fault {
        operation: String,
        code: String,
        /// Every code from the outermost to the innermost subcode.
        codes: Vec<String>,
        reason: Option<String>,
    },
    /// An HTTP error status without a readable SOAP fault.
    #[error("{operation}: HTTP {status}")]
    Http { operation: String, status: u16 },
    /// The answer was not XML, or not the XML the operation returns.
    #[error("{operation}: unexpected answer: {detail}")]
    Protocol { operation: String, detail: String },
    /// The device lacks the service or feature.
    #[error("the device does not support {0}")]
    Unsupported(String),
    /// The caller asked for something that cannot be sent.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The device's HTTPS certificate is not trusted or not the pinned one.
    #[error(transparent)]
    Tls(#[from] crate::net::TlsError),
}

impl OnvifError {
    pub fn protocol(operation: &str, detail: impl Into<String>) -> Self {
        OnvifError::Protocol {
            operation: operation.to_string(),
            detail: detail.into(),
        }
    }

    /// Whether this is a SOAP fault carrying `code` (local name, any level).
    pub fn has_fault_code(&self, code: &str) -> bool {
        match self {
            OnvifError::Fault { codes, .. } => codes
                .iter()
                .any(|c| c.rsplit(':').next().unwrap_or(c) == code),
            _ => false,
        }
    }
}

impl HasKind for OnvifError {
    fn kind(&self) -> ErrorKind {
        match self {
            OnvifError::AuthFailed { .. } => ErrorKind::AuthFailed,
            OnvifError::Unreachable { .. } => ErrorKind::Unreachable,
            OnvifError::Fault { .. } if self.has_fault_code("ActionNotSupported") => {
                ErrorKind::Unsupported
            }
            OnvifError::Fault { .. } | OnvifError::Http { .. } | OnvifError::Protocol { .. } => {
                ErrorKind::Protocol
            }
            OnvifError::Unsupported(_) => ErrorKind::Unsupported,
            OnvifError::Invalid(_) => ErrorKind::InvalidInput,
            OnvifError::Tls(e) => e.kind(),
        }
    }
}
