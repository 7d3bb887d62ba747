//! The `hikcentral` site kind: a HikCentral Professional server reached
//! through its Artemis OpenAPI gateway (`https://host:port`), the AppKey as
//! the site's user and the AppSecret as its password (OS keyring). Cameras
//! come from the paged listing; live and playback URLs are asked for at
//! each connect (their tokens are never stored or printed).
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::api::{self, Camera};
use super::client::Artemis;
use super::export::HcExporter;
use super::ptz::HcPtz;
use super::recording::HcRecording;
use super::signer::Signer;
use crate::media::resolving_input::{ResolvedUrl, ResolvingInput};
use crate::media::rtsp_input::Transport;
use crate::media::source::SourceOpener;
use crate::media::MediaError;
use crate::playback::Recording;
use crate::ptz::PtzControl;
use crate::secrets::SecretStore;
use crate::vms::export::ClipExporter;
use crate::vms::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use crate::vms::site::{CameraRecord, SiteCamera, SiteInfo};
use crate::vms::{Capabilities, PtzCaps, StreamInfo, StreamKind, VmsAdapter, VmsError};

/// Cameras asked for per page.
pub const PAGE_SIZE: u64 = 100;
/// At most this many pages (a server that never says it is done).
const MAX_PAGES: u64 = 1000;

pub struct HikCentralKind;

impl SiteKind for HikCentralKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "hikcentral",
            label: "HikCentral Professional",
            description: "A HikCentral Professional server through its OpenAPI (Artemis) gateway: live, recordings, PTZ and clip downloads.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Address", FieldInput::Url)
                    .required()
                    .placeholder("https://10.0.0.5:443"),
                FieldSpec::new("user", "AppKey", FieldInput::Text)
                    .required()
                    .help("the partner AppKey from HikCentral's OpenAPI settings"),
                FieldSpec::new("password", "AppSecret", FieldInput::Password)
                    .required()
                    .help("kept in the OS keyring, never in the database; signs every request and is never sent"),
                FieldSpec::tls_pin(),
                FieldSpec::time_zone(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        site.address = base_url(&site.address)?;
        if site.user.as_deref().is_none_or(|u| u.trim().is_empty()) {
            return Err(VmsError::InvalidConfig(
                "a HikCentral site needs its AppKey as the user".into(),
            ));
        }
        if site.name.is_empty() {
            let host = url::Url::parse(&site.address)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            site.name = format!("HikCentral {host}");
        }
        Ok(())
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(HikCentralSite {
            inner: Arc::new(Inner {
                cfg,
                secrets: ctx.secrets.clone(),
                rt: ctx.rt.clone(),
                timeout: ctx.request_timeout,
                client: Default::default(),
                ptz_moving: Default::default(),
            }),
        }))
    }
}

