//! PTZ through `video/v1/ptzs/controlling` (PROTOCOLS.md 4.2): a continuous
//! move is a start (`action` 0) of the direction's command at a speed of
//! 1..100, and keeps going until a stop (`action` 1) of the same command
//! arrives, so the engine's safety stop (ptz::safety) ends every move. A
//! step is a start and a stop 300 ms later. Presets: `presets/searches`,
//! `GOTO_PRESET`, `presets/addition`. HikCentral has no home position.
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::json;

use super::api;
use super::site::Inner;
use crate::ptz::{Preset, PtzControl, Step, Velocity};
use crate::vms::VmsError;

/// A step lasts this long.
const STEP: Duration = Duration::from_millis(300);
/// Components smaller than this do not count towards the direction.
const DEAD_ZONE: f64 = 0.1;

/// The command and speed (1..100) of a velocity; `None` for no movement.
pub fn command_of(v: Velocity) -> Option<(&'static str, u32)> {
    let h = if v.pan > DEAD_ZONE {
        1
    } else if v.pan < -DEAD_ZONE {
        -1
    } else {
        0
    };
    let t = if v.tilt > DEAD_ZONE {
        1
    } else if v.tilt < -DEAD_ZONE {
        -1
    } else {
        0
    };
    let cmd = match (h, t) {
        (-1, 1) => "LEFT_UP",
        (1, 1) => "RIGHT_UP",
        (-1, -1) => "LEFT_DOWN",
        (1, -1) => "RIGHT_DOWN",
        (-1, 0) => "LEFT",
        (1, 0) => "RIGHT",
        (0, 1) => "UP",
        (0, -1) => "DOWN",
        _ if v.zoom > DEAD_ZONE => "ZOOM_IN",
        _ if v.zoom < -DEAD_ZONE => "ZOOM_OUT",
        _ => return None,
    };
    let mag = if h != 0 || t != 0 {
        v.pan.abs().max(v.tilt.abs())
    } else {
        v.zoom.abs()
    };
    Some((cmd, speed_of(mag)))
}

/// 0..1 as 1..100.
fn speed_of(s: f64) -> u32 {
    if s.is_finite() {
        ((s.clamp(0.0, 1.0) * 100.0).round() as u32).clamp(1, 100)
    } else {
        50
    }
}

pub struct HcPtz {
    inner: Arc<Inner>,
    camera: String,
}

impl HcPtz {
    pub(crate) fn new(inner: Arc<Inner>, camera: String) -> Self {
        Self { inner, camera }
    }

    async fn control(
        &self,
        action: u8,
        command: &str,
        speed: u32,
        preset: Option<i64>,
    ) -> Result<(), VmsError> {
        let mut body = json!({
            "cameraIndexCode": self.camera,
            "action": action,
            "command": command,
            "speed": speed,
        });
        if let Some(p) = preset {
            body["presetIndex"] = json!(p);
        }
        self.inner
            .client()?
            .call("/api/video/v1/ptzs/controlling", &body)
            .await
            .map(|_| ())
    }

    async fn start(&self, v: Velocity) -> Result<(), VmsError> {
        let Some((cmd, speed)) = command_of(v) else {
            return self.halt().await;
        };
        self.moving().insert(self.camera.clone(), cmd);
        self.control(0, cmd, speed, None).await
    }

    async fn halt(&self) -> Result<(), VmsError> {
        let cmd = self.moving().remove(&self.camera).unwrap_or("LEFT");
        self.control(1, cmd, 1, None).await
    }

    fn moving(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, &'static str>> {
        self.inner
            .ptz_moving
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    async fn list(&self) -> Result<Vec<api::PresetEntry>, VmsError> {
        let data = self
            .inner
            .client()?
            .call(
                "/api/video/v1/presets/searches",
                &json!({"cameraIndexCode": self.camera}),
            )
            .await?;
        api::parse_presets(&data).map_err(|e| self.inner.protocol(e))
    }
}

impl PtzControl for HcPtz {
    fn continuous_move(
        &self,
        v: Velocity,
        _timeout: Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>> {
        // HikCentral has no move timeout: the engine's safety stop ends it
        Box::pin(self.start(v))
    }

    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(self.halt())
    }

    fn step(&self, step: Step, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            let d = step.direction();
            let s = if speed.is_finite() {
                speed.clamp(0.05, 1.0)
            } else {
                0.5
            };
            self.start(Velocity {
                pan: d.pan * s,
                tilt: d.tilt * s,
                zoom: d.zoom * s,
            })
            .await?;
            tokio::time::sleep(STEP).await;
            self.halt().await
        })
    }

    fn home(&self, _speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            Err(VmsError::Unsupported {
                site: self.inner.label(),
                capability: "a PTZ home position (use a preset)",
            })
        })
    }

    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
        Box::pin(async move {
            Ok(self
                .list()
                .await?
                .into_iter()
                .map(|p| Preset {
                    token: p.index.to_string(),
                    name: p.name,
                })
                .collect())
        })
    }

    fn goto_preset<'a>(
        &'a self,
        token: &'a str,
        speed: f64,
    ) -> BoxFuture<'a, Result<(), VmsError>> {
        Box::pin(async move {
            let index: i64 = token.trim().parse().map_err(|_| {
                VmsError::InvalidConfig(format!("a HikCentral preset is a number, not {token:?}"))
            })?;
            self.control(0, "GOTO_PRESET", speed_of(speed), Some(index))
                .await
        })
    }

    fn save_preset<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
        Box::pin(async move {
            let used: Vec<i64> = self.list().await?.iter().map(|p| p.index).collect();
            let index =
                (1..=300)
                    .find(|i| !used.contains(i))
                    .ok_or_else(|| VmsError::Unsupported {
                        site: self.inner.label(),
                        capability: "more presets (all 300 are in use)",
                    })?;
            self.inner
                .client()?
                .call(
                    "/api/video/v1/presets/addition",
                    &json!({"cameraIndexCode": self.camera, "presetIndex": index, "presetName": name}),
                )
                .await?;
            Ok(Preset {
                token: index.to_string(),
                name: name.to_string(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(pan: f64, tilt: f64, zoom: f64) -> Velocity {
        Velocity { pan, tilt, zoom }
    }

    #[test]
    fn velocities_become_commands() {
        assert_eq!(command_of(v(-0.5, 0.0, 0.0)), Some(("LEFT", 50)));
        assert_eq!(command_of(v(1.0, 0.6, 0.0)), Some(("RIGHT_UP", 100)));
        assert_eq!(command_of(v(0.0, -0.3, 0.9)), Some(("DOWN", 30)));
        assert_eq!(command_of(v(0.0, 0.0, -0.2)), Some(("ZOOM_OUT", 20)));
        assert_eq!(command_of(v(0.0, 0.05, 0.0)), None);
        assert_eq!(command_of(v(0.001, 0.0, 0.0)), None);
        assert_eq!(speed_of(0.001), 1);
    }
}
