//! The ONVIF site kind: a site is one device (address + user + password in
//! the keyring); its profiles are grouped into cameras (one per video
//! source, main = largest profile, sub = smallest); one connection per site,
//! cached and dropped after a network or auth failure.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;

use super::client::{base_url, OnvifClient};
use super::control::OnvifPtz;
use super::error::OnvifError;
use super::live::OnvifLive;
use super::media::Profile;
use super::recording::OnvifRecording;
use super::soap::Credentials;
use super::stored::{OnvifCamera, OnvifCameraRow, OnvifStream};
use crate::playback::Recording;
use crate::ptz::PtzControl;
use crate::secrets::SecretStore;
use crate::vms::kinds::{FieldInput, FieldSpec, KindSpec, SiteConfig, SiteContext, SiteKind};
use crate::vms::site::{CameraRecord, SiteCamera, SiteInfo};
use crate::vms::{StreamKind, VmsAdapter, VmsError};

/// What the UI's old ONVIF dialog (and the CLI) send to add a device.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddOnvifDevice {
    /// Optional; defaults to the device's manufacturer and model.
    #[serde(default)]
    pub name: Option<String>,
    /// `host:port` or `http://host:port`.
    pub address: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for AddOnvifDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddOnvifDevice")
            .field("address", &self.address)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

pub struct OnvifKind;

impl SiteKind for OnvifKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "onvif",
            label: "ONVIF camera or recorder",
            description: "Profile S live and PTZ, Profile G recordings, by the device's address.",
            addable: true,
            fields: vec![
                FieldSpec::name(),
                FieldSpec::new("address", "Address", FieldInput::Url)
                    .required()
                    .placeholder("10.0.0.30:80 or http://10.0.0.30"),
                FieldSpec::user(),
                FieldSpec::password(),
                FieldSpec::tls_pin(),
                FieldSpec::time_zone(),
                FieldSpec::new("allowed_hosts", "Other stream hosts", FieldInput::Text)
                    .placeholder("10.0.0.31, nvr.example")
                    .help("hosts besides the device's own that its stream and snapshot URIs may name; the device password goes to them too"),
                FieldSpec::transport(),
            ],
        }
    }

    fn prepare(&self, site: &mut SiteInfo) -> Result<(), VmsError> {
        let base = base_url(&site.address)?;
        site.address = base.as_str().trim_end_matches('/').to_string();
        if let Some(raw) = site.option("allowed_hosts").map(str::to_string) {
            let hosts = parse_allowed_hosts(&raw)?;
            site.options
                .insert("allowed_hosts".into(), hosts.join(", "));
        }
        site.check_transport()
    }

    fn open(&self, ctx: &SiteContext, cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(OnvifSite {
            inner: Arc::new(Inner {
                cfg,
                secrets: ctx.secrets.clone(),
                rt: ctx.rt.clone(),
                timeout: ctx.request_timeout,
                client: Default::default(),
                quirks: Default::default(),
                name_hint: Default::default(),
            }),
        }))
    }
}

/// The `allowed_hosts` option: comma-separated host names or IP addresses
/// (IPv6 with or without brackets), lower-cased; no scheme, port, path,
/// user info or wildcard, since each host listed receives the device's
/// credentials.
pub fn parse_allowed_hosts(raw: &str) -> Result<Vec<String>, VmsError> {
    let mut out: Vec<String> = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let bad = |why: &str| {
            VmsError::InvalidConfig(format!(
                "other stream hosts: {:?} {why}",
                item.chars().take(80).collect::<String>()
            ))
        };
        if item.contains(['/', '@', '*', '?', '#', ' ']) {
            return Err(bad(
                "is not a host name or address (no scheme, path, user or wildcard)",
            ));
        }
        let bare = item.trim_start_matches('[').trim_end_matches(']');
        let host = if bare.contains(':') {
            bare.parse::<std::net::Ipv6Addr>()
                .map(|a| a.to_string())
                .map_err(|_| {
                    bad("is not a host (a port is not needed: any port of the host is allowed)")
                })?
        } else {
            match url::Host::parse(bare) {
                Ok(url::Host::Domain(d)) => d,
                Ok(h) => h.to_string(),
                Err(e) => return Err(bad(&format!("is not a host ({e})"))),
            }
        };
        if !out.contains(&host) {
            out.push(host);
        }
    }
    Ok(out)
}

/// The hosts a site's device may name in its media URIs besides its own.
pub(crate) fn allowed_hosts(info: &SiteInfo) -> Vec<String> {
    info.option("allowed_hosts")
        .and_then(|raw| parse_allowed_hosts(raw).ok())
        .unwrap_or_default()
}

/// The device's address as the live opener needs it.
pub(crate) struct DeviceAddress {
    pub address: String,
    pub allowed_hosts: Vec<String>,
}

