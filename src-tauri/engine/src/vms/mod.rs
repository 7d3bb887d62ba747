//! The VMS seam: every site kind (demo, RTSP, ONVIF, MediaMTX, folder, later
//! Milestone, Dahua, Hikvision, ...) is registered once in [`kinds`] and
//! opens a [`VmsAdapter`] per stored site. Adapters translate; they never
//! decode. A capability a VMS lacks is a typed [`VmsError::Unsupported`].
pub mod dahua;
pub mod demo;
pub mod dss;
pub mod export;
pub mod folder_kind;
pub mod hikcentral;
pub mod hikvision;
pub mod http_body;
pub mod kinds;
pub mod live_events;
pub mod mediamtx_kind;
pub mod milestone;
pub mod onvif;
pub mod recorded;
pub mod registry;
pub mod remote_error;
pub mod rtsp;
pub mod select;
pub mod server_layouts;
pub mod site;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, HasKind};
use crate::media::source::SourceOpener;
use crate::playback::Recording;

/// Which of a camera's streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Main,
    Sub,
}

impl StreamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Main => "main",
            StreamKind::Sub => "sub",
        }
    }
}

/// One stream of a camera. `width`/`height` are what the VMS says, or what
/// the engine has seen; a typical size is assumed until either is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StreamInfo {
    pub kind: StreamKind,
    pub width: u32,
    pub height: u32,
    pub codec: String,
}

/// Which PTZ moves a camera takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PtzCaps {
    pub continuous: bool,
    /// Short relative moves (or a continuous move and a stop where only that exists).
    pub step: bool,
    pub presets: bool,
    pub home: bool,
}

impl PtzCaps {
    pub const NONE: PtzCaps = PtzCaps {
        continuous: false,
        step: false,
        presets: false,
        home: false,
    };
    pub const ALL: PtzCaps = PtzCaps {
        continuous: true,
        step: true,
        presets: true,
        home: true,
    };
    pub fn any(&self) -> bool {
        self.continuous || self.step || self.presets || self.home
    }
}

/// What a camera can do, so the UI shows only that.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Capabilities {
    pub live: bool,
    pub playback: bool,
    pub reverse: bool,
    /// Playback speeds the source honours; empty = the engine's own set.
    pub speeds: Vec<f64>,
    /// The VMS cuts or exports a clip itself.
    pub export: bool,
    /// A snapshot of a past time.
    pub snapshot_by_time: bool,
    pub ptz: PtzCaps,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            live: true,
            playback: false,
            reverse: false,
            speeds: Vec::new(),
            export: false,
            snapshot_by_time: false,
            ptz: PtzCaps::NONE,
        }
    }
}

impl Capabilities {
    /// Live only (a plain RTSP camera).
    pub fn live_only() -> Self {
        Self::default()
    }
    /// Recordings played by the engine's own readers (any speed, reverse).
    pub fn engine_playback(live: bool) -> Self {
        Self {
            live,
            playback: true,
            reverse: true,
            snapshot_by_time: true,
            ..Self::default()
        }
    }
}

/// A camera as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CameraInfo {
    pub id: String,
    pub name: String,
    /// The site's id.
    pub site: String,
    #[serde(default)]
    pub site_name: String,
    pub ptz: bool,
    pub streams: Vec<StreamInfo>,
    #[serde(default)]
    pub capabilities: Capabilities,
}

