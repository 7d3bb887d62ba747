//! The error every network adapter returns for a failed request: its coarse
//! kind, the request (redacted), the HTTP/RTSP status and the vendor's own
//! error code, so the UI, the CLI and the footage worker can tell an account
//! problem (never retried) from a network one.
use crate::error::ErrorKind;
use crate::secrets::redact::redact_text;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{site}: {what}{status}{code}: {message}",
    status = .status.map(|s| format!(" (status {s})")).unwrap_or_default(),
    code = .vendor_code.as_ref().map(|c| format!(" [code {c}]")).unwrap_or_default())]
pub struct RemoteError {
    pub kind: ErrorKind,
    /// The site's name or address.
    pub site: String,
    /// The request, e.g. `GET https://nvr/ISAPI/...` (redacted).
    pub what: String,
    pub status: Option<u16>,
    pub vendor_code: Option<String>,
    pub message: String,
}

impl RemoteError {
    pub fn new(kind: ErrorKind, site: &str, what: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            site: site.to_string(),
            what: redact_text(what),
            status: None,
            vendor_code: None,
            message: redact_text(&message.into()),
        }
    }
    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
    pub fn vendor_code(mut self, code: impl Into<String>) -> Self {
        self.vendor_code = Some(code.into());
        self
    }
    /// The kind an HTTP status means on its own (401/403 auth, 404 not found).
    pub fn kind_of_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::AuthFailed,
            404 => ErrorKind::NotFound,
            400..=499 => ErrorKind::Protocol,
            _ => ErrorKind::Unreachable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_request_status_and_code_and_hides_tokens() {
        let e = RemoteError::new(
            ErrorKind::AuthFailed,
            "Depot NVR",
            "GET https://nvr/api?token=abc123",
            "login refused",
        )
        .status(401)
        .vendor_code("15");
        let s = e.to_string();
        assert_eq!(
            s,
            "Depot NVR: GET https://nvr/api?token=*** (status 401) [code 15]: login refused"
        );
        assert!(!s.contains("abc123"));
        assert_eq!(RemoteError::kind_of_status(403), ErrorKind::AuthFailed);
        assert_eq!(RemoteError::kind_of_status(503), ErrorKind::Unreachable);
    }
}
