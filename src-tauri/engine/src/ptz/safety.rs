//! Every continuous move ends. Each move (re)arms a per-camera deadline; the
//! UI re-sends the move as a keepalive while the operator holds it. If the UI
//! falls silent (crash, lost focus without blur, a dropped pointer-up), the
//! engine sends Stop itself when the deadline passes. The device gets the
//! same deadline as its own move `Timeout`, so even a dead engine stops it.
//! Commands to one camera are serialized, so a Stop never overtakes the move
//! it is meant to end.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{PtzControl, Velocity};
use crate::vms::VmsError;

/// How long a move lasts without a keepalive (the UI re-sends every 300 ms).
pub const MOVE_DEADLINE: Duration = Duration::from_millis(1000);

struct Armed {
    generation: u64,
    timer: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Camera {
    /// Held for each device call: commands reach a camera in order.
    order: Arc<tokio::sync::Mutex<()>>,
    armed: Option<Armed>,
    /// The velocity of the move last sent (None after a stop or one-shot).
    moving: Option<Velocity>,
}

/// The engine's move supervisor for every camera.
pub struct PtzSafety {
    deadline: Duration,
    cameras: Arc<Mutex<HashMap<String, Camera>>>,
    generation: std::sync::atomic::AtomicU64,
}

impl PtzSafety {
    pub fn new(deadline: Duration) -> Self {
        Self {
            deadline,
            cameras: Arc::default(),
            generation: Default::default(),
        }
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    fn order(&self, camera: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut cams = self.cameras.lock().unwrap_or_else(|p| p.into_inner());
        cams.entry(camera.to_string()).or_default().order.clone()
    }

    /// Cancels a pending deadline stop (an explicit command replaces it).
    fn disarm(&self, camera: &str) {
        let mut cams = self.cameras.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cams.get_mut(camera) {
            c.moving = None;
            if let Some(a) = c.armed.take() {
                a.timer.abort();
            }
        }
    }

    /// Arms (or re-arms) the deadline stop of `camera`.
    fn arm(&self, camera: &str, ctl: Arc<dyn PtzControl>) {
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let cams_ref = self.cameras.clone();
        let id = camera.to_string();
        let deadline = self.deadline;
        let mut cams = self.cameras.lock().unwrap_or_else(|p| p.into_inner());
        let cam = cams.entry(id.clone()).or_default();
        let order = cam.order.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(deadline).await;
            {
                let mut cams = cams_ref.lock().unwrap_or_else(|p| p.into_inner());
                match cams.get_mut(&id) {
                    Some(c) if c.armed.as_ref().map(|a| a.generation) == Some(generation) => {
                        c.armed = None;
                        c.moving = None;
                    }
                    _ => return,
                }
            }
            let _turn = order.lock().await;
            match ctl.stop().await {
                Ok(()) => tracing::info!("PTZ {id}: no keepalive for {deadline:?}; stopped"),
                Err(e) => tracing::warn!("PTZ {id}: safety stop failed: {e}"),
            }
        });
        if let Some(old) = cam.armed.replace(Armed { generation, timer }) {
            old.timer.abort();
        }
    }

    /// Starts or keeps alive a continuous move; a zero velocity is a stop.
    pub async fn move_(
        &self,
        camera: &str,
        ctl: Arc<dyn PtzControl>,
        v: Velocity,
    ) -> Result<(), VmsError> {
        if v.is_zero() {
            return self.stop(camera, ctl).await;
        }
        let order = self.order(camera);
        let _turn = match order.clone().try_lock_owned() {
            Ok(turn) => turn,
            // the same move is still on its way to a slow device: this
            // keepalive only re-arms the deadline instead of queueing a copy
            Err(_) if self.moving(camera) == Some(v) => {
                self.arm(camera, ctl);
                return Ok(());
            }
            Err(_) => order.clone().lock_owned().await,
        };
        // armed before the call: a move that hangs is still stopped
        self.arm(camera, ctl.clone());
        self.set_moving(camera, Some(v));
        let r = ctl.continuous_move(v, self.deadline).await;
        if r.is_err() {
            self.disarm(camera);
        }
        r
    }

    fn moving(&self, camera: &str) -> Option<Velocity> {
        let cams = self.cameras.lock().unwrap_or_else(|p| p.into_inner());
        cams.get(camera).and_then(|c| c.moving)
    }

    fn set_moving(&self, camera: &str, v: Option<Velocity>) {
        let mut cams = self.cameras.lock().unwrap_or_else(|p| p.into_inner());
        cams.entry(camera.to_string()).or_default().moving = v;
    }

