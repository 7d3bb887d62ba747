//! Live streams of an ONVIF camera: on every (re)connect the stream URI is
//! asked again (URIs may change after a reboot), with the last known URI as
//! the fallback when the device's SOAP side does not answer; then the RTSP
//! stream is opened over the site's transport (TCP unless set) with the
//! device's credentials. Either URI is
//! used only on the device's own host with rtsp/rtsps (a row stored before
//! that check is checked again here).
use std::sync::Arc;

use super::error::OnvifError;
use super::media::{checked_media_uri, STREAM_SCHEMES};
use super::site::Inner;
use super::stored::OnvifCameraRow;
use crate::media::rtsp_input::NetworkInput;
use crate::media::source::{FrameSource, SourceOpener, StopFlag};
use crate::media::MediaError;
use crate::secrets::redact::with_credentials;
use crate::vms::StreamKind;

pub struct OnvifLive {
    inner: Arc<Inner>,
    cam: OnvifCameraRow,
    kind: StreamKind,
}

impl OnvifLive {
    pub(crate) fn new(inner: Arc<Inner>, cam: OnvifCameraRow, kind: StreamKind) -> Self {
        Self { inner, cam, kind }
    }

    fn stream(&self) -> &super::stored::OnvifStream {
        match (self.kind, &self.cam.sub) {
            (StreamKind::Sub, Some(s)) => s,
            _ => &self.cam.main,
        }
    }

    async fn resolve(&self) -> Result<(String, Option<(String, String)>), OnvifError> {
        let (dev, creds) = self
            .inner
            .device(&self.cam.device_id)
            .map_err(|e| OnvifError::Invalid(e.to_string()))?;
        let creds = creds.map(|c| (c.user, c.password));
        let fresh = match self.inner.client(&self.cam.device_id).await {
            Ok(c) => {
                let r = c.stream_uri(&self.stream().profile).await;
                self.inner.evict_on_failure(&self.cam.device_id, r).await
            }
            Err(e) => Err(OnvifError::Invalid(e.to_string())),
        };
        match fresh {
            Ok(uri) => Ok((uri, creds)),
            Err(e @ OnvifError::AuthFailed { .. }) => Err(e),
            Err(e) => match &self.stream().uri {
                Some(uri) => {
                    tracing::warn!(
                        "{}: GetStreamUri failed ({e}); using the stored URI",
                        self.cam.id
                    );
                    let base = super::client::base_url(&dev.address)?;
                    let uri = checked_media_uri(
                        "the stored stream URI",
                        uri,
                        base.host_str().unwrap_or_default(),
                        &dev.allowed_hosts
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>(),
                        STREAM_SCHEMES,
                    )?;
                    Ok((uri, creds))
                }
                None => Err(e),
            },
        }
    }
}

impl SourceOpener for OnvifLive {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
        let resolved = super::block_on(&self.inner.rt, self.resolve());
        let (uri, creds) = match resolved {
            Ok(r) => r,
            Err(OnvifError::AuthFailed { .. }) => {
                return Err(MediaError::AuthFailed {
                    url: self.describe(),
                })
            }
            Err(e) => {
                tracing::warn!("{}: no stream URI: {e}", self.cam.id);
                return Err(MediaError::NoVideo {
                    url: self.describe(),
                });
            }
        };
        let url = match &creds {
            Some((u, p)) => with_credentials(&uri, Some(u), Some(p)).unwrap_or(uri),
            None => uri,
        };
        NetworkInput::new(url, self.inner.transport()).open(stop)
    }

    fn describe(&self) -> String {
        format!(
            "onvif {} profile {} ({})",
            self.cam.device_id,
            self.stream().profile,
            self.kind.as_str()
        )
    }
}
