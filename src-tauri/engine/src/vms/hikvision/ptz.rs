//! ISAPI PTZ of one channel (PROTOCOLS.md 3.7): continuous moves with
//! velocities in -100..100 (the range `capabilities` states) and stop as a
//! move of zeros; steps as `momentary` moves the device ends itself (or a
//! short continuous move and a stop where it has no momentary); presets
//! list/go/save; home. ISAPI moves have no timeout, so the engine's safety
//! stop ([`crate::ptz::safety`]) is what ends a move the UI forgets.
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Method;

use super::site::{Inner, StoredPtz};
use super::xml::{escape, parse_presets};
use crate::ptz::{Preset, PtzControl, Step, Velocity};
use crate::vms::VmsError;

/// How long a step moves (the device stops by itself).
pub const STEP_MS: u32 = 500;

pub struct HikPtz {
    inner: Arc<Inner>,
    channel: u32,
    caps: StoredPtz,
}

/// `<PTZData>` of a velocity in -1..1 on a device whose range is ±`max`.
pub fn ptz_data(v: Velocity, max: i32, momentary_ms: Option<u32>) -> String {
    let s = |x: f64| ((x.clamp(-1.0, 1.0) * max as f64).round() as i32).clamp(-max, max);
    let momentary = momentary_ms
        .map(|d| {
            format!(
                "<Momentary><duration>{}</duration></Momentary>",
                d.min(60_000)
            )
        })
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><PTZData version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><pan>{}</pan><tilt>{}</tilt><zoom>{}</zoom>{momentary}</PTZData>",
        s(v.pan),
        s(v.tilt),
        s(v.zoom)
    )
}

impl HikPtz {
    pub(crate) fn new(inner: Arc<Inner>, channel: u32, caps: StoredPtz) -> Self {
        Self {
            inner,
            channel,
            caps,
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/ISAPI/PTZCtrl/channels/{}/{rest}", self.channel)
    }

    async fn put(&self, rest: &str, body: String) -> Result<String, VmsError> {
        let client = self.inner.client().await?;
        Ok(self
            .inner
            .forget_on(client.call(Method::PUT, &self.path(rest), Some(body)).await)
            .await?)
    }

    async fn continuous(&self, v: Velocity) -> Result<(), VmsError> {
        self.put("continuous", ptz_data(v, self.caps.max_speed, None))
            .await
            .map(drop)
    }

    fn unsupported(&self, what: &'static str) -> VmsError {
        VmsError::Unsupported {
            site: self.inner.label(),
            capability: what,
        }
    }
}

fn preset_id(token: &str) -> Result<u32, VmsError> {
    token
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=1024).contains(n))
        .ok_or_else(|| VmsError::InvalidConfig(format!("no such preset {token:?}")))
}

impl PtzControl for HikPtz {
    fn continuous_move(
        &self,
        v: Velocity,
        _timeout: Duration,
    ) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            if !self.caps.continuous {
                return Err(self.unsupported("continuous PTZ"));
            }
            self.continuous(v).await
        })
    }

    fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move { self.continuous(Velocity::default()).await })
    }

    fn step(&self, step: Step, speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            let d = step.direction();
            let s = if speed.is_finite() {
                speed.clamp(0.05, 1.0)
            } else {
                0.5
            };
            let v = Velocity {
                pan: d.pan * s,
                tilt: d.tilt * s,
                zoom: d.zoom * s,
            };
            if self.caps.momentary {
                return self
                    .put("momentary", ptz_data(v, self.caps.max_speed, Some(STEP_MS)))
                    .await
                    .map(drop);
            }
            if !self.caps.continuous {
                return Err(self.unsupported("PTZ steps"));
            }
            self.continuous(v).await?;
            tokio::time::sleep(Duration::from_millis(u64::from(STEP_MS))).await;
            self.continuous(Velocity::default()).await
        })
    }

    fn home(&self, _speed: f64) -> BoxFuture<'_, Result<(), VmsError>> {
        Box::pin(async move {
            if !self.caps.home {
                return Err(self.unsupported("a PTZ home position"));
            }
            self.put("homeposition/goto", String::new()).await.map(drop)
        })
    }

    fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
        Box::pin(async move {
            let client = self.inner.client().await?;
            let path = self.path("presets");
            let text = self.inner.forget_on(client.get(&path).await).await?;
            let list =
                parse_presets(&text).map_err(|e| client.parse_error(&format!("GET {path}"), e))?;
            Ok(list
                .into_iter()
                .map(|p| Preset {
                    token: p.id.to_string(),
                    name: if p.name.is_empty() {
                        format!("Preset {}", p.id)
                    } else {
                        p.name
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
            let id = preset_id(token)?;
            self.put(&format!("presets/{id}/goto"), String::new())
                .await
                .map(drop)
        })
    }

    fn save_preset<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
        Box::pin(async move {
            let name = name.trim();
            if name.is_empty() {
                return Err(VmsError::InvalidConfig("a preset needs a name".into()));
            }
            let taken: Vec<u32> = self
                .presets()
                .await?
                .iter()
                .filter_map(|p| p.token.parse().ok())
                .collect();
            let id = (1..=255u32)
                .find(|i| !taken.contains(i))
                .ok_or_else(|| VmsError::InvalidConfig("every preset number is in use".into()))?;
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><PTZPreset version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><enabled>true</enabled><id>{id}</id><presetName>{}</presetName></PTZPreset>",
                escape(name)
            );
            self.put(&format!("presets/{id}"), body).await?;
            Ok(Preset {
                token: id.to_string(),
                name: name.to_string(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn velocities_map_to_the_device_range() {
        let v = Velocity {
            pan: 0.5,
            tilt: -2.0,
            zoom: 0.0,
        };
        let d = ptz_data(v, 100, None);
        assert!(
            d.contains("<pan>50</pan><tilt>-100</tilt><zoom>0</zoom></PTZData>"),
            "{d}"
        );
        assert!(ptz_data(v, 100, Some(90_000)).contains("<duration>60000</duration>"));
        assert!(preset_id("3").is_ok() && preset_id("x").is_err() && preset_id("0").is_err());
    }
}
