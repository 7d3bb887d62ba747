//! The one place adapters are registered; finds a camera's adapter and fills
//! in stream sizes the engine has observed.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{CameraInfo, StreamKind, VmsAdapter, VmsError};
use crate::media::source::SourceOpener;
use crate::playback::Recording;

/// Assumed sizes until a stream has been seen: a typical main and sub stream.
const ASSUMED: [(StreamKind, (u32, u32)); 2] = [
    (StreamKind::Main, (1920, 1080)),
    (StreamKind::Sub, (640, 360)),
];

#[derive(Default)]
pub struct Registry {
    adapters: Vec<Arc<dyn VmsAdapter>>,
    observed: Mutex<HashMap<(String, StreamKind), (u32, u32)>>,
}

impl Registry {
    pub fn add(&mut self, adapter: Arc<dyn VmsAdapter>) {
        self.adapters.push(adapter);
    }

    /// Every camera of every site, with known or assumed stream sizes.
    pub fn cameras(&self) -> Result<Vec<CameraInfo>, VmsError> {
        let observed = self
            .observed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut out = Vec::new();
        for a in &self.adapters {
            for mut cam in a.cameras()? {
                for s in &mut cam.streams {
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
                out.push(cam);
            }
        }
        Ok(out)
    }

    pub fn camera(&self, camera_id: &str) -> Result<CameraInfo, VmsError> {
        self.cameras()?
            .into_iter()
            .find(|c| c.id == camera_id)
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))
    }

    pub fn live_source(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        self.adapters
            .iter()
            .find(|a| a.has_camera(camera_id))
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))?
            .live_source(camera_id, stream)
    }

    /// A camera's recordings (spans and readers) for one stream.
    pub fn recording(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        self.adapters
            .iter()
            .find(|a| a.has_camera(camera_id))
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))?
            .recording(camera_id, stream)
    }

    /// The PTZ control of a camera (typed `Unsupported` when it has none).
    pub fn ptz(&self, camera_id: &str) -> Result<Arc<dyn crate::ptz::PtzControl>, VmsError> {
        self.adapters
            .iter()
            .find(|a| a.has_camera(camera_id))
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))?
            .ptz(camera_id)
    }

    /// Records the size a stream really has (from its first decoded frame).
    pub fn observe(&self, camera_id: &str, stream: StreamKind, width: u32, height: u32) {
        self.observed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((camera_id.to_string(), stream), (width, height));
    }
}
