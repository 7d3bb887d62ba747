//! The sites the engine serves: each site's adapter, its cached camera
//! listing and its health. The camera list is served from the cache, so a
//! site that is down or refuses the login shows its state and never hides
//! other sites' cameras; listings are refreshed in the background.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::kinds::{SiteConfig, SiteContext};
use super::site::{CameraRecord, SiteCamera, SiteHealth, SiteInfo, SiteState, SiteStatus};
use super::{CameraInfo, StreamKind, VmsAdapter, VmsError};
use crate::error::{ErrorKind, HasKind};
use crate::media::source::SourceOpener;
use crate::playback::Recording;

/// Assumed sizes until a stream has been seen: a typical main and sub stream.
const ASSUMED: [(StreamKind, (u32, u32)); 2] = [
    (StreamKind::Main, (1920, 1080)),
    (StreamKind::Sub, (640, 360)),
];

/// How long one listing may take before the site counts as unreachable.
pub const LIST_TIMEOUT: Duration = Duration::from_secs(30);

struct Site {
    info: SiteInfo,
    adapter: Arc<dyn VmsAdapter>,
    cameras: Vec<SiteCamera>,
    health: SiteHealth,
    /// Stored in the database (else this process only).
    stored: bool,
}

/// One site's adapter and a camera of it.
pub struct Resolved {
    pub adapter: Arc<dyn VmsAdapter>,
    pub camera: SiteCamera,
    pub site: SiteInfo,
}

pub struct Registry {
    ctx: SiteContext,
    sites: RwLock<Vec<Site>>,
    observed: Mutex<HashMap<(String, StreamKind), (u32, u32)>>,
}

/// A site's camera listing, or unreachable after [`LIST_TIMEOUT`] (probe,
/// add, edit and the background refresh all list through this).
pub async fn list_bounded(adapter: &dyn VmsAdapter) -> Result<Vec<CameraRecord>, VmsError> {
    match tokio::time::timeout(LIST_TIMEOUT, adapter.list_cameras()).await {
        Ok(r) => r,
        Err(_) => Err(VmsError::Remote(super::remote_error::RemoteError::new(
            ErrorKind::Unreachable,
            &adapter.site_label(),
            "list cameras",
            format!("no answer in {} s", LIST_TIMEOUT.as_secs()),
        ))),
    }
}

/// The health a failed listing means.
pub fn health_of(e: &VmsError, last_seen_ms: Option<i64>, now_ms: i64) -> SiteHealth {
    let state = match e.kind() {
        ErrorKind::AuthFailed => SiteState::AuthFailed,
        ErrorKind::Unreachable => SiteState::Unreachable,
        ErrorKind::Untrusted => SiteState::Untrusted,
        _ => SiteState::Error,
    };
    SiteHealth {
        state,
        message: Some(e.to_ui().message),
        last_seen_ms,
        checked_ms: Some(now_ms),
    }
}

impl Registry {
    pub fn new(ctx: SiteContext) -> Self {
        Self {
            ctx,
            sites: RwLock::new(Vec::new()),
            observed: Mutex::new(HashMap::new()),
        }
    }

    /// A registry serving only the demo site (benchmarks, tests).
    pub async fn demo_only(cameras: usize) -> Result<Arc<Self>, VmsError> {
        let ctx = SiteContext {
            store: Arc::new(crate::store::Store::open_in_memory()?),
            secrets: crate::secrets::SecretStore::new("vigil"),
            rt: tokio::runtime::Handle::current(),
            request_timeout: Duration::from_secs(8),
            demo_cameras: cameras,
        };
        let r = Arc::new(Self::new(ctx));
        let info = SiteInfo {
            id: "demo".into(),
            kind: "demo".into(),
            name: "Demo site".into(),
            address: String::new(),
            time_zone: "UTC".into(),
            user: None,
            tls_pin: None,
            options: Default::default(),
            created_ms: 0,
        };
        r.insert(
            SiteConfig {
                info,
                secret: super::site::SiteSecret::Memory(None),
            },
            Vec::new(),
            false,
            SiteHealth::connecting(),
        )?;
        r.refresh("demo").await?;
        Ok(r)
    }

