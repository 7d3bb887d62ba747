//! PTZ of a DSS channel: pan/tilt as `DMS/Ptz/OperateDirect` (direction
//! codes 1..8, steps 1..8, command "1" start / "0" stop), zoom as
//! `DMS/Ptz/OperateCamera` (operateType "1", direct "1" tele / "2" wide).
//! A stop repeats the parameters of the moves it ends (PROTOCOLS.md 5.3).
//! DSS moves never stop by themselves: the engine's safety stop ends every
//! continuous move; a step is a short move and its stop. No presets or home
//! (the API for them was not found publicly).
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::session::API;
use super::site::Inner;
use crate::ptz::{Preset, PtzControl, Step, Velocity};
use crate::vms::VmsError;

/// How long a step moves.
const STEP_MOVE: Duration = Duration::from_millis(300);

/// One started move: the call and the body a stop repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub path: &'static str,
    pub data: Value,
}

/// DSS direction code of a pan/tilt velocity, if it moves.
pub fn direction(pan: f64, tilt: f64) -> Option<&'static str> {
    let h = if pan > 0.0 {
        1
    } else if pan < 0.0 {
        -1
    } else {
        0
    };
    let v = if tilt > 0.0 {
        1
    } else if tilt < 0.0 {
        -1
    } else {
        0
    };
    Some(match (h, v) {
        (0, 1) => "1",
        (0, -1) => "2",
        (-1, 0) => "3",
        (1, 0) => "4",
        (-1, 1) => "5",
        (-1, -1) => "6",
        (1, 1) => "7",
        (1, -1) => "8",
        _ => return None,
    })
}

/// A speed in 0..1 as a DSS step 1..8.
pub fn step_of(speed: f64) -> u8 {
    let s = if speed.is_finite() { speed.abs() } else { 0.0 };
    ((s * 8.0).ceil() as u8).clamp(1, 8)
}

/// The moves (command "1") of a velocity: pan/tilt and zoom separately.
pub fn moves(channel: &str, v: Velocity) -> Vec<Move> {
    let mut out = Vec::new();
    if let Some(d) = direction(v.pan, v.tilt) {
        out.push(Move {
            path: "DMS/Ptz/OperateDirect",
            data: json!({
                "channelId": channel,
                "direct": d,
                "stepX": step_of(v.pan).to_string(),
                "stepY": step_of(v.tilt).to_string(),
                "command": "1",
                "extend": "",
            }),
        });
    }
    if v.zoom != 0.0 {
        out.push(Move {
            path: "DMS/Ptz/OperateCamera",
            data: json!({
                "channelId": channel,
                "operateType": "1",
                "direct": if v.zoom > 0.0 { "1" } else { "2" },
                "step": step_of(v.zoom).to_string(),
                "command": "1",
                "extend": "",
            }),
        });
    }
    out
}

pub struct DssPtz {
    inner: Arc<Inner>,
    channel: String,
}

impl DssPtz {
    pub(crate) fn new(inner: Arc<Inner>, channel: String) -> Self {
        Self { inner, channel }
    }

    /// The moves of this channel started and not yet stopped.
    fn running(&self) -> Vec<Move> {
        let all = self
            .inner
            .ptz_moves
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        all.get(&self.channel).cloned().unwrap_or_default()
    }

    fn set_running(&self, moves: Vec<Move>) {
        let mut all = self
            .inner
            .ptz_moves
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if moves.is_empty() {
            all.remove(&self.channel);
        } else {
            all.insert(self.channel.clone(), moves);
        }
    }

