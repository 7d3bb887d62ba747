//! Every continuous move ends. Each move (re)arms a per-camera deadline; the
//! UI re-sends the move as a keepalive while the operator holds it. If the UI
//! falls silent (crash, lost focus without blur, a dropped pointer-up), the
//! engine sends Stop itself when the deadline passes. The device gets the
//! same deadline as its own move `Timeout`, so even a dead engine stops it.
//! Commands to one camera are serialized, so a Stop never overtakes the move
//! it is meant to end. Deadlines run on the engine's clock (simulated in
//! tests).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{PtzControl, Velocity};
use crate::clock::SharedClock;
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
    clock: SharedClock,
    cameras: Arc<Mutex<HashMap<String, Camera>>>,
    generation: std::sync::atomic::AtomicU64,
}

impl PtzSafety {
    /// Deadlines on the system clock.
    pub fn new(deadline: Duration) -> Self {
        Self::with_clock(deadline, crate::clock::system())
    }

    /// Deadlines on `clock`.
    pub fn with_clock(deadline: Duration, clock: SharedClock) -> Self {
        Self {
            deadline,
            clock,
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
        // counted from now, not from when the task first runs
        let expiry = self.clock.sleep_async(deadline);
        let timer = tokio::spawn(async move {
            expiry.await;
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
    use crate::clock::{Clock, SimClock};
    use futures_util::future::BoxFuture;

    const T0: i64 = 1_750_000_000_000;

    /// A device that logs each command with the simulated time it came;
    /// a move takes `move_takes` of simulated time.
    struct Log {
        clock: SimClock,
        calls: Mutex<Vec<(String, i64)>>,
        move_takes: Duration,
    }

    impl Log {
        fn new(clock: &SimClock, move_takes: Duration) -> Arc<Self> {
            Arc::new(Self {
                clock: clock.clone(),
                calls: Mutex::default(),
                move_takes,
            })
        }
        fn push(&self, s: &str) {
            self.calls
                .lock()
                .unwrap()
                .push((s.into(), self.clock.now_ms()));
        }
        fn names(&self) -> Vec<String> {
            self.calls
                .lock()
                .unwrap()
                .iter()
                .map(|(s, _)| s.clone())
                .collect()
        }
        /// Lets the runtime run what is ready until `n` commands came (the
        /// real-time limit only guards against a hang).
        async fn until(&self, n: usize) {
            tokio::time::timeout(Duration::from_secs(10), async {
                while self.calls.lock().unwrap().len() < n {
                    tokio::task::yield_now().await;
                }
            })
            .await
            .expect("the command comes");
        }
    }

    /// Runs whatever is ready (timers woken by a move of simulated time).
    async fn settle() {
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
    }

    impl PtzControl for Log {
        fn continuous_move(&self, _: Velocity, _: Duration) -> BoxFuture<'_, Result<(), VmsError>> {
            self.push("move");
            let takes = self.clock.sleep_async(self.move_takes);
            Box::pin(async move {
                takes.await;
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

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test]
    async fn silence_stops_and_keepalives_postpone_the_stop() {
        let clock = SimClock::new(T0);
        let log = Log::new(&clock, Duration::ZERO);
        let s = PtzSafety::with_clock(ms(200), clock.shared());
        for _ in 0..4 {
            s.move_("c", log.clone(), V).await.unwrap();
            clock.advance(ms(100));
            settle().await;
        }
        assert_eq!(log.names(), ["move"; 4]);
        // the last keepalive came at +300 ms: the stop is due at +500 ms
        clock.advance(ms(99));
        settle().await;
        assert_eq!(log.names(), ["move"; 4], "not before the deadline");
        clock.advance(ms(1));
        log.until(5).await;
        assert_eq!(log.names(), ["move", "move", "move", "move", "stop"]);
        assert_eq!(log.calls.lock().unwrap()[4].1, T0 + 500);
    }

    #[tokio::test]
    async fn keepalives_for_a_slow_device_do_not_queue_up() {
        let clock = SimClock::new(T0);
        let log = Log::new(&clock, ms(300));
        let s = Arc::new(PtzSafety::with_clock(ms(1000), clock.shared()));
        let first = {
            let (s, log) = (s.clone(), log.clone());
            tokio::spawn(async move { s.move_("c", log, V).await })
        };
        log.until(1).await;
        clock.advance(ms(50));
        // two keepalives while the first move is still in flight
        s.move_("c", log.clone(), V).await.unwrap();
        s.move_("c", log.clone(), V).await.unwrap();
        clock.advance(ms(250));
        first.await.unwrap().unwrap();
        s.stop("c", log.clone()).await.unwrap();
        assert_eq!(log.names(), ["move", "stop"]);
        // the deadline of the keepalives was cancelled by the stop
        clock.advance(ms(5_000));
        settle().await;
        assert_eq!(log.names(), ["move", "stop"]);
    }

    #[tokio::test]
    async fn an_explicit_stop_cancels_the_deadline_stop() {
        let clock = SimClock::new(T0);
        let log = Log::new(&clock, Duration::ZERO);
        let s = PtzSafety::with_clock(ms(100), clock.shared());
        s.move_("c", log.clone(), V).await.unwrap();
        s.stop("c", log.clone()).await.unwrap();
        clock.advance(ms(200));
        settle().await;
        assert_eq!(log.names(), ["move", "stop"]);
        assert_eq!(clock.sleepers(), 0, "the cancelled deadline left no timer");
        // a zero velocity is a stop
        s.move_("c", log.clone(), Velocity::default())
            .await
            .unwrap();
        assert_eq!(log.names(), ["move", "stop", "stop"]);
    }
}
