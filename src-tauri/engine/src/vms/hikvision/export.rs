//! Case clips by `/ISAPI/ContentMgmt/download` (PROTOCOLS.md 3.6): a
//! `downloadRequest` naming the playback URI of the window (its `&`
//! escaped exactly once), POSTed (GET with the same body where the device
//! refuses POST). The answer is the device's MP4 or PS stream; the footage
//! worker probes it and stream-copies the window into a fast-start MP4.
use std::sync::Arc;

use reqwest::Method;

use super::site::{HikCamera, Inner};
use super::time::format_compact;
use super::xml::escape;
use crate::error::ErrorKind;
use crate::net::digest::Body;
use crate::vms::export::{
    ClipExporter, ContainerHint, ExportError, ExportErrorKind, ExportFuture, ExportRequest,
    ExportedClip,
};
use crate::vms::remote_error::RemoteError;

pub const DOWNLOAD_PATH: &str = "/ISAPI/ContentMgmt/download";

pub struct HikExporter {
    inner: Arc<Inner>,
    cam: HikCamera,
}

/// The `downloadRequest` body for a playback URI.
pub fn download_body(playback_uri: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><downloadRequest version=\"1.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><playbackURI>{}</playbackURI></downloadRequest>",
        escape(playback_uri)
    )
}

fn export_kind(k: ErrorKind) -> ExportErrorKind {
    match k {
        ErrorKind::Unsupported => ExportErrorKind::Unsupported,
        ErrorKind::AuthFailed | ErrorKind::Untrusted => ExportErrorKind::AuthFailed,
        ErrorKind::NotFound => ExportErrorKind::NotFound,
        ErrorKind::Unreachable => ExportErrorKind::Unreachable,
        _ => ExportErrorKind::Protocol,
    }
}

fn export_error(request: &str, e: RemoteError) -> ExportError {
    let mut x = ExportError::new(export_kind(e.kind), request, e.message.clone());
    if let Some(s) = e.status {
        x = x.with_status(s);
    }
    if let Some(c) = e.vendor_code {
        x = x.with_vendor_code(c);
    }
    x
}

impl HikExporter {
    pub(crate) fn new(inner: Arc<Inner>, cam: HikCamera) -> Self {
        Self { inner, cam }
    }
}

impl ClipExporter for HikExporter {
    fn describe(&self) -> String {
        format!("{} channel {}", self.inner.label(), self.cam.channel)
    }

    fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn prepare<'a>(&'a self, request: &'a ExportRequest) -> ExportFuture<'a, ExportedClip> {
        Box::pin(async move {
            let url = format!(
                "{}{DOWNLOAD_PATH}",
                self.inner.base.as_str().trim_end_matches('/')
            );
            let what = format!("POST {url}");
            let clock = self.inner.clock().await.map_err(|e| {
                ExportError::new(
                    export_kind(crate::error::HasKind::kind(&e)),
                    &what,
                    e.to_string(),
                )
            })?;
            let start = request.from_ms - request.from_ms.rem_euclid(1000);
            let end = request.to_ms + 999 - (request.to_ms + 999).rem_euclid(1000);
            let host = self.inner.base.host_str().unwrap_or("127.0.0.1");
            let uri = format!(
                "rtsp://{host}:{}/Streaming/tracks/{}/?starttime={}&endtime={}",
                self.cam.rtsp_port,
                self.cam.main,
                format_compact(start, clock.mode, &clock.zone),
                format_compact(end, clock.mode, &clock.zone)
            );
            Ok(ExportedClip {
                url,
                method: Method::POST,
                headers: Vec::new(),
                body: Some(download_body(&uri).into_bytes()),
                container: ContainerHint::Unknown,
                starts_at_ms: Some(start),
                expected_bytes: None,
            })
        })
    }

    /// Digest-signed; POST, then GET with the same body on `405`. An error
    /// answer is typed from its `ResponseStatus` (`notSupport` falls back to
    /// the engine's own clip writer).
    fn fetch<'a>(&'a self, clip: &'a ExportedClip) -> ExportFuture<'a, reqwest::Response> {
        Box::pin(async move {
            let client = self.inner.client().await.map_err(|e| {
                ExportError::new(ExportErrorKind::Protocol, &clip.printable(), e.to_string())
            })?;
            let mut method = clip.method.clone();
            loop {
                let what = format!("{method} {}", clip.url);
                let body = clip
                    .body
                    .clone()
                    .map(|b| Body::new("application/xml; charset=UTF-8", b));
                let resp = client
                    .digest()
                    .send_streaming(method.clone(), &clip.url, body)
                    .await
                    .map_err(|e| export_error(&what, client.transport_error(&what, e)))?;
                let status = resp.status().as_u16();
                if resp.status().is_success() {
                    return Ok(resp);
                }
                let text = crate::vms::http_body::text_async(resp, 64 << 10)
                    .await
                    .unwrap_or_default();
                let e = client.status_error(&what, status, &text);
                if method == Method::POST
                    && (status == 405 || e.vendor_code.as_deref() == Some("methodNotAllowed"))
                {
                    method = Method::GET;
                    continue;
                }
                return Err(export_error(&what, e));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_playback_uri_is_escaped_exactly_once() {
        let b = download_body("rtsp://h/Streaming/tracks/101/?starttime=a&endtime=b");
        assert!(b.contains("starttime=a&amp;endtime=b</playbackURI>"), "{b}");
        assert!(!b.contains("&amp;amp;"));
    }
}
