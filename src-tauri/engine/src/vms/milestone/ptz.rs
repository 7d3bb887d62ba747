//! PTZ through the Mobile Server: `ControlPTZ` with `PtzMove` (each call is
//! one step: Up, Down, Left, Right, ZoomIn, ZoomOut, Home) or `PtzPreset`
//! (by name), and `GetPtzPresets`. The protocol has no continuous move with
//! a stop, so cameras say "step only": a continuous move is refused as
//! unsupported (the UI's hold-to-move repeats steps while held) and a stop
//! has nothing to stop.
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::site::Inner;
use crate::ptz::{Preset, PtzControl, Step, Velocity};
use crate::vms::VmsError;

pub struct MilestonePtz {
    inner: Arc<Inner>,
    camera: String,
}

impl MilestonePtz {
    pub(crate) fn new(inner: Arc<Inner>, camera: String) -> Self {
        Self { inner, camera }
    }

    async fn control(&self, key: &str, value: String) -> Result<(), VmsError> {
        self.inner
            .session
            .call(
                "ControlPTZ",
                &[("CameraId", self.camera.clone()), (key, value)],
            )
            .await
            .map(|_| ())
    }
}

/// The `PtzMove` of a step.
pub fn move_name(step: Step) -> &'static str {
    match step {
        Step::Up => "Up",
        Step::Down => "Down",
        Step::Left => "Left",
        Step::Right => "Right",
        Step::ZoomIn => "ZoomIn",
        Step::ZoomOut => "ZoomOut",
    }
}

impl PtzControl for MilestonePtz {
    fn continuous_move(
        &self,
        _v: Velocity,
        _timeout: std::time::Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            Err(VmsError::Unsupported {
                site: self.inner.session.site().to_string(),
                capability: "continuous PTZ moves (the Mobile Server moves in steps)",
            })
        })
    }

    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async { Ok(()) })
    }

    fn step(&self, step: Step, _speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(self.control("PtzMove", move_name(step).into()))
    }

    fn home(&self, _speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(self.control("PtzMove", "Home".into()))
    }

    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
        Box::pin(async move {
            let a = self
                .inner
                .session
                .call("GetPtzPresets", &[("CameraId", self.camera.clone())])
                .await;
            let a = match a {
                Ok(a) => a,
                Err(VmsError::Remote(e)) if e.vendor_code.as_deref() == Some("22") => {
                    return Ok(Vec::new())
                }
                Err(e) => return Err(e),
            };
            let mut names: Vec<String> = a.outputs_named("Preset").map(str::to_string).collect();
            // some servers list them as items
            names.extend(
                a.command
                    .descendants()
                    .filter(|e| e.name == "Item" || e.name == "Preset")
                    .filter_map(|e| e.attr("Name").map(str::to_string)),
            );
            names.dedup();
            Ok(names
                .into_iter()
                .filter(|n| !n.is_empty())
                .map(|n| Preset {
                    token: n.clone(),
                    name: n,
                })
                .collect())
        })
    }

    fn goto_preset<'a>(
        &'a self,
        token: &'a str,
        _speed: f64,
    ) -> BoxFuture<'a, Result<(), VmsError>> {
        Box::pin(self.control("PtzPreset", token.to_string()))
    }

    fn save_preset<'a>(&'a self, _name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
        Box::pin(async move {
            Err(VmsError::Unsupported {
                site: self.inner.session.site().to_string(),
                capability: "saving PTZ presets (not in the Mobile Server protocol)",
            })
        })
    }
}
