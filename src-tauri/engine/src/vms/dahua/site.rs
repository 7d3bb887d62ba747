//! The `dahua` site kind: one Dahua IPC, NVR or XVR by its HTTP address,
//! user and password (keyring). Listing reads the device type, channel
//! titles, the NVR's remote devices (slot N is channel N+1; unwired slots
//! are skipped), encode sizes, PTZ caps per channel and the RTSP port.
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::cgi::Cgi;
use super::kv;
use super::stored::{DahuaCamera, DahuaStream};
use super::zone::DeviceZone;
use crate::error::ErrorKind;
use crate::secrets::SecretStore;
use crate::vms::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use crate::vms::remote_error::RemoteError;
use crate::vms::site::{CameraRecord, SiteCamera, SiteInfo};
use crate::vms::{StreamKind, VmsAdapter, VmsError};

pub struct DahuaKind;

/// `http(s)://host[:port]` from what the operator typed (`host:port` means http).
pub fn base_url(address: &str) -> Result<Url, VmsError> {
    let a = address.trim();
    let with_scheme = if a.contains("://") {
        a.to_string()
    } else {
        format!("http://{a}")
    };
    let u = Url::parse(&with_scheme)
        .map_err(|e| VmsError::InvalidConfig(format!("the device address is a URL: {e}")))?;
    if !["http", "https"].contains(&u.scheme())
        || u.host_str().is_none_or(str::is_empty)
        || !u.username().is_empty()
        || u.password().is_some()
        || u.query().is_some()
        || u.fragment().is_some()
        || !matches!(u.path(), "" | "/")
    {
        return Err(VmsError::InvalidConfig(
            "the device address is http(s)://host[:port], credentials in their own fields".into(),
        ));
    }
    Ok(u)
}

impl SiteKind for DahuaKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "dahua",
            label: "Dahua camera or recorder",
            description: "A Dahua IPC, NVR or XVR over its HTTP CGI (digest) and RTSP: live, recordings, clips, snapshots, PTZ.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Address", FieldInput::Url)
                    .required()
                    .placeholder("http://10.0.0.40"),
                FieldSpec::user().required(),
                FieldSpec::password(),
                FieldSpec::tls_pin(),
                FieldSpec::time_zone(),
                FieldSpec::new("device_time_zone", "Device time zone", FieldInput::TimeZone)
                    .help("the zone the device's clock is set to; empty: learnt from the device's current time (a fixed offset)"),
                FieldSpec::new("channel_base", "Channel numbering", FieldInput::Select)
                    .choices(&["1", "0"])
                    .default_value("1")
                    .help("0 for old firmware whose snapshot, PTZ, search and download calls count channels from 0"),
                FieldSpec::transport(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        let u = base_url(&site.address)?;
        site.address = u.as_str().trim_end_matches('/').to_string();
        if site.user.is_none() {
            return Err(VmsError::InvalidConfig(
                "a Dahua device needs a user (and its password)".into(),
            ));
        }
        if let Some(z) = site.option("device_time_zone").map(str::to_string) {
            crate::playback::day::zone(z.trim())
                .map_err(|e| VmsError::InvalidConfig(format!("device time zone: {e}")))?;
            site.options
                .insert("device_time_zone".into(), z.trim().to_string());
        }
        match site.option("channel_base") {
            None | Some("1") | Some("0") => {}
            Some(o) => {
                return Err(VmsError::InvalidConfig(format!(
                    "channel numbering is 1 or 0, not {o:?}"
                )))
            }
        }
        site.check_transport()
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
        let http = crate::net::http::client(&crate::net::http::HttpOptions {
            pin,
            timeout: ctx.request_timeout.max(Duration::from_secs(5)),
            ..Default::default()
        })?;
        Ok(Arc::new(DahuaSite {
            inner: Arc::new(Inner {
                cfg,
                base,
                http,
                secrets: ctx.secrets.clone(),
                rt: ctx.rt.clone(),
                cgi: Default::default(),
                zone: Default::default(),
                name_hint: Default::default(),
            }),
        }))
    }
}

