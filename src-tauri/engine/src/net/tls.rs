//! The rustls client configuration every HTTPS connection of the engine
//! uses: the ring crypto provider (no aws-lc: the Windows build is cross
//! compiled with mingw and has no cmake/nasm), and one of two trust rules
//! per site:
//!
//! - **no pin**: the platform's verification (system roots via
//!   rustls-platform-verifier: the OS store on Windows, the system CA
//!   bundle with webpki on Linux), host name included;
//! - **a pin**: the leaf certificate must be exactly the pinned one
//!   (SHA-256 of its DER). The chain, the validity dates and the host name
//!   are not checked: the operator accepted this exact certificate for this
//!   site, and the self-signed certificates VMS servers ship with name a
//!   factory host or IP (rarely the address the site is reached at) and
//!   often have odd dates; checking them would refuse the certificate the
//!   operator chose, adding nothing the exact match does not already give.
//!   The handshake signature is still verified against the leaf's key, so
//!   only the holder of the pinned certificate's private key passes.
//!
//! A refusal is returned to rustls as a [`Rejection`] inside
//! `CertificateError::Other`, so whoever gets the handshake error can read
//! the presented fingerprint back ([`rejection_in`]). There is no switch
//! that accepts any certificate.
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, SignatureScheme};

use crate::net::error::TlsError;
use crate::net::pin::CertPin;

/// The crypto provider of every TLS connection: ring.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Makes ring the process-wide default rustls provider (once; a provider
/// already installed is kept). reqwest built with `rustls-no-provider`
/// panics in `reqwest::Client::new()` without one; clients made by
/// [`crate::net::http::client`] do not need it, but this keeps a stray
/// `Client::new()` verifying with system roots instead of panicking.
pub fn install_default_provider() {
    if CryptoProvider::get_default().is_none() {
        let _ = CryptoProvider::install_default((*provider()).clone());
    }
}

/// Why the verifier refused a certificate: what the error of a failed
/// handshake carries (see [`rejection_in`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("certificate {fingerprint} is not trusted: {reason}")]
    Untrusted {
        server: String,
        fingerprint: CertPin,
        reason: String,
    },
    #[error("certificate {got} does not match the pin {expected}")]
    PinMismatch {
        server: String,
        expected: CertPin,
        got: CertPin,
    },
}

impl Rejection {
    /// The typed error, naming `host` (the caller's view of the server).
    pub fn to_error(&self, host: Option<&str>) -> TlsError {
        match self {
            Rejection::Untrusted {
                server,
                fingerprint,
                reason,
            } => TlsError::Untrusted {
                host: host.unwrap_or(server).to_string(),
                fingerprint: *fingerprint,
                reason: reason.clone(),
            },
            Rejection::PinMismatch {
                server,
                expected,
                got,
            } => TlsError::PinMismatch {
                host: host.unwrap_or(server).to_string(),
                expected: *expected,
                got: *got,
            },
        }
    }
}

/// Finds a [`Rejection`] in an error and its sources: rustls errors are
/// found inside `std::io::Error`s (as tokio-rustls and hyper wrap them).
pub fn rejection_in<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a Rejection> {
    let mut cur = Some(err);
    // bounded: a source chain that loops is not followed forever
    for _ in 0..32 {
        let e = cur?;
        if let Some(r) = e.downcast_ref::<Rejection>() {
            return Some(r);
        }
        if let Some(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner)))) =
            e.downcast_ref::<rustls::Error>()
        {
            if let Some(r) = inner.downcast_ref::<Rejection>() {
                return Some(r);
            }
        }
        // io::Error::source() skips the error it wraps: look inside
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(r) = rejection_in(inner) {
                return Some(r);
            }
        }
        cur = e.source();
    }
    None
}

/// A rustls error carrying `r`.
fn reject(r: Rejection) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(r))))
}

/// Short human text for a verification failure of the platform verifier.
fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => "no trusted root vouches for it".into(),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".into(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "not valid yet".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "issued for another host name".into()
            }
            CertificateError::Revoked => "revoked".into(),
            // a self-signed certificate (`openssl req -x509`) is a CA used as
            // the server's own certificate; say what the operator sees
            CertificateError::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
                "it is self-signed (no trusted root vouches for it)".into()
            }
            CertificateError::BadSignature => "its signature is invalid".into(),
            CertificateError::BadEncoding => "it cannot be read".into(),
            _ => "it is not valid for this server (the system's roots do not accept it)".into(),
        },
        other => other.to_string(),
    }
}

/// The platform verifier (system roots), built once per process; `Err`
/// when the system has no usable roots (every unpinned site is then
/// untrusted, and still shows its fingerprint).
fn platform_verifier() -> Result<Arc<dyn ServerCertVerifier>, String> {
    static VERIFIER: OnceLock<Result<Arc<dyn ServerCertVerifier>, String>> = OnceLock::new();
    VERIFIER
        .get_or_init(|| {
            rustls_platform_verifier::Verifier::new(provider())
                .map(|v| Arc::new(v) as Arc<dyn ServerCertVerifier>)
                .map_err(|e| format!("system roots unavailable: {e}"))
        })
        .clone()
}

/// The trust rule of one site.
#[derive(Debug)]
enum Trust {
    Pinned(CertPin),
    System(Arc<dyn ServerCertVerifier>),
    /// No system roots could be loaded: the reason.
    NoRoots(String),
}

