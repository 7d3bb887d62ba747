//! A worker's figures for its event lines and health endpoint: messages in
//! flight, done, dead-lettered, failed attempts (requeued), the last error,
//! and whether the broker connection is up.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

#[derive(Default)]
pub struct Stats {
    in_flight: AtomicU64,
    done: AtomicU64,
    dead_lettered: AtomicU64,
    failed: AtomicU64,
    connected: AtomicBool,
    last_error: Mutex<Option<String>>,
}

/// A copy of the figures.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub connected: bool,
    pub in_flight: u64,
    pub done: u64,
    pub dead_lettered: u64,
    /// Attempts that failed and were requeued (CMS or storage down, ...).
    pub failed: u64,
    pub last_error: Option<String>,
}

impl Stats {
    pub fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
    }
    pub fn end(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    pub fn done(&self) {
        self.done.fetch_add(1, Ordering::SeqCst);
    }
    pub fn dead(&self) {
        self.dead_lettered.fetch_add(1, Ordering::SeqCst);
    }
    pub fn failed(&self, error: &str) {
        self.failed.fetch_add(1, Ordering::SeqCst);
        self.error(error);
    }
    pub fn error(&self, error: &str) {
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
    }
    pub fn set_connected(&self, up: bool) {
        self.connected.store(up, Ordering::SeqCst);
    }
    pub fn health(&self) -> Health {
        Health {
            connected: self.connected.load(Ordering::SeqCst),
            in_flight: self.in_flight.load(Ordering::SeqCst),
            done: self.done.load(Ordering::SeqCst),
            dead_lettered: self.dead_lettered.load(Ordering::SeqCst),
            failed: self.failed.load(Ordering::SeqCst),
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}
