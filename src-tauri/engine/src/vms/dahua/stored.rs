//! What a Dahua site keeps per camera in its cached listing (the camera's
//! `extra`): the 1-based channel, stream sizes, PTZ and the device's RTSP
//! port. No credentials.
use serde::{Deserialize, Serialize};

use crate::vms::site::{CameraRecord, SiteCamera};
use crate::vms::{Capabilities, PtzCaps, StreamInfo, StreamKind, VmsError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DahuaStream {
    pub width: u32,
    pub height: u32,
    pub codec: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DahuaCamera {
    /// RTSP/snapshot channel, 1-based.
    pub channel: u32,
    pub name: String,
    pub main: DahuaStream,
    pub sub: Option<DahuaStream>,
    pub ptz: bool,
    pub rtsp_port: u16,
}

impl DahuaCamera {
    pub fn record(&self) -> CameraRecord {
        let s = |kind, st: &DahuaStream| StreamInfo {
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
            vms_ref: self.channel.to_string(),
            name: self.name.clone(),
            ptz: self.ptz,
            streams,
            capabilities: Capabilities {
                live: true,
                playback: true,
                reverse: false,
                speeds: vec![1.0],
                export: true,
                snapshot_by_time: false,
                ptz: if self.ptz {
                    PtzCaps {
                        continuous: true,
                        step: true,
                        presets: true,
                        home: false,
                    }
                } else {
                    PtzCaps::NONE
                },
            },
            extra: serde_json::to_value(self).expect("camera serializes"),
        }
    }

    pub fn from_site_camera(cam: &SiteCamera) -> Result<Self, VmsError> {
        serde_json::from_value(cam.record.extra.clone()).map_err(|e| {
            VmsError::InvalidConfig(format!("camera {}: stored Dahua data: {e}", cam.id))
        })
    }
}
