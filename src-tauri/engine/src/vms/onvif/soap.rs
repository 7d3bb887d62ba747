//! SOAP 1.2 over HTTP: builds envelopes (with a UsernameToken when the call
//! needs credentials), posts them, answers an HTTP digest challenge when the
//! device asks for one, and turns faults and HTTP errors into typed errors.
//! Answers are read up to [`SOAP_LIMIT`] bytes; redirects are not followed
//! (the device's answer never sends us, or a password digest, elsewhere).
use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;

use super::auth::security_header;
use super::error::OnvifError;
use super::xml::{self, Element};
use crate::vms::http_body::{self, BodyError, SOAP_LIMIT};

/// Namespace prefixes every envelope declares (bodies use them freely).
const NAMESPACES: &str = concat!(
    r#"xmlns:s="http://www.w3.org/2003/05/soap-envelope" "#,
    r#"xmlns:tds="http://www.onvif.org/ver10/device/wsdl" "#,
    r#"xmlns:trt="http://www.onvif.org/ver10/media/wsdl" "#,
    r#"xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" "#,
    r#"xmlns:tse="http://www.onvif.org/ver10/search/wsdl" "#,
    r#"xmlns:trp="http://www.onvif.org/ver10/replay/wsdl" "#,
    r#"xmlns:tt="http://www.onvif.org/ver10/schema""#
);

/// Fault subcodes that mean "your credentials were refused".
const AUTH_FAULTS: [&str; 6] = [
    "NotAuthorized",
    "FailedAuthentication",
    "InvalidSecurity",
    "InvalidSecurityToken",
    "FailedCheck",
    "Unauthorized",
];

/// Escapes text for an XML element or attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole envelope around `body` (an element using the declared prefixes).
pub fn envelope(header: Option<&str>, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope {NAMESPACES}>{}<s:Body>{body}</s:Body></s:Envelope>"#,
        header
            .map(|h| format!("<s:Header>{h}</s:Header>"))
            .unwrap_or_default()
    )
}

/// User name and password for one device (never printed).
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.user)
    }
}

/// The HTTP side of a device: one reqwest client, the credentials, the
/// measured clock offset and the last digest challenge.
pub struct Transport {
    http: reqwest::Client,
    host: String,
    creds: Option<Credentials>,
    /// device UTC − local UTC
    offset: Mutex<time::Duration>,
    /// Why the device clock could not be used, quoted in auth errors.
    clock_note: Mutex<Option<String>>,
    digest: Mutex<Option<digest_auth::WwwAuthenticateHeader>>,
}

impl Transport {
    pub fn new(host: &str, creds: Option<Credentials>, timeout: Duration) -> Self {
        Self::with_pin(host, creds, timeout, None)
    }

    /// [`Transport::new`] for a site whose HTTPS certificate is pinned
    /// (`None`: system roots). TLS, timeouts, no redirects, no proxy:
    /// [`crate::net::http`].
    pub fn with_pin(
        host: &str,
        creds: Option<Credentials>,
        timeout: Duration,
        pin: Option<crate::net::CertPin>,
    ) -> Self {
        let opts = crate::net::http::HttpOptions::with_timeout(timeout).pin(pin);
        let http = crate::net::http::client(&opts).expect("reqwest client with rustls builds");
        Self {
            http,
            host: host.to_string(),
            creds,
            offset: Mutex::new(time::Duration::ZERO),
            clock_note: Mutex::new(None),
            digest: Mutex::new(None),
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn credentials(&self) -> Option<&Credentials> {
        self.creds.as_ref()
    }

    pub fn set_clock_offset(&self, offset: time::Duration) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) = offset;
    }

    pub fn clock_offset(&self) -> time::Duration {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records why the device clock could not be read (our clock is used).
    pub fn set_clock_note(&self, note: impl Into<String>) {
        *self.clock_note.lock().unwrap_or_else(|p| p.into_inner()) = Some(note.into());
    }

    /// The device's current time as we estimate it (our clock when the
    /// offset would leave the representable range).
    pub fn device_now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.checked_add(self.clock_offset()).unwrap_or(now)
    }