/// `https://host[:port]` from what the operator typed (a trailing `/` or
/// `/artemis` is dropped); plain http, user info or another path refused.
pub fn base_url(address: &str) -> Result<String, VmsError> {
    let bad = |why: &str| VmsError::InvalidConfig(format!("HikCentral address: {why}"));
    let u = url::Url::parse(address.trim()).map_err(|e| bad(&format!("not a URL ({e})")))?;
    if u.scheme() != "https" {
        return Err(bad(
            "use https://host:port (the OpenAPI gateway speaks HTTPS)",
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad(
            "no user in the address: the AppKey and AppSecret have their own fields",
        ));
    }
    let path = u.path().trim_end_matches('/');
    if !(path.is_empty() || path == "/artemis") || u.query().is_some() {
        return Err(bad("give the server only (https://host:port)"));
    }
    let host = u.host_str().ok_or_else(|| bad("no host"))?;
    Ok(match u.port() {
        Some(p) => format!("https://{host}:{p}"),
        None => format!("https://{host}"),
    })
}

pub(crate) struct Inner {
    cfg: SiteConfig,
    secrets: SecretStore,
    pub(crate) rt: tokio::runtime::Handle,
    pub(crate) timeout: Duration,
    client: std::sync::Mutex<Option<Arc<Artemis>>>,
    /// Per camera, the PTZ command of the move last started (a stop repeats
    /// it; PTZ handles are made per call, so it lives here).
    pub(crate) ptz_moving: std::sync::Mutex<std::collections::HashMap<String, &'static str>>,
}

impl Inner {
    pub(crate) fn label(&self) -> String {
        let i = &self.cfg.info;
        if i.name.is_empty() {
            format!("HikCentral {}", i.address)
        } else {
            i.name.clone()
        }
    }

    /// The site's zone (HikCentral's times carry offsets; this reads the
    /// rare one without, and formats the times we send).
    pub(crate) fn zone(&self) -> jiff::tz::TimeZone {
        crate::playback::day::zone(&self.cfg.info.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// The gateway client (built once; the secret read from the keyring).
    pub(crate) fn client(&self) -> Result<Arc<Artemis>, VmsError> {
        let mut slot = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let key = self.cfg.info.user.clone().unwrap_or_default();
        let secret = self.cfg.password(&self.secrets)?.unwrap_or_default();
        let pin = match &self.cfg.info.tls_pin {
            Some(p) => Some(
                crate::net::pin::parse(p)
                    .map_err(|e| VmsError::InvalidConfig(format!("TLS pin: {e}")))?,
            ),
            None => None,
        };
        let c = Arc::new(Artemis::new(
            &self.cfg.info.address,
            Signer::new(key, secret),
            pin,
            self.timeout,
            &self.label(),
        )?);
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Every camera, page by page (a repeated page adds nothing; the loop
    /// ends at `total`, an empty page, or a page that brought nothing new).
    pub(crate) async fn cameras(&self) -> Result<Vec<Camera>, VmsError> {
        let c = self.client()?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let data = c
                .call(
                    "/api/resource/v1/cameras",
                    &json!({"pageNo": page, "pageSize": PAGE_SIZE}),
                )
                .await?;
            let p = api::parse_camera_page(&data).map_err(|e| self.protocol(e))?;
            let before = out.len();
            for cam in p.list {
                if seen.insert(cam.index_code.clone()) {
                    out.push(cam);
                }
            }
            if out.len() as u64 >= p.total || out.len() == before {
                break;
            }
        }
        Ok(out)
    }

    pub(crate) fn protocol(&self, e: impl std::fmt::Display) -> VmsError {
        crate::vms::remote_error::RemoteError::new(
            crate::error::ErrorKind::Protocol,
            &self.label(),
            "HikCentral OpenAPI",
            e.to_string(),
        )
        .into()
    }

    /// A fresh live URL of a camera's stream.
    pub(crate) async fn preview_url(
        &self,
        camera: &str,
        stream: StreamKind,
    ) -> Result<String, VmsError> {
        let c = self.client()?;
        let data = c
            .call(
                "/api/video/v1/cameras/previewURLs",
                &json!({
                    "cameraIndexCode": camera,
                    "streamType": if stream == StreamKind::Sub { 1 } else { 0 },
                    "protocol": "rtsp",
                    "transmode": 1,
                    "expand": "streamform=rtp",
                }),
            )
            .await?;
        api::parse_preview(&data).map_err(|e| self.protocol(e))
    }

    /// The playback answer of a camera over `[from_ms, to_ms]`: its URL (a
    /// token) and the recorded segments.
    pub(crate) async fn playback(
        &self,
        camera: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<api::PlaybackAnswer, VmsError> {
        let c = self.client()?;
        let zone = self.zone();
        let data = c
            .call(
                "/api/video/v1/cameras/playbackURLs",
                &json!({
                    "cameraIndexCode": camera,
                    "recordLocation": "0",
                    "protocol": "rtsp",
                    "transmode": 1,
                    "beginTime": api::format_time(from_ms, &zone),
                    "endTime": api::format_time(to_ms, &zone),
                    "expand": "streamform=rtp",
                }),
            )
            .await?;
        api::parse_playback(&data, &zone).map_err(|e| self.protocol(e))
    }
}

/// What may be printed of a stream URL: scheme, host and port (the path is
/// the token: `/openUrl/<token>`).
pub fn printable_stream_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}/***",
            u.scheme(),
            u.host_str().unwrap_or("?"),
            u.port().map(|p| format!(":{p}")).unwrap_or_default()
        ),
        Err(_) => "(stream URL)".into(),
    }
}

pub struct HikCentralSite {
    inner: Arc<Inner>,
}

fn record(cam: &Camera) -> CameraRecord {
    let stream = |kind| StreamInfo {
        kind,
        width: 0,
        height: 0,
        codec: String::new(),
    };
    CameraRecord {
        vms_ref: cam.index_code.clone(),
        name: cam.name.clone(),
        ptz: cam.ptz,
        streams: vec![stream(StreamKind::Main), stream(StreamKind::Sub)],
        capabilities: Capabilities {
            live: true,
            playback: true,
            reverse: false,
            speeds: vec![1.0],
            export: true,
            snapshot_by_time: false,
            ptz: if cam.ptz {
                PtzCaps {
                    continuous: true,
                    step: true,
                    presets: true,
                    home: false,
                }
            } else {
                PtzCaps::NONE
            },
        },
        extra: serde_json::Value::Null,
    }
}

#[async_trait::async_trait]
impl VmsAdapter for HikCentralSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        Ok(self.inner.cameras().await?.iter().map(record).collect())
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let inner = self.inner.clone();
        let cam = camera.record.vms_ref.clone();
        let label = format!(
            "{} camera {} ({})",
            inner.label(),
            camera.record.name,
            stream.as_str()
        );
        let name = label.clone();
        let input = ResolvingInput::with_async(label, inner.rt.clone(), inner.timeout, move || {
            let (inner, cam, name) = (inner.clone(), cam.clone(), name.clone());
            async move {
                let url =
                    inner
                        .preview_url(&cam, stream)
                        .await
                        .map_err(|e| MediaError::Resolve {
                            source_name: name,
                            reason: e.to_string(),
                        })?;
                let printable = printable_stream_url(&url);
                Ok(ResolvedUrl {
                    url,
                    transport: Transport::Tcp,
                    printable: Some(printable),
                })
            }
        });
        Ok(Arc::new(input))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        Ok(Arc::new(HcRecording::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
        )))
    }

    fn ptz(&self, camera: &SiteCamera) -> Result<Arc<dyn PtzControl>, VmsError> {
        if !camera.record.ptz {
            return Err(VmsError::Unsupported {
                site: self.site_label(),
                capability: "PTZ (the camera's capabilitySet has no ptz)",
            });
        }
        Ok(Arc::new(HcPtz::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
        )))
    }

    fn clip_exporter(&self, camera: &SiteCamera) -> Result<Arc<dyn ClipExporter>, VmsError> {
        Ok(Arc::new(HcExporter::new(
            self.inner.clone(),
            self.inner.client()?,
            camera.record.vms_ref.clone(),
        )))
    }

    fn site_label(&self) -> String {
        self.inner.label()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_https_servers() {
        assert_eq!(
            base_url("https://10.0.0.5:8443/").unwrap(),
            "https://10.0.0.5:8443"
        );
        assert_eq!(
            base_url("https://10.0.0.5:443").unwrap(),
            "https://10.0.0.5"
        );
        assert_eq!(
            base_url(" https://hcp.local/artemis ").unwrap(),
            "https://hcp.local"
        );
        for bad in [
            "http://10.0.0.5",
            "https://ak:sk@10.0.0.5",
            "https://10.0.0.5/other",
            "10.0.0.5:443",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stream_urls_print_without_their_token() {
        let p = printable_stream_url("rtsp://10.0.0.5:554/openUrl/AbC123tok");
        assert_eq!(p, "rtsp://10.0.0.5:554/***");
    }
}
