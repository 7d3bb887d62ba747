//! The ONVIF site: devices added by address + user + password (password to
//! the keyring), their profiles grouped into cameras (one per video source,
//! main = largest profile, sub = smallest), and connections cached per device.
use std::collections::HashMap;
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
use crate::playback::Recording;
use crate::ptz::PtzControl;
use crate::secrets::keyring_store::camera_account;
use crate::secrets::SecretStore;
use crate::store::{OnvifCameraRow, OnvifDeviceRow, OnvifStream, Store};
use crate::vms::{CameraInfo, StreamInfo, StreamKind, VmsAdapter, VmsError};

pub const SITE_ID: &str = "onvif";

/// What the UI's dialog (or the CLI) sends to add a device.
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

/// A device of this process only: rows plus the password.
type AdhocDevice = (OnvifDeviceRow, Vec<OnvifCameraRow>, Option<String>);

pub(crate) struct Inner {
    store: Arc<Store>,
    secrets: SecretStore,
    pub(crate) rt: tokio::runtime::Handle,
    timeout: Duration,
    clients: tokio::sync::Mutex<HashMap<String, Arc<OnvifClient>>>,
    /// Devices of this process only (CLI): rows plus the password.
    adhoc: Mutex<HashMap<String, AdhocDevice>>,
    /// (device id, quirk) learnt from faults, e.g. no RelativeMove.
    quirks: Mutex<std::collections::HashSet<(String, &'static str)>>,
}

pub struct OnvifSite {
    inner: Arc<Inner>,
}

impl OnvifSite {
    /// Call inside a tokio runtime (its handle runs the ONVIF calls).
    pub fn new(store: Arc<Store>, secrets: SecretStore, timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                secrets,
                rt: tokio::runtime::Handle::current(),
                timeout,
                clients: Default::default(),
                adhoc: Default::default(),
                quirks: Default::default(),
            }),
        }
    }

    /// Probes the device and stores it with its cameras; the password goes
    /// to the keyring. Nothing is stored when any step fails.
    pub async fn add_device(
        &self,
        req: AddOnvifDevice,
    ) -> Result<(OnvifDeviceRow, Vec<OnvifCameraRow>), VmsError> {
        let (dev, cams, client, password) = self.inner.discover(&req).await?;
        let (dev, cams) = self.inner.store.insert_onvif_device(&dev, &cams)?;
        if let Some(pw) = password.filter(|p| !p.is_empty()) {
            if let Err(e) = self.inner.secrets.set(&camera_account(&dev.id), &pw) {
                let _ = self.inner.store.delete_onvif_device(&dev.id);
                return Err(e.into());
            }
        }
        self.inner
            .clients
            .lock()
            .await
            .insert(dev.id.clone(), client);
        Ok((dev, cams))
    }

    /// Probes the device and keeps it for this process only (never stored).
    pub async fn add_adhoc(
        &self,
        req: AddOnvifDevice,
    ) -> Result<(OnvifDeviceRow, Vec<OnvifCameraRow>), VmsError> {
        let (mut dev, mut cams, client, password) = self.inner.discover(&req).await?;
        {
            let mut adhoc = self.inner.adhoc.lock().unwrap_or_else(|p| p.into_inner());
            dev.id = format!("onvif-adhoc-{}", adhoc.len() + 1);
            for (k, c) in cams.iter_mut().enumerate() {
                c.id = format!("{}-{}", dev.id, k + 1);
                c.device_id = dev.id.clone();
            }
            adhoc.insert(dev.id.clone(), (dev.clone(), cams.clone(), password));
        }
        self.inner
            .clients
            .lock()
            .await
            .insert(dev.id.clone(), client);
        Ok((dev, cams))
    }

    /// Removes a camera; the device (row and keyring entry) goes with its last camera.
    pub async fn remove_camera(&self, camera_id: &str) -> Result<(), VmsError> {
        let cam = self.inner.camera(camera_id)?;
        if self.inner.store.delete_onvif_camera(camera_id)? {
            self.inner.store.delete_onvif_device(&cam.device_id)?;
            self.inner.secrets.delete(&camera_account(&cam.device_id))?;
            self.inner.clients.lock().await.remove(&cam.device_id);
            self.inner
                .quirks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|(d, _)| d != &cam.device_id);
        }
        Ok(())
    }

    /// [`Self::remove_camera`] from sync code.
    pub fn remove_camera_blocking(&self, camera_id: &str) -> Result<(), VmsError> {
        super::block_on(&self.inner.rt, self.remove_camera(camera_id))
    }

    /// Whether a camera id is one of this site's.
    pub fn owns(&self, camera_id: &str) -> bool {
        self.inner.camera(camera_id).is_ok()
    }

    /// The device's replay URI (RTSP, no credentials) for a camera's
    /// recording: what the RTSP replay reader opens.
    pub async fn replay_uri(&self, camera_id: &str) -> Result<String, VmsError> {
        let cam = self.inner.camera(camera_id)?;
        let rec = OnvifRecording::new(self.inner.clone(), cam);
        Ok(rec.replay_uri().await?)
    }

    /// A JPEG snapshot of a camera's main profile.
    pub async fn snapshot(&self, camera_id: &str) -> Result<Vec<u8>, VmsError> {
        let cam = self.inner.camera(camera_id)?;
        let c = self.inner.client(&cam.device_id).await?;
        Ok(self
            .inner
            .evict_on_failure(&cam.device_id, c.snapshot(&cam.main.profile).await)
            .await?)
    }

    fn info(cam: &OnvifCameraRow) -> CameraInfo {
        let s = |kind, st: &OnvifStream| StreamInfo {
            kind,
            width: st.width,
            height: st.height,
            codec: st.codec.clone(),
        };
        let mut streams = vec![s(StreamKind::Main, &cam.main)];
        if let Some(sub) = &cam.sub {
            streams.push(s(StreamKind::Sub, sub));
        }
        CameraInfo {
            id: cam.id.clone(),
            name: cam.name.clone(),
            site: cam.device_id.clone(),
            ptz: cam.ptz,
            streams,
        }
    }
}