pub(crate) struct Inner {
    pub(crate) cfg: SiteConfig,
    pub(crate) base: Url,
    pub(crate) http: reqwest::Client,
    secrets: SecretStore,
    pub(crate) rt: tokio::runtime::Handle,
    cgi: std::sync::Mutex<Option<Arc<Cgi>>>,
    zone: tokio::sync::Mutex<Option<DeviceZone>>,
    name_hint: std::sync::Mutex<Option<String>>,
}

impl Inner {
    pub(crate) fn label(&self) -> String {
        let i = &self.cfg.info;
        if i.name.is_empty() {
            format!("Dahua device {}", i.address)
        } else {
            i.name.clone()
        }
    }

    /// User and password (never logged).
    pub(crate) fn credentials(&self) -> Result<Option<(String, String)>, VmsError> {
        Ok(match &self.cfg.info.user {
            Some(u) => Some((
                u.clone(),
                self.cfg.password(&self.secrets)?.unwrap_or_default(),
            )),
            None => None,
        })
    }

    /// The CGI client (one per site: its digest challenge is reused).
    pub(crate) fn cgi(&self) -> Result<Arc<Cgi>, VmsError> {
        let mut g = self.cgi.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = g.as_ref() {
            return Ok(c.clone());
        }
        let (u, p) = self.credentials()?.unwrap_or_default();
        let c = Arc::new(Cgi::new(
            self.http.clone(),
            self.base.clone(),
            &u,
            &p,
            &self.label(),
        ));
        *g = Some(c.clone());
        Ok(c)
    }

    /// The channel number the CGI calls use (0-based on old firmware).
    pub(crate) fn cgi_channel(&self, channel: u32) -> u32 {
        match self.cfg.info.option("channel_base") {
            Some("0") => channel.saturating_sub(1),
            _ => channel,
        }
    }

    /// `host:port` of the device's RTSP server.
    pub(crate) fn rtsp_authority(&self, port: u16) -> String {
        let host = match self.base.host() {
            Some(url::Host::Ipv6(a)) => format!("[{a}]"),
            Some(h) => h.to_string(),
            None => String::new(),
        };
        format!("{host}:{port}")
    }

    /// The device's zone: the site option, else learnt once from its clock.
    pub(crate) async fn zone(&self) -> Result<DeviceZone, VmsError> {
        if let Some(z) = self.cfg.info.option("device_time_zone") {
            let tz = crate::playback::day::zone(z)
                .map_err(|e| VmsError::InvalidConfig(format!("device time zone: {e}")))?;
            return Ok(DeviceZone::named(tz));
        }
        let mut g = self.zone.lock().await;
        if let Some(z) = g.as_ref() {
            return Ok(z.clone());
        }
        let cgi = self.cgi()?;
        let pq = "global.cgi?action=getCurrentTime";
        let t = cgi.get_text(pq).await?;
        let now = jiff::Timestamp::now().as_millisecond();
        let learnt = kv::current_time(&t).and_then(|dt| DeviceZone::learnt(dt, now));
        let configured = self.configured_zone().await?;
        let z = match (configured, learnt) {
            (Some(c), Some(l)) if c.agrees_with(&l, now) => c,
            (Some(_), Some(l)) => {
                tracing::warn!(
                    "{}: the configured zone disagrees with the device's clock; using its current offset",
                    self.label()
                );
                l
            }
            (Some(c), None) => c,
            (None, Some(l)) => l,
            (None, None) => {
                return Err(cgi
                    .protocol(pq, "no readable current time (result=YYYY-MM-DD HH:MM:SS)")
                    .into())
            }
        };
        *g = Some(z.clone());
        Ok(z)
    }

