//! TLS errors with their context (the host), as the UI and CLI show them:
//! an untrusted certificate carries its fingerprint so the operator can be
//! asked to accept it; a pin mismatch names both fingerprints.
use crate::error::{ErrorKind, HasKind};
use crate::net::pin::CertPin;

/// Why a TLS connection to a site was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// No pin is set and no system root vouches for the certificate (or it
    /// is expired, or names another host). Pinning `fingerprint` after the
    /// operator checked it makes the site usable.
    #[error("TLS certificate of {host} is not trusted ({reason}); its fingerprint is {fingerprint}: accept it only if it is the one the server shows")]
    Untrusted {
        host: String,
        fingerprint: CertPin,
        reason: String,
    },
    /// The site has a pin and the server presented another certificate.
    #[error(
        "TLS certificate of {host} does not match the pinned one: expected {expected}, got {got}"
    )]
    PinMismatch {
        host: String,
        expected: CertPin,
        got: CertPin,
    },
    /// The host name cannot be used for TLS (empty, or not a name or address).
    #[error("{host:?} is not a host name or address usable for TLS")]
    InvalidHost { host: String },
    /// The TCP connection failed (probe).
    #[error("cannot connect to {host}: {reason}")]
    Connect { host: String, reason: String },
    /// The probe ran out of time.
    #[error("{host} did not complete the TLS handshake within {secs} s")]
    Timeout { host: String, secs: u64 },
    /// The handshake failed before a certificate was seen (not TLS, no
    /// common protocol version or cipher, …).
    #[error("TLS handshake with {host} failed: {reason}")]
    Handshake { host: String, reason: String },
    /// The server's certificate could not be read (probe).
    #[error("TLS certificate of {host} cannot be read: {reason}")]
    BadCertificate { host: String, reason: String },
    /// The client could not be built.
    #[error("TLS client setup failed: {0}")]
    Setup(String),
}

impl TlsError {
    /// The fingerprint the server presented, when the error is about its
    /// certificate.
    pub fn presented(&self) -> Option<CertPin> {
        match self {
            TlsError::Untrusted { fingerprint, .. } => Some(*fingerprint),
            TlsError::PinMismatch { got, .. } => Some(*got),
            _ => None,
        }
    }
}

impl HasKind for TlsError {
    fn kind(&self) -> ErrorKind {
        match self {
            TlsError::Untrusted { .. } | TlsError::PinMismatch { .. } => ErrorKind::Untrusted,
            TlsError::InvalidHost { .. } => ErrorKind::InvalidInput,
            TlsError::Connect { .. } | TlsError::Timeout { .. } => ErrorKind::Unreachable,
            TlsError::Handshake { .. } | TlsError::BadCertificate { .. } => ErrorKind::Protocol,
            TlsError::Setup(_) => ErrorKind::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_host_and_fingerprints_and_kinds_are_untrusted() {
        let (a, b) = (CertPin::of_der(b"a"), CertPin::of_der(b"b"));
        let e = TlsError::PinMismatch {
            host: "nvr.example".into(),
            expected: a,
            got: b,
        };
        let m = e.to_string();
        assert!(
            m.contains("nvr.example") && m.contains(&a.to_string()) && m.contains(&b.to_string())
        );
        assert_eq!(e.kind(), ErrorKind::Untrusted);
        assert_eq!(e.presented(), Some(b));
        let e = TlsError::Untrusted {
            host: "10.0.0.5".into(),
            fingerprint: a,
            reason: "unknown issuer".into(),
        };
        assert!(e.to_string().contains(&a.to_string()));
        assert_eq!(e.to_ui().kind, ErrorKind::Untrusted);
        assert_eq!(
            TlsError::Timeout {
                host: "h".into(),
                secs: 3
            }
            .kind(),
            ErrorKind::Unreachable
        );
    }
}
