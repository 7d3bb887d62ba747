//! The `hikvision` site kind: one ISAPI device (camera or NVR) by address,
//! user and password (keyring). Cameras are its video channels (main stream
//! `<ch>01`, sub `<ch>02`); the device's clock (zone and time mode) is read
//! once per connection from `/ISAPI/System/time`.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::client::{base_url, IsapiClient};
use super::export::HikExporter;
use super::ptz::HikPtz;
use super::recording::HikRecording;
use super::time::{detect_local_z, parse_device_zone, TimeMode};
use super::xml::{
    parse_channels, parse_device_info, parse_device_time, parse_ptz_caps, IsapiPtzCaps,
};
use crate::error::ErrorKind;
use crate::media::rtsp_input::NetworkInput;
use crate::media::source::SourceOpener;
use crate::playback::Recording;
use crate::ptz::PtzControl;
use crate::secrets::redact::with_credentials;
use crate::secrets::SecretStore;
use crate::vms::export::ClipExporter;
use crate::vms::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use crate::vms::remote_error::RemoteError;
use crate::vms::site::{CameraRecord, SiteCamera, SiteInfo};
use crate::vms::{Capabilities, PtzCaps, StreamInfo, StreamKind, VmsAdapter, VmsError};

/// The site option naming the device's time behaviour.
pub const TIME_MODE_OPTION: &str = "time_mode";

pub struct HikvisionKind;

impl SiteKind for HikvisionKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "hikvision",
            label: "Hikvision camera or NVR (ISAPI)",
            description: "Live, playback, PTZ and clips from a Hikvision device over ISAPI and RTSP (digest authentication).",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Address", FieldInput::Url)
                    .required()
                    .placeholder("http://10.0.0.40 or https://10.0.0.40:443"),
                FieldSpec::user().required(),
                FieldSpec::password(),
                FieldSpec::tls_pin(),
                FieldSpec::time_zone(),
                FieldSpec::new(TIME_MODE_OPTION, "Device times", FieldInput::Select)
                    .choices(&["auto", "utc", "local_z"])
                    .default_value("auto")
                    .help("how the device writes times ending in Z: utc, or its local time (older firmware); auto reads the device clock"),
                FieldSpec::transport(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        site.address = base_url(&site.address)?
            .as_str()
            .trim_end_matches('/')
            .to_string();
        let mode = site.option(TIME_MODE_OPTION).map(str::to_string);
        TimeMode::from_option(mode.as_deref()).map_err(VmsError::InvalidConfig)?;
        site.options.insert(
            TIME_MODE_OPTION.into(),
            mode.filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| "auto".into())
                .trim()
                .to_string(),
        );
        site.check_transport()
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(HikvisionSite::open(ctx, cfg)?))
    }
}

/// How to read and write the device's times.
#[derive(Debug, Clone)]
pub struct DeviceClock {
    pub mode: TimeMode,
    pub zone: TimeZone,
}

/// A channel as stored with the camera (`CameraRecord::extra`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HikCamera {
    pub channel: u32,
    /// Streaming channel ids: `<ch>01` main, `<ch>02` sub.
    pub main: u32,
    pub sub: Option<u32>,
    pub rtsp_port: u16,
    #[serde(default)]
    pub ptz: Option<StoredPtz>,
}

/// The PTZ capabilities a channel reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPtz {
    pub continuous: bool,
    pub momentary: bool,
    pub presets: bool,
    pub home: bool,
    pub max_speed: i32,
}

impl From<IsapiPtzCaps> for StoredPtz {
    fn from(c: IsapiPtzCaps) -> Self {
        Self {
            continuous: c.continuous,
            momentary: c.momentary,
            presets: c.presets,
            home: c.home,
            max_speed: c.max_speed,
        }
    }
}

impl HikCamera {
    pub fn from_site_camera(cam: &SiteCamera) -> Result<Self, VmsError> {
        serde_json::from_value(cam.record.extra.clone()).map_err(|e| {
            VmsError::InvalidConfig(format!("camera {}: stored Hikvision data: {e}", cam.id))
        })
    }

