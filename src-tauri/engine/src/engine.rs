//! The engine as the app and the CLI use it: store, secrets, sites, ingests
//! and the frame hub wired together, with the operations the UI calls.
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::EngineError;
use crate::hub::{Hub, HubInfo};
use crate::ingest::{IngestManager, Policy};
use crate::media::rtsp_input::Transport;
use crate::playback::day::DayBounds;
use crate::playback::service::{OpenError, PlaybackService};
use crate::playback::Span;

const SITE_TZ_KEY: &str = "site_time_zone";
use crate::secrets::keyring_store::camera_account;
use crate::secrets::redact::split_credentials;
use crate::secrets::SecretStore;
use crate::store::{Layout, NamedLayout, NewCamera, Store};
use crate::vms::demo::DemoSite;
use crate::vms::onvif::OnvifSite;
use crate::vms::recorded::RecordedSite;
use crate::vms::registry::Registry;
use crate::vms::rtsp::{adhoc_row, RtspSite};
use crate::vms::CameraInfo;

/// How to start the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The database file; `None` keeps everything in memory (headless runs).
    pub database: Option<PathBuf>,
    pub demo_cameras: usize,
    pub keyring_service: String,
    pub policy: Policy,
    /// How long a PTZ continuous move lasts without a keepalive.
    pub ptz_deadline: std::time::Duration,
    /// Per-request timeout of ONVIF calls.
    pub onvif_timeout: std::time::Duration,
    /// The frame hub's limits and allowed browser origins.
    pub hub: crate::hub::HubConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            database: crate::config::data_dir().map(|d| crate::config::database_path(&d)),
            demo_cameras: 4,
            keyring_service: "vigil".into(),
            policy: Policy::default(),
            ptz_deadline: crate::ptz::safety::MOVE_DEADLINE,
            onvif_timeout: std::time::Duration::from_secs(8),
            hub: crate::hub::HubConfig::default(),
        }
    }
}

/// An RTSP camera to add, as the UI's dialog sends it.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddRtspCamera {
    pub name: String,
    pub main_url: String,
    pub sub_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub transport: Transport,
}

impl std::fmt::Debug for AddRtspCamera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddRtspCamera")
            .field("name", &self.name)
            .field(
                "main_url",
                &crate::secrets::redact::redact_url(&self.main_url),
            )
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

pub struct Engine {
    store: Arc<Store>,
    secrets: SecretStore,
    rtsp: Arc<RtspSite>,
    ingests: Arc<IngestManager>,
    playback: Arc<PlaybackService>,
    recorded: Arc<RecordedSite>,
    hub: Hub,
    pub(crate) onvif: Arc<OnvifSite>,
    pub(crate) ptz: crate::ptz::safety::PtzSafety,
    cases: Arc<crate::cases::CaseService>,
}

impl Engine {
    /// Opens the store, registers the sites and starts the hub. Call inside
    /// a tokio runtime.
    pub async fn start(cfg: EngineConfig) -> Result<Self, EngineError> {
        crate::media::init();
        let store = Arc::new(match &cfg.database {
            Some(path) => Store::open(path)?,
            None => Store::open_in_memory()?,
        });
        let secrets = SecretStore::new(cfg.keyring_service.clone());
        let rtsp = Arc::new(RtspSite::new(store.clone(), secrets.clone()));
        let mut registry = Registry::default();
        registry.add(Arc::new(DemoSite::new(cfg.demo_cameras)));
        registry.add(rtsp.clone());
        let onvif = Arc::new(OnvifSite::new(
            store.clone(),
            secrets.clone(),
            cfg.onvif_timeout,
        ));
        registry.add(onvif.clone());
        let recorded = Arc::new(RecordedSite::default());
        registry.add(recorded.clone());
        let registry = Arc::new(registry);
        let ingests = Arc::new(IngestManager::new(registry.clone(), cfg.policy.clone()));
        let cases = Arc::new(crate::cases::CaseService::new(
            store.clone(),
            registry.clone(),
            Default::default(),
        ));
        let playback = Arc::new(PlaybackService::new(registry));
        let hub = crate::hub::start(ingests.clone(), playback.clone(), cfg.hub.clone())
            .await
            .map_err(|e| EngineError::Hub(format!("cannot listen on 127.0.0.1: {e}")))?;
        Ok(Self {
            store,
            secrets,
            rtsp,
            ingests,
            playback,
            recorded,
            hub,
            onvif,
            ptz: crate::ptz::safety::PtzSafety::new(cfg.ptz_deadline),
            cases,
        })
    }

    /// Cases, equipment, footage settings and the footage worker.
    pub fn cases(&self) -> &Arc<crate::cases::CaseService> {
        &self.cases
    }

    pub fn hub_info(&self) -> HubInfo {
        self.hub.info.clone()
    }

    pub fn ingests(&self) -> &Arc<IngestManager> {
        &self.ingests
    }

    pub fn cameras(&self) -> Result<Vec<CameraInfo>, EngineError> {
        Ok(self.ingests.registry().cameras()?)
    }

