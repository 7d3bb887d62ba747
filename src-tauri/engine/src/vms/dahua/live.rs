//! Live RTSP of a Dahua channel: `rtsp://host:port/cam/realmonitor?channel=N&subtype=0|1`
//! over the site's transport (TCP unless the site says udp or auto); the
//! site's credentials are put into the URL only at open time and never shown
//! ([`SourceOpener::describe`] has none).
use std::sync::Arc;

use super::site::Inner;
use super::stored::DahuaCamera;
use crate::media::rtsp_input::NetworkInput;
use crate::media::source::{FrameSource, SourceOpener, StopFlag};
use crate::media::MediaError;
use crate::secrets::redact::with_credentials;
use crate::vms::StreamKind;

pub struct DahuaLive {
    pub(crate) inner: Arc<Inner>,
    pub(crate) cam: DahuaCamera,
    pub(crate) kind: StreamKind,
}

impl DahuaLive {
    /// The URL without credentials.
    pub fn url(&self) -> String {
        let subtype = match self.kind {
            StreamKind::Main => 0,
            StreamKind::Sub => 1,
        };
        format!(
            "rtsp://{}/cam/realmonitor?channel={}&subtype={subtype}",
            self.inner.rtsp_authority(self.cam.rtsp_port),
            self.cam.channel
        )
    }
}

impl SourceOpener for DahuaLive {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
        let url = self.url();
        let creds = self
            .inner
            .credentials()
            .map_err(|_| MediaError::AuthFailed {
                url: self.describe(),
            })?;
        let url = match creds {
            Some((u, p)) => with_credentials(&url, Some(&u), Some(&p)).unwrap_or(url),
            None => url,
        };
        NetworkInput::new(url, self.inner.cfg.info.transport()).open(stop)
    }

    fn describe(&self) -> String {
        format!("dahua {}", self.url())
    }
}