    /// Calls `operation` at `url` with `body`; returns the Body's first child.
    /// `authenticated` adds a UsernameToken (when credentials are set).
    pub async fn call(
        &self,
        operation: &str,
        url: &str,
        body: &str,
        authenticated: bool,
    ) -> Result<Element, OnvifError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let header = match (&self.creds, authenticated) {
                (Some(c), true) => Some(security_header(&c.user, &c.password, self.device_now())),
                _ => None,
            };
            let doc = envelope(header.as_deref(), body);
            let mut req = self
                .http
                .post(url)
                .header("Content-Type", "application/soap+xml; charset=utf-8")
                .body(doc.clone());
            if let Some(a) = self.digest_answer(url, "POST", doc.as_bytes()) {
                req = req.header("Authorization", a);
            }
            let resp = req.send().await.map_err(|e| self.net_err(operation, e))?;
            let status = resp.status().as_u16();
            if status == 401 {
                let challenge = resp
                    .headers()
                    .get_all("www-authenticate")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find(|v| v.trim_start().to_ascii_lowercase().starts_with("digest"))
                    .map(str::to_string);
                match (challenge, &self.creds) {
                    (Some(ch), Some(_)) => {
                        let parsed = digest_auth::parse(&ch).map_err(|e| {
                            OnvifError::protocol(operation, format!("bad digest challenge: {e}"))
                        })?;
                        // a first challenge (or a stale nonce) is answered; a second refusal is final
                        let retry = attempt == 1 || (parsed.stale && attempt < 3);
                        *self.digest.lock().unwrap_or_else(|p| p.into_inner()) = Some(parsed);
                        if retry {
                            continue;
                        }
                        return Err(self.auth_err("HTTP digest refused"));
                    }
                    _ => return Err(self.auth_err("HTTP 401")),
                }
            }
            let text = match http_body::text_async(resp, SOAP_LIMIT).await {
                Ok(t) => t,
                Err(BodyError::Read(e)) => return Err(self.net_err(operation, e)),
                Err(e @ BodyError::TooLarge { .. }) => {
                    return Err(OnvifError::protocol(operation, e.to_string()))
                }
            };
            return self.read(operation, status, &text);
        }
    }

    fn digest_answer(&self, url: &str, method: &str, body: &[u8]) -> Option<String> {
        let creds = self.creds.as_ref()?;
        let mut guard = self.digest.lock().unwrap_or_else(|p| p.into_inner());
        let prompt = guard.as_mut()?;
        let path = url::Url::parse(url)
            .map(|u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_string(),
            })
            .unwrap_or_else(|_| "/".into());
        let ctx = digest_auth::AuthContext::new_with_method(
            creds.user.as_str(),
            creds.password.as_str(),
            path.as_str(),
            Some(body),
            digest_auth::HttpMethod::from(method.to_string()),
        );
        prompt.respond(&ctx).ok().map(|h| h.to_header_string())
    }

    fn read(&self, operation: &str, status: u16, text: &str) -> Result<Element, OnvifError> {
        read_answer(operation, status, text).map_err(|e| match e {
            OnvifError::AuthFailed { detail, .. } => self.auth_err(&detail),
            e => e,
        })
    }

    fn auth_err(&self, detail: &str) -> OnvifError {
        let note = self.clock_note.lock().unwrap_or_else(|p| p.into_inner());
        OnvifError::AuthFailed {
            host: self.host.clone(),
            detail: match note.as_deref() {
                Some(n) => format!("{detail}; the device clock could not be used: {n}"),
                None => detail.to_string(),
            },
        }
    }

    fn net_err(&self, operation: &str, e: reqwest::Error) -> OnvifError {
        if e.is_builder() {
            return OnvifError::Invalid(format!("{operation}: {e}"));
        }
        if let Some(t) = crate::net::http::classify(&e) {
            return OnvifError::Tls(t);
        }
        let mut detail = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            detail = format!("{detail}: {s}");
            src = s.source();
        }
        OnvifError::Unreachable {
            host: self.host.clone(),
            detail: format!("{operation}: {detail}"),
        }
    }
}

/// Reads one SOAP answer (its HTTP status and body text): the Body's first
/// child, or the typed error a fault, an HTTP status or malformed XML means.
/// `AuthFailed` comes back with an empty host (the transport fills it in).
pub fn read_answer(operation: &str, status: u16, text: &str) -> Result<Element, OnvifError> {
    let auth_err = |detail: String| OnvifError::AuthFailed {
        host: String::new(),
        detail,
    };
    let root = match xml::parse(text) {
        Ok(r) => r,
        Err(e) if (200..300).contains(&status) => {
            return Err(OnvifError::protocol(operation, e.to_string()))
        }
        Err(_) if status == 403 => return Err(auth_err("HTTP 403".into())),
        Err(_) => {
            return Err(OnvifError::Http {
                operation: operation.to_string(),
                status,
            })
        }
    };
    if root.name != "Envelope" {
        return Err(OnvifError::protocol(
            operation,
            format!("<{}> instead of a SOAP envelope", root.name),
        ));
    }
    let body = root
        .child("Body")
        .ok_or_else(|| OnvifError::protocol(operation, "SOAP envelope without a Body"))?;
    if let Some(f) = body.child("Fault") {
        let fault = parse_fault(operation, f);
        if let OnvifError::Fault { codes, reason, .. } = &fault {
            let auth = codes
                .iter()
                .any(|c| AUTH_FAULTS.contains(&c.rsplit(':').next().unwrap_or(c)));
            if auth || status == 403 {
                return Err(auth_err(format!(
                    "{}{}",
                    codes.last().cloned().unwrap_or_default(),
                    reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                )));
            }
        }
        return Err(fault);
    }
    if !(200..300).contains(&status) {
        return Err(OnvifError::Http {
            operation: operation.to_string(),
            status,
        });
    }
    body.children
        .first()
        .cloned()
        .ok_or_else(|| OnvifError::protocol(operation, "empty SOAP Body"))
}

