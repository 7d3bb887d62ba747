//! The embedded demo site (kind `demo`, built in): synthetic cameras with a
//! 1920x1080@15 main and a 640x360@15 sub stream, painted and encoded
//! in-process (no network, no files, no VMS), and a synthetic archive.
use std::sync::Arc;

use super::kinds::{KindSpec, SiteConfig, SiteContext, SiteKind};
use super::site::{CameraRecord, SiteCamera};
use super::{Capabilities, StreamInfo, StreamKind, VmsAdapter, VmsError};
use crate::media::demo_input::DemoInput;
use crate::media::source::SourceOpener;
use crate::playback::demo_archive::DemoArchive;
use crate::playback::Recording;

pub const SITE_ID: &str = "demo";

const NAMES: [&str; 6] = [
    "Main Gate",
    "Lobby",
    "Car Park North",
    "Loading Dock",
    "Server Room",
    "Roof East",
];

pub struct DemoKind;

impl SiteKind for DemoKind {
    fn spec(&self) -> KindSpec {
        KindSpec {
            kind: "demo",
            label: "Demo site",
            description: "Built-in synthetic cameras with a recorded archive (no network).",
            addable: false,
            fields: Vec::new(),
        }
    }

    fn open(&self, ctx: &SiteContext, _cfg: SiteConfig) -> Result<Arc<dyn VmsAdapter>, VmsError> {
        Ok(Arc::new(DemoSite::new(ctx.demo_cameras)))
    }
}

pub struct DemoSite {
    cameras: usize,
}

impl DemoSite {
    pub fn new(cameras: usize) -> Self {
        Self {
            cameras: cameras.clamp(1, NAMES.len()),
        }
    }

    fn index(&self, cam: &SiteCamera) -> Result<usize, VmsError> {
        cam.record
            .vms_ref
            .parse()
            .ok()
            .filter(|i| (1..=self.cameras).contains(i))
            .ok_or_else(|| VmsError::UnknownCamera(cam.id.clone()))
    }

    fn name(i: usize) -> String {
        format!("Demo {i} - {}", NAMES[(i - 1) % NAMES.len()])
    }
}

#[async_trait::async_trait]
impl VmsAdapter for DemoSite {
    async fn list_cameras(&self) -> Result<Vec<CameraRecord>, VmsError> {
        Ok((1..=self.cameras)
            .map(|i| CameraRecord {
                vms_ref: i.to_string(),
                name: Self::name(i),
                ptz: false,
                streams: vec![
                    StreamInfo {
                        kind: StreamKind::Main,
                        width: 1920,
                        height: 1080,
                        codec: "h264".into(),
                    },
                    StreamInfo {
                        kind: StreamKind::Sub,
                        width: 640,
                        height: 360,
                        codec: "h264".into(),
                    },
                ],
                capabilities: Capabilities::engine_playback(true),
                extra: serde_json::Value::Null,
            })
            .collect())
    }

    fn live_source(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let i = self.index(camera)?;
        let (width, height, bitrate) = match stream {
            StreamKind::Main => (1920, 1080, 3_000_000),
            StreamKind::Sub => (640, 360, 600_000),
        };
        Ok(Arc::new(DemoInput {
            camera_index: i,
            name: Self::name(i),
            width,
            height,
            fps: 15,
            bitrate,
        }))
    }

    fn recording(
        &self,
        camera: &SiteCamera,
        stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let i = self.index(camera)?;
        let (width, height) = match stream {
            StreamKind::Main => (1920, 1080),
            StreamKind::Sub => (640, 360),
        };
        Ok(Arc::new(DemoArchive {
            camera_index: i,
            name: Self::name(i),
            width,
            height,
        }))
    }

    fn site_label(&self) -> String {
        "the demo site".into()
    }
}