    /// The zone the device's `NTP` and `Locales` configuration names
    /// (`None` when it is not readable; auth failures are errors).
    async fn configured_zone(&self) -> Result<Option<DeviceZone>, VmsError> {
        let cgi = self.cgi()?;
        let get = |name: &'static str| {
            let cgi = cgi.clone();
            async move {
                match cgi
                    .get_text(&format!("configManager.cgi?action=getConfig&name={name}"))
                    .await
                {
                    Ok(t) => Ok(Some(t)),
                    Err(e) if e.kind == ErrorKind::AuthFailed => Err(VmsError::from(e)),
                    Err(_) => Ok(None),
                }
            }
        };
        let Some(ntp) = get("NTP").await? else {
            return Ok(None);
        };
        let locales = get("Locales").await?;
        Ok(super::zone::configured_zone(&ntp, locales.as_deref()).map(DeviceZone::named))
    }

    /// Lists the device's channels as cameras.
    async fn discover(&self) -> Result<Vec<DahuaCamera>, VmsError> {
        let cgi = self.cgi()?;
        let kind = cgi.get_text("magicBox.cgi?action=getDeviceType").await?;
        let model = kv::value(&kv::parse_kv(&kind), "type")
            .unwrap_or("Dahua")
            .to_string();
        *self.name_hint.lock().unwrap_or_else(|p| p.into_inner()) = Some(model.clone());
        let titles = match cgi
            .get_text("configManager.cgi?action=getConfig&name=ChannelTitle")
            .await
        {
            Ok(t) => kv::channel_titles(&t),
            Err(e) if e.kind == ErrorKind::AuthFailed => return Err(e.into()),
            Err(_) => Default::default(),
        };
        let remote = match cgi
            .get_text("configManager.cgi?action=getConfig&name=RemoteDevice")
            .await
        {
            Ok(t) => kv::remote_devices(&t),
            Err(e) if e.kind == ErrorKind::AuthFailed => return Err(e.into()),
            Err(_) => Default::default(),
        };
        let encode = cgi
            .get_text("configManager.cgi?action=getConfig&name=Encode")
            .await
            .map(|t| kv::encode_sizes(&t))
            .unwrap_or_default();
        let rtsp_port = cgi
            .get_text("configManager.cgi?action=getConfig&name=RTSP")
            .await
            .ok()
            .and_then(|t| kv::rtsp_port(&t))
            .unwrap_or(554);
        // channels (0-based table index): NVR IP channels that are wired, else every titled channel
        let mut indices: Vec<usize> = if remote.is_empty() {
            titles.keys().copied().collect()
        } else {
            remote
                .iter()
                .filter(|(_, s)| s.wired())
                .map(|(i, _)| *i)
                .collect()
        };
        if indices.is_empty() && remote.is_empty() {
            let n = cgi
                .get_text("devVideoInput.cgi?action=getCollect")
                .await
                .ok()
                .and_then(|t| {
                    kv::value(&kv::parse_kv(&t), "result")?
                        .parse::<usize>()
                        .ok()
                })
                .unwrap_or(1)
                .min(256);
            indices = (0..n).collect();
        }
        let mut cams = Vec::new();
        for i in indices {
            let channel = i as u32 + 1;
            let (main, sub) = encode.get(&i).cloned().unwrap_or_default();
            let stream = |e: &kv::EncodeInfo, w: u32, h: u32| DahuaStream {
                width: if e.width > 0 { e.width } else { w },
                height: if e.height > 0 { e.height } else { h },
                codec: codec_name(&e.codec),
            };
            let ptz = match cgi
                .get_text(&format!(
                    "ptz.cgi?action=getCurrentProtocolCaps&channel={}",
                    self.cgi_channel(channel)
                ))
                .await
            {
                Ok(t) => kv::ptz_caps_move(&t),
                Err(_) => false,
            };
            let title = titles
                .get(&i)
                .filter(|t| !t.is_empty())
                .cloned()
                .or_else(|| {
                    remote
                        .get(&i)
                        .map(|s| s.name.clone())
                        .filter(|n| !n.is_empty())
                })
                .unwrap_or_else(|| format!("Channel {channel}"));
            cams.push(DahuaCamera {
                channel,
                name: title,
                main: stream(&main, 1920, 1080),
                sub: Some(stream(&sub, 640, 360)),
                ptz,
                rtsp_port,
            });
        }
        if cams.is_empty() {
            return Err(RemoteError::new(
                ErrorKind::NotFound,
                &self.label(),
                "channel list",
                "the device lists no channel with a camera",
            )
            .into());
        }
        Ok(cams)
    }
}

