//! The ingest thread: open the source, pull frames, publish them; on failure
//! reconnect with capped backoff and jitter; on wrong credentials report
//! "auth failed" once and park (no retry storm) until asked to retry.
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::backoff::Backoff;
use super::renditions::Renditions;
use super::status::{State, StreamStatus};
use crate::media::scale::Scaler;
use crate::media::source::{SourceOpener, StopFlag};
use crate::media::MediaError;

/// Commands to a running ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Stop,
    /// Try again now (e.g. after credentials changed).
    Retry,
}

/// Knobs of the reconnect policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Attempts with wrong credentials before parking (1 = never retried).
    pub auth_attempts: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(15),
            auth_attempts: 1,
        }
    }
}

pub struct Supervisor {
    pub opener: Arc<dyn SourceOpener>,
    pub renditions: Arc<Renditions>,
    pub status: watch::Sender<StreamStatus>,
    pub control: Receiver<Control>,
    pub stop: StopFlag,
    pub policy: Policy,
    pub on_size: Box<dyn Fn(u32, u32) + Send>,
    /// Counts every open attempt (tests read it to prove retries are bounded).
    pub attempts: Arc<std::sync::atomic::AtomicU32>,
}

enum Wait {
    Elapsed,
    Retry,
    Stop,
}

impl Supervisor {
    fn set(&self, state: State, reason: Option<String>) {
        let next = StreamStatus::new(state, reason);
        self.status.send_if_modified(|cur| {
            let changed = *cur != next;
            *cur = next.clone();
            changed
        });
    }

    fn wait(&self, d: Option<Duration>) -> Wait {
        let r = match d {
            Some(d) => self.control.recv_timeout(d),
            None => self
                .control
                .recv()
                .map_err(|_| RecvTimeoutError::Disconnected),
        };
        match r {
            Ok(Control::Retry) => Wait::Retry,
            Ok(Control::Stop) | Err(RecvTimeoutError::Disconnected) => Wait::Stop,
            Err(RecvTimeoutError::Timeout) if self.stop.is_stopped() => Wait::Stop,
            Err(RecvTimeoutError::Timeout) => Wait::Elapsed,
        }
    }

    pub fn run(self) {
        let mut backoff = Backoff::new(self.policy.backoff_base, self.policy.backoff_cap);
        let mut scaler = Scaler::default();
        let mut auth_failures = 0u32;
        let mut seq = 0u32;
        let mut last_error: Option<String> = None;
        loop {
            if self.stop.is_stopped() {
                break;
            }
            match &last_error {
                None => self.set(State::Connecting, None),
                Some(reason) => self.set(State::Reconnecting, Some(reason.clone())),
            }
            self.attempts
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let result: Result<std::convert::Infallible, MediaError> =
                self.opener.open(self.stop.clone()).and_then(|mut src| {
                    let mut first = true;
                    loop {
                        let frame = src.next_frame()?;
                        if first {
                            first = false;
                            (self.on_size)(frame.frame.width(), frame.frame.height());
                            self.set(State::Live, None);
                            backoff.reset();
                            auth_failures = 0;
                        }
                        seq = seq.wrapping_add(1);
                        self.renditions.publish(&mut scaler, &frame, seq)?;
                        if self.stop.is_stopped() {
                            return Err(MediaError::Stopped);
                        }
                    }
                });
            let err = match result {
                Err(MediaError::Stopped) => break,
                Err(e) if self.stop.is_stopped() => {
                    tracing::debug!("{}: stopped ({e})", self.opener.describe());
                    break;
                }
                Err(e) => e,
                Ok(never) => match never {},
            };
            let reason = crate::secrets::redact::redact_text(&err.to_string());
            if err.is_auth() {
                auth_failures += 1;
                tracing::warn!("{reason}");
                self.set(State::AuthFailed, Some(reason));
                last_error = None;
                let wait = if auth_failures >= self.policy.auth_attempts {
                    None // parked: only Retry or Stop wakes it
                } else {
                    Some(backoff.next_delay())
                };
                match self.wait(wait) {
                    Wait::Stop => break,
                    Wait::Retry => auth_failures = 0,
                    Wait::Elapsed => {}
                }
                continue;
            }
            tracing::info!("{reason}; reconnecting");
            self.set(State::Reconnecting, Some(reason.clone()));
            last_error = Some(reason);
            if let Wait::Stop = self.wait(Some(backoff.next_delay())) {
                break;
            }
        }
        self.set(State::Stopped, None);
    }
}
