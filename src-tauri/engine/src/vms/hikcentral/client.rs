//! The Artemis gateway client: every call is a signed `POST` of a JSON body
//! to `https://<server>/artemis/<api>` through `net::http::client` (the
//! site's TLS pin), answers read with a size cap and the envelope checked;
//! a refused certificate stays a TLS error (its fingerprint offered for
//! pinning), gateway and API codes map to [`RemoteError`] kinds.
use std::time::Duration;

use serde_json::Value;

use super::api::{self, Envelope};
use super::signer::{self, Signer, Unsigned};
use crate::error::ErrorKind;
use crate::net::http::{self, HttpOptions, RequestError};
use crate::net::pin::CertPin;
use crate::vms::http_body::{self, JSON_LIMIT};
use crate::vms::remote_error::RemoteError;
use crate::vms::VmsError;

/// The headers every call sends besides the signer's (all of them signed
/// where PROTOCOLS.md 4.1 says so: sign exactly what is sent).
const ACCEPT: &str = "application/json";
const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// One site's gateway.
pub struct Artemis {
    http: reqwest::Client,
    /// `https://host:port`, no trailing slash.
    base: String,
    signer: Signer,
    /// The site's name, for errors.
    site: String,
}

impl std::fmt::Debug for Artemis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Artemis")
            .field("base", &self.base)
            .field("signer", &self.signer)
            .finish()
    }
}

/// The kind an Artemis code means (PROTOCOLS.md 4.2's error codes).
pub fn kind_of_code(code: &str) -> ErrorKind {
    let c = code.trim().to_ascii_lowercase();
    match c.as_str() {
        // API not found (an older server), product version, device support
        "0x02401004" | "8" | "195" => ErrorKind::Unsupported,
        "0x00072203" | "128" => ErrorKind::NotFound,
        "129" | "194" => ErrorKind::Unreachable,
        "0x00072201" | "0x00072202" | "9" | "17" | "130" => ErrorKind::AuthFailed,
        "0x00072001" | "0x00072002" | "0x00072003" | "2" => ErrorKind::InvalidInput,
        _ if c.starts_with("0x024010") => ErrorKind::AuthFailed,
        _ => ErrorKind::Protocol,
    }
}

/// What an error code says in words (for codes whose `msg` is terse).
fn describe_code(code: &str) -> &'static str {
    match code.trim().to_ascii_lowercase().as_str() {
        "0x02401000" => "no or unknown AppKey",
        "0x02401002" => "no signature",
        "0x02401003" => "invalid signature (check the AppSecret)",
        "0x02401007" => "the AppKey has no permission for this API",
        "0x02401009" => "call limit reached",
        "8" => "product version not supported",
        "195" => "the device does not support it",
        _ => "",
    }
}

impl Artemis {
    /// A client for the server at `base` (`https://host:port`).
    pub fn new(
        base: &str,
        signer: Signer,
        pin: Option<CertPin>,
        timeout: Duration,
        site: &str,
    ) -> Result<Self, VmsError> {
        let opts = HttpOptions::with_timeout(timeout).pin(pin);
        Ok(Self {
            http: http::client(&opts)?,
            base: base.trim_end_matches('/').to_string(),
            signer,
            site: site.to_string(),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn site(&self) -> &str {
        &self.site
    }

    /// Calls `api` (e.g. `/api/resource/v1/cameras`) with `body`; the
    /// answer's `data` (`Null` when it has none).
    pub async fn call(&self, api: &str, body: &Value) -> Result<Value, VmsError> {
        let path = format!("/artemis{api}");
        let url = format!("{}{path}", self.base);
        let what = format!("POST {url}");
        let raw = serde_json::to_vec(body).map_err(|e| VmsError::Site {
            site: self.site.clone(),
            reason: format!("request body: {e}"),
        })?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let (headers, _) = self.signer.sign(
            &Unsigned {
                method: "POST",
                path: &path,
                query: "",
                headers: &[("Accept", ACCEPT), ("Content-Type", CONTENT_TYPE)],
                body: &raw,
            },
            &signer::nonce(),
            now_ms,
        );
        let mut rb = self.http.post(&url).body(raw);
        for (n, v) in &headers {
            rb = rb.header(n.as_str(), v.as_str());
        }
        let resp = http::send(rb).await.map_err(|e| match e {
            RequestError::Tls(t) => VmsError::Tls(t),
            e => {
                let kind = crate::error::HasKind::kind(&e);
                RemoteError::new(kind, &self.site, &what, e.to_string()).into()
            }
        })?;
        let status = resp.status().as_u16();
        let bytes = http_body::read_async(resp, JSON_LIMIT).await.map_err(|e| {
            RemoteError::new(ErrorKind::Unreachable, &self.site, &what, e.to_string())
                .status(status)
        })?;
        let env = match api::parse_envelope(&bytes) {
            Ok(env) => env,
            Err(e) if status != 200 => {
                return Err(RemoteError::new(
                    RemoteError::kind_of_status(status),
                    &self.site,
                    &what,
                    format!("HTTP {status} ({e})"),
                )
                .status(status)
                .into())
            }
            Err(e) => {
                return Err(
                    RemoteError::new(ErrorKind::Protocol, &self.site, &what, e.to_string())
                        .status(status)
                        .into(),
                )
            }
        };
        if env.ok() && status == 200 {
            return Ok(env.data);
        }
        Err(self.refusal(&what, status, &env).into())
    }

    fn refusal(&self, what: &str, status: u16, env: &Envelope) -> RemoteError {
        let mut kind = kind_of_code(&env.code);
        if kind == ErrorKind::Protocol && status != 200 {
            kind = RemoteError::kind_of_status(status);
        }
        let words = describe_code(&env.code);
        let msg = match (env.msg.is_empty(), words.is_empty()) {
            (false, false) => format!("{} ({words})", env.msg),
            (true, false) => words.to_string(),
            (false, true) => env.msg.clone(),
            (true, true) => "refused".to_string(),
        };
        RemoteError::new(kind, &self.site, what, msg)
            .status(status)
            .vendor_code(env.code.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_of_code("0x02401003"), ErrorKind::AuthFailed);
        assert_eq!(kind_of_code("0x02401000"), ErrorKind::AuthFailed);
        assert_eq!(kind_of_code("8"), ErrorKind::Unsupported);
        assert_eq!(kind_of_code("195"), ErrorKind::Unsupported);
        assert_eq!(kind_of_code("0x00072203"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("194"), ErrorKind::Unreachable);
        assert_eq!(kind_of_code("0x00072002"), ErrorKind::InvalidInput);
        assert_eq!(kind_of_code("12345"), ErrorKind::Protocol);
    }
}
