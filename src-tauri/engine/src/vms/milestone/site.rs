//! The `milestone` site kind: an XProtect Mobile Server (address
//! `https://host:8082` by default or `http://host:8081`, user, password in
//! the keyring, login type, optional TLS pin). Its cameras come from
//! `GetAllViewsAndCameras` (reference = the camera GUID), and so do its
//! views (layouts, [`crate::vms::server_layouts`]); one [`Session`]
//! per site serves every command and is left (Disconnect) on close.
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::json;

use super::crypto::{Group, Padding};
use super::export::MilestoneExporter;
use super::live::live_input;
use super::ptz::MilestonePtz;
use super::recording::MilestoneRecording;
use super::session::{PasswordSource, Session, SessionConfig};
use super::wire;
use crate::media::source::SourceOpener;
use crate::net::http::{client, HttpOptions};
use crate::net::pin::CertPin;
use crate::playback::Recording;
use crate::ptz::PtzControl;
use crate::vms::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use crate::vms::live_events::LiveEvents;
use crate::vms::server_layouts::{view_name, VmsView};
use crate::vms::site::{CameraRecord, SiteCamera, SiteInfo};
use crate::vms::{Capabilities, PtzCaps, StreamInfo, StreamKind, VmsAdapter, VmsError};

pub struct MilestoneKind;

/// The Mobile Server's default HTTPS and HTTP ports.
pub const HTTPS_PORT: u16 = 8082;
pub const HTTP_PORT: u16 = 8081;
/// Frames per second asked for live and playback streams.
pub const FPS: u32 = 10;
/// The size of a camera's sub stream (the server scales JPEGs).
pub const SUB_SIZE: (u32, u32) = (640, 360);
/// The main stream's size when the server names none.
pub const MAIN_SIZE: (u32, u32) = (1280, 720);

/// Whether an address names its port (`url` drops a scheme's default one).
fn names_port(address: &str) -> bool {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let after_host = host_port.rsplit(']').next().unwrap_or(host_port);
    after_host.contains(':')
}

