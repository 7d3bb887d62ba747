//! Recordings opened for this process only (a segment folder, an RTSP
//! replay URL, a MediaMTX path named on the CLI's `--source`): one
//! transient site, kind `recorded`, never stored. They have no live stream.
use std::sync::{Arc, Mutex};

use super::kinds::{KindSpec, SiteConfig, SiteContext, SiteKind};
use super::site::{CameraRecord, SiteCamera};
use super::{StreamKind, VmsAdapter, VmsError};
use crate::media::source::SourceOpener;
use crate::playback::Recording;

pub const SITE_ID: &str = "rec";

pub struct RecordedKind;

impl SiteKind for RecordedKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "recorded",
            label: "Recordings of this session",
            description: "Recordings named on the command line (never stored).",
            addable: false,
            fields: Vec::new(),
        }
    }

    fn open(&self, _ctx: &SiteContext, _cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Err(VmsError::InvalidConfig(
            "recorded sources exist only for the process that named them".into(),
        ))
    }
}

struct Entry {
    name: String,
    recording: Arc<dyn Recording>,
}

#[derive(Default)]
pub struct RecordedSite {
    cameras: Mutex<Vec<Entry>>,
}

impl RecordedSite {
    /// Registers a recording; returns its reference (`1`, `2`, ...), whose
    /// camera id is `rec-N`.
    pub fn add(&self, name: &str, recording: Arc<dyn Recording>) -> String {
        let mut cams = self.cameras.lock().unwrap_or_else(|p| p.into_inner());
        cams.push(Entry {
            name: name.to_string(),
            recording,
        });
        cams.len().to_string()
    }

    /// The cameras as listed (no I/O).
    pub fn records(&self) -> Vec<CameraRecord> {
        self.cameras
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .enumerate()
            .map(|(i, e)| CameraRecord::recordings_only((i + 1).to_string(), e.name.clone()))
            .collect()
    }
}

#[async_trait::async_trait]
impl VmsAdapter for RecordedSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        Ok(self.records())
    }

    fn live_source(
        &self,
        _camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        Err(self.unsupported("live video (a recording-only source)"))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        _stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let i: usize = camera
            .record
            .vms_ref
            .parse()
            .map_err(|_| VmsError::UnknownCamera(camera.id.clone()))?;
        self.cameras
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(i.wrapping_sub(1))
            .map(|e| e.recording.clone())
            .ok_or_else(|| VmsError::UnknownCamera(camera.id.clone()))
    }

    fn site_label(&self) -> String {
        "recorded sources".into()
    }
}
