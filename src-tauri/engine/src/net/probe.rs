//! Reads a server's TLS certificate whatever its trust, for the add-site
//! dialog and `vigil sites add`: connect, take the leaf certificate the
//! server presents, abort the handshake, and report its fingerprint, names
//! and dates, and whether system roots vouch for it. Nothing is sent to
//! the server beyond the ClientHello (no request, no credentials).
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use time::OffsetDateTime;

use crate::net::error::TlsError;
use crate::net::pin::CertPin;
use crate::net::tls::{self, Rejection, SiteVerifier};

/// What a server's leaf certificate says, and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PeerCertificate {
    /// What the operator compares and accepts (the pin).
    pub fingerprint: CertPin,
    pub subject: String,
    pub issuer: String,
    #[serde(serialize_with = "rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(serialize_with = "rfc3339")]
    pub not_after: OffsetDateTime,
    /// Subject and issuer are the same name.
    pub self_signed: bool,
    /// `None` when system roots vouch for the certificate for this host;
    /// otherwise why not (a pin is then needed).
    pub untrusted_reason: Option<String>,
}

fn rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let text = t
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

/// The readable parts of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub self_signed: bool,
}

/// Reads subject, issuer and validity from a DER certificate sent by a
/// server (outside input: never panics; a fuzz target).
pub fn describe_certificate(der: &[u8]) -> Result<CertificateInfo, String> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the certificate", rest.len()));
    }
    let validity = cert.validity();
    Ok(CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: validity.not_before.to_datetime(),
        not_after: validity.not_after.to_datetime(),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

/// What the capturing verifier saw: the leaf and the system's verdict.
type Seen = Arc<Mutex<Option<(Vec<u8>, Option<String>)>>>;

/// Records the leaf and the system roots' verdict, then aborts.
#[derive(Debug)]
struct Capture {
    seen: Seen,
    system: SiteVerifier,
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = match self.system.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(_) => None,
            Err(e) => Some(match tls::rejection_in(&e) {
                Some(Rejection::Untrusted { reason, .. }) => reason.clone(),
                _ => e.to_string(),
            }),
        };
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((end_entity.as_ref().to_vec(), verdict));
        Err(rustls::Error::General(
            "certificate read; handshake aborted".into(),
        ))
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // never reached: verify_server_cert always aborts first
        Err(rustls::Error::General("probe only".into()))
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("probe only".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.system.supported_verify_schemes()
    }
}

/// The TLS server name of `host` (an IPv6 literal may come in brackets).
pub fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    ServerName::try_from(bare.to_string()).map_err(|_| TlsError::InvalidHost {
        host: host.to_string(),
    })
}

/// Connects to `host:port` and reports the certificate it presents (see
/// the module doc), within `timeout`.
pub async fn peer_certificate(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<PeerCertificate, TlsError> {
    let name = server_name(host)?;
    let target = format!("{host}:{port}");
    match tokio::time::timeout(timeout, read_certificate(name, &target)).await {
        Ok(r) => r,
        Err(_) => Err(TlsError::Timeout {
            host: target,
            secs: timeout.as_secs(),
        }),
    }
}

async fn read_certificate(
    name: ServerName<'static>,
    target: &str,
) -> Result<PeerCertificate, TlsError> {
    let tcp = tokio::net::TcpStream::connect(target)
        .await
        .map_err(|e| TlsError::Connect {
            host: target.to_string(),
            reason: e.to_string(),
        })?;
    let seen: Seen = Arc::default();
    let config = tls::config_with_verifier(Arc::new(Capture {
        seen: seen.clone(),
        system: SiteVerifier::new(None),
    }));
    let handshake = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await;
    let captured = seen.lock().unwrap_or_else(|p| p.into_inner()).take();
    let Some((der, untrusted_reason)) = captured else {
        return Err(TlsError::Handshake {
            host: target.to_string(),
            reason: match handshake {
                Err(e) => e.to_string(),
                Ok(_) => "no certificate presented".into(),
            },
        });
    };
    let info = describe_certificate(&der).map_err(|reason| TlsError::BadCertificate {
        host: target.to_string(),
        reason,
    })?;
    Ok(PeerCertificate {
        fingerprint: CertPin::of_der(&der),
        subject: info.subject,
        issuer: info.issuer,
        not_before: info.not_before,
        not_after: info.not_after,
        self_signed: info.self_signed,
        untrusted_reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        for der in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x01", &[0xff; 64]] {
            assert!(describe_certificate(der).is_err());
        }
    }

    #[test]
    fn server_names_accept_names_and_addresses() {
        assert!(server_name("nvr.local").is_ok());
        assert!(server_name("10.1.2.3").is_ok());
        assert!(server_name("[::1]").is_ok());
        assert!(matches!(
            server_name("not a host"),
            Err(TlsError::InvalidHost { .. })
        ));
    }

    #[tokio::test]
    async fn a_closed_port_is_a_connect_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = peer_certificate("127.0.0.1", port, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(e, TlsError::Connect { .. }), "{e}");
    }

    #[tokio::test]
    async fn a_server_that_is_not_tls_is_a_handshake_error() {
        use tokio::io::AsyncWriteExt;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        });
        let e = peer_certificate("127.0.0.1", port, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(e, TlsError::Handshake { .. }), "{e}");
    }
}
