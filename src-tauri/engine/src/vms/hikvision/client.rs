//! One ISAPI device over HTTP(S) with digest authentication
//! ([`crate::net::digest`]): XML requests and answers within a size cap,
//! and failures as [`RemoteError`]s whose kind says what happened (a refused
//! login is `auth_failed` and never retried, `notSupport` is `unsupported`).
use reqwest::Method;

use super::xml::{parse_response_status, IsapiXmlError};
use crate::error::{ErrorKind, HasKind};
use crate::net::digest::{Body, DigestClient, DigestError};
use crate::net::http::RequestError;
use crate::vms::remote_error::RemoteError;
use crate::vms::VmsError;

/// The largest XML answer read (a 64-channel NVR's channel list is ~100 KiB).
pub const XML_LIMIT: usize = 4 << 20;

pub struct IsapiClient {
    digest: DigestClient,
    base: url::Url,
    site: String,
}

impl std::fmt::Debug for IsapiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IsapiClient")
            .field("base", &self.base.as_str())
            .field("site", &self.site)
            .finish()
    }
}

/// `http://host[:port]` (or https) of a device address; `host:port` alone
/// means http. No user info, path, query or fragment.
pub fn base_url(address: &str) -> Result<url::Url, VmsError> {
    let a = address.trim();
    let with_scheme = if a.contains("://") {
        a.to_string()
    } else {
        format!("http://{a}")
    };
    let mut u = url::Url::parse(&with_scheme).map_err(|e| {
        VmsError::InvalidConfig(format!(
            "address: not a URL ({e}): {}",
            crate::secrets::redact::redact_url(a)
        ))
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(VmsError::InvalidConfig(format!(
            "address: use http:// or https://, not {}://",
            u.scheme()
        )));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(VmsError::InvalidConfig(
            "address: give the user and password in their own fields, not in the address".into(),
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(VmsError::InvalidConfig("address: no host".into()));
    }
    u.set_path("/");
    u.set_query(None);
    u.set_fragment(None);
    Ok(u)
}

impl IsapiClient {
    pub fn new(
        base: url::Url,
        http: reqwest::Client,
        user: &str,
        password: &str,
        site: &str,
    ) -> Self {
        Self {
            digest: DigestClient::new(http, user, password),
            base,
            site: site.to_string(),
        }
    }

    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// The site's name, for errors.
    pub fn site(&self) -> &str {
        &self.site
    }

    pub fn digest(&self) -> &DigestClient {
        &self.digest
    }

    /// The absolute URL of an ISAPI path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    /// `GET path` as text.
    pub async fn get(&self, path: &str) -> Result<String, RemoteError> {
        self.call(Method::GET, path, None).await
    }

    /// Sends an XML body (or none) and returns the answer's text; a non-2xx
    /// answer is an error typed from its status and `ResponseStatus`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<String, RemoteError> {
        let what = format!("{method} {}", self.url(path));
        let a = self
            .digest
            .send(method, &self.url(path), body.map(Body::xml), XML_LIMIT)
            .await
            .map_err(|e| self.transport_error(&what, e))?;
        if !a.is_success() {
            return Err(self.status_error(&what, a.status, &a.text()));
        }
        Ok(a.text())
    }

    /// A failure before an answer (network, TLS, refused login).
    pub fn transport_error(&self, what: &str, e: DigestError) -> RemoteError {
        let kind = e.kind();
        let mut r = RemoteError::new(kind, &self.site, what, e.to_string());
        if let DigestError::Refused { status, .. } = e {
            r = r.status(status);
        }
        r
    }

    /// A non-2xx answer, typed by its `ResponseStatus` where it has one.
    pub fn status_error(&self, what: &str, status: u16, body: &str) -> RemoteError {
        let st = parse_response_status(body).ok();
        let kind = match &st {
            Some(s) if s.not_supported() => ErrorKind::Unsupported,
            Some(s) if s.sub_status_code.eq_ignore_ascii_case("lowPrivilege") || status == 401 => {
                ErrorKind::AuthFailed
            }
            Some(s) if s.sub_status_code.eq_ignore_ascii_case("noRecord") => ErrorKind::NotFound,
            // ISAPI answers 403 "Invalid Operation" for many refusals that are not logins
            Some(_) if status == 403 => ErrorKind::Protocol,
            _ => RemoteError::kind_of_status(status),
        };
        let message = match &st {
            Some(s) if s.not_supported() => {
                "the device does not support this function (notSupport)".to_string()
            }
            Some(s) => format!(
                "{}{}",
                s.status_string,
                if s.error_msg.is_empty() {
                    String::new()
                } else {
                    format!(": {}", s.error_msg)
                }
            ),
            None => body.chars().take(200).collect(),
        };
        let mut r = RemoteError::new(kind, &self.site, what, message).status(status);
        if let Some(s) = st.filter(|s| !s.code().is_empty()) {
            r = r.vendor_code(s.code());
        }
        r
    }

    /// An answer that did not parse.
    pub fn parse_error(&self, what: &str, e: IsapiXmlError) -> RemoteError {
        RemoteError::new(ErrorKind::Protocol, &self.site, what, e.to_string())
    }
}

/// A client failure as the engine's error (TLS refusals keep their certificate).
pub fn vms_error(e: RemoteError) -> VmsError {
    VmsError::Remote(e)
}

/// A TLS failure inside a digest error, so the UI can offer the certificate.
pub fn tls_of(e: &DigestError) -> Option<&crate::net::TlsError> {
    match e {
        DigestError::Request(RequestError::Tls(t)) => Some(t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised() {
        assert_eq!(
            base_url("10.0.0.5:8080").unwrap().as_str(),
            "http://10.0.0.5:8080/"
        );
        assert_eq!(
            base_url("https://nvr/ISAPI?x=1").unwrap().as_str(),
            "https://nvr/"
        );
        assert!(base_url("rtsp://nvr").is_err());
        assert!(base_url("http://admin:pw@nvr").is_err());
    }

    #[test]
    fn not_support_is_unsupported_and_wrong_logins_are_auth_failures() {
        let c = IsapiClient::new(
            base_url("127.0.0.1:1").unwrap(),
            crate::net::http::client(&Default::default()).unwrap(),
            "u",
            "p",
            "Depot",
        );
        let body = "<ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>";
        let e = c.status_error("GET x", 403, body);
        assert_eq!(e.kind, ErrorKind::Unsupported);
        assert_eq!(e.vendor_code.as_deref(), Some("notSupport"));
        assert_eq!(c.status_error("GET x", 401, "").kind, ErrorKind::AuthFailed);
        assert_eq!(
            c.status_error("GET x", 404, "nope").kind,
            ErrorKind::NotFound
        );
    }
}