#[derive(Debug, thiserror::Error)]
pub enum VmsError {
    #[error("unknown camera {0}")]
    UnknownCamera(String),
    #[error("camera {camera} has no {stream} stream")]
    NoSuchStream {
        camera: String,
        stream: &'static str,
    },
    #[error("{site} does not support {capability}")]
    Unsupported {
        site: String,
        capability: &'static str,
    },
    #[error("invalid settings: {0}")]
    InvalidConfig(String),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Onvif(#[from] onvif::OnvifError),
    #[error(transparent)]
    Remote(#[from] remote_error::RemoteError),
    #[error(transparent)]
    Tls(#[from] crate::net::TlsError),
    #[error("unknown site {0}")]
    UnknownSite(String),
    #[error("unknown site kind {0:?} (known: {1})")]
    UnknownKind(String, String),
    #[error("site {site}: {reason}")]
    Site { site: String, reason: String },
    /// The server wants a second login step (a PIN it sent the user);
    /// submit it for the site (e.g. `milestone::second_step::submit_pin`)
    /// and try again.
    #[error("{site}: the server requires a second login step: enter the PIN it sent to the user")]
    PinRequired { site: String },
}

impl VmsError {
    /// The fingerprint of a server certificate the error is about (not
    /// trusted, or not the pinned one), for the UI to offer pinning it.
    pub fn certificate(&self) -> Option<String> {
        match self {
            VmsError::Tls(e) | VmsError::Onvif(onvif::OnvifError::Tls(e)) => {
                e.presented().map(|p| p.to_string())
            }
            _ => None,
        }
    }
}

impl HasKind for VmsError {
    fn kind(&self) -> ErrorKind {
        match self {
            VmsError::UnknownCamera(_)
            | VmsError::NoSuchStream { .. }
            | VmsError::UnknownSite(_) => ErrorKind::NotFound,
            VmsError::UnknownKind(..) => ErrorKind::InvalidInput,
            VmsError::Site { .. } => ErrorKind::Internal,
            VmsError::PinRequired { .. } => ErrorKind::AuthFailed,
            VmsError::Remote(e) => e.kind,
            VmsError::Tls(e) => e.kind(),

            VmsError::Unsupported { .. } => ErrorKind::Unsupported,
            VmsError::InvalidConfig(_) => ErrorKind::InvalidInput,
            VmsError::Secret(e) => e.kind(),
            VmsError::Store(e) => e.kind(),
            VmsError::Onvif(e) => e.kind(),
        }
    }
}

/// One site's adapter: opened by its kind from the stored row. Listing,
/// snapshots, PTZ and exports are async; decoding and frame reading stay on
/// their own threads behind [`SourceOpener`] and [`Recording`].
#[async_trait::async_trait]
pub trait VmsAdapter: Send + Sync {
    /// Asks the VMS for its cameras (network; the registry caches the answer).
    async fn list_cameras(&self) -> Result<Vec<site::CameraRecord>, VmsError>;

    /// How to open a live stream of a camera (resolved again at each connect).
    fn live_source(
        &self,
        camera: &site::SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError>;

    /// The camera's recordings (spans and readers), if the site has any.
    fn recording(
        &self,
        _camera: &site::SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        Err(self.unsupported("recordings"))
    }

    /// Pan/tilt/zoom of the camera, if it has it.
    fn ptz(&self, _camera: &site::SiteCamera) -> Result<Arc<dyn crate::ptz::PtzControl>, VmsError> {
        Err(self.unsupported("PTZ"))
    }

    /// A JPEG of the camera now (`None`) or at a past time.
    async fn snapshot(
        &self,
        _camera: &site::SiteCamera,
        _at_ms: Option<i64>,
    ) -> Result<Vec<u8>, VmsError> {
        Err(self.unsupported("snapshots"))
    }

    /// The VMS's own clip export of a camera, where it has one (the footage
    /// worker downloads it, else cuts the clip itself).
    fn clip_exporter(
        &self,
        _camera: &site::SiteCamera,
    ) -> Result<Arc<dyn export::ClipExporter>, VmsError> {
        Err(self.unsupported("clip export"))
    }

    /// The RTSP URI that replays a camera's recordings (no credentials).
    async fn replay_uri(&self, _camera: &site::SiteCamera) -> Result<String, VmsError> {
        Err(self.unsupported("RTSP replay"))
    }

    /// The VMS's own views (saved camera grids, as the server lists them);
    /// none for kinds without views. Vigil shows them as layouts.
    async fn views(&self) -> Result<Vec<server_layouts::VmsView>, VmsError> {
        Ok(Vec::new())
    }

    /// The last live events (motion, recording, connection lost) the VMS
    /// sent with the camera's live stream, where the kind has them.
    fn live_events(&self, _camera: &site::SiteCamera) -> Option<live_events::LiveEvents> {
        None
    }

    /// Leaves the VMS (log out) when the site is removed or replaced.
    async fn close(&self) {}

    /// A name for the site learnt while listing (e.g. the device's model),
    /// used when the operator gave none.
    fn name_hint(&self) -> Option<String> {
        None
    }

    /// The site's name for errors.
    fn site_label(&self) -> String;

    fn unsupported(&self, capability: &'static str) -> VmsError {
        VmsError::Unsupported {
            site: self.site_label(),
            capability,
        }
    }
}