    /// The streaming channel id of a stream.
    pub fn stream_id(&self, kind: StreamKind, camera: &str) -> Result<u32, VmsError> {
        match kind {
            StreamKind::Main => Ok(self.main),
            StreamKind::Sub => self.sub.ok_or(VmsError::NoSuchStream {
                camera: camera.to_string(),
                stream: "sub",
            }),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) cfg: SiteConfig,
    secrets: SecretStore,
    pub(crate) rt: tokio::runtime::Handle,
    pub(crate) base: url::Url,
    pub(crate) http: reqwest::Client,
    #[allow(dead_code)]
    timeout: Duration,
    client: tokio::sync::Mutex<Option<Arc<IsapiClient>>>,
    clock: tokio::sync::Mutex<Option<DeviceClock>>,
    name_hint: Mutex<Option<String>>,
}

impl Inner {
    pub(crate) fn label(&self) -> String {
        let i = &self.cfg.info;
        if i.name.is_empty() {
            format!("Hikvision device {}", i.address)
        } else {
            i.name.clone()
        }
    }

    pub(crate) fn credentials(&self) -> Result<(String, String), VmsError> {
        Ok((
            self.cfg.info.user.clone().unwrap_or_default(),
            self.cfg.password(&self.secrets)?.unwrap_or_default(),
        ))
    }

    /// The signed client (one per site; the digest challenge is reused).
    pub(crate) async fn client(&self) -> Result<Arc<IsapiClient>, VmsError> {
        let mut c = self.client.lock().await;
        if let Some(c) = c.as_ref() {
            return Ok(c.clone());
        }
        let (user, password) = self.credentials()?;
        let client = Arc::new(IsapiClient::new(
            self.base.clone(),
            self.http.clone(),
            &user,
            &password,
            &self.label(),
        ));
        *c = Some(client.clone());
        Ok(client)
    }

    /// Drops the cached client and clock after a refused login or a network
    /// failure (the next call starts again).
    pub(crate) async fn forget_on<T>(&self, r: Result<T, RemoteError>) -> Result<T, RemoteError> {
        if let Err(e) = &r {
            if matches!(
                e.kind,
                ErrorKind::AuthFailed | ErrorKind::Unreachable | ErrorKind::Untrusted
            ) {
                *self.client.lock().await = None;
                *self.clock.lock().await = None;
            }
        }
        r
    }

    /// The device's zone and time mode (read once per connection).
    pub(crate) async fn clock(&self) -> Result<DeviceClock, VmsError> {
        if let Some(c) = self.clock.lock().await.as_ref() {
            return Ok(c.clone());
        }
        let site_zone = crate::playback::day::zone(&self.cfg.info.time_zone)
            .map_err(|e| VmsError::InvalidConfig(format!("time zone: {e}")))?;
        let forced = TimeMode::from_option(self.cfg.info.option(TIME_MODE_OPTION))
            .map_err(VmsError::InvalidConfig)?;
        let client = self.client().await?;
        let answer = self.forget_on(client.get("/ISAPI/System/time").await).await;
        let (zone, detected) = match answer {
            Ok(text) => {
                let t = parse_device_time(&text).unwrap_or_default();
                let zone = t
                    .time_zone
                    .as_deref()
                    .and_then(parse_device_zone)
                    .unwrap_or_else(|| site_zone.clone());
                let detected = t
                    .local_time
                    .as_deref()
                    .and_then(|l| detect_local_z(l, &zone, crate::media::source::now_ms()));
                (zone, detected)
            }
            // a device without the time resource: the site's zone, UTC times
            Err(e) if matches!(e.kind, ErrorKind::Unsupported | ErrorKind::NotFound) => {
                (site_zone, None)
            }
            Err(e) => return Err(e.into()),
        };
        let clock = DeviceClock {
            mode: forced.or(detected).unwrap_or(TimeMode::Utc),
            zone,
        };
        *self.clock.lock().await = Some(clock.clone());
        Ok(clock)
    }

    /// `rtsp://user:pass@host:port<path>` on the device's host.
    pub(crate) fn rtsp_url(&self, port: u16, path_and_query: &str) -> Result<String, VmsError> {
        let host = self
            .base
            .host_str()
            .ok_or_else(|| VmsError::InvalidConfig("address: no host".into()))?;
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let (user, password) = self.credentials()?;
        with_credentials(
            &format!("rtsp://{host}:{port}{path_and_query}"),
            Some(&user),
            Some(&password),
        )
        .map_err(|e| VmsError::InvalidConfig(format!("RTSP URL: {e}")))
    }

