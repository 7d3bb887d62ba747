//! Server-side clip export: a VMS that can cut or export a clip itself
//! (Milestone investigations, Hikvision's `ContentMgmt/download`, a
//! HikCentral or DSS export job) implements [`ClipExporter`]. `prepare`
//! asks the VMS for the clip of one camera over `[from_ms, to_ms]`, polling
//! an asynchronous export job until it is ready where the VMS has one, and
//! returns the HTTP request that downloads it ([`ExportedClip`]). The
//! footage worker downloads it durably (`footage::server_export`) and
//! falls back to its own clip writer when the VMS has none
//! ([`ExportErrorKind::Unsupported`]).
use std::future::Future;
use std::pin::Pin;

use crate::error::{ErrorKind, HasKind};
use crate::secrets::redact::redact_text;

/// The whole-download deadline of [`ClipExporter::fetch`] (a site client's
/// own timeout is sized for API calls; a stalled download is caught by the
/// footage side's read timeout instead).
pub const DOWNLOAD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3600);

/// The future an exporter's methods return.
pub type ExportFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ExportError>> + Send + 'a>>;

/// One clip to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The camera, as the VMS names it (its own reference).
    pub camera: String,
    /// First and last instant wanted, ms since the Unix epoch, UTC.
    pub from_ms: i64,
    pub to_ms: i64,
}

/// The container the VMS says it sends (the download is probed anyway).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ContainerHint {
    #[default]
    Unknown,
    Mp4,
    MpegTs,
    /// MPEG program stream (Hikvision "PS" downloads).
    MpegPs,
    Matroska,
    Avi,
    /// Anything else, as the VMS names it.
    Other(String),
}

/// How to download an exported clip.
#[derive(Clone)]
pub struct ExportedClip {
    /// HTTP(S) URL; may carry a token (never printed unredacted).
    pub url: String,
    /// `GET` unless the VMS wants a body (Hikvision `POST`s a download request).
    pub method: reqwest::Method,
    /// Extra request headers (e.g. `X-Subject-Token`); values never printed.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub container: ContainerHint,
    /// When the clip's first frame was recorded, if the VMS says (ms UTC);
    /// otherwise the request's `from_ms` is assumed.
    pub starts_at_ms: Option<i64>,
    /// The size the VMS announced, if any: a shorter download is truncated.
    pub expected_bytes: Option<u64>,
}

impl ExportedClip {
    /// A plain `GET` of `url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: reqwest::Method::GET,
            headers: Vec::new(),
            body: None,
            container: ContainerHint::Unknown,
            starts_at_ms: None,
            expected_bytes: None,
        }
    }

    /// The request as it may be printed: method and redacted URL.
    pub fn printable(&self) -> String {
        format!("{} {}", self.method, redact_text(&self.url))
    }
}

impl std::fmt::Debug for ExportedClip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ExportedClip")
            .field("request", &self.printable())
            .field("headers", &names)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("container", &self.container)
            .field("starts_at_ms", &self.starts_at_ms)
            .field("expected_bytes", &self.expected_bytes)
            .finish()
    }
}

/// What kind of failure an export met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportErrorKind {
    /// The VMS (or this camera, or this user's rights) has no export: the
    /// footage worker writes the clip itself.
    Unsupported,
    /// The VMS refused the credentials or the token: never retried.
    AuthFailed,
    /// No recording in the window, or the export vanished.
    NotFound,
    /// The export job is not finished yet (retry later).
    NotReady,
    /// The VMS could not be reached, or the connection broke.
    Unreachable,
    /// The VMS answered something unexpected.
    Protocol,
}

impl ExportErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ExportErrorKind::Unsupported => "no server-side export",
            ExportErrorKind::AuthFailed => "authentication failed",
            ExportErrorKind::NotFound => "not found",
            ExportErrorKind::NotReady => "export not ready",
            ExportErrorKind::Unreachable => "unreachable",
            ExportErrorKind::Protocol => "unexpected answer",
        }
    }
}

/// An export failure with its context: the (redacted) request, the HTTP
/// status and the vendor's own error code where there is one.
#[derive(Debug, Clone)]
pub struct ExportError {
    pub kind: ExportErrorKind,
    /// What was asked, redacted (method and URL, or the vendor command).
    pub request: String,
    pub status: Option<u16>,
    pub vendor_code: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.request, self.kind.describe())?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(c) = &self.vendor_code {
            write!(f, " (code {c})")?;
        }
        if !self.reason.is_empty() {
            write!(f, ": {}", self.reason)?;
        }
        Ok(())
    }
}

impl std::error::Error for ExportError {}

impl ExportError {
    /// An error about `request`; the request and reason are redacted here.
    pub fn new(kind: ExportErrorKind, request: &str, reason: impl Into<String>) -> Self {
        Self {
            kind,
            request: redact_text(request),
            status: None,
            vendor_code: None,
            reason: redact_text(&reason.into()),
        }
    }