impl Inner {
    /// Connects, probes, and turns the profiles into camera rows (ids unset).
    async fn discover(
        &self,
        req: &AddOnvifDevice,
    ) -> Result<
        (
            OnvifDeviceRow,
            Vec<OnvifCameraRow>,
            Arc<OnvifClient>,
            Option<String>,
        ),
        VmsError,
    > {
        let base = base_url(&req.address)?;
        let username = req
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        let creds = username.clone().map(|user| Credentials {
            user,
            password: req.password.clone().unwrap_or_default(),
        });
        let client = OnvifClient::connect(base.as_str(), creds, self.timeout).await?;
        let info = client.device_info().await?;
        let profiles = client.profiles().await?;
        if profiles.is_empty() {
            return Err(
                OnvifError::protocol("GetProfiles", "the device has no media profiles").into(),
            );
        }
        let name = req
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                let n = format!("{} {}", info.manufacturer, info.model);
                if n.trim().is_empty() {
                    base.host_str().unwrap_or("ONVIF camera").to_string()
                } else {
                    n.trim().to_string()
                }
            });
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
            cams.push(OnvifCameraRow {
                id: String::new(),
                device_id: String::new(),
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
        let dev = OnvifDeviceRow {
            id: String::new(),
            name,
            address: base.as_str().trim_end_matches('/').to_string(),
            username,
            manufacturer: info.manufacturer,
            model: info.model,
        };
        Ok((dev, cams, Arc::new(client), req.password.clone()))
    }

    pub(crate) fn quirk(&self, device_id: &str, quirk: &'static str) -> bool {
        self.quirks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&(device_id.to_string(), quirk))
    }

    pub(crate) fn set_quirk(&self, device_id: &str, quirk: &'static str) {
        self.quirks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((device_id.to_string(), quirk));
    }

    pub(crate) fn camera(&self, camera_id: &str) -> Result<OnvifCameraRow, VmsError> {
        if let Some(c) = self
            .adhoc
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .flat_map(|(_, cams, _)| cams)
            .find(|c| c.id == camera_id)
        {
            return Ok(c.clone());
        }
        if !camera_id.starts_with("onvif-") {
            return Err(VmsError::UnknownCamera(camera_id.to_string()));
        }
        self.store
            .onvif_camera(camera_id)?
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))
    }

    /// The device's address, user name and password.
    pub(crate) fn device(
        &self,
        device_id: &str,
    ) -> Result<(OnvifDeviceRow, Option<Credentials>), VmsError> {
        if let Some((d, _, pw)) = self
            .adhoc
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(device_id)
        {
            let creds = d.username.clone().map(|user| Credentials {
                user,
                password: pw.clone().unwrap_or_default(),
            });
            return Ok((d.clone(), creds));
        }
        let d = self
            .store
            .onvif_device(device_id)?
            .ok_or_else(|| VmsError::UnknownCamera(device_id.to_string()))?;
        let creds = match &d.username {
            Some(user) => Some(Credentials {
                user: user.clone(),
                password: self
                    .secrets
                    .get(&camera_account(device_id))?
                    .unwrap_or_default(),
            }),
            None => None,
        };
        Ok((d, creds))
    }

    /// A connected client for the device (connecting measures the clock again).
    pub(crate) async fn client(&self, device_id: &str) -> Result<Arc<OnvifClient>, VmsError> {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(device_id) {
            return Ok(c.clone());
        }
        let (d, creds) = self.device(device_id)?;
        let c = Arc::new(OnvifClient::connect(&d.address, creds, self.timeout).await?);
        clients.insert(device_id.to_string(), c.clone());
        Ok(c)
    }

    /// Drops a cached connection after a network or auth failure, so the
    /// next call reconnects (and re-reads the device clock).
    pub(crate) async fn evict_on_failure<T>(
        &self,
        device_id: &str,
        r: Result<T, OnvifError>,
    ) -> Result<T, OnvifError> {
        if matches!(
            r,
            Err(OnvifError::Unreachable { .. } | OnvifError::AuthFailed { .. })
        ) {
            self.clients.lock().await.remove(device_id);
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

impl VmsAdapter for OnvifSite {
    fn site_id(&self) -> &str {
        SITE_ID
    }

    fn cameras(&self) -> Result<Vec<CameraInfo>, VmsError> {
        let mut out: Vec<CameraInfo> = self
            .inner
            .store
            .onvif_cameras()?
            .iter()
            .map(Self::info)
            .collect();
        let adhoc = self.inner.adhoc.lock().unwrap_or_else(|p| p.into_inner());
        let mut extra: Vec<_> = adhoc
            .values()
            .flat_map(|(_, cams, _)| cams.iter().map(Self::info))
            .collect();
        extra.sort_by(|a, b| a.id.cmp(&b.id));
        out.extend(extra);
        Ok(out)
    }

    fn has_camera(&self, camera_id: &str) -> bool {
        self.owns(camera_id)
    }

    fn live_source(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn crate::media::source::SourceOpener>, VmsError> {
        let cam = self.inner.camera(camera_id)?;
        if stream == StreamKind::Sub && cam.sub.is_none() {
            return Err(VmsError::NoSuchStream {
                camera: camera_id.to_string(),
                stream: "sub",
            });
        }
        Ok(Arc::new(OnvifLive::new(self.inner.clone(), cam, stream)))
    }

    fn recording(
        &self,
        camera_id: &str,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let cam = self.inner.camera(camera_id)?;
        Ok(Arc::new(OnvifRecording::new(self.inner.clone(), cam)))
    }

    fn ptz(&self, camera_id: &str) -> Result<Arc<dyn PtzControl>, VmsError> {
        let cam = self.inner.camera(camera_id)?;
        if !cam.ptz {
            return Err(VmsError::Unsupported {
                site: cam.device_id,
                capability: "PTZ (the camera has no PTZ configuration)",
            });
        }
        Ok(Arc::new(OnvifPtz::new(self.inner.clone(), cam)))
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
}
