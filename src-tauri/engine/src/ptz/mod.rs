//! PTZ: the normalized command set every adapter maps to its protocol
//! (continuous move with velocities in −1..1, stop, single steps, home,
//! presets), and the engine-side [`safety`] that ends every continuous move.
pub mod engine_ops;
pub mod safety;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::vms::VmsError;

/// Pan (+ right), tilt (+ up), zoom (+ tele), each in −1..1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Velocity {
    pub pan: f64,
    pub tilt: f64,
    pub zoom: f64,
}

impl Velocity {
    /// Clamped to −1..1 and scaled by `speed` (0..1); NaN becomes 0.
    pub fn scaled(self, speed: f64) -> Result<Self, String> {
        let s = clamp_unit(speed, 0.0);
        let c = |v: f64| clamp_unit(v, -1.0) * s;
        if [self.pan, self.tilt, self.zoom, speed]
            .iter()
            .any(|v| !v.is_finite())
        {
            return Err("PTZ velocities and speed must be numbers".into());
        }
        Ok(Self {
            pan: c(self.pan),
            tilt: c(self.tilt),
            zoom: c(self.zoom),
        })
    }

    pub fn is_zero(&self) -> bool {
        self.pan == 0.0 && self.tilt == 0.0 && self.zoom == 0.0
    }
}

fn clamp_unit(v: f64, lo: f64) -> f64 {
    if v.is_finite() {
        v.clamp(lo, 1.0)
    } else {
        0.0
    }
}

/// One click on the pad (or one key press).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Step {
    Up,
    Down,
    Left,
    Right,
    ZoomIn,
    ZoomOut,
}

impl Step {
    /// The unit direction of the step.
    pub fn direction(self) -> Velocity {
        let (pan, tilt, zoom) = match self {
            Step::Up => (0.0, 1.0, 0.0),
            Step::Down => (0.0, -1.0, 0.0),
            Step::Left => (-1.0, 0.0, 0.0),
            Step::Right => (1.0, 0.0, 0.0),
            Step::ZoomIn => (0.0, 0.0, 1.0),
            Step::ZoomOut => (0.0, 0.0, -1.0),
        };
        Velocity { pan, tilt, zoom }
    }
}

/// A stored camera position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    pub token: String,
    pub name: String,
}

/// PTZ of one camera, as an adapter provides it.
pub trait PtzControl: Send + Sync {
    /// Starts (or changes) a continuous move; the device should stop by
    /// itself after `timeout` if it supports a move timeout.
    fn continuous_move(
        &self,
        v: Velocity,
        timeout: std::time::Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>>;
    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>>;
    /// One small move in a direction at `speed` (0..1).
    fn step(&self, step: Step, speed: f64) -> BoxFuture<'_, Result<(), VmsError>>;
    fn home(&self, speed: f64) -> BoxFuture<'_, Result<(), VmsError>>;
    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>>;
    fn goto_preset<'a>(&'a self, token: &'a str, speed: f64)
        -> BoxFuture<'a, Result<(), VmsError>>;
    fn save_preset<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocities_are_clamped_and_scaled() {
        let v = Velocity {
            pan: 2.0,
            tilt: -0.5,
            zoom: 0.0,
        }
        .scaled(0.5)
        .unwrap();
        assert_eq!((v.pan, v.tilt, v.zoom), (0.5, -0.25, 0.0));
        assert!(Velocity {
            pan: f64::NAN,
            ..Default::default()
        }
        .scaled(1.0)
        .is_err());
        assert!(Step::Up.direction().tilt > 0.0 && Step::ZoomOut.direction().zoom < 0.0);
    }
}
