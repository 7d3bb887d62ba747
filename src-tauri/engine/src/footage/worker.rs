//! The worker loop: claims due jobs (bounded parallelism), runs each on a
//! blocking thread with a heartbeat renewing its lease, and waits for the
//! next due time, a wake-up (a new case) or a finished job; never a fixed
//! sleep. Due times, retries, leases and waits are on the configured clock
//! ([`WorkerConfig::with_clock`]; the system's by default). A job whose footage is not yet recorded goes back to pending with
//! exponential backoff, up to a limit. The worker never recovers a job it
//! is still running, however long a step takes.
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, Notify};
use tokio::task::JoinSet;

use super::job_run::run_job;
use super::jobs::Lessee;
use super::lease::{Heartbeat, Lease, LeaseConfig};
use super::{FootageError, FootageEvent, JobView, RecordingLookup};
use crate::clock::SharedClock;
use crate::error::HasKind;
use crate::media::source::StopFlag;
use crate::store::Store;

/// Backoff for jobs that cannot finish yet.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_ms: i64,
    pub max_ms: i64,
    /// Give up this long after the job first became due, once at least
    /// `min_attempts` were made (storage errors never give up: the job is
    /// kept until the media root is fixed).
    pub give_up_after_ms: i64,
    pub min_attempts: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_ms: 500,
            max_ms: 30_000,
            give_up_after_ms: 10 * 60_000,
            min_attempts: 3,
        }
    }
}

impl RetryPolicy {
    pub fn delay_ms(&self, attempts: i64) -> i64 {
        let n = attempts.clamp(1, 30) - 1;
        (self.first_ms.saturating_mul(1i64 << n.min(20))).min(self.max_ms)
    }
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs (cameras) processed at once.
    pub parallel: usize,
    pub retry: RetryPolicy,
    /// libx264 preset for encoded clips.
    pub preset: String,
    /// Overrides the stored media root.
    pub media_root: Option<PathBuf>,
    /// Longest wait between looks at the queue (other processes add jobs).
    pub poll_ms: u64,
    /// Lease length and the worker's clock (tests shorten or simulate them).
    pub lease: LeaseConfig,
}

impl WorkerConfig {
    /// The same settings on `clock` (scheduling, retries, leases, heartbeats).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.lease.clock = clock;
        self
    }

    /// The clock the worker runs on.
    pub fn clock(&self) -> &SharedClock {
        &self.lease.clock
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            parallel: 4,
            retry: RetryPolicy::default(),
            preset: "ultrafast".into(),
            media_root: None,
            poll_ms: 1_000,
            lease: LeaseConfig::default(),
        }
    }
}

/// When `run` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Until stopped.
    Forever,
    /// Until no job is due now and none is running.
    Once,
    /// Until no job is pending or running (waits for retries).
    UntilIdle,
}

pub struct FootageWorker {
    pub(super) store: Arc<Store>,
    pub(super) lookup: Arc<dyn RecordingLookup>,
    pub(super) cfg: WorkerConfig,
    pub(super) who: Lessee,
    events: broadcast::Sender<FootageEvent>,
    wake: Notify,
    pub(super) stop: StopFlag,
    /// Tokens of the claims this worker is running now.
    running_here: Mutex<HashSet<String>>,
}

/// Keeps a claim's token in the worker's running set until dropped.
struct RunningHere<'a> {
    set: &'a Mutex<HashSet<String>>,
    token: String,
}

impl<'a> RunningHere<'a> {
    fn enter(set: &'a Mutex<HashSet<String>>, token: &str) -> Self {
        set.lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token.to_string());
        Self {
            set,
            token: token.to_string(),
        }
    }
}

impl Drop for RunningHere<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.token);
    }
}

