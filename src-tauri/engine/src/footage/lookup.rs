//! Where the worker finds a camera (name, site), its recording and the
//! VMS's own clip export.
use std::sync::Arc;

use crate::playback::Recording;
use crate::vms::export::ClipExporter;
use crate::vms::registry::Registry;
use crate::vms::{CameraInfo, StreamKind, VmsError};

pub trait RecordingLookup: Send + Sync {
    fn camera(&self, camera_id: &str) -> Result<CameraInfo, VmsError>;
    /// The camera's recording of its main stream.
    fn recording(&self, camera_id: &str) -> Result<Arc<dyn Recording>, VmsError>;
    /// The VMS's own clip export of the camera, if it has one.
    fn exporter(&self, _camera_id: &str) -> Option<Arc<dyn ClipExporter>> {
        None
    }
}

impl RecordingLookup for Registry {
    fn camera(&self, camera_id: &str) -> Result<CameraInfo, VmsError> {
        Registry::camera(self, camera_id)
    }
    fn recording(&self, camera_id: &str) -> Result<Arc<dyn Recording>, VmsError> {
        Registry::recording(self, camera_id, StreamKind::Main)
    }
    fn exporter(&self, camera_id: &str) -> Option<Arc<dyn ClipExporter>> {
        Registry::clip_exporter(self, camera_id).ok()
    }
}