/// `http(s)://host:port` of an address: https and port 8082 by default,
/// port 8081 for plain http.
pub fn base_url(address: &str) -> Result<url::Url, VmsError> {
    let a = address.trim();
    let with_scheme = if a.contains("://") {
        a.to_string()
    } else {
        format!("https://{a}")
    };
    let bad = |why: &str| {
        VmsError::InvalidConfig(format!(
            "a Milestone Mobile Server address is http(s)://host[:port] ({why}): {}",
            crate::secrets::redact::redact_text(a)
        ))
    };
    let mut u = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !["http", "https"].contains(&u.scheme()) {
        return Err(bad("scheme"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("credentials go in their own fields"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if !matches!(u.path(), "" | "/") || u.query().is_some() {
        return Err(bad("no path"));
    }
    if !names_port(&with_scheme) {
        let port = if u.scheme() == "https" {
            HTTPS_PORT
        } else {
            HTTP_PORT
        };
        u.set_port(Some(port)).map_err(|_| bad("port"))?;
    }
    Ok(u)
}

/// The `LoginType` of the site's `login_type` option.
pub fn login_type(info: &SiteInfo) -> Result<&'static str, VmsError> {
    match info
        .option("login_type")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("basic") => Ok("Basic"),
        Some("windows") | Some("activedirectory") | Some("active directory") => {
            Ok("ActiveDirectory")
        }
        Some(other) => Err(VmsError::InvalidConfig(format!(
            "login_type is basic or windows, not {other:?}"
        ))),
    }
}

fn group(info: &SiteInfo) -> Result<Group, VmsError> {
    match info.option("prime_length") {
        None => Ok(Group::Bits2048),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .and_then(Group::from_bits)
            .ok_or_else(|| {
                VmsError::InvalidConfig(format!("prime_length is 1024 or 2048, not {v:?}"))
            }),
    }
}

fn padding(info: &SiteInfo) -> Result<Padding, VmsError> {
    match info.option("padding") {
        None => Ok(Padding::Pkcs7),
        Some(v) => Padding::from_name(v.trim()).ok_or_else(|| {
            VmsError::InvalidConfig(format!("padding is PKCS7 or ISO10126, not {v:?}"))
        }),
    }
}

impl SiteKind for MilestoneKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "milestone",
            label: "Milestone XProtect (Mobile Server)",
            description: "Cameras of an XProtect site through its Mobile Server: live and \
                recorded JPEG frames, recordings, PTZ steps and presets, exports.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Mobile Server", FieldInput::Url)
                    .required()
                    .placeholder("https://10.0.0.50:8082")
                    .help("https on port 8082 by default; http is usually port 8081"),
                FieldSpec::user().required(),
                FieldSpec::password(),
                FieldSpec::new("login_type", "Login type", FieldInput::Select)
                    .choices(&["basic", "windows"])
                    .default_value("basic")
                    .help("basic users, or Windows / Active Directory users"),
                FieldSpec::tls_pin(),
                FieldSpec::time_zone(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        let u = base_url(&site.address)?;
        site.address = u.as_str().trim_end_matches('/').to_string();
        if site.user.is_none() {
            return Err(VmsError::InvalidConfig(
                "a Milestone site needs a user".into(),
            ));
        }
        login_type(site)?;
        group(site)?;
        padding(site)?;
        Ok(())
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        let base = base_url(&cfg.info.address)?;
        let pin = match &cfg.info.tls_pin {
            Some(p) => Some(
                crate::net::pin::parse(p)
                    .map_err(|e| VmsError::InvalidConfig(format!("TLS pin: {e}")))?,
            ),
            None => None,
        };
        let http = client(&HttpOptions::with_timeout(ctx.request_timeout).pin(pin))?;
        let label = site_label(&cfg.info);
        let secrets = ctx.secrets.clone();
        let pw_cfg = cfg.clone();
        let password: PasswordSource =
            Arc::new(move || Ok(pw_cfg.password(&secrets)?.unwrap_or_default()));
        let session = Session::new(SessionConfig {
            http: http.clone(),
            base,
            site: label,
            user: cfg.info.user.clone().unwrap_or_default(),
            password,
            login_type: login_type(&cfg.info)?.to_string(),
            group: group(&cfg.info)?,
            padding: padding(&cfg.info)?,
            rt: ctx.rt.clone(),
        });
        Ok(Arc::new(MilestoneSite {
            inner: Arc::new(Inner {
                cfg,
                session,
                http,
                pin,
                rt: ctx.rt.clone(),
                timeout: ctx.request_timeout,
                fps: FPS,
                events: Default::default(),
            }),
        }))
    }
}

fn site_label(info: &SiteInfo) -> String {
    if info.name.is_empty() {
        format!("Milestone {}", info.address)
    } else {
        info.name.clone()
    }
}

/// What the adapter's parts share.
pub(crate) struct Inner {
    pub(crate) cfg: SiteConfig,
    pub(crate) session: Arc<Session>,
    pub(crate) http: reqwest::Client,
    pub(crate) pin: Option<CertPin>,
    pub(crate) rt: tokio::runtime::Handle,
    pub(crate) timeout: Duration,
    pub(crate) fps: u32,
    /// The last live events of each camera (by GUID) with a live stream.
    pub(crate) events: std::sync::Mutex<std::collections::HashMap<String, LiveEvents>>,
}

pub struct MilestoneSite {
    inner: Arc<Inner>,
}

impl MilestoneSite {
    /// The session (for tests: how many logins it made).
    pub fn session(&self) -> &Arc<Session> {
        &self.inner.session
    }
}