impl FootageWorker {
    pub fn new(
        store: Arc<Store>,
        lookup: Arc<dyn RecordingLookup>,
        cfg: WorkerConfig,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            lookup,
            cfg,
            who: Lessee::new(),
            events: broadcast::channel(256).0,
            wake: Notify::new(),
            stop: StopFlag::default(),
            running_here: Mutex::new(HashSet::new()),
        })
    }

    /// Returns jobs of dead processes and lapsed leases to pending, except
    /// the ones this worker is running.
    fn recover(&self) -> Result<Vec<i64>, FootageError> {
        let here = self
            .running_here
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Ok(self.store.recover_footage_jobs(&self.cfg.lease, &here)?)
    }

    /// The clock the worker schedules on.
    pub fn clock(&self) -> &SharedClock {
        self.cfg.clock()
    }

    /// Whether a job runs here now (its heartbeat included; tests move
    /// simulated time only while nothing runs).
    pub fn busy(&self) -> bool {
        !self
            .running_here
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Job changes as they happen (status, progress, media).
    pub fn subscribe(&self) -> broadcast::Receiver<FootageEvent> {
        self.events.subscribe()
    }

    /// Look at the queue now (a case was created or a job retried).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Asks running jobs to stop (they go back to pending) and `run` to return.
    pub fn shutdown(&self) {
        self.stop.stop();
        self.wake.notify_one();
    }

    pub(super) fn emit(&self, id: i64) {
        if let Ok(Some(job)) = self.store.footage_job(id) {
            let _ = self.events.send(FootageEvent { job });
        }
    }

    /// Runs jobs until `mode` says stop; returns how many jobs finished
    /// (done or failed) in this run.
    pub async fn run(self: &Arc<Self>, mode: RunMode) -> Result<usize, FootageError> {
        for id in self.recover()? {
            tracing::info!("footage job {id}: recovered from a worker that stopped");
            self.emit(id);
        }
        let mut running: JoinSet<()> = JoinSet::new();
        let mut finished = 0usize;
        loop {
            if self.stop.is_stopped() {
                break;
            }
            // jobs of a worker that died meanwhile (another process) come back
            for id in self.recover()? {
                tracing::info!("footage job {id}: recovered from a worker that stopped");
            }
            let free = self.cfg.parallel.max(1).saturating_sub(running.len());
            let claimed = self
                .store
                .claim_footage_jobs(&self.who, &self.cfg.lease, free)?;
            for (job, lease) in claimed {
                self.emit(job.id);
                // in the running set before the next recovery looks
                self.running_here
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(lease.token.clone());
                let me = self.clone();
                running.spawn_blocking(move || me.process(job, lease));
            }
            let next_due = self.store.next_footage_due()?;
            let now = self.cfg.lease.now_ms();
            if running.is_empty() {
                let idle = match mode {
                    RunMode::Forever => false,
                    RunMode::Once => next_due.is_none_or(|d| d > now),
                    RunMode::UntilIdle => self.store.open_footage_jobs()? == 0,
                };
                if idle {
                    break;
                }
            }
            let wait = next_due
                .map(|d| (d - now).max(0) as u64)
                .unwrap_or(u64::MAX)
                .min(self.cfg.poll_ms);
            let full = running.len() >= self.cfg.parallel.max(1);
            tokio::select! {
                Some(_) = running.join_next(), if !running.is_empty() => finished += 1,
                _ = self.wake.notified() => {}
                _ = self.cfg.clock().sleep_async(Duration::from_millis(wait)), if !full => {}
            }
            // also reap every job that finished meanwhile
            while let Some(r) = running.try_join_next() {
                let _ = r;
                finished += 1;
            }
        }
        while running.join_next().await.is_some() {
            finished += 1;
        }
        Ok(finished)
    }

    /// Runs one claimed job to done, retry or failure (blocking thread),
    /// renewing its lease on a heartbeat thread meanwhile.
    fn process(&self, job: JobView, lease: Lease) {
        let id = job.id;
        // dropped last: the job stays ours until its outcome is written
        let _here = RunningHere::enter(&self.running_here, &lease.token);
        let lost = Arc::new(AtomicBool::new(false));
        let _heartbeat = Heartbeat::start(
            self.store.clone(),
            lease.clone(),
            self.cfg.lease.clone(),
            lost.clone(),
        );
        let result = run_job(self, &job, &lease, &lost);
        let outcome = match result {
            Ok(media) => match self
                .store
                .complete_footage_job(&lease, &self.cfg.lease, &media)
            {
                Ok(true) => {
                    tracing::info!("footage job {id}: done {}", media.path);
                    Ok(())
                }
                Ok(false) => {
                    tracing::warn!("footage job {id}: lease lost before completion");
                    Ok(())
                }
                Err(e) => Err(FootageError::Store(e)),
            },
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            let now = self.cfg.lease.now_ms();
            let first_due = self
                .store
                .footage_job_first_due(id)
                .unwrap_or(job.due_at_ms);
            let attempts = job.attempts.max(1);
            let retry = if matches!(e, FootageError::Stopped) {
                Some(now)
            } else if e.keeps_job()
                || (e.retryable()
                    && (attempts < self.cfg.retry.min_attempts
                        || now - first_due < self.cfg.retry.give_up_after_ms))
            {
                Some(now + self.cfg.retry.delay_ms(attempts))
            } else {
                None
            };
            let ui = e.to_ui();
            let kind = serde_json::to_value(ui.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "internal".into());
            match retry {
                Some(_) => tracing::info!("footage job {id}: will retry: {}", ui.message),
                None => tracing::warn!("footage job {id}: failed: {}", ui.message),
            }
            match self
                .store
                .release_footage_job(&lease, &self.cfg.lease, &kind, &ui.message, retry)
            {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "footage job {id}: lease lost; the attempt that took it over owns the job"
                ),
                Err(se) => tracing::error!("footage job {id}: cannot record the outcome: {se}"),
            }
        }
        self.emit(id);
    }
}
