//! The PTZ command set mapped to ONVIF: ContinuousMove (with a Timeout when
//! the device takes one) and Stop; steps as RelativeMove, or as a short
//! timed ContinuousMove + Stop on devices without relative moves;
//! GotoHomePosition; GetPresets / GotoPreset / SetPreset.
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::client::OnvifClient;
use super::error::OnvifError;
use super::ptz as wire;
use super::site::Inner;
use super::stored::OnvifCameraRow;
use crate::ptz::{Preset, PtzControl, Step, Velocity};
use crate::vms::VmsError;

/// A step: a tenth of the generic translation range.
const STEP_SIZE: f64 = 0.1;
/// A step emulated with a continuous move lasts this long.
const TIMED_STEP: Duration = Duration::from_millis(300);
/// Quirks learnt from a device's faults: no move Timeout, no RelativeMove.
const NO_TIMEOUT: &str = "no-timeout";
const NO_RELATIVE: &str = "no-relative";

pub struct OnvifPtz {
    inner: Arc<Inner>,
    cam: OnvifCameraRow,
}

impl OnvifPtz {
    pub(crate) fn new(inner: Arc<Inner>, cam: OnvifCameraRow) -> Self {
        Self { inner, cam }
    }

    fn profile(&self) -> &str {
        &self.cam.main.profile
    }

    async fn with<T, F>(&self, f: F) -> Result<T, VmsError>
    where
        F: for<'c> FnOnce(&'c OnvifClient, &'c str) -> BoxFuture<'c, Result<T, OnvifError>>,
    {
        let c = self.inner.client(&self.cam.device_id).await?;
        let r = match c.ptz_url() {
            Ok(url) => f(&c, url).await,
            Err(e) => Err(e),
        };
        Ok(self.inner.evict_on_failure(&self.cam.device_id, r).await?)
    }

    async fn move_for(&self, v: Velocity, timeout: Duration) -> Result<(), VmsError> {
        let dev = self.cam.device_id.clone();
        let profile = self.profile().to_string();
        let inner = self.inner.clone();
        self.with(move |c, url| {
            Box::pin(async move {
                let t = &c.transport;
                let vel = (v.pan, v.tilt, v.zoom);
                if inner.quirk(&dev, NO_TIMEOUT) {
                    return wire::continuous_move(t, url, &profile, vel, None).await;
                }
                match wire::continuous_move(t, url, &profile, vel, Some(timeout)).await {
                    Err(e) if e.has_fault_code("TimeoutNotSupported") => {
                        inner.set_quirk(&dev, NO_TIMEOUT);
                        wire::continuous_move(t, url, &profile, vel, None).await
                    }
                    r => r,
                }
            })
        })
        .await
    }
}

impl PtzControl for OnvifPtz {
    fn continuous_move(
        &self,
        v: Velocity,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(self.move_for(v, timeout))
    }

    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
        let profile = self.profile().to_string();
        Box::pin(self.with(move |c, url| {
            Box::pin(async move { wire::stop(&c.transport, url, &profile).await })
        }))
    }

    fn step(&self, step: Step, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            let d = step.direction();
            let speed = speed.clamp(0.05, 1.0);
            let dev = self.cam.device_id.clone();
            if !self.inner.quirk(&dev, NO_RELATIVE) {
                let profile = self.profile().to_string();
                let r = self
                    .with(move |c, url| {
                        Box::pin(async move {
                            let tr = (d.pan * STEP_SIZE, d.tilt * STEP_SIZE, d.zoom * STEP_SIZE);
                            wire::relative_move(&c.transport, url, &profile, tr, speed).await
                        })
                    })
                    .await;
                match r {
                    Err(VmsError::Onvif(OnvifError::Fault { .. })) => {
                        tracing::info!("{dev}: RelativeMove refused; steps become timed moves");
                        self.inner.set_quirk(&dev, NO_RELATIVE);
                    }
                    r => return r,
                }
            }
            let v = Velocity {
                pan: d.pan * speed,
                tilt: d.tilt * speed,
                zoom: d.zoom * speed,
            };
            self.move_for(v, TIMED_STEP).await?;
            tokio::time::sleep(TIMED_STEP).await;
            self.stop().await
        })
    }

    fn home(&self, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        let profile = self.profile().to_string();
        Box::pin(self.with(move |c, url| {
            Box::pin(async move {
                wire::goto_home(&c.transport, url, &profile, speed.clamp(0.0, 1.0)).await
            })
        }))
    }

    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
        let profile = self.profile().to_string();
        Box::pin(async move {
            let list = self
                .with(move |c, url| {
                    Box::pin(async move { wire::presets(&c.transport, url, &profile).await })
                })
                .await?;
            Ok(list
                .into_iter()
                .map(|(token, name)| Preset { token, name })
                .collect())
        })
    }

    fn goto_preset<'a>(
        &'a self,
        token: &'a str,
        speed: f64,
    ) -> BoxFuture<'a, Result<(), VmsError>> {
        let profile = self.profile().to_string();
        let token = token.to_string();
        Box::pin(self.with(move |c, url| {
            Box::pin(async move {
                wire::goto_preset(&c.transport, url, &profile, &token, speed.clamp(0.0, 1.0)).await
            })
        }))
    }

    fn save_preset<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
        let profile = self.profile().to_string();
        let name = name.trim().to_string();
        Box::pin(async move {
            if name.is_empty() || name.chars().count() > 64 {
                return Err(VmsError::InvalidConfig(
                    "a preset name is 1 to 64 characters".into(),
                ));
            }
            let n = name.clone();
            let token = self
                .with(move |c, url| {
                    Box::pin(async move { wire::set_preset(&c.transport, url, &profile, &n).await })
                })
                .await?;
            Ok(Preset { token, name })
        })
    }
}