/// `H.264` / `H.265` as the engine names codecs.
fn codec_name(c: &str) -> String {
    match c.to_ascii_uppercase().replace(['.', ' '], "").as_str() {
        "H265" | "HEVC" => "H265".into(),
        "" | "H264" | "H264H" | "H264B" | "H264M" => "H264".into(),
        other => other.to_string(),
    }
}

pub struct DahuaSite {
    pub(crate) inner: Arc<Inner>,
}

impl DahuaSite {
    fn camera(&self, camera: &SiteCamera) -> Result<DahuaCamera, VmsError> {
        DahuaCamera::from_site_camera(camera)
    }
}

#[async_trait::async_trait]
impl VmsAdapter for DahuaSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        Ok(self
            .inner
            .discover()
            .await?
            .iter()
            .map(DahuaCamera::record)
            .collect())
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn crate::media::source::SourceOpener>, VmsError> {
        let cam = self.camera(camera)?;
        if stream == StreamKind::Sub && cam.sub.is_none() {
            return Err(VmsError::NoSuchStream {
                camera: camera.id.clone(),
                stream: "sub",
            });
        }
        Ok(Arc::new(super::live::DahuaLive {
            inner: self.inner.clone(),
            cam,
            kind: stream,
        }))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn crate::playback::Recording>, VmsError> {
        Ok(Arc::new(super::recording::DahuaRecording {
            inner: self.inner.clone(),
            cam: self.camera(camera)?,
        }))
    }

    fn ptz(&self, camera: &SiteCamera) -> Result<Arc<dyn crate::ptz::PtzControl>, VmsError> {
        let cam = self.camera(camera)?;
        if !cam.ptz {
            return Err(self.unsupported("PTZ (the channel has no PTZ)"));
        }
        Ok(Arc::new(super::ptz::DahuaPtz::new(self.inner.clone(), cam)))
    }

    async fn snapshot(&self, camera: &SiteCamera, at_ms: Option<i64>) -> Result<Vec<u8>, VmsError> {
        if at_ms.is_some() {
            return Err(self.unsupported("snapshots of a past time (take it from the clip)"));
        }
        let cam = self.camera(camera)?;
        let cgi = self.inner.cgi()?;
        let pq = format!(
            "snapshot.cgi?channel={}",
            self.inner.cgi_channel(cam.channel)
        );
        let jpeg = cgi.get_bytes(&pq, super::cgi::JPEG_LIMIT).await?;
        if !jpeg.starts_with(&[0xFF, 0xD8]) {
            return Err(cgi.protocol(&pq, "the answer is not a JPEG").into());
        }
        Ok(jpeg)
    }

    fn clip_exporter(
        &self,
        camera: &SiteCamera,
    ) -> Result<Arc<dyn crate::vms::export::ClipExporter>, VmsError> {
        Ok(Arc::new(super::export::DahuaExporter {
            inner: self.inner.clone(),
            cam: self.camera(camera)?,
            cgi: self.inner.cgi()?,
        }))
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
    fn addresses_are_normalised_and_credentials_refused() {
        assert_eq!(
            base_url("10.0.0.4:8080").unwrap().as_str(),
            "http://10.0.0.4:8080/"
        );
        assert!(base_url("http://u:p@10.0.0.4").is_err());
        assert!(base_url("rtsp://10.0.0.4").is_err());
        assert!(base_url("http://10.0.0.4/cgi-bin").is_err());
        assert_eq!(codec_name("H.265"), "H265");
    }
}
