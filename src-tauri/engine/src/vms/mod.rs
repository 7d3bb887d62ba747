//! The VMS seam: every site kind (demo, plain RTSP, later ONVIF, Milestone,
//! ...) implements [`VmsAdapter`]. Adapters translate; they never decode.
//! A capability a VMS lacks is a typed [`VmsError::Unsupported`].
pub mod demo;
pub mod export;
pub mod http_body;
pub mod onvif;
pub mod recorded;
pub mod registry;
pub mod rtsp;
pub mod select;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, HasKind};
use crate::media::source::SourceOpener;
use crate::playback::Recording;

/// Which of a camera's streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub kind: StreamKind,
    pub width: u32,
    pub height: u32,
    pub codec: String,
}

/// A camera as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraInfo {
    pub id: String,
    pub name: String,
    pub site: String,
    pub ptz: bool,
    pub streams: Vec<StreamInfo>,
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
    #[error("invalid camera settings: {0}")]
    InvalidConfig(String),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Onvif(#[from] onvif::OnvifError),
}

impl HasKind for VmsError {
    fn kind(&self) -> ErrorKind {
        match self {
            VmsError::UnknownCamera(_) | VmsError::NoSuchStream { .. } => ErrorKind::NotFound,
            VmsError::Unsupported { .. } => ErrorKind::Unsupported,
            VmsError::InvalidConfig(_) => ErrorKind::InvalidInput,
            VmsError::Secret(e) => e.kind(),
            VmsError::Store(e) => e.kind(),
            VmsError::Onvif(e) => e.kind(),
        }
    }
}

/// What every site kind offers. Later issues add recordings, playback,
/// clips and PTZ; the defaults say "unsupported", never fake it.
pub trait VmsAdapter: Send + Sync {
    /// The site this adapter serves.
    fn site_id(&self) -> &str;

    /// The cameras of the site.
    fn cameras(&self) -> Result<Vec<CameraInfo>, VmsError>;

    /// Whether the camera belongs to this site.
    fn has_camera(&self, camera_id: &str) -> bool {
        self.cameras()
            .map(|c| c.iter().any(|c| c.id == camera_id))
            .unwrap_or(false)
    }

    /// How to open a live stream of a camera.
    fn live_source(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError>;

    /// The camera's recordings (spans and readers), if the site has any.
    fn recording(
        &self,
        _camera_id: &str,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        Err(VmsError::Unsupported {
            site: self.site_id().to_string(),
            capability: "recordings",
        })
    }

    /// Pan/tilt/zoom of the camera, if it has it.
    fn ptz(&self, _camera_id: &str) -> Result<Arc<dyn crate::ptz::PtzControl>, VmsError> {
        Err(VmsError::Unsupported {
            site: self.site_id().to_string(),
            capability: "PTZ",
        })
    }
}
