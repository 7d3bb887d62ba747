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

pub(crate) const SITE_TZ_KEY: &str = "site_time_zone";
use crate::secrets::SecretStore;
use crate::store::{Layout, NamedLayout, Store};
use crate::vms::kinds::{SiteConfig, SiteContext};
use crate::vms::recorded::RecordedSite;
use crate::vms::registry::Registry;
use crate::vms::site::{SiteHealth, SiteInfo, SiteRequest, SiteSecret, SiteState};
use crate::vms::CameraInfo;

/// How often every site's camera listing is asked again.
const RELIST_EVERY: std::time::Duration = std::time::Duration::from_secs(120);

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
    /// The engine's time: footage scheduling and leases, reconnect backoff,
    /// PTZ deadlines (a simulated clock in tests).
    pub clock: crate::clock::SharedClock,
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
            clock: crate::clock::system(),
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
    pub(crate) store: Arc<Store>,
    pub(crate) secrets: SecretStore,
    pub(crate) registry: Arc<Registry>,
    ingests: Arc<IngestManager>,
    playback: Arc<PlaybackService>,
    recorded: Arc<RecordedSite>,
    hub: Hub,
    pub(crate) ptz: crate::ptz::safety::PtzSafety,
    cases: Arc<crate::cases::CaseService>,
    /// Case media over loopback HTTP, started on first use.
    media_server: tokio::sync::OnceCell<crate::cases::media_server::MediaServer>,
    /// Numbers this process's ad-hoc sites (`adhoc-N`, `onvif-adhoc-N`).
    pub(crate) adhoc_seq: std::sync::atomic::AtomicUsize,
    _refresher: tokio::task::JoinHandle<()>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        self._refresher.abort();
    }
}

impl Engine {
    /// Opens the store, moves keyring entries a migration asked for, opens
    /// every stored site and the built-in ones, and starts the hub. Call
    /// inside a tokio runtime.
    pub async fn start(cfg: EngineConfig) -> Result<Self, EngineError> {
        crate::media::init();
        let store = Arc::new(match &cfg.database {
            Some(path) => Store::open(path)?,
            None => Store::open_in_memory()?,
        });
        let secrets = SecretStore::new(cfg.keyring_service.clone());
        move_keyring_entries(&store, &secrets);
        let ctx = SiteContext {
            store: store.clone(),
            secrets: secrets.clone(),
            rt: tokio::runtime::Handle::current(),
            request_timeout: cfg.onvif_timeout,
            demo_cameras: cfg.demo_cameras,
        };
        let registry = Arc::new(Registry::new(ctx));
        let default_zone = store
            .setting(SITE_TZ_KEY)?
            .unwrap_or_else(crate::playback::day::system_time_zone);
        // the built-in demo site
        let demo = builtin("demo", "demo", "Demo site", &default_zone);
        registry.insert(demo, Vec::new(), false, SiteHealth::connecting())?;
        registry.refresh("demo").await?;
        // stored sites serve their cached cameras at once; listings refresh
        // in the background
        for info in store.sites()? {
            let id = info.id.clone();
            let cams = store.site_cameras(Some(&id))?;
            let cfg = SiteConfig {
                info,
                secret: SiteSecret::Keyring,
            };
            if let Err(e) = registry.insert(cfg, cams, true, SiteHealth::connecting()) {
                tracing::warn!("site {id} not opened: {e}");
            }
        }
        // recordings named on the CLI
        let recorded = Arc::new(RecordedSite::default());
        registry.insert_adapter(
            builtin(
                crate::vms::recorded::SITE_ID,
                "recorded",
                "Recordings",
                &default_zone,
            )
            .info,
            recorded.clone(),
            Vec::new(),
            false,
            SiteHealth {
                state: SiteState::Online,
                message: None,
                last_seen_ms: None,
                checked_ms: None,
            },
        );
        let refresher = registry.spawn_refresher(RELIST_EVERY);
        let ingests = Arc::new(IngestManager::with_clock(
            registry.clone(),
            cfg.policy.clone(),
            cfg.clock.clone(),
        ));
        let cases = Arc::new(crate::cases::CaseService::new(
            store.clone(),
            registry.clone(),
            crate::footage::WorkerConfig::default().with_clock(cfg.clock.clone()),
        ));
        let playback = Arc::new(PlaybackService::new(registry.clone()));
        let hub = crate::hub::start(ingests.clone(), playback.clone(), cfg.hub.clone())
            .await
            .map_err(|e| EngineError::Hub(format!("cannot listen on 127.0.0.1: {e}")))?;
        Ok(Self {
            store,
            secrets,
            registry,
            ingests,
            playback,
            recorded,
            hub,
            ptz: crate::ptz::safety::PtzSafety::with_clock(cfg.ptz_deadline, cfg.clock.clone()),
            cases,
            media_server: Default::default(),
            adhoc_seq: Default::default(),
            _refresher: refresher,
        })
    }

