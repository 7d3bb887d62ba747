//! The embedded demo site: synthetic cameras with a 1920x1080@15 main and a
//! 640x360@15 sub stream, painted and encoded in-process (no network, no
//! files, no VMS).
use std::sync::Arc;

use super::{CameraInfo, StreamInfo, StreamKind, VmsAdapter, VmsError};
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

pub struct DemoSite {
    cameras: usize,
}

impl DemoSite {
    pub fn new(cameras: usize) -> Self {
        Self {
            cameras: cameras.clamp(1, NAMES.len()),
        }
    }

    fn index(camera_id: &str) -> Option<usize> {
        camera_id.strip_prefix("demo-")?.parse().ok()
    }

    fn name(i: usize) -> String {
        format!("Demo {i} - {}", NAMES[(i - 1) % NAMES.len()])
    }
}

impl VmsAdapter for DemoSite {
    fn site_id(&self) -> &str {
        SITE_ID
    }

    fn cameras(&self) -> Result<Vec<CameraInfo>, VmsError> {
        Ok((1..=self.cameras)
            .map(|i| CameraInfo {
                id: format!("demo-{i}"),
                name: Self::name(i),
                site: SITE_ID.into(),
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
            })
            .collect())
    }

    fn has_camera(&self, camera_id: &str) -> bool {
        Self::index(camera_id).is_some_and(|i| (1..=self.cameras).contains(&i))
    }

    fn live_source(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let i = Self::index(camera_id)
            .filter(|i| (1..=self.cameras).contains(i))
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))?;
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
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn Recording>, VmsError> {
        let i = Self::index(camera_id)
            .filter(|i| (1..=self.cameras).contains(i))
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))?;
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
}
