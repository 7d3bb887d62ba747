//! What an ONVIF site keeps per camera in its cached listing (the camera's
//! `extra` data): the video source, its main and sub profile with sizes,
//! codecs and the last stream URIs the device gave (no credentials).
use serde::{Deserialize, Serialize};

use crate::vms::site::{CameraRecord, SiteCamera};
use crate::vms::{Capabilities, PtzCaps, StreamInfo, StreamKind, VmsError};

/// One stream of an ONVIF camera: its profile and what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnvifStream {
    pub profile: String,
    pub width: u32,
    pub height: u32,
    pub codec: String,
    /// The last stream URI the device gave (no credentials), a fallback
    /// when GetStreamUri cannot be asked at open time.
    pub uri: Option<String>,
}

/// A camera: one video source of a device, with a main and maybe a sub profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnvifCamera {
    pub name: String,
    pub video_source: String,
    pub main: OnvifStream,
    pub sub: Option<OnvifStream>,
    pub ptz: bool,
}

impl OnvifCamera {
    /// The cached listing entry (the video source token is the VMS reference).
    pub fn record(&self) -> CameraRecord {
        let s = |kind, st: &OnvifStream| StreamInfo {
            kind,
            width: st.width,
            height: st.height,
            codec: st.codec.clone(),
        };
        let mut streams = vec![s(StreamKind::Main, &self.main)];
        if let Some(sub) = &self.sub {
            streams.push(s(StreamKind::Sub, sub));
        }
        CameraRecord {
            vms_ref: self.video_source.clone(),
            name: self.name.clone(),
            ptz: self.ptz,
            streams,
            capabilities: Capabilities {
                live: true,
                // Profile G search lists coverage; replay plays through RTSP
                playback: true,
                reverse: false,
                speeds: vec![1.0],
                export: false,
                snapshot_by_time: false,
                ptz: if self.ptz {
                    PtzCaps::ALL
                } else {
                    PtzCaps::NONE
                },
            },
            extra: serde_json::to_value(self).expect("camera serializes"),
        }
    }
}

/// A camera as the ONVIF adapter works with it: its id, its device (site)
/// and the stored data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnvifCameraRow {
    pub id: String,
    pub device_id: String,
    pub name: String,
    pub video_source: String,
    pub main: OnvifStream,
    pub sub: Option<OnvifStream>,
    pub ptz: bool,
}

impl OnvifCameraRow {
    pub fn from_site_camera(cam: &SiteCamera) -> Result<Self, VmsError> {
        let c: OnvifCamera = serde_json::from_value(cam.record.extra.clone()).map_err(|e| {
            VmsError::InvalidConfig(format!("camera {}: stored ONVIF data: {e}", cam.id))
        })?;
        Ok(Self {
            id: cam.id.clone(),
            device_id: cam.site_id.clone(),
            name: cam.record.name.clone(),
            video_source: c.video_source,
            main: c.main,
            sub: c.sub,
            ptz: c.ptz,
        })
    }
}
