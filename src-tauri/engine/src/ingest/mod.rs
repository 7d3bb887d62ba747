//! Ingests: one per (camera, stream), shared by every consumer showing it.
//! An ingest runs on its own thread while anyone holds it and stops when the
//! last holder lets go. Reconnect waits are on the manager's clock.
pub mod backoff;
pub mod renditions;
pub mod status;
pub mod supervisor;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, Weak};

use tokio::sync::watch;

use crate::clock::{Bell, SharedClock};
use crate::media::source::{SourceOpener, StopFlag};
use crate::vms::registry::Registry;
use crate::vms::{StreamKind, VmsError};
pub use renditions::PictureRx;
pub use status::{State, StreamStatus};
pub use supervisor::{Control, Policy};

/// A running ingest. Dropping the last `Arc` stops it.
pub struct Ingest {
    pub id: u32,
    pub camera_id: String,
    pub stream: StreamKind,
    renditions: Arc<renditions::Renditions>,
    status: watch::Receiver<StreamStatus>,
    control: Mutex<mpsc::Sender<Control>>,
    bell: Arc<Bell>,
    stop: StopFlag,
    attempts: Arc<AtomicU32>,
}

impl Ingest {
    /// Starts an ingest thread for a source (reconnect waits on the system clock).
    pub fn start(
        id: u32,
        camera_id: &str,
        stream: StreamKind,
        opener: Arc<dyn SourceOpener>,
        policy: Policy,
        on_size: Box<dyn Fn(u32, u32) + Send>,
    ) -> Arc<Self> {
        Self::start_on(
            crate::clock::system(),
            id,
            camera_id,
            stream,
            opener,
            policy,
            on_size,
        )
    }

    /// Starts an ingest thread whose reconnect waits are on `clock`.
    pub fn start_on(
        clock: SharedClock,
        id: u32,
        camera_id: &str,
        stream: StreamKind,
        opener: Arc<dyn SourceOpener>,
        policy: Policy,
        on_size: Box<dyn Fn(u32, u32) + Send>,
    ) -> Arc<Self> {
        let (status_tx, status_rx) = watch::channel(StreamStatus::connecting());
        let bell = Bell::new();
        let (ctl_tx, ctl_rx) = mpsc::channel();
        let renditions = Arc::new(renditions::Renditions::default());
        let stop = StopFlag::default();
        let attempts = Arc::new(AtomicU32::new(0));
        let sup = supervisor::Supervisor {
            opener,
            renditions: renditions.clone(),
            status: status_tx,
            control: ctl_rx,
            bell: bell.clone(),
            clock,
            stop: stop.clone(),
            policy,
            on_size,
            attempts: attempts.clone(),
        };
        std::thread::Builder::new()
            .name(format!("ingest-{camera_id}-{}", stream.as_str()))
            .spawn(move || {
                sup.run();
                // the stream's decoder, scaler and source are dropped: give their pools back
                crate::media::heap::trim();
            })
            .expect("spawn ingest thread");
        Arc::new(Self {
            id,
            camera_id: camera_id.to_string(),
            stream,
            renditions,
            status: status_rx,
            control: Mutex::new(ctl_tx),
            bell,
            stop,
            attempts,
        })
    }

    /// Frames scaled to fit `box_`, latest first.
    pub fn subscribe(&self, box_: (u32, u32)) -> PictureRx {
        self.renditions.subscribe(box_)
    }

    pub fn status(&self) -> watch::Receiver<StreamStatus> {
        self.status.clone()
    }

    /// Open attempts so far.
    pub fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::SeqCst)
    }

    /// Wakes a parked ingest (e.g. after the credentials changed).
    pub fn retry(&self) {
        self.command(Control::Retry);
    }

    fn command(&self, c: Control) {
        let _ = self
            .control
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(c);
        self.bell.ring();
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.stop.stop();
        self.command(Control::Stop);
    }
}

/// Hands out shared ingests.
pub struct IngestManager {
    registry: Arc<Registry>,
    live: Mutex<HashMap<(String, StreamKind), Weak<Ingest>>>,
    next_id: AtomicU32,
    policy: Policy,
    clock: SharedClock,
}

impl IngestManager {
    /// Ingests whose reconnect waits are on the system clock.
    pub fn new(registry: Arc<Registry>, policy: Policy) -> Self {
        Self::with_clock(registry, policy, crate::clock::system())
    }

    /// Ingests whose reconnect waits are on `clock`.
    pub fn with_clock(registry: Arc<Registry>, policy: Policy, clock: SharedClock) -> Self {
        Self {
            registry,
            live: Mutex::new(HashMap::new()),
            next_id: AtomicU32::new(1),
            policy,
            clock,
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The ingest of (camera, stream), started if nobody holds it yet.
    pub fn acquire(&self, camera_id: &str, stream: StreamKind) -> Result<Arc<Ingest>, VmsError> {
        let key = (camera_id.to_string(), stream);
        if let Some(ing) = self.running_ingest(&key) {
            return Ok(ing);
        }
        // Resolving the source may read the OS keyring (a D-Bus round trip):
        // do it without holding the map, then re-check before starting.
        let opener = self.registry.live_source(camera_id, stream)?;
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ing) = live.get(&key).and_then(Weak::upgrade) {
            return Ok(ing);
        }
        live.retain(|_, w| w.strong_count() > 0);
        let registry = self.registry.clone();
        let cam = camera_id.to_string();
        let ing = Ingest::start_on(
            self.clock.clone(),
            self.next_id.fetch_add(1, Ordering::SeqCst),
            camera_id,
            stream,
            opener,
            self.policy.clone(),
            Box::new(move |w, h| registry.observe(&cam, stream, w, h)),
        );
        live.insert(key, Arc::downgrade(&ing));
        Ok(ing)
    }

    fn running_ingest(&self, key: &(String, StreamKind)) -> Option<Arc<Ingest>> {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .and_then(Weak::upgrade)
    }

    /// Ingests running now (for diagnostics and tests).
    pub fn running(&self) -> usize {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|w| w.strong_count() > 0)
            .count()
    }

    /// Wakes the ingests of a camera parked on a refused login (wrong
    /// credentials, a second-step PIN awaited): after its site's login
    /// passed again. Running ingests are left alone.
    pub fn retry_parked_logins(&self, camera_id: &str) {
        for (k, w) in self.live.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if k.0 != camera_id {
                continue;
            }
            if let Some(i) = w.upgrade() {
                let state = i.status.borrow().state;
                if matches!(state, State::AuthFailed | State::PinRequired) {
                    i.retry();
                }
            }
        }
    }

    /// Wakes every ingest of a camera (after its credentials changed).
    pub fn retry_camera(&self, camera_id: &str) {
        for (k, w) in self.live.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            if k.0 == camera_id {
                if let Some(i) = w.upgrade() {
                    i.retry();
                }
            }
        }
    }
}
