//! Where the worker finds a camera (name, site) and its recording.
use std::sync::Arc;

use crate::playback::Recording;
use crate::vms::registry::Registry;
use crate::vms::{CameraInfo, StreamKind, VmsError};

pub trait RecordingLookup: Send + Sync {
    fn camera(&self, camera_id: &str) -> Result<CameraInfo, VmsError>;
    /// The camera's recording of its main stream.
    fn recording(&self, camera_id: &str) -> Result<Arc<dyn Recording>, VmsError>;
}

impl RecordingLookup for Registry {
    fn camera(&self, camera_id: &str) -> Result<CameraInfo, VmsError> {
        Registry::camera(self, camera_id)
    }
    fn recording(&self, camera_id: &str) -> Result<Arc<dyn Recording>, VmsError> {
        Registry::recording(self, camera_id, StreamKind::Main)
    }
}