pub(crate) struct Inner {
    cfg: SiteConfig,
    secrets: SecretStore,
    pub(crate) rt: tokio::runtime::Handle,
    timeout: Duration,
    client: tokio::sync::Mutex<Option<Arc<OnvifClient>>>,
    /// Quirks learnt from faults, e.g. no RelativeMove.
    quirks: Mutex<HashSet<&'static str>>,
    name_hint: Mutex<Option<String>>,
}

pub struct OnvifSite {
    inner: Arc<Inner>,
}

impl Inner {
    /// The site's RTSP transport for live streams.
    pub(crate) fn transport(&self) -> crate::media::rtsp_input::Transport {
        self.cfg.info.transport()
    }

    fn credentials(&self) -> Result<Option<Credentials>, VmsError> {
        Ok(match &self.cfg.info.user {
            Some(user) => Some(Credentials {
                user: user.clone(),
                password: self.cfg.password(&self.secrets)?.unwrap_or_default(),
            }),
            None => None,
        })
    }

    /// Connects, probes, and turns the profiles into cameras.
    async fn discover(&self) -> Result<Vec<OnvifCamera>, VmsError> {
        let client = self.client("").await?;
        let r = self.discover_with(&client).await;
        if let Err(VmsError::Onvif(e)) = &r {
            if matches!(
                e,
                OnvifError::Unreachable { .. } | OnvifError::AuthFailed { .. }
            ) {
                *self.client.lock().await = None;
            }
        }
        r
    }

    async fn discover_with(&self, client: &OnvifClient) -> Result<Vec<OnvifCamera>, VmsError> {
        let info = client.device_info().await?;
        let profiles = client.profiles().await?;
        if profiles.is_empty() {
            return Err(
                OnvifError::protocol("GetProfiles", "the device has no media profiles").into(),
            );
        }
        let name = if self.cfg.info.name.is_empty() {
            let n = format!("{} {}", info.manufacturer, info.model);
            if n.trim().is_empty() {
                base_url(&self.cfg.info.address)?
                    .host_str()
                    .unwrap_or("ONVIF camera")
                    .to_string()
            } else {
                n.trim().to_string()
            }
        } else {
            self.cfg.info.name.clone()
        };
        *self.name_hint.lock().unwrap_or_else(|p| p.into_inner()) = Some(name.clone());
        let groups = group_profiles(&profiles);
        let many = groups.len() > 1;
        let mut cams = Vec::new();
        for (k, (source, main, sub)) in groups.into_iter().enumerate() {
            let stream = |p: &Profile, uri: Option<String>| OnvifStream {
                profile: p.token.clone(),
                width: p.width,
                height: p.height,
                codec: p.encoding.clone(),
                uri,
            };
            let main_uri = client.stream_uri(&main.token).await?;
            let sub = match sub {
                Some(s) => Some(stream(s, client.stream_uri(&s.token).await.ok())),
                None => None,
            };
            cams.push(OnvifCamera {
                name: if many {
                    format!("{name} {}", k + 1)
                } else {
                    name.clone()
                },
                video_source: source,
                ptz: main.ptz && client.services.ptz.is_some(),
                main: stream(main, Some(main_uri)),
                sub,
            });
        }
        Ok(cams)
    }

    pub(crate) fn quirk(&self, _device_id: &str, quirk: &'static str) -> bool {
        self.quirks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(quirk)
    }

    pub(crate) fn set_quirk(&self, _device_id: &str, quirk: &'static str) {
        self.quirks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(quirk);
    }

    /// The device's address, user name and password.
    pub(crate) fn device(
        &self,
        _device_id: &str,
    ) -> Result<(DeviceAddress, Option<Credentials>), VmsError> {
        Ok((
            DeviceAddress {
                address: self.cfg.info.address.clone(),
                allowed_hosts: allowed_hosts(&self.cfg.info),
            },
            self.credentials()?,
        ))
    }

    /// A connected client for the device (connecting measures the clock again).
    pub(crate) async fn client(&self, _device_id: &str) -> Result<Arc<OnvifClient>, VmsError> {
        let mut client = self.client.lock().await;
        if let Some(c) = client.as_ref() {
            return Ok(c.clone());
        }
        let pin = match &self.cfg.info.tls_pin {
            Some(p) => Some(
                crate::net::pin::parse(p)
                    .map_err(|e| VmsError::InvalidConfig(format!("TLS pin: {e}")))?,
            ),
            None => None,
        };
        let c = Arc::new(
            OnvifClient::connect_pinned(
                &self.cfg.info.address,
                self.credentials()?,
                self.timeout,
                pin,
            )
            .await?
            .with_allowed_hosts(allowed_hosts(&self.cfg.info)),
        );
        *client = Some(c.clone());
        Ok(c)
    }

    /// Drops the cached connection after a network or auth failure, so the
    /// next call reconnects (and re-reads the device clock).
    pub(crate) async fn evict_on_failure<T>(
        &self,
        _device_id: &str,
        r: Result<T, OnvifError>,
    ) -> Result<T, OnvifError> {
        if matches!(
            r,
            Err(OnvifError::Unreachable { .. } | OnvifError::AuthFailed { .. })
        ) {
            *self.client.lock().await = None;
        }
        r
    }
}