/// The engine's certificate verifier: one site's trust rule, recording the
/// presented fingerprint in every refusal.
#[derive(Debug)]
pub struct SiteVerifier {
    trust: Trust,
    algorithms: WebPkiSupportedAlgorithms,
}

impl SiteVerifier {
    /// Pinned when `pin` is set, system roots otherwise.
    pub fn new(pin: Option<CertPin>) -> Self {
        let trust = match pin {
            Some(p) => Trust::Pinned(p),
            None => match platform_verifier() {
                Ok(v) => Trust::System(v),
                Err(reason) => Trust::NoRoots(reason),
            },
        };
        Self {
            trust,
            algorithms: provider().signature_verification_algorithms,
        }
    }

    /// A verifier with the given roots instead of the system's (tests, and
    /// a future per-site CA).
    pub fn with_roots(roots: rustls::RootCertStore) -> Result<Self, TlsError> {
        let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        Ok(Self {
            trust: Trust::System(v),
            algorithms: provider().signature_verification_algorithms,
        })
    }
}

fn server_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

impl ServerCertVerifier for SiteVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = CertPin::of_der(end_entity);
        match &self.trust {
            Trust::Pinned(expected) if *expected == got => Ok(ServerCertVerified::assertion()),
            Trust::Pinned(expected) => Err(reject(Rejection::PinMismatch {
                server: server_text(server_name),
                expected: *expected,
                got,
            })),
            Trust::System(v) => v
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map_err(|e| {
                    reject(Rejection::Untrusted {
                        server: server_text(server_name),
                        fingerprint: got,
                        reason: describe(&e),
                    })
                }),
            Trust::NoRoots(reason) => Err(reject(Rejection::Untrusted {
                server: server_text(server_name),
                fingerprint: got,
                reason: reason.clone(),
            })),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.trust {
            Trust::System(v) => v.verify_tls12_signature(message, cert, dss),
            _ => rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match &self.trust {
            Trust::System(v) => v.verify_tls13_signature(message, cert, dss),
            _ => rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        match &self.trust {
            Trust::System(v) => v.supported_verify_schemes(),
            _ => self.algorithms.supported_schemes(),
        }
    }
}

/// A client configuration trusting what `verifier` trusts (TLS 1.2 and 1.3).
pub fn config_with(verifier: SiteVerifier) -> ClientConfig {
    config_with_verifier(Arc::new(verifier))
}

/// A client configuration with any verifier of the engine's (this module's
/// [`SiteVerifier`], or the probe's capturing one).
pub(crate) fn config_with_verifier(verifier: Arc<dyn ServerCertVerifier>) -> ClientConfig {
    ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous() // our own verifiers: system roots or an exact pin, never "accept all"
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth()
}

/// The client configuration of a site: its pin, or system roots.
pub fn client_config(pin: Option<CertPin>) -> ClientConfig {
    config_with(SiteVerifier::new(pin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_leaf_passes_and_another_is_refused_naming_both() {
        // any bytes pin: an exact match is accepted without parsing
        let der = b"not a certificate".to_vec();
        let pin = CertPin::of_der(&der);
        let v = SiteVerifier::new(Some(pin));
        let name = ServerName::try_from("nvr.local").unwrap();
        let now = UnixTime::now();
        assert!(v
            .verify_server_cert(&CertificateDer::from(der.clone()), &[], &name, &[], now)
            .is_ok());
        let other = b"another certificate".to_vec();
        let err = v
            .verify_server_cert(&CertificateDer::from(other.clone()), &[], &name, &[], now)
            .unwrap_err();
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, err);
        let r = rejection_in(&io).expect("rejection found inside io::Error");
        assert_eq!(
            r,
            &Rejection::PinMismatch {
                server: "nvr.local".into(),
                expected: pin,
                got: CertPin::of_der(&other),
            }
        );
        let e = r.to_error(Some("nvr.local:443"));
        assert_eq!(e.presented(), Some(CertPin::of_der(&other)));
    }

    #[test]
    fn without_a_pin_a_bad_leaf_is_untrusted_with_its_fingerprint() {
        let der = b"garbage, not DER".to_vec();
        let v = SiteVerifier::with_roots(rustls::RootCertStore::empty());
        // an empty root store cannot build a webpki verifier
        assert!(v.is_err());
        let v = SiteVerifier::new(None);
        let name = ServerName::try_from("127.0.0.1").unwrap();
        let err = v
            .verify_server_cert(
                &CertificateDer::from(der.clone()),
                &[],
                &name,
                &[],
                UnixTime::now(),
            )
            .unwrap_err();
        match rejection_in(&err) {
            Some(Rejection::Untrusted {
                server,
                fingerprint,
                ..
            }) => {
                assert_eq!(server, "127.0.0.1");
                assert_eq!(*fingerprint, CertPin::of_der(&der));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pinned_verifiers_offer_the_providers_signature_schemes() {
        // the handshake signature itself is checked end to end (tests/e2e/tls.rs:
        // a server showing the pinned certificate without its key is refused)
        let v = SiteVerifier::new(Some(CertPin::of_der(b"x")));
        assert_eq!(
            v.supported_verify_schemes(),
            provider()
                .signature_verification_algorithms
                .supported_schemes()
        );
    }
}
