//! Case clips from HikCentral's download flow (PROTOCOLS.md 4.2): the
//! playback URL of the window, then `video/v1/download` with it (→
//! `downloadID`), then `video/v1/downloadURL` polled until it names the
//! file, downloaded by the footage worker through the site's client (its
//! TLS pin) and stream-copied into MP4 (H.265 stays H.265). A server
//! without the flow (API not found, code 8 or 195) is `Unsupported`: the
//! footage worker then writes the clip from the playback stream itself.
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::api;
use super::client::Artemis;
use super::site::Inner;
use crate::error::{ErrorKind, HasKind};
use crate::vms::export::{
    ClipExporter, ContainerHint, ExportError, ExportErrorKind, ExportFuture, ExportRequest,
    ExportedClip,
};
use crate::vms::VmsError;

/// Between two polls of `downloadURL`.
const POLL: Duration = Duration::from_millis(500);
/// Polls before the job counts as not ready (the worker retries later).
const MAX_POLLS: u32 = 240;

pub struct HcExporter {
    inner: Arc<Inner>,
    client: Arc<Artemis>,
    camera: String,
}

impl HcExporter {
    pub(crate) fn new(inner: Arc<Inner>, client: Arc<Artemis>, camera: String) -> Self {
        Self {
            inner,
            client,
            camera,
        }
    }

    fn error(&self, what: &str, e: VmsError) -> ExportError {
        let kind = match e.kind() {
            ErrorKind::Unsupported => ExportErrorKind::Unsupported,
            ErrorKind::AuthFailed | ErrorKind::Untrusted => ExportErrorKind::AuthFailed,
            ErrorKind::NotFound => ExportErrorKind::NotFound,
            ErrorKind::Unreachable => ExportErrorKind::Unreachable,
            _ => ExportErrorKind::Protocol,
        };
        let mut out = ExportError::new(kind, what, e.to_string());
        if let VmsError::Remote(r) = &e {
            out.status = r.status;
            if let Some(c) = &r.vendor_code {
                out = out.with_vendor_code(c.clone());
            }
        }
        out
    }

    async fn run(&self, req: &ExportRequest) -> Result<ExportedClip, ExportError> {
        let label = self.inner.label();
        let zone = self.inner.zone();
        let answer = self
            .inner
            .playback(&self.camera, req.from_ms, req.to_ms)
            .await
            .map_err(|e| self.error("HikCentral playbackURLs", e))?;
        let url = answer.url.ok_or_else(|| {
            ExportError::new(
                ExportErrorKind::NotFound,
                &format!("{label} playbackURLs"),
                "nothing recorded in the window",
            )
        })?;
        let mut body = json!({
            "url": url,
            "beginTime": api::format_time(req.from_ms, &zone),
            "endTime": api::format_time(req.to_ms, &zone),
            "videoType": 1,
        });
        if let Some(a) = answer.authentication {
            body["authentication"] = json!(a);
        }
        let data = self
            .client
            .call("/api/video/v1/download", &body)
            .await
            .map_err(|e| self.error("HikCentral download", e))?;
        let id = api::parse_download_id(&data).map_err(|e| {
            ExportError::new(
                ExportErrorKind::Protocol,
                "HikCentral download",
                e.to_string(),
            )
        })?;
        for _ in 0..MAX_POLLS {
            let data = self
                .client
                .call("/api/video/v1/downloadURL", &json!({"downloadID": id}))
                .await
                .map_err(|e| self.error("HikCentral downloadURL", e))?;
            if let Some(u) = api::parse_url(&data) {
                let fixed = fix_download_url(&u).ok_or_else(|| {
                    ExportError::new(
                        ExportErrorKind::Protocol,
                        "HikCentral downloadURL",
                        "the download URL is not an http(s) URL",
                    )
                })?;
                return Ok(ExportedClip {
                    container: ContainerHint::Unknown,
                    starts_at_ms: Some(req.from_ms),
                    ..ExportedClip::get(fixed)
                });
            }
            tokio::time::sleep(POLL).await;
        }
        Err(ExportError::new(
            ExportErrorKind::NotReady,
            "HikCentral downloadURL",
            "the download is not ready yet",
        ))
    }
}

/// The download URL as given, or with the bogus second port some servers
/// put in it removed (`https://h:9016:443/x` → `https://h:443/x`, seen in
/// the field); `None` unless it is http(s).
pub fn fix_download_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let candidate = match url::Url::parse(raw) {
        Ok(_) => raw.to_string(),
        Err(_) => {
            let (scheme, rest) = raw.split_once("://")?;
            let (authority, tail) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let parts: Vec<&str> = authority.split(':').collect();
            if parts.len() != 3
                || !parts[1..]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
            {
                return None;
            }
            format!("{scheme}://{}:{}{tail}", parts[0], parts[2])
        }
    };
    let u = url::Url::parse(&candidate).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host_str().is_some()).then_some(candidate)
}

impl ClipExporter for HcExporter {
    fn describe(&self) -> String {
        format!("{} camera {}", self.inner.label(), self.camera)
    }

    fn http(&self) -> &reqwest::Client {
        self.client.http()
    }

    fn prepare<'a>(&'a self, request: &'a ExportRequest) -> ExportFuture<'a, ExportedClip> {
        Box::pin(self.run(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_urls_lose_a_bogus_port() {
        assert_eq!(
            fix_download_url("https://10.0.0.5:9016:443/dl/1.mp4?token=x").as_deref(),
            Some("https://10.0.0.5:443/dl/1.mp4?token=x")
        );
        assert_eq!(
            fix_download_url("https://10.0.0.5/dl/1.mp4").as_deref(),
            Some("https://10.0.0.5/dl/1.mp4")
        );
        assert_eq!(fix_download_url("rtsp://10.0.0.5/x"), None);
        assert_eq!(fix_download_url("https://a:b:c/x"), None);
    }
}