    async fn discover(&self) -> Result<Vec<CameraRecord>, VmsError> {
        let client = self.client().await?;
        let info = self
            .forget_on(client.get("/ISAPI/System/deviceInfo").await)
            .await?;
        let info = parse_device_info(&info)
            .map_err(|e| client.parse_error("GET /ISAPI/System/deviceInfo", e))?;
        let hint = [info.name.trim(), info.model.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(str::to_string);
        *self.name_hint.lock().unwrap_or_else(|p| p.into_inner()) = hint;
        // read the clock now: a listing tells whether the device can be used
        self.clock().await?;
        let text = self
            .forget_on(client.get("/ISAPI/Streaming/channels").await)
            .await?;
        let channels = parse_channels(&text)
            .map_err(|e| client.parse_error("GET /ISAPI/Streaming/channels", e))?;
        let mut numbers: Vec<u32> = channels
            .iter()
            .filter(|c| c.enabled)
            .map(|c| c.channel())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut out = Vec::new();
        for ch in numbers {
            let of = |s: u32| channels.iter().find(|c| c.enabled && c.id == ch * 100 + s);
            let Some(main) = of(1).or_else(|| {
                channels
                    .iter()
                    .filter(|c| c.enabled && c.channel() == ch)
                    .min_by_key(|c| c.stream())
            }) else {
                continue;
            };
            let sub = of(2).filter(|s| s.id != main.id);
            let caps = match client
                .get(&format!("/ISAPI/PTZCtrl/channels/{ch}/capabilities"))
                .await
            {
                Ok(t) => parse_ptz_caps(&t).ok(),
                Err(e) if matches!(e.kind, ErrorKind::Unreachable | ErrorKind::Untrusted) => {
                    return Err(e.into())
                }
                // notSupport, 404, 403: no PTZ on this channel
                Err(_) => None,
            };
            let stored = HikCamera {
                channel: ch,
                main: main.id,
                sub: sub.map(|s| s.id),
                rtsp_port: main.rtsp_port.unwrap_or(554),
                ptz: caps.map(StoredPtz::from),
            };
            let stream = |kind, c: &super::xml::StreamingChannel| StreamInfo {
                kind,
                width: c.width,
                height: c.height,
                codec: normalise_codec(&c.codec),
            };
            let mut streams = vec![stream(StreamKind::Main, main)];
            if let Some(s) = sub {
                streams.push(stream(StreamKind::Sub, s));
            }
            let ptz = caps.map_or(PtzCaps::NONE, |c| PtzCaps {
                continuous: c.continuous,
                step: c.momentary || c.continuous,
                presets: c.presets,
                home: c.home,
            });
            let name = if main.name.trim().is_empty() {
                format!("Channel {ch}")
            } else {
                main.name.trim().to_string()
            };
            out.push(CameraRecord {
                vms_ref: ch.to_string(),
                name,
                ptz: ptz.any(),
                streams,
                capabilities: Capabilities {
                    live: true,
                    playback: true,
                    reverse: false,
                    speeds: vec![1.0],
                    export: true,
                    snapshot_by_time: false,
                    ptz,
                },
                extra: serde_json::to_value(&stored).expect("camera serializes"),
            });
        }
        Ok(out)
    }
}

/// `H.264` -> `h264`, `H.265`/`H.265+` -> `hevc`, as FFmpeg names them.
fn normalise_codec(c: &str) -> String {
    let l = c.to_ascii_lowercase();
    if l.contains("265") || l.contains("hevc") {
        "hevc".into()
    } else if l.contains("264") {
        "h264".into()
    } else if l.contains("mjpeg") || l.contains("jpeg") {
        "mjpeg".into()
    } else {
        l
    }
}

pub struct HikvisionSite {
    inner: Arc<Inner>,
}

impl HikvisionSite {
    /// The adapter of a site (what the kind's `open` registers; tools and
    /// tests use it directly for what the adapter trait has no call for).
    pub fn open(ctx: &SiteContext, cfg: SiteConfig) -> Result<Self, VmsError> {
        let pin = match &cfg.info.tls_pin {
            Some(p) => Some(
                crate::net::pin::parse(p)
                    .map_err(|e| VmsError::InvalidConfig(format!("TLS pin: {e}")))?,
            ),
            None => None,
        };
        let http = crate::net::http::client(
            &crate::net::http::HttpOptions::with_timeout(ctx.request_timeout).pin(pin),
        )?;
        Ok(HikvisionSite {
            inner: Arc::new(Inner {
                base: base_url(&cfg.info.address)?,
                cfg,
                secrets: ctx.secrets.clone(),
                rt: ctx.rt.clone(),
                http,
                timeout: ctx.request_timeout,
                client: Default::default(),
                clock: Default::default(),
                name_hint: Default::default(),
            }),
        })
    }