/// A camera record of an item-tree camera.
pub fn record(c: &wire::Camera) -> CameraRecord {
    let main = if c.width > 0 && c.height > 0 {
        (c.width, c.height)
    } else {
        MAIN_SIZE
    };
    let stream = |kind, (width, height): (u32, u32)| StreamInfo {
        kind,
        width,
        height,
        codec: "mjpeg".into(),
    };
    CameraRecord {
        vms_ref: c.id.clone(),
        name: c.name.clone(),
        ptz: c.ptz,
        streams: vec![
            stream(StreamKind::Main, main),
            stream(StreamKind::Sub, SUB_SIZE),
        ],
        capabilities: Capabilities {
            live: true,
            playback: true,
            reverse: true,
            speeds: Vec::new(),
            export: true,
            snapshot_by_time: true,
            ptz: if c.ptz {
                PtzCaps {
                    continuous: false,
                    step: true,
                    presets: true,
                    home: true,
                }
            } else {
                PtzCaps::NONE
            },
        },
        extra: json!({ "width": main.0, "height": main.1 }),
    }
}

/// The size a camera's stream is asked at.
fn stream_size(camera: &SiteCamera, stream: StreamKind) -> (u32, u32) {
    camera
        .record
        .streams
        .iter()
        .find(|s| s.kind == stream)
        .filter(|s| s.width > 0 && s.height > 0)
        .map(|s| (s.width, s.height))
        .unwrap_or(if stream == StreamKind::Sub {
            SUB_SIZE
        } else {
            MAIN_SIZE
        })
}

impl MilestoneSite {
    /// The server's item tree (`GetAllViewsAndCameras`): cameras and views.
    async fn views_and_cameras(&self) -> Result<(Vec<wire::Camera>, Vec<wire::View>), VmsError> {
        let a = self
            .inner
            .session
            .call(
                "GetAllViewsAndCameras",
                &[("ProcessingMessage", "No".into())],
            )
            .await?;
        Ok(wire::parse_cameras(&a))
    }
}

