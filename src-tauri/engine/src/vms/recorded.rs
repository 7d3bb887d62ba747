//! Cameras that exist only as recordings opened for this process (a segment
//! folder, an RTSP replay URL, a MediaMTX playback path): the CLI's
//! `--source` and tools. They have no live stream.
use std::sync::{Arc, Mutex};

use super::{CameraInfo, StreamInfo, StreamKind, VmsAdapter, VmsError};
use crate::media::source::SourceOpener;
use crate::playback::Recording;

pub const SITE_ID: &str = "recorded";

struct Entry {
    id: String,
    name: String,
    recording: Arc<dyn Recording>,
}

#[derive(Default)]
pub struct RecordedSite {
    cameras: Mutex<Vec<Entry>>,
}

impl RecordedSite {
    /// Registers a recording as a camera; returns its id (`rec-N`).
    pub fn add(&self, name: &str, recording: Arc<dyn Recording>) -> String {
        let mut cams = self.cameras.lock().expect("recorded lock");
        let id = format!("rec-{}", cams.len() + 1);
        cams.push(Entry {
            id: id.clone(),
            name: name.to_string(),
            recording,
        });
        id
    }
}

impl VmsAdapter for RecordedSite {
    fn site_id(&self) -> &str {
        SITE_ID
    }

    fn cameras(&self) -> Result<Vec<CameraInfo>, VmsError> {
        Ok(self
            .cameras
            .lock()
            .expect("recorded lock")
            .iter()
            .map(|e| CameraInfo {
                id: e.id.clone(),
                name: e.name.clone(),
                site: SITE_ID.into(),
                ptz: false,
                streams: vec![StreamInfo {
                    kind: StreamKind::Main,
                    width: 0,
                    height: 0,
                    codec: String::new(),
                }],
            })
            .collect())
    }

    fn live_source(
        &self,
        _camera_id: &str,
        _stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        Err(VmsError::Unsupported {
            site: SITE_ID.into(),
            capability: "live video (a recording-only source)",
        })
    }

    fn recording(
        &self,
        camera_id: &str,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        self.cameras
            .lock()
            .expect("recorded lock")
            .iter()
            .find(|e| e.id == camera_id)
            .map(|e| e.recording.clone())
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))
    }
}