    async fn send(&self, m: &Move, command: &str) -> Result<(), VmsError> {
        let mut data = m.data.clone();
        data["command"] = json!(command);
        let out = self
            .inner
            .session
            .call(
                reqwest::Method::POST,
                &format!("{API}/{}", m.path),
                &json!({ "data": data }),
            )
            .await?;
        // another operator holds the PTZ lock
        if out.get("result").and_then(Value::as_str) == Some("0") {
            return Err(VmsError::Site {
                site: self.inner.session.site().to_string(),
                reason: format!(
                    "PTZ of {} is locked by another user{}",
                    self.channel,
                    out.get("lockUser")
                        .and_then(Value::as_str)
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                ),
            });
        }
        Ok(())
    }

    async fn start(&self, v: Velocity) -> Result<(), VmsError> {
        let want = moves(&self.channel, v);
        // a changed move first stops the one it replaces
        let old: Vec<Move> = self
            .running()
            .into_iter()
            .filter(|m| !want.contains(m))
            .collect();
        for m in &old {
            self.send(m, "0").await?;
        }
        for m in &want {
            self.send(m, "1").await?;
        }
        self.set_running(want);
        Ok(())
    }

    async fn stop_all(&self) -> Result<(), VmsError> {
        let running = self.running();
        self.set_running(Vec::new());
        if running.is_empty() {
            // nothing known to be moving: stop pan/tilt anyway (the stop of
            // an engine that lost track), with neutral parameters
            let m = Move {
                path: "DMS/Ptz/OperateDirect",
                data: json!({"channelId": self.channel, "direct": "1", "stepX": "1",
                    "stepY": "1", "command": "0", "extend": ""}),
            };
            return self.send(&m, "0").await;
        }
        let mut first_err = None;
        for m in &running {
            if let Err(e) = self.send(m, "0").await {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    fn unsupported(&self, what: &'static str) -> VmsError {
        VmsError::Unsupported {
            site: self.inner.session.site().to_string(),
            capability: what,
        }
    }
}

impl PtzControl for DssPtz {
    fn continuous_move(
        &self,
        v: Velocity,
        _timeout: Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            if v.is_zero() {
                self.stop_all().await
            } else {
                self.start(v).await
            }
        })
    }

    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(self.stop_all())
    }

    fn step(&self, step: Step, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            let d = step.direction();
            let s = speed.clamp(0.05, 1.0);
            self.start(Velocity {
                pan: d.pan * s,
                tilt: d.tilt * s,
                zoom: d.zoom * s,
            })
            .await?;
            tokio::time::sleep(STEP_MOVE).await;
            self.stop_all().await
        })
    }

    fn home(&self, _speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move { Err(self.unsupported("PTZ home")) })
    }

    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
        Box::pin(async move { Err(self.unsupported("PTZ presets")) })
    }

    fn goto_preset<'a>(
        &'a self,
        _token: &'a str,
        _speed: f64,
    ) -> BoxFuture<'a, Result<(), VmsError>> {
        Box::pin(async move { Err(self.unsupported("PTZ presets")) })
    }

    fn save_preset<'a>(&'a self, _name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
        Box::pin(async move { Err(self.unsupported("PTZ presets")) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocities_map_to_direction_codes_and_steps() {
        assert_eq!(direction(0.0, 1.0), Some("1"));
        assert_eq!(direction(0.0, -0.2), Some("2"));
        assert_eq!(direction(-1.0, 0.0), Some("3"));
        assert_eq!(direction(1.0, 0.0), Some("4"));
        assert_eq!(direction(-1.0, 1.0), Some("5"));
        assert_eq!(direction(-1.0, -1.0), Some("6"));
        assert_eq!(direction(1.0, 1.0), Some("7"));
        assert_eq!(direction(1.0, -1.0), Some("8"));
        assert_eq!(direction(0.0, 0.0), None);
        assert_eq!(
            (step_of(0.0), step_of(0.5), step_of(1.0), step_of(9.0)),
            (1, 4, 8, 8)
        );
        let m = moves(
            "c",
            Velocity {
                pan: 0.5,
                tilt: 0.0,
                zoom: -1.0,
            },
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].data["direct"], "4");
        assert_eq!(m[1].data["direct"], "2");
    }
}