    pub async fn stop(&self, camera: &str, ctl: Arc<dyn PtzControl>) -> Result<(), VmsError> {
        self.disarm(camera);
        let order = self.order(camera);
        let _turn = order.lock().await;
        ctl.stop().await
    }

    /// Runs a one-shot command (step, home, preset) in the camera's order,
    /// after cancelling any running move's deadline.
    pub async fn one_shot<T>(
        &self,
        camera: &str,
        f: impl std::future::Future<Output = Result<T, VmsError>>,
    ) -> Result<T, VmsError> {
        self.disarm(camera);
        let order = self.order(camera);
        let _turn = order.lock().await;
        f.await
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Preset, Step};
    use super::*;
    use futures_util::future::BoxFuture;

    #[derive(Default)]
    struct Log(Mutex<Vec<(String, std::time::Instant)>>, Duration);

    impl Log {
        fn push(&self, s: &str) {
            self.0
                .lock()
                .unwrap()
                .push((s.into(), std::time::Instant::now()));
        }
        fn names(&self) -> Vec<String> {
            self.0
                .lock()
                .unwrap()
                .iter()
                .map(|(s, _)| s.clone())
                .collect()
        }
    }

    impl PtzControl for Log {
        fn continuous_move(&self, _: Velocity, _: Duration) -> BoxFuture<'_, Result<(), VmsError>> {
            self.push("move");
            Box::pin(async move {
                tokio::time::sleep(self.1).await;
                Ok(())
            })
        }
        fn stop(&self) -> BoxFuture<'_, Result<(), VmsError>> {
            self.push("stop");
            Box::pin(async { Ok(()) })
        }
        fn step(&self, _: Step, _: f64) -> BoxFuture<'_, Result<(), VmsError>> {
            Box::pin(async { Ok(()) })
        }
        fn home(&self, _: f64) -> BoxFuture<'_, Result<(), VmsError>> {
            Box::pin(async { Ok(()) })
        }
        fn presets(&self) -> BoxFuture<'_, Result<Vec<Preset>, VmsError>> {
            Box::pin(async { Ok(vec![]) })
        }
        fn goto_preset<'a>(&'a self, _: &'a str, _: f64) -> BoxFuture<'a, Result<(), VmsError>> {
            Box::pin(async { Ok(()) })
        }
        fn save_preset<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Preset, VmsError>> {
            Box::pin(async { Err(VmsError::InvalidConfig("x".into())) })
        }
    }

    const V: Velocity = Velocity {
        pan: 0.5,
        tilt: 0.0,
        zoom: 0.0,
    };

    #[tokio::test]
    async fn silence_stops_and_keepalives_postpone_the_stop() {
        let log = Arc::new(Log::default());
        let s = PtzSafety::new(Duration::from_millis(200));
        let t0 = std::time::Instant::now();
        for _ in 0..4 {
            s.move_("c", log.clone(), V).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(log.names(), ["move"; 4]);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(log.names(), ["move", "move", "move", "move", "stop"]);
        let stop_at = log.0.lock().unwrap()[4].1 - t0;
        assert!(stop_at >= Duration::from_millis(500), "{stop_at:?}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn keepalives_for_a_slow_device_do_not_queue_up() {
        let log = Arc::new(Log(Mutex::default(), Duration::from_millis(300)));
        let s = Arc::new(PtzSafety::new(Duration::from_millis(1000)));
        let first = {
            let (s, log) = (s.clone(), log.clone());
            tokio::spawn(async move { s.move_("c", log, V).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // two keepalives while the first move is still in flight
        s.move_("c", log.clone(), V).await.unwrap();
        s.move_("c", log.clone(), V).await.unwrap();
        first.await.unwrap().unwrap();
        s.stop("c", log.clone()).await.unwrap();
        assert_eq!(log.names(), ["move", "stop"]);
    }

    #[tokio::test]
    async fn an_explicit_stop_cancels_the_deadline_stop() {
        let log = Arc::new(Log::default());
        let s = PtzSafety::new(Duration::from_millis(100));
        s.move_("c", log.clone(), V).await.unwrap();
        s.stop("c", log.clone()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(log.names(), ["move", "stop"]);
        // a zero velocity is a stop
        s.move_("c", log.clone(), Velocity::default())
            .await
            .unwrap();
        assert_eq!(log.names(), ["move", "stop", "stop"]);
    }
}