/// The longest fault code or reason kept (a device's text lands in errors).
const FAULT_TEXT_MAX: usize = 300;

/// At most [`FAULT_TEXT_MAX`] characters of a device's text, marked when cut.
fn bounded(text: &str) -> String {
    match text.char_indices().nth(FAULT_TEXT_MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A SOAP 1.2 (`Code/Value`, `Subcode/Value`, `Reason/Text`) or 1.1
/// (`faultcode`, `faultstring`) fault. Codes and reason are cut to a few
/// hundred characters.
pub fn parse_fault(operation: &str, f: &Element) -> OnvifError {
    let mut codes = Vec::new();
    let mut code = f.child("Code");
    while let Some(c) = code {
        if let Some(v) = c.text_at(&["Value"]) {
            codes.push(bounded(v));
        }
        code = c.child("Subcode");
    }
    if codes.is_empty() {
        if let Some(v) = f.text_at(&["faultcode"]) {
            codes.push(bounded(v));
        }
    }
    let reason = f
        .text_at(&["Reason", "Text"])
        .or_else(|| f.text_at(&["faultstring"]))
        .map(bounded);
    OnvifError::Fault {
        operation: operation.to_string(),
        code: codes.last().cloned().unwrap_or_else(|| "unknown".into()),
        codes,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, HasKind};

    fn t() -> Transport {
        Transport::new("cam:80", None, Duration::from_secs(1))
    }

    #[test]
    fn faults_keep_their_innermost_code() {
        let doc = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:InvalidArgVal</env:Value><env:Subcode><env:Value>ter:NoProfile</env:Value></env:Subcode></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">no such profile</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"#;
        let e = t().read("GetStreamUri", 400, doc).unwrap_err();
        assert!(e.has_fault_code("NoProfile"), "{e}");
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.to_string().contains("ter:NoProfile"), "{e}");
        assert!(e.to_string().contains("no such profile"), "{e}");
    }

    #[test]
    fn not_authorized_is_auth_failed() {
        let doc = r#"<s:Envelope xmlns:s="x"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code></s:Fault></s:Body></s:Envelope>"#;
        assert_eq!(
            t().read("GetProfiles", 400, doc).unwrap_err().kind(),
            ErrorKind::AuthFailed
        );
    }

    #[test]
    fn malformed_and_non_soap_answers_are_protocol_errors() {
        for doc in ["<html><body>hi</body>", "<html/>", "garbage"] {
            let e = t().read("GetProfiles", 200, doc).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Protocol, "{doc}: {e}");
        }
        let e = t().read("GetProfiles", 500, "oops").unwrap_err();
        assert!(matches!(e, OnvifError::Http { status: 500, .. }), "{e}");
    }

    #[test]
    fn envelope_escapes_nothing_it_should_not() {
        let e = envelope(None, "<tds:GetSystemDateAndTime/>");
        assert!(xml::parse(&e).is_ok());
        assert_eq!(escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
    }

    #[test]
    fn fault_text_from_the_device_is_bounded() {
        let long = "r".repeat(100_000);
        let doc = format!(
            "<s:Envelope xmlns:s=\"x\"><s:Body><s:Fault><s:Code><s:Value>s:{long}</s:Value></s:Code><s:Reason><s:Text>{long}</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>"
        );
        let e = t().read("GetProfiles", 500, &doc).unwrap_err().to_string();
        assert!(e.len() < 1000, "{} bytes", e.len());
        assert!(e.contains("rrr…"), "{e}");
    }

    #[test]
    fn deep_answers_are_protocol_errors_with_any_status() {
        let n = 1_000_000;
        let doc = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        let e = t().read("GetSystemDateAndTime", 200, &doc).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.to_string().contains("nested deeper than 64"), "{e}");
        let e = t().read("GetSystemDateAndTime", 500, &doc).unwrap_err();
        assert!(matches!(e, OnvifError::Http { status: 500, .. }), "{e}");
    }
}