    /// The days of `year`-`month` (the device's calendar) on which a camera
    /// has recordings (`dailyDistribution`).
    pub async fn month_days(
        &self,
        camera: &SiteCamera,
        year: i16,
        month: i8,
    ) -> Result<Vec<u8>, VmsError> {
        let cam = HikCamera::from_site_camera(camera)?;
        HikRecording::new(self.inner.clone(), cam)
            .month_days(year, month)
            .await
    }
}

#[async_trait::async_trait]
impl VmsAdapter for HikvisionSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        self.inner.discover().await
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let cam = HikCamera::from_site_camera(camera)?;
        let id = cam.stream_id(stream, &camera.id)?;
        let url = self
            .inner
            .rtsp_url(cam.rtsp_port, &format!("/Streaming/Channels/{id}"))?;
        Ok(Arc::new(NetworkInput::new(
            url,
            self.inner.cfg.info.transport(),
        )))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let cam = HikCamera::from_site_camera(camera)?;
        Ok(Arc::new(HikRecording::new(self.inner.clone(), cam)))
    }

    fn ptz(&self, camera: &SiteCamera) -> Result<Arc<dyn PtzControl>, VmsError> {
        let cam = HikCamera::from_site_camera(camera)?;
        let caps = cam.ptz.ok_or_else(|| VmsError::Unsupported {
            site: self.site_label(),
            capability: "PTZ (the channel reports no PTZ capabilities)",
        })?;
        Ok(Arc::new(HikPtz::new(self.inner.clone(), cam.channel, caps)))
    }

    async fn snapshot(&self, camera: &SiteCamera, at_ms: Option<i64>) -> Result<Vec<u8>, VmsError> {
        if at_ms.is_some() {
            return Err(self.unsupported("snapshots of a past time"));
        }
        let cam = HikCamera::from_site_camera(camera)?;
        let client = self.inner.client().await?;
        let path = format!("/ISAPI/Streaming/channels/{}/picture", cam.main);
        let what = format!("GET {}", client.url(&path));
        let r = client
            .digest()
            .get(&client.url(&path), 32 << 20)
            .await
            .map_err(|e| client.transport_error(&what, e));
        let a = self.inner.forget_on(r).await?;
        if !a.is_success() {
            return Err(client.status_error(&what, a.status, &a.text()).into());
        }
        if !a.body.starts_with(&[0xFF, 0xD8]) {
            return Err(RemoteError::new(
                ErrorKind::Protocol,
                &self.site_label(),
                &what,
                "the answer is not a JPEG picture",
            )
            .into());
        }
        Ok(a.body)
    }

    fn clip_exporter(&self, camera: &SiteCamera) -> Result<Arc<dyn ClipExporter>, VmsError> {
        let cam = HikCamera::from_site_camera(camera)?;
        Ok(Arc::new(HikExporter::new(self.inner.clone(), cam)))
    }

    fn name_hint(&self) -> Option<String> {
        self.inner
            .name_hint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn site_label(&self) -> String {
        self.inner.label()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_normalises_its_fields() {
        let mut s = SiteInfo {
            id: "x".into(),
            kind: "hikvision".into(),
            name: String::new(),
            address: "10.0.0.40:8080/ISAPI".into(),
            time_zone: "UTC".into(),
            user: Some("admin".into()),
            tls_pin: None,
            options: Default::default(),
            created_ms: 0,
        };
        HikvisionKind.prepare(&mut s).unwrap();
        assert_eq!(s.address, "http://10.0.0.40:8080");
        assert_eq!(s.option(TIME_MODE_OPTION), Some("auto"));
        s.options
            .insert(TIME_MODE_OPTION.into(), "sometimes".into());
        assert!(HikvisionKind.prepare(&mut s).is_err());
        assert_eq!(normalise_codec("H.265+"), "hevc");
        assert_eq!(normalise_codec("H.264"), "h264");
    }
}
