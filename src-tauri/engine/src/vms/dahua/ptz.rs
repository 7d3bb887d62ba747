//! PTZ of a Dahua channel with `ptz.cgi`: a continuous move is `action=start`
//! with a direction code and speeds 1..8, ended by `action=stop` with the
//! same code (the device has no move timeout: the engine's safety stop ends
//! every move); a step is start, 0.5 s, stop; zoom is ZoomTele/ZoomWide;
//! presets by `getPresets`, `GotoPreset`, `SetPreset`. A stop with no move
//! running sends nothing, so a move gets exactly one stop. There is no home
//! code (PROTOCOLS.md 5.1): home is ONVIF `GotoHomePosition` on the same
//! device ([`super::onvif_home`]), unsupported where it has no ONVIF.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::kv;
use super::site::Inner;
use super::stored::DahuaCamera;
use crate::ptz::{Preset, PtzControl, Step, Velocity};
use crate::vms::VmsError;

/// The pause of a step between start and stop.
pub const STEP: Duration = Duration::from_millis(500);

/// A running move: its code and arguments (a stop repeats the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub code: &'static str,
    pub arg1: u8,
    pub arg2: u8,
}

/// The Dahua code and speeds (1..8) of a velocity; `None` for zero.
pub fn move_of(v: Velocity) -> Option<Move> {
    let speed = |x: f64| ((x.abs() * 8.0).ceil() as u8).clamp(1, 8);
    let eps = 1e-6;
    let (p, t) = (v.pan, v.tilt);
    let m = |code, arg1, arg2| Some(Move { code, arg1, arg2 });
    match (p.abs() > eps, t.abs() > eps) {
        (true, true) => {
            let code = match (p > 0.0, t > 0.0) {
                (true, true) => "RightUp",
                (false, true) => "LeftUp",
                (true, false) => "RightDown",
                (false, false) => "LeftDown",
            };
            m(code, speed(t), speed(p))
        }
        (true, false) => m(if p > 0.0 { "Right" } else { "Left" }, 0, speed(p)),
        (false, true) => m(if t > 0.0 { "Up" } else { "Down" }, 0, speed(t)),
        (false, false) if v.zoom.abs() > eps => m(
            if v.zoom > 0.0 { "ZoomTele" } else { "ZoomWide" },
            0,
            speed(v.zoom),
        ),
        _ => None,
    }
}

pub struct DahuaPtz {
    inner: Arc<Inner>,
    cam: DahuaCamera,
    running: Mutex<Option<Move>>,
}

impl DahuaPtz {
    pub(crate) fn new(inner: Arc<Inner>, cam: DahuaCamera) -> Self {
        Self {
            inner,
            cam,
            running: Mutex::new(None),
        }
    }

    async fn send(&self, action: &str, m: &Move) -> Result<(), VmsError> {
        let cgi = self.inner.cgi()?;
        let (a1, a2) = if action == "stop" {
            (0, 0)
        } else {
            (m.arg1, m.arg2)
        };
        cgi.action(&format!(
            "ptz.cgi?action={action}&channel={}&code={}&arg1={a1}&arg2={a2}&arg3=0",
            self.inner.cgi_channel(self.cam.channel),
            m.code
        ))
        .await?;
        Ok(())
    }

    fn take_running(&self) -> Option<Move> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    async fn start(&self, m: Move) -> Result<(), VmsError> {
        if let Some(prev) = self.take_running() {
            if prev.code != m.code {
                self.send("stop", &prev).await?;
            }
        }
        // recorded before sending: a start whose answer is lost still gets its stop
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = Some(m.clone());
        self.send("start", &m).await
    }

    async fn stop_running(&self) -> Result<(), VmsError> {
        match self.take_running() {
            Some(m) => self.send("stop", &m).await,
            None => Ok(()),
        }
    }
}

impl PtzControl for DahuaPtz {
    fn continuous_move(
        &self,
        v: Velocity,
        _timeout: Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            match move_of(v) {
                Some(m) => self.start(m).await,
                None => self.stop_running().await,
            }
        })
    }

    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(self.stop_running())
    }

    fn step(&self, step: Step, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            let v = step
                .direction()
                .scaled(speed.max(0.25))
                .map_err(VmsError::InvalidConfig)?;
            let Some(m) = move_of(v) else {
                return Ok(());
            };
            self.start(m).await?;
            tokio::time::sleep(STEP).await;
            self.stop_running().await
        })
    }

    fn home(&self, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(
            async move { super::onvif_home::goto_home(&self.inner, self.cam.channel, speed).await },
        )
    }

    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
        Box::pin(async move {
            let cgi = self.inner.cgi()?;
            let t = cgi
                .get_text(&format!(
                    "ptz.cgi?action=getPresets&channel={}",
                    self.inner.cgi_channel(self.cam.channel)
                ))
                .await?;
            Ok(kv::presets(&t)
                .into_iter()
                .map(|(i, name)| Preset {
                    token: i.to_string(),
                    name: if name.is_empty() {
                        format!("Preset {i}")
                    } else {
                        name
                    },
                })
                .collect())
        })
    }

    fn goto_preset<'a>(
        &'a self,
        token: &'a str,
        _speed: f64,
    ) -> BoxFuture<'a, Result<(), VmsError>> {
        Box::pin(async move {
            let idx: u32 = token
                .parse()
                .ok()
                .filter(|i| (1..=255).contains(i))
                .ok_or_else(|| {
                    VmsError::InvalidConfig(format!("a Dahua preset is 1..255, not {token:?}"))
                })?;
            let cgi = self.inner.cgi()?;
            cgi.action(&format!(
                "ptz.cgi?action=start&channel={}&code=GotoPreset&arg1=0&arg2={idx}&arg3=0",
                self.inner.cgi_channel(self.cam.channel)
            ))
            .await?;
            Ok(())
        })
    }

    fn save_preset<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
        Box::pin(async move {
            let used: Vec<u32> = self
                .presets()
                .await?
                .iter()
                .filter_map(|p| p.token.parse().ok())
                .collect();
            let idx = (1..=255u32)
                .find(|i| !used.contains(i))
                .ok_or_else(|| VmsError::InvalidConfig("all 255 presets are in use".into()))?;
            let cgi = self.inner.cgi()?;
            cgi.action(&format!(
                "ptz.cgi?action=start&channel={}&code=SetPreset&arg1=0&arg2={idx}&arg3=0",
                self.inner.cgi_channel(self.cam.channel)
            ))
            .await?;
            Ok(Preset {
                token: idx.to_string(),
                name: name.to_string(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocities_map_to_codes_and_speeds() {
        let v = |pan, tilt, zoom| Velocity { pan, tilt, zoom };
        assert_eq!(
            move_of(v(1.0, 0.0, 0.0)).unwrap(),
            Move {
                code: "Right",
                arg1: 0,
                arg2: 8
            }
        );
        assert_eq!(move_of(v(0.0, -0.1, 0.0)).unwrap().code, "Down");
        assert_eq!(
            move_of(v(-0.5, 0.5, 0.0)).unwrap(),
            Move {
                code: "LeftUp",
                arg1: 4,
                arg2: 4
            }
        );
        assert_eq!(move_of(v(0.0, 0.0, -1.0)).unwrap().code, "ZoomWide");
        assert!(move_of(v(0.0, 0.0, 0.0)).is_none());
    }
}