#[async_trait::async_trait]
impl VmsAdapter for MilestoneSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let (cams, _views) = self.views_and_cameras().await?;
        Ok(cams.iter().map(record).collect())
    }

    fn live_events(&self, camera: &SiteCamera) -> Option<LiveEvents> {
        self.inner
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&camera.record.vms_ref)
            .copied()
    }

    async fn views(&self) -> Result<Vec<VmsView>, VmsError> {
        let (_cams, views) = self.views_and_cameras().await?;
        Ok(views
            .into_iter()
            .enumerate()
            .map(|(i, v)| VmsView {
                name: view_name(&v.name, i),
                columns: v.columns,
                rows: v.rows,
                cameras: v.cameras,
            })
            .collect())
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let label = format!(
            "{} camera {} ({})",
            self.inner.session.site(),
            camera.id,
            stream.as_str()
        );
        Ok(Arc::new(live_input(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
            label,
            stream_size(camera, stream),
        )))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        Ok(Arc::new(MilestoneRecording::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
            stream_size(camera, stream),
        )))
    }

    fn ptz(&self, camera: &SiteCamera) -> Result<Arc<dyn PtzControl>, VmsError> {
        if !camera.record.ptz {
            return Err(VmsError::Unsupported {
                site: self.site_label(),
                capability: "PTZ (the camera is not a PTZ camera)",
            });
        }
        Ok(Arc::new(MilestonePtz::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
        )))
    }

    async fn snapshot(&self, camera: &SiteCamera, at_ms: Option<i64>) -> Result<Vec<u8>, VmsError> {
        let (w, h) = stream_size(camera, StreamKind::Main);
        let id = camera.record.vms_ref.clone();
        let a = match at_ms {
            Some(t) => {
                self.inner
                    .session
                    .call(
                        "GetThumbnailByTime",
                        &[
                            ("CameraId", id),
                            ("Time", t.to_string()),
                            ("SeekType", "Time".into()),
                            ("DestWidth", w.to_string()),
                            ("DestHeight", h.to_string()),
                            ("ProcessingMessage", "No".into()),
                        ],
                    )
                    .await?
            }
            None => {
                self.inner
                    .session
                    .call(
                        "GetThumbnail",
                        &[
                            ("CameraId", id),
                            ("ComprLevel", super::stream::COMPRESSION.to_string()),
                            ("DestWidth", w.to_string()),
                            ("DestHeight", h.to_string()),
                        ],
                    )
                    .await?
            }
        };
        let b64 = a
            .command
            .find("Thumbnail")
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
            .or_else(|| a.output("Thumbnail").map(str::to_string))
            .ok_or_else(|| VmsError::Site {
                site: self.site_label(),
                reason: "the thumbnail answer has no picture".into(),
            })?;
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| VmsError::Site {
                site: self.site_label(),
                reason: format!("the thumbnail is not Base64: {e}"),
            })
    }

    fn clip_exporter(
        &self,
        camera: &SiteCamera,
    ) -> Result<Arc<dyn crate::vms::export::ClipExporter>, VmsError> {
        Ok(Arc::new(MilestoneExporter::new(
            self.inner.clone(),
            camera.record.vms_ref.clone(),
        )))
    }

    async fn close(&self) {
        self.inner.session.logout().await;
    }

    fn name_hint(&self) -> Option<String> {
        Some(format!(
            "Milestone {}",
            self.inner.session.base().host_str().unwrap_or_default()
        ))
    }

    fn site_label(&self) -> String {
        site_label(&self.inner.cfg.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_get_the_mobile_server_ports() {
        assert_eq!(
            base_url("10.0.0.4").unwrap().as_str(),
            "https://10.0.0.4:8082/"
        );
        assert_eq!(
            base_url("http://10.0.0.4").unwrap().as_str(),
            "http://10.0.0.4:8081/"
        );
        assert_eq!(
            base_url("https://ms.example:443/").unwrap().as_str(),
            "https://ms.example/"
        );
        assert_eq!(
            base_url("https://[::1]:9000").unwrap().as_str(),
            "https://[::1]:9000/"
        );
        assert_eq!(
            base_url("https://[::1]").unwrap().as_str(),
            "https://[::1]:8082/"
        );
        for bad in [
            "ftp://h",
            "http://u:pw@h",
            "http://h/x",
            "http://h/?token=x",
        ] {
            let e = base_url(bad).unwrap_err().to_string();
            assert!(!e.contains("pw@"), "{e}");
        }
    }

    #[test]
    fn options_are_checked() {
        let mut info = SiteInfo {
            id: "m".into(),
            kind: "milestone".into(),
            name: String::new(),
            address: "10.0.0.4".into(),
            time_zone: "UTC".into(),
            user: Some("op".into()),
            tls_pin: None,
            options: Default::default(),
            created_ms: 0,
        };
        MilestoneKind.prepare(&mut info).unwrap();
        assert_eq!(info.address, "https://10.0.0.4:8082");
        assert_eq!(login_type(&info).unwrap(), "Basic");
        info.options.insert("login_type".into(), "Windows".into());
        assert_eq!(login_type(&info).unwrap(), "ActiveDirectory");
        info.options.insert("prime_length".into(), "1024".into());
        assert_eq!(group(&info).unwrap(), Group::Bits1024);
        info.options.insert("prime_length".into(), "512".into());
        assert!(MilestoneKind.prepare(&mut info).is_err());
        info.user = None;
        info.options.clear();
        assert!(MilestoneKind.prepare(&mut info).is_err());
    }

    #[test]
    fn ptz_cameras_are_step_only() {
        let c = wire::Camera {
            id: "g".into(),
            name: "Gate".into(),
            ptz: true,
            width: 0,
            height: 0,
        };
        let r = record(&c);
        assert!(r.capabilities.ptz.step && !r.capabilities.ptz.continuous);
        assert_eq!((r.streams[0].width, r.streams[0].height), MAIN_SIZE);
    }
}
