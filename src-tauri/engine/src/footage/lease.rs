//! Leases on footage jobs: the clock they are measured with (the system's,
//! or a simulated one in tests), how long they last, the token that names
//! one claim (one attempt), and the heartbeat that renews a running job's
//! lease on its own thread, whatever the job is doing.
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::store::Store;

/// A lease lasts this long unless renewed.
pub const LEASE_MS: i64 = 30_000;

/// Where lease times come from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::store::now_ms()
    }
}

/// A clock that stands still until told to move (tests).
#[derive(Debug)]
pub struct SimClock(AtomicI64);

impl SimClock {
    pub fn new(start_ms: i64) -> Self {
        Self(AtomicI64::new(start_ms))
    }
    /// Moves the clock forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// How leases are measured and how long they last.
#[derive(Debug, Clone)]
pub struct LeaseConfig {
    pub duration_ms: i64,
    pub clock: Arc<dyn Clock>,
}

impl Default for LeaseConfig {
    fn default() -> Self {
        Self {
            duration_ms: LEASE_MS,
            clock: Arc::new(SystemClock),
        }
    }
}

impl LeaseConfig {
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
    /// The expiry of a lease taken or renewed now.
    pub fn until_ms(&self) -> i64 {
        self.now_ms().saturating_add(self.duration_ms.max(1))
    }
    /// How often a running job's lease is renewed (a third of its length,
    /// so two renewals can be missed before it lapses).
    pub fn heartbeat_every(&self) -> Duration {
        Duration::from_millis((self.duration_ms / 3).max(1) as u64)
    }
}

/// One claim of a job: only the holder of the current token may renew,
/// finish or fail it, or rename files into place for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub job_id: i64,
    pub token: String,
}

/// A fresh claim token (16 hex digits; also names the attempt's partial files).
pub fn new_token() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Renews a lease every [`LeaseConfig::heartbeat_every`] on its own thread
/// until dropped; notes in `lost` when the lease was taken over.
pub struct Heartbeat {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    pub fn start(store: Arc<Store>, lease: Lease, cfg: LeaseConfig, lost: Arc<AtomicBool>) -> Self {
        let (tx, rx) = mpsc::channel::<()>();
        let every = cfg.heartbeat_every();
        let id = lease.job_id;
        let thread = std::thread::Builder::new()
            .name(format!("footage-lease-{id}"))
            .spawn(move || loop {
                match rx.recv_timeout(every) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
                match store.renew_footage_job(&lease, &cfg, None) {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!("footage job {}: lease lost", lease.job_id);
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(e) => tracing::warn!("footage job {}: renewing: {e}", lease.job_id),
                }
            });
        match thread {
            Ok(t) => Self {
                stop: Some(tx),
                thread: Some(t),
            },
            Err(e) => {
                // without a heartbeat the lease may lapse; the token still
                // keeps a stale attempt from writing
                tracing::error!("footage job {id}: no heartbeat thread: {e}");
                Self {
                    stop: None,
                    thread: None,
                }
            }
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