    pub fn context(&self) -> &SiteContext {
        &self.ctx
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Site>> {
        self.sites.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Site>> {
        self.sites.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a site's adapter and serves `cameras` (the cached listing)
    /// until the next refresh. Replaces a site with the same id.
    pub fn insert(
        &self,
        cfg: SiteConfig,
        cameras: Vec<SiteCamera>,
        stored: bool,
        health: SiteHealth,
    ) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        let adapter = super::kinds::kind(&cfg.info.kind)?.open(&self.ctx, cfg.clone())?;
        self.insert_adapter(cfg.info, adapter.clone(), cameras, stored, health);
        Ok(adapter)
    }

    /// Serves an adapter built by the caller (transient sites).
    pub fn insert_adapter(
        &self,
        info: SiteInfo,
        adapter: Arc<dyn VmsAdapter>,
        cameras: Vec<SiteCamera>,
        stored: bool,
        health: SiteHealth,
    ) {
        let site = Site {
            info,
            adapter,
            cameras,
            health,
            stored,
        };
        let mut sites = self.write();
        match sites.iter_mut().find(|s| s.info.id == site.info.id) {
            Some(s) => *s = site,
            None => sites.push(site),
        }
    }

    /// Stops serving a site; returns its adapter (to close) if it was there.
    pub fn remove(&self, site_id: &str) -> Option<Arc<dyn VmsAdapter>> {
        let mut sites = self.write();
        let i = sites.iter().position(|s| s.info.id == site_id)?;
        Some(sites.remove(i).adapter)
    }

    /// Replaces a site's cached listing (and stores it when the site is stored).
    pub fn set_cameras(
        &self,
        site_id: &str,
        records: &[CameraRecord],
    ) -> Result<Vec<SiteCamera>, VmsError> {
        let stored = self
            .read()
            .iter()
            .find(|s| s.info.id == site_id)
            .map(|s| s.stored)
            .ok_or_else(|| VmsError::UnknownSite(site_id.to_string()))?;
        let cams = if stored {
            self.ctx.store.save_site_cameras(site_id, records)?
        } else {
            records
                .iter()
                .map(|r| SiteCamera {
                    id: super::site::camera_id(site_id, &r.vms_ref),
                    site_id: site_id.to_string(),
                    record: r.clone(),
                })
                .collect()
        };
        if let Some(s) = self.write().iter_mut().find(|s| s.info.id == site_id) {
            s.cameras = cams.clone();
        }
        Ok(cams)
    }

    /// Asks one site's VMS for its cameras again; updates the cache and the
    /// site's health. A failure keeps the cached cameras.
    pub async fn refresh(&self, site_id: &str) -> Result<SiteStatus, VmsError> {
        let adapter = self
            .read()
            .iter()
            .find(|s| s.info.id == site_id)
            .map(|s| s.adapter.clone())
            .ok_or_else(|| VmsError::UnknownSite(site_id.to_string()))?;
        let listed = list_bounded(adapter.as_ref()).await;
        let now = crate::media::source::now_ms();
        match listed {
            Ok(records) => {
                self.set_cameras(site_id, &records)?;
                self.set_health(
                    site_id,
                    SiteHealth {
                        state: SiteState::Online,
                        message: None,
                        last_seen_ms: Some(now),
                        checked_ms: Some(now),
                    },
                );
            }
            Err(e) => {
                tracing::warn!("site {site_id}: listing failed: {}", e.to_ui().message);
                let last = self.status(site_id)?.health.last_seen_ms;
                self.set_health(site_id, health_of(&e, last, now));
            }
        }
        self.status(site_id)
    }

    /// Refreshes every site at once (each bounded by [`LIST_TIMEOUT`]).
    pub async fn refresh_all(&self) {
        let ids: Vec<String> = self.read().iter().map(|s| s.info.id.clone()).collect();
        futures_util::future::join_all(ids.iter().map(|id| self.refresh(id))).await;
    }

    /// Refreshes every site now and then every `every`, until the registry
    /// is dropped.
    pub fn spawn_refresher(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        self.ctx.rt.spawn(async move {
            loop {
                match weak.upgrade() {
                    Some(r) => r.refresh_all().await,
                    None => return,
                }
                tokio::time::sleep(every).await;
            }
        })
    }

    fn set_health(&self, site_id: &str, health: SiteHealth) {
        if let Some(s) = self.write().iter_mut().find(|s| s.info.id == site_id) {
            s.health = health;
        }
    }

    pub fn status(&self, site_id: &str) -> Result<SiteStatus, VmsError> {
        self.read()
            .iter()
            .find(|s| s.info.id == site_id)
            .map(|s| SiteStatus {
                site: s.info.clone(),
                health: s.health.clone(),
                camera_count: s.cameras.len(),
            })
            .ok_or_else(|| VmsError::UnknownSite(site_id.to_string()))
    }

    /// Every site with its health, in the order they were added.
    pub fn statuses(&self) -> Vec<SiteStatus> {
        self.read()
            .iter()
            .map(|s| SiteStatus {
                site: s.info.clone(),
                health: s.health.clone(),
                camera_count: s.cameras.len(),
            })
            .collect()
    }

    pub fn site(&self, site_id: &str) -> Result<SiteInfo, VmsError> {
        self.read()
            .iter()
            .find(|s| s.info.id == site_id)
            .map(|s| s.info.clone())
            .ok_or_else(|| VmsError::UnknownSite(site_id.to_string()))
    }

    pub fn is_stored(&self, site_id: &str) -> bool {
        self.read().iter().any(|s| s.info.id == site_id && s.stored)
    }

    fn info(
        &self,
        site: &Site,
        cam: &SiteCamera,
        observed: &HashMap<(String, StreamKind), (u32, u32)>,
    ) -> CameraInfo {
        let mut streams = cam.record.streams.clone();
        for s in &mut streams {
            if let Some(&(w, h)) = observed.get(&(cam.id.clone(), s.kind)) {
                (s.width, s.height) = (w, h);
            } else if s.width == 0 || s.height == 0 {
                let (_, (w, h)) = ASSUMED
                    .iter()
                    .find(|(k, _)| *k == s.kind)
                    .expect("both kinds listed");
                (s.width, s.height) = (*w, *h);
            }
        }
        CameraInfo {
            id: cam.id.clone(),
            name: cam.record.name.clone(),
            site: site.info.id.clone(),
            site_name: site.info.name.clone(),
            ptz: cam.record.ptz,
            streams,
            capabilities: cam.record.capabilities.clone(),
        }
    }

    /// Every camera of every site (cached listings), with known or assumed
    /// stream sizes. Never fails for a site that is down.
    pub fn cameras(&self) -> Vec<CameraInfo> {
        let observed = self
            .observed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.read()
            .iter()
            .flat_map(|s| {
                s.cameras
                    .iter()
                    .map(|c| self.info(s, c, &observed))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The cameras of one site.
    pub fn site_cameras(&self, site_id: &str) -> Result<Vec<CameraInfo>, VmsError> {
        let observed = self
            .observed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.read()
            .iter()
            .find(|s| s.info.id == site_id)
            .map(|s| {
                s.cameras
                    .iter()
                    .map(|c| self.info(s, c, &observed))
                    .collect()
            })
            .ok_or_else(|| VmsError::UnknownSite(site_id.to_string()))
    }

    pub fn camera(&self, camera_id: &str) -> Result<CameraInfo, VmsError> {
        self.cameras()
            .into_iter()
            .find(|c| c.id == camera_id)
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))
    }

    /// A camera, its site and the site's adapter.
    pub fn resolve(&self, camera_id: &str) -> Result<Resolved, VmsError> {
        self.read()
            .iter()
            .find_map(|s| {
                s.cameras
                    .iter()
                    .find(|c| c.id == camera_id)
                    .map(|c| Resolved {
                        adapter: s.adapter.clone(),
                        camera: c.clone(),
                        site: s.info.clone(),
                    })
            })
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))
    }

    /// The IANA time zone of a camera's site.
    pub fn time_zone_of(&self, camera_id: &str) -> Result<String, VmsError> {
        Ok(self.resolve(camera_id)?.site.time_zone)
    }

    pub fn live_source(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let r = self.resolve(camera_id)?;
        r.adapter.live_source(&r.camera, stream)
    }

    /// A camera's recordings (spans and readers) for one stream.
    pub fn recording(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let r = self.resolve(camera_id)?;
        r.adapter.recording(&r.camera, stream)
    }

    /// The PTZ control of a camera (typed `Unsupported` when it has none).
    pub fn ptz(&self, camera_id: &str) -> Result<Arc<dyn crate::ptz::PtzControl>, VmsError> {
        let r = self.resolve(camera_id)?;
        r.adapter.ptz(&r.camera)
    }

    /// The VMS's own clip export of a camera (typed `Unsupported` without one).
    pub fn clip_exporter(
        &self,
        camera_id: &str,
    ) -> Result<Arc<dyn super::export::ClipExporter>, VmsError> {
        let r = self.resolve(camera_id)?;
        r.adapter.clip_exporter(&r.camera)
    }

    /// A JPEG of a camera now or at a past time.
    pub async fn snapshot(&self, camera_id: &str, at_ms: Option<i64>) -> Result<Vec<u8>, VmsError> {
        let r = self.resolve(camera_id)?;
        r.adapter.snapshot(&r.camera, at_ms).await
    }

    /// Records the size a stream really has (from its first decoded frame).
    pub fn observe(&self, camera_id: &str, stream: StreamKind, width: u32, height: u32) {
        self.observed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((camera_id.to_string(), stream), (width, height));
    }
}
