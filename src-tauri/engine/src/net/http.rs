//! reqwest clients for sites: HTTPS through [`crate::net::tls`] (system
//! roots, or the site's pin), redirects off (a device's answer never sends
//! us, or a password digest, elsewhere), no proxy (sites are on the local
//! network), and failed requests read back as typed errors: a refused
//! certificate becomes a [`TlsError`] naming the presented fingerprint.
use std::time::Duration;

use crate::error::{ErrorKind, HasKind};
use crate::net::error::TlsError;
use crate::net::pin::CertPin;
use crate::net::tls;
use crate::secrets::redact::redact_url;

/// How a site's HTTP client is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpOptions {
    /// The site's certificate pin; `None` trusts system roots.
    pub pin: Option<CertPin>,
    /// Whole-request deadline.
    pub timeout: Duration,
    /// TCP connect deadline.
    pub connect_timeout: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            pin: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl HttpOptions {
    /// Options with `timeout` (and a connect timeout of at most 5 s).
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            pin: None,
            timeout,
            connect_timeout: timeout.min(Duration::from_secs(5)),
        }
    }

    pub fn pin(mut self, pin: Option<CertPin>) -> Self {
        self.pin = pin;
        self
    }
}

/// A reqwest client for one site (see the module doc).
pub fn client(opts: &HttpOptions) -> Result<reqwest::Client, TlsError> {
    builder(opts)
        .build()
        .map_err(|e| TlsError::Setup(e.to_string()))
}

/// The builder [`client`] uses, for callers that add headers or limits;
/// the TLS configuration in it must not be replaced.
pub fn builder(opts: &HttpOptions) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls::client_config(opts.pin))
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
}

/// The TLS refusal behind a failed request, if that is why it failed.
pub fn classify(err: &reqwest::Error) -> Option<TlsError> {
    let host = err.url().and_then(host_of);
    tls::rejection_in(err).map(|r| r.to_error(host.as_deref()))
}

/// `host[:port]` of a URL (no user info, path or query).
fn host_of(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

/// A failed request: a refused certificate, or any other failure (with
/// the redacted URL; reqwest's own text never carries the URL).
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("request to {url} failed: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
}

impl RequestError {
    /// Types a reqwest error (the URL is redacted and dropped from reqwest's
    /// error so no query token or user info is printed).
    pub fn from_reqwest(err: reqwest::Error) -> Self {
        if let Some(tls) = classify(&err) {
            return RequestError::Tls(tls);
        }
        let url = err
            .url()
            .map(|u| redact_url(u.as_str()))
            .unwrap_or_else(|| "(no URL)".into());
        RequestError::Http {
            url,
            source: err.without_url(),
        }
    }
}

impl HasKind for RequestError {
    fn kind(&self) -> ErrorKind {
        match self {
            RequestError::Tls(e) => e.kind(),
            RequestError::Http { source, .. } if source.is_timeout() || source.is_connect() => {
                ErrorKind::Unreachable
            }
            RequestError::Http { source, .. } => match source.status().map(|s| s.as_u16()) {
                Some(401) | Some(403) => ErrorKind::AuthFailed,
                Some(404) => ErrorKind::NotFound,
                _ => ErrorKind::Protocol,
            },
        }
    }
}

/// Sends `req`, typing the failure ([`RequestError`]). HTTP error statuses
/// are answers, not failures: the caller reads them.
pub async fn send(req: reqwest::RequestBuilder) -> Result<reqwest::Response, RequestError> {
    req.send().await.map_err(RequestError::from_reqwest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build_with_and_without_a_pin() {
        assert!(client(&HttpOptions::default()).is_ok());
        let opts =
            HttpOptions::with_timeout(Duration::from_secs(60)).pin(Some(CertPin::of_der(b"c")));
        assert_eq!(opts.connect_timeout, Duration::from_secs(5));
        assert!(client(&opts).is_ok());
    }

    #[tokio::test]
    async fn a_refused_connection_is_unreachable_and_not_tls() {
        // a port nothing listens on
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = client(&HttpOptions::default()).unwrap();
        let url = format!("https://127.0.0.1:{port}/x?token=s3cret");
        let err = c.get(&url).send().await.unwrap_err();
        assert!(classify(&err).is_none());
        let e = RequestError::from_reqwest(err);
        assert_eq!(e.kind(), ErrorKind::Unreachable);
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn host_of_keeps_the_port_and_drops_user_info() {
        let u = url::Url::parse("https://admin:pw@nvr.local:8443/a?b=c").unwrap();
        assert_eq!(host_of(&u).unwrap(), "nvr.local:8443");
        let u = url::Url::parse("https://nvr.local/a").unwrap();
        assert_eq!(host_of(&u).unwrap(), "nvr.local");
    }
}