    pub fn unsupported(site: &str, reason: impl Into<String>) -> Self {
        Self::new(ExportErrorKind::Unsupported, site, reason)
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.vendor_code = Some(redact_text(&code.into()));
        self
    }

    /// The kind an HTTP status means for a download or an export call.
    pub fn kind_of_status(status: u16) -> ExportErrorKind {
        match status {
            401 | 403 | 407 => ExportErrorKind::AuthFailed,
            404 | 410 => ExportErrorKind::NotFound,
            202 | 409 | 425 | 423 => ExportErrorKind::NotReady,
            501 => ExportErrorKind::Unsupported,
            408 | 429 | 500..=599 => ExportErrorKind::Unreachable,
            _ => ExportErrorKind::Protocol,
        }
    }

    /// Whether a later attempt may succeed. Auth failures never are
    /// retried (an account lockout is worse than a missing clip).
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            ExportErrorKind::NotReady | ExportErrorKind::Unreachable
        )
    }

    /// Whether the footage worker should write the clip itself instead.
    pub fn falls_back(&self) -> bool {
        self.kind == ExportErrorKind::Unsupported
    }
}

impl HasKind for ExportError {
    fn kind(&self) -> ErrorKind {
        match self.kind {
            ExportErrorKind::Unsupported => ErrorKind::Unsupported,
            ExportErrorKind::AuthFailed => ErrorKind::AuthFailed,
            ExportErrorKind::NotFound => ErrorKind::NotFound,
            ExportErrorKind::NotReady | ExportErrorKind::Unreachable => ErrorKind::Unreachable,
            ExportErrorKind::Protocol => ErrorKind::Protocol,
        }
    }
}

/// A VMS that exports clips itself.
pub trait ClipExporter: Send + Sync {
    /// The site, as printed in errors and sidecars (no secrets).
    fn describe(&self) -> String;

    /// The HTTP client for this site (its TLS settings and pin).
    fn http(&self) -> &reqwest::Client;

    /// Asks the VMS for the clip and waits until it can be downloaded
    /// (creating and polling an export job where the VMS has one).
    fn prepare<'a>(&'a self, request: &'a ExportRequest) -> ExportFuture<'a, ExportedClip>;

    /// Starts the download: by default the clip's method, URL, headers and
    /// body through [`Self::http`], with [`DOWNLOAD_DEADLINE`] in place of
    /// the client's API timeout. An adapter whose downloads need more
    /// (digest authentication, a session cookie) overrides it. The answer
    /// is returned whatever its status; the caller maps the status.
    fn fetch<'a>(&'a self, clip: &'a ExportedClip) -> ExportFuture<'a, reqwest::Response> {
        Box::pin(async move {
            let mut rb = self
                .http()
                .request(clip.method.clone(), &clip.url)
                .timeout(DOWNLOAD_DEADLINE);
            for (name, value) in &clip.headers {
                rb = rb.header(name.as_str(), value.as_str());
            }
            if let Some(body) = &clip.body {
                rb = rb.body(body.clone());
            }
            rb.send().await.map_err(|e| {
                ExportError::new(
                    ExportErrorKind::Unreachable,
                    &clip.printable(),
                    // reqwest's text names the URL: redacted by `new`
                    error_chain(&e),
                )
            })
        })
    }
}

/// An error and its sources on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_their_context_without_secrets() {
        let clip = ExportedClip {
            headers: vec![("X-Subject-Token".into(), "hdr-secret-1".into())],
            ..ExportedClip::get("https://u:pw-secret-2@dss:443/export/7.mp4?token=tk-secret-3")
        };
        let dbg = format!("{clip:?}");
        let e = ExportError::new(
            ExportErrorKind::AuthFailed,
            &clip.printable(),
            format!("refused {}", clip.url),
        )
        .with_status(401)
        .with_vendor_code("7000");
        let text = e.to_string();
        for t in [&dbg, &text] {
            for s in ["hdr-secret-1", "pw-secret-2", "tk-secret-3"] {
                assert!(!t.contains(s), "{s} in {t}");
            }
        }
        assert!(
            text.starts_with("GET https://***@dss:443/export/7.mp4?token=***: authentication failed (HTTP 401) (code 7000): refused"),
            "{text}"
        );
        assert!(!e.retryable() && !e.falls_back());
        assert_eq!(HasKind::kind(&e), ErrorKind::AuthFailed);
    }

    #[test]
    fn statuses_map_to_kinds() {
        use ExportErrorKind::*;
        for (s, k) in [
            (401, AuthFailed),
            (403, AuthFailed),
            (404, NotFound),
            (202, NotReady),
            (503, Unreachable),
            (501, Unsupported),
            (400, Protocol),
        ] {
            assert_eq!(ExportError::kind_of_status(s), k, "{s}");
        }
        assert!(ExportError::unsupported("rtsp site", "").falls_back());
        assert_eq!(
            ExportError::unsupported("rtsp site", "").to_string(),
            "rtsp site: no server-side export"
        );
    }
}
