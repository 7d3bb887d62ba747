//! Leases on footage jobs: the clock they are measured with (the engine's
//! [`crate::clock`]: the system's, or a simulated one in tests; the worker
//! schedules on the same clock), how long they last, the token that names
//! one claim (one attempt), and the heartbeat that renews a running job's
//! lease on its own thread, whatever the job is doing.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::Bell;
pub use crate::clock::{Clock, SharedClock, SimClock, SystemClock};
use crate::store::Store;

/// A lease lasts this long unless renewed.
pub const LEASE_MS: i64 = 30_000;

/// How leases are measured and how long they last. The clock is also the
/// worker's: due times, retries and heartbeats run on it.
#[derive(Debug, Clone)]
pub struct LeaseConfig {
    pub duration_ms: i64,
    pub clock: SharedClock,
}

impl Default for LeaseConfig {
    fn default() -> Self {
        Self {
            duration_ms: LEASE_MS,
            clock: crate::clock::system(),
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

/// Renews a lease every [`LeaseConfig::heartbeat_every`] (on the lease's
/// clock) on its own thread until dropped; notes in `lost` when the lease
/// was taken over.
pub struct Heartbeat {
    stop: Arc<Bell>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    pub fn start(store: Arc<Store>, lease: Lease, cfg: LeaseConfig, lost: Arc<AtomicBool>) -> Self {
        let stop = Bell::new();
        let bell = stop.clone();
        let every = cfg.heartbeat_every();
        let id = lease.job_id;
        let thread = std::thread::Builder::new()
            .name(format!("footage-lease-{id}"))
            .spawn(move || loop {
                if cfg.clock.wait(every, &bell) {
                    return; // stopped
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
                stop,
                thread: Some(t),
            },
            Err(e) => {
                // without a heartbeat the lease may lapse; the token still
                // keeps a stale attempt from writing
                tracing::error!("footage job {id}: no heartbeat thread: {e}");
                Self { stop, thread: None }
            }
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.ring();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
