//! The engine's ONVIF and PTZ operations (what the UI and the CLI call):
//! add or probe an ONVIF device; move, stop, step, home and presets of a
//! camera, every continuous move guarded by the engine's deadline.
use std::sync::Arc;

use serde::Deserialize;

use super::{Preset, PtzControl, Step, Velocity};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::vms::onvif::soap::Credentials;
use crate::vms::onvif::{AddOnvifDevice, OnvifClient, Probe};
use crate::vms::CameraInfo;

/// A continuous move as the UI sends it: velocities in −1..1, speed 0..1.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct MoveRequest {
    pub pan: f64,
    pub tilt: f64,
    pub zoom: f64,
    pub speed: f64,
}

impl Engine {
    /// Probes an ONVIF device, stores it as a site with its cameras
    /// (password to the keyring) and returns the cameras.
    pub async fn add_onvif_device(
        &self,
        req: AddOnvifDevice,
    ) -> Result<Vec<CameraInfo>, EngineError> {
        Ok(self.add_site(onvif_request(req)).await?.cameras)
    }

    /// Like [`Self::add_onvif_device`], for this process only (CLI).
    pub async fn add_adhoc_onvif(
        &self,
        req: AddOnvifDevice,
    ) -> Result<Vec<CameraInfo>, EngineError> {
        Ok(self
            .add_transient_site("onvif-adhoc", onvif_request(req))
            .await?
            .cameras)
    }

    /// Device information, services and profiles, without storing anything.
    pub async fn probe_onvif(
        &self,
        address: &str,
        user: Option<String>,
        password: Option<String>,
    ) -> Result<Probe, EngineError> {
        let creds = user.filter(|u| !u.is_empty()).map(|user| Credentials {
            user,
            password: password.unwrap_or_default(),
        });
        let c = OnvifClient::connect(address, creds, std::time::Duration::from_secs(8))
            .await
            .map_err(crate::vms::VmsError::from)?;
        Ok(c.probe().await.map_err(crate::vms::VmsError::from)?)
    }

    /// A JPEG snapshot of a camera now.
    pub async fn onvif_snapshot(&self, camera_id: &str) -> Result<Vec<u8>, EngineError> {
        Ok(self.registry.snapshot(camera_id, None).await?)
    }

    /// The RTSP replay URI of a camera's recording (ONVIF Profile G).
    pub async fn onvif_replay_uri(&self, camera_id: &str) -> Result<String, EngineError> {
        let r = self.registry.resolve(camera_id)?;
        Ok(r.adapter.replay_uri(&r.camera).await?)
    }

    /// The recordings of a camera (coverage spans; ONVIF frames come from
    /// RTSP replay of [`Self::onvif_replay_uri`]).
    pub fn onvif_recording(
        &self,
        camera_id: &str,
    ) -> Result<Arc<dyn crate::playback::Recording>, EngineError> {
        Ok(self
            .registry
            .recording(camera_id, crate::vms::StreamKind::Main)?)
    }

    fn ptz_of(&self, camera_id: &str) -> Result<Arc<dyn PtzControl>, EngineError> {
        Ok(self.ingests().registry().ptz(camera_id)?)
    }

    /// Starts or keeps alive a continuous move (a zero velocity stops).
    /// Without another call within the deadline the engine stops the camera.
    pub async fn ptz_move(&self, camera_id: &str, m: MoveRequest) -> Result<(), EngineError> {
        let v = Velocity {
            pan: m.pan,
            tilt: m.tilt,
            zoom: m.zoom,
        }
        .scaled(m.speed)
        .map_err(EngineError::InvalidInput)?;
        let ctl = self.ptz_of(camera_id)?;
        Ok(self.ptz.move_(camera_id, ctl, v).await?)
    }

    pub async fn ptz_stop(&self, camera_id: &str) -> Result<(), EngineError> {
        let ctl = self.ptz_of(camera_id)?;
        Ok(self.ptz.stop(camera_id, ctl).await?)
    }

    pub async fn ptz_step(
        &self,
        camera_id: &str,
        step: Step,
        speed: f64,
    ) -> Result<(), EngineError> {
        let ctl = self.ptz_of(camera_id)?;
        Ok(self
            .ptz
            .one_shot(camera_id, ctl.step(step, unit(speed)?))
            .await?)
    }

    pub async fn ptz_home(&self, camera_id: &str, speed: f64) -> Result<(), EngineError> {
        let ctl = self.ptz_of(camera_id)?;
        Ok(self.ptz.one_shot(camera_id, ctl.home(unit(speed)?)).await?)
    }

    pub async fn ptz_presets(&self, camera_id: &str) -> Result<Vec<Preset>, EngineError> {
        let ctl = self.ptz_of(camera_id)?;
        Ok(ctl.presets().await?)
    }

    pub async fn ptz_goto_preset(
        &self,
        camera_id: &str,
        token: &str,
        speed: f64,
    ) -> Result<(), EngineError> {
        let ctl = self.ptz_of(camera_id)?;
        Ok(self
            .ptz
            .one_shot(camera_id, ctl.goto_preset(token, unit(speed)?))
            .await?)
    }

    pub async fn ptz_save_preset(
        &self,
        camera_id: &str,
        name: &str,
    ) -> Result<Preset, EngineError> {
        let ctl = self.ptz_of(camera_id)?;
        Ok(self.ptz.one_shot(camera_id, ctl.save_preset(name)).await?)
    }
}

/// The site request of the old ONVIF dialog's fields.
fn onvif_request(req: AddOnvifDevice) -> crate::vms::site::SiteRequest {
    crate::vms::site::SiteRequest {
        kind: "onvif".into(),
        name: req.name,
        address: req.address,
        user: req.username,
        password: req.password,
        ..Default::default()
    }
}

fn unit(speed: f64) -> Result<f64, EngineError> {
    if !speed.is_finite() {
        return Err(EngineError::InvalidInput(
            "PTZ speed must be a number".into(),
        ));
    }
    Ok(speed.clamp(0.0, 1.0))
}