/// Profiles grouped by video source, in first-seen order: (source, main, sub).
fn group_profiles(profiles: &[Profile]) -> Vec<(String, &Profile, Option<&Profile>)> {
    let mut order: Vec<&str> = Vec::new();
    for p in profiles {
        if !order.contains(&p.video_source.as_str()) {
            order.push(&p.video_source);
        }
    }
    order
        .into_iter()
        .map(|src| {
            let mut ps: Vec<&Profile> = profiles.iter().filter(|p| p.video_source == src).collect();
            // stable: equal sizes keep the device's order
            ps.sort_by_key(|p| std::cmp::Reverse(p.width as u64 * p.height as u64));
            let sub = (ps.len() > 1).then(|| ps[ps.len() - 1]);
            (src.to_string(), ps[0], sub)
        })
        .collect()
}

#[async_trait::async_trait]
impl VmsAdapter for OnvifSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        Ok(self
            .inner
            .discover()
            .await?
            .iter()
            .map(OnvifCamera::record)
            .collect())
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn crate::media::source::SourceOpener>, VmsError> {
        let cam = OnvifCameraRow::from_site_camera(camera)?;
        if stream == StreamKind::Sub && cam.sub.is_none() {
            return Err(VmsError::NoSuchStream {
                camera: camera.id.clone(),
                stream: "sub",
            });
        }
        Ok(Arc::new(OnvifLive::new(self.inner.clone(), cam, stream)))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let cam = OnvifCameraRow::from_site_camera(camera)?;
        Ok(Arc::new(OnvifRecording::new(self.inner.clone(), cam)))
    }

    fn ptz(&self, camera: &SiteCamera) -> Result<Arc<dyn PtzControl>, VmsError> {
        let cam = OnvifCameraRow::from_site_camera(camera)?;
        if !cam.ptz {
            return Err(VmsError::Unsupported {
                site: self.site_label(),
                capability: "PTZ (the camera has no PTZ configuration)",
            });
        }
        Ok(Arc::new(OnvifPtz::new(self.inner.clone(), cam)))
    }

    async fn snapshot(&self, camera: &SiteCamera, at_ms: Option<i64>) -> Result<Vec<u8>, VmsError> {
        if at_ms.is_some() {
            return Err(self.unsupported("snapshots of a past time"));
        }
        let cam = OnvifCameraRow::from_site_camera(camera)?;
        let c = self.inner.client("").await?;
        Ok(self
            .inner
            .evict_on_failure("", c.snapshot(&cam.main.profile).await)
            .await?)
    }

    /// The device's replay URI (RTSP, no credentials) for a camera's
    /// recording: what the RTSP replay reader opens.
    async fn replay_uri(&self, camera: &SiteCamera) -> Result<String, VmsError> {
        let cam = OnvifCameraRow::from_site_camera(camera)?;
        let rec = OnvifRecording::new(self.inner.clone(), cam);
        Ok(rec.replay_uri().await?)
    }

    fn name_hint(&self) -> Option<String> {
        self.inner
            .name_hint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn site_label(&self) -> String {
        let i = &self.inner.cfg.info;
        if i.name.is_empty() {
            format!("ONVIF device {}", i.address)
        } else {
            i.name.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(token: &str, src: &str, w: u32) -> Profile {
        Profile {
            token: token.into(),
            name: token.into(),
            video_source: src.into(),
            encoding: "H264".into(),
            width: w,
            height: w * 9 / 16,
            ptz: false,
        }
    }

    #[test]
    fn profiles_group_into_cameras_with_main_and_sub() {
        let ps = [
            p("a-sub", "A", 640),
            p("a-main", "A", 1920),
            p("a-mid", "A", 1280),
            p("b", "B", 1280),
        ];
        let g = group_profiles(&ps);
        assert_eq!(g.len(), 2);
        assert_eq!(
            (g[0].1.token.as_str(), g[0].2.map(|s| s.token.as_str())),
            ("a-main", Some("a-sub"))
        );
        assert_eq!((g[1].1.token.as_str(), g[1].2.is_none()), ("b", true));
    }

    #[test]
    fn allowed_hosts_are_hosts_only_normalised_and_deduplicated() {
        assert_eq!(
            parse_allowed_hosts(" 10.0.0.31, NVR.Example ,[fe80::1], fe80::1,10.0.0.31,").unwrap(),
            vec!["10.0.0.31", "nvr.example", "fe80::1"]
        );
        assert!(parse_allowed_hosts("").unwrap().is_empty());
        for bad in [
            "rtsp://10.0.0.31",
            "10.0.0.31/stream",
            "user@10.0.0.31",
            "*.example",
            "10.0.0.31:554",
            "bad host",
        ] {
            let e = parse_allowed_hosts(bad).unwrap_err().to_string();
            assert!(e.contains("other stream hosts"), "{bad}: {e}");
        }
    }
}