    /// The loopback HTTP server of case media (for webviews that cannot
    /// play video from the app's scheme), started on the first call.
    pub async fn media_server(
        &self,
    ) -> Result<crate::cases::media_server::MediaServerInfo, EngineError> {
        let cases = self.cases.clone();
        let server = self
            .media_server
            .get_or_try_init(|| {
                crate::cases::media_server::start(Arc::new(move |path, range| {
                    crate::cases::media_http::serve(&cases, path, range)
                }))
            })
            .await
            .map_err(|e| {
                EngineError::Hub(format!("media server: cannot listen on 127.0.0.1: {e}"))
            })?;
        Ok(server.info.clone())
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

    /// Every camera of every site (cached listings; a site that is down
    /// keeps its cameras listed).
    pub fn cameras(&self) -> Result<Vec<CameraInfo>, EngineError> {
        Ok(self.registry.cameras())
    }

    /// Adds and stores an RTSP camera (a site of kind `rtsp`); the password
    /// goes to the OS keyring.
    pub async fn add_rtsp_camera(&self, req: AddRtspCamera) -> Result<CameraInfo, EngineError> {
        let p = self.add_site(rtsp_request(req)?).await?;
        first_camera(p.cameras)
    }

    /// Registers an RTSP URL for this process only (the CLI's `--source`).
    pub async fn add_adhoc_rtsp(
        &self,
        url: &str,
        username: Option<String>,
        password: Option<String>,
        transport: Transport,
    ) -> Result<CameraInfo, EngineError> {
        self.add_adhoc_rtsp_with_sub(url, None, username, password, transport)
            .await
    }

    /// Like [`Self::add_adhoc_rtsp`], with a sub stream URL.
    pub async fn add_adhoc_rtsp_with_sub(
        &self,
        url: &str,
        sub_url: Option<&str>,
        username: Option<String>,
        password: Option<String>,
        transport: Transport,
    ) -> Result<CameraInfo, EngineError> {
        let req = rtsp_request(AddRtspCamera {
            name: "RTSP camera".into(),
            main_url: url.to_string(),
            sub_url: sub_url.map(str::to_string),
            username,
            password,
            transport,
        })?;
        let p = self.add_transient_site("adhoc", req).await?;
        first_camera(p.cameras)
    }

    pub fn camera(&self, id: &str) -> Result<CameraInfo, EngineError> {
        Ok(self.registry.camera(id)?)
    }

    /// Removes a camera: the site goes with it when it is the site's only
    /// camera (an RTSP camera, a one-channel device).
    pub async fn remove_camera(&self, id: &str) -> Result<(), EngineError> {
        let r = self.registry.resolve(id)?;
        let n = self.registry.site_cameras(&r.site.id)?.len();
        if n > 1 {
            return Err(EngineError::InvalidInput(format!(
                "camera {id} is one of {n} cameras of site {} ({}): remove the site",
                r.site.id, r.site.name
            )));
        }
        self.remove_site(&r.site.id).await
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
        let vms_ref = self.recorded.add(name, recording);
        self.registry
            .set_cameras(crate::vms::recorded::SITE_ID, &self.recorded.records())?;
        self.camera(&crate::vms::site::camera_id(
            crate::vms::recorded::SITE_ID,
            &vms_ref,
        ))
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

    /// The IANA time zone of a camera's site.
    pub fn camera_time_zone(&self, camera: &str) -> Result<String, EngineError> {
        Ok(self.registry.time_zone_of(camera)?)
    }

    /// The UTC bounds of a day in a camera's site's time zone.
    pub fn playback_day_of(&self, camera: &str, date: &str) -> Result<DayBounds, EngineError> {
        Ok(crate::playback::day::day_bounds(
            date,
            &self.camera_time_zone(camera)?,
        )?)
    }

    /// [`Self::recordings`] off the caller's thread (the UI's command).
    pub async fn recordings_async(
        &self,
        camera: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Span>, EngineError> {
        self.playback
            .spans_async(camera, from_ms, to_ms)
            .await
            .map_err(|e| match e {
                OpenError::Vms(v) => v.into(),
                OpenError::Playback(p) => p.into(),
            })
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

/// A built-in site's configuration (never stored).
fn builtin(id: &str, kind: &str, name: &str, zone: &str) -> SiteConfig {
    SiteConfig {
        info: SiteInfo {
            id: id.into(),
            kind: kind.into(),
            name: name.into(),
            address: String::new(),
            time_zone: zone.into(),
            user: None,
            tls_pin: None,
            options: Default::default(),
            created_ms: 0,
        },
        secret: SiteSecret::Memory(None),
    }
}

/// Moves keyring entries a schema migration renamed (`camera/<old id>` to
/// `site/<id>`). A keyring that cannot be reached now is tried at the next start.
fn move_keyring_entries(store: &Store, secrets: &SecretStore) {
    let moves = match store.keyring_moves() {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!("keyring moves: {e}");
            return;
        }
    };
    for (old, new) in moves {
        let moved = secrets.get(&old).and_then(|pw| match pw {
            Some(pw) => {
                secrets.set(&new, &pw)?;
                secrets.delete(&old)
            }
            None => Ok(()),
        });
        match moved {
            Ok(()) => {
                if let Err(e) = store.keyring_move_done(&old) {
                    tracing::warn!("keyring move {old}: {e}");
                }
            }
            Err(e) => tracing::warn!("keyring entry {old} not moved yet: {e}"),
        }
    }
}

/// The site request of an RTSP camera from the old dialog's fields.
fn rtsp_request(req: AddRtspCamera) -> Result<SiteRequest, EngineError> {
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
    let mut options = std::collections::BTreeMap::new();
    if let Some(s) = sub_url {
        options.insert("sub_url".to_string(), s);
    }
    options.insert("transport".to_string(), req.transport.as_str().to_string());
    Ok(SiteRequest {
        kind: "rtsp".into(),
        name: Some(req.name),
        address: main_url,
        user: req.username.filter(|u| !u.is_empty()).or(url_user),
        password: req.password.filter(|p| !p.is_empty()).or(url_pass),
        tls_pin: None,
        time_zone: None,
        options,
    })
}

fn first_camera(cams: Vec<CameraInfo>) -> Result<CameraInfo, EngineError> {
    cams.into_iter()
        .next()
        .ok_or_else(|| EngineError::InvalidInput("the site listed no camera".into()))
}

/// Validates a stream URL; returns it without credentials, and the ones it had.
fn checked_url(raw: &str) -> Result<(String, Option<String>, Option<String>), EngineError> {
    let raw = raw.trim();
    let (bare, user, pass) = crate::secrets::redact::split_credentials(raw).map_err(|e| {
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