    /// Adds and stores an RTSP camera; the password goes to the OS keyring.
    pub fn add_rtsp_camera(&self, req: AddRtspCamera) -> Result<CameraInfo, EngineError> {
        let name = req.name.trim();
        if name.is_empty() {
            return Err(EngineError::InvalidInput("a camera needs a name".into()));
        }
        let (main_url, url_user, url_pass) = checked_url(&req.main_url)?;
        let sub_url = match req
            .sub_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => Some(checked_url(s)?.0),
            None => None,
        };
        let username = req.username.filter(|u| !u.is_empty()).or(url_user);
        let password = req.password.filter(|p| !p.is_empty()).or(url_pass);
        let row = self.store.insert_camera(&NewCamera {
            site_id: crate::vms::rtsp::SITE_ID.into(),
            site_kind: "rtsp".into(),
            time_zone: "UTC".into(),
            name: name.to_string(),
            main_url,
            sub_url,
            username,
            transport: req.transport,
        })?;
        if let Some(pw) = password {
            if let Err(e) = self.secrets.set(&camera_account(&row.id), &pw) {
                // nothing half-done: no camera without its password
                let _ = self.store.delete_camera(&row.id);
                return Err(e.into());
            }
        }
        self.camera(&row.id)
    }

    /// Registers an RTSP URL for this process only (the CLI's `--source`).
    pub fn add_adhoc_rtsp(
        &self,
        url: &str,
        username: Option<String>,
        password: Option<String>,
        transport: Transport,
    ) -> Result<CameraInfo, EngineError> {
        self.add_adhoc_rtsp_with_sub(url, None, username, password, transport)
    }

    /// Like [`Self::add_adhoc_rtsp`], with a sub stream URL.
    pub fn add_adhoc_rtsp_with_sub(
        &self,
        url: &str,
        sub_url: Option<&str>,
        username: Option<String>,
        password: Option<String>,
        transport: Transport,
    ) -> Result<CameraInfo, EngineError> {
        let (bare, url_user, url_pass) = checked_url(url)?;
        let sub = sub_url.map(checked_url).transpose()?.map(|(s, _, _)| s);
        let row = adhoc_row("RTSP camera", bare, sub, username.or(url_user), transport);
        let row = self.rtsp.add_adhoc(row, password.or(url_pass));
        self.camera(&row.id)
    }

    pub fn camera(&self, id: &str) -> Result<CameraInfo, EngineError> {
        Ok(self.ingests.registry().camera(id)?)
    }

    pub fn remove_camera(&self, id: &str) -> Result<(), EngineError> {
        if self.onvif.owns(id) {
            return Ok(self.onvif.remove_camera_blocking(id)?);
        }
        self.store.delete_camera(id)?;
        self.secrets.delete(&camera_account(id))?;
        Ok(())
    }

    /// The last layout, or the demo site's four cameras on first start.
    pub fn current_layout(&self) -> Result<Layout, EngineError> {
        if let Some(l) = self.store.current_layout()? {
            return Ok(l);
        }
        let mut tiles: Vec<Option<String>> = self
            .cameras()?
            .into_iter()
            .take(4)
            .map(|c| Some(c.id))
            .collect();
        tiles.resize(4, None);
        Ok(Layout { grid: 4, tiles })
    }

    pub fn save_current_layout(&self, layout: Layout) -> Result<(), EngineError> {
        let layout = layout.normalized().map_err(EngineError::InvalidInput)?;
        Ok(self.store.set_current_layout(&layout)?)
    }

    pub fn named_layouts(&self) -> Result<Vec<NamedLayout>, EngineError> {
        Ok(self.store.named_layouts()?)
    }

    pub fn save_named_layout(&self, name: &str, layout: Layout) -> Result<(), EngineError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(EngineError::InvalidInput(
                "a layout name is 1 to 100 characters".into(),
            ));
        }
        let layout = layout.normalized().map_err(EngineError::InvalidInput)?;
        Ok(self.store.save_named_layout(name, &layout)?)
    }

    pub fn delete_named_layout(&self, name: &str) -> Result<(), EngineError> {
        Ok(self.store.delete_named_layout(name)?)
    }

    /// Registers a recording for this process only (the CLI's `--source`).
    pub fn add_recording_source(
        &self,
        name: &str,
        recording: Arc<dyn crate::playback::Recording>,
    ) -> Result<CameraInfo, EngineError> {
        let id = self.recorded.add(name, recording);
        self.camera(&id)
    }

    pub fn playback(&self) -> &Arc<PlaybackService> {
        &self.playback
    }

    /// The site's IANA time zone: the stored setting, else the machine's.
    pub fn site_time_zone(&self) -> Result<String, EngineError> {
        Ok(self
            .store
            .setting(SITE_TZ_KEY)?
            .unwrap_or_else(crate::playback::day::system_time_zone))
    }

    pub fn set_site_time_zone(&self, tz: &str) -> Result<(), EngineError> {
        crate::playback::day::zone(tz)?;
        Ok(self.store.set_setting(SITE_TZ_KEY, tz)?)
    }

    /// The UTC bounds of a site-local day (23 or 25 hours on DST days).
    pub fn playback_day(&self, date: &str) -> Result<DayBounds, EngineError> {
        Ok(crate::playback::day::day_bounds(
            date,
            &self.site_time_zone()?,
        )?)
    }

    /// Recorded spans of a camera in `[from_ms, to_ms)`.
    pub fn recordings(
        &self,
        camera: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Span>, EngineError> {
        self.playback
            .spans(camera, from_ms, to_ms)
            .map_err(|e| match e {
                OpenError::Vms(v) => v.into(),
                OpenError::Playback(p) => p.into(),
            })
    }
}

/// Validates a stream URL; returns it without credentials, and the ones it had.
fn checked_url(raw: &str) -> Result<(String, Option<String>, Option<String>), EngineError> {
    let raw = raw.trim();
    let (bare, user, pass) = split_credentials(raw).map_err(|e| {
        EngineError::InvalidInput(format!(
            "not a URL ({e}): {}",
            crate::secrets::redact::redact_text(raw)
        ))
    })?;
    let scheme = bare.split(':').next().unwrap_or_default();
    if !["rtsp", "rtsps", "http", "https"].contains(&scheme) {
        return Err(EngineError::InvalidInput(format!(
            "unsupported URL scheme {scheme}: use rtsp://"
        )));
    }
    Ok((bare, user, pass))
}
