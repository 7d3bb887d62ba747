//! Wall time for the playback clock: the system clock, or the engine's
//! simulated [`SimClock`] moved on whenever the clock would wait, so a test
//! drives playback deterministically, whatever the machine's load and
//! whatever the time of day ("now" is the simulated clock's too).
use std::fmt;
use std::sync::{Condvar, MutexGuard};
use std::time::{Duration, Instant};

use crate::clock::{Clock, SimClock, SystemClock};

/// The simulated time playback tests drive (the engine's [`SimClock`]).
pub type SimulatedTime = SimClock;

/// Where a clock reads wall time.
#[derive(Clone, Copy, Default)]
pub enum WallTime {
    /// The system clock; waits block on the condition variable.
    #[default]
    Real,
    /// A simulated clock; a wait returns at once, the time moved on by it.
    Simulated(&'static SimClock),
}

impl WallTime {
    /// The monotonic instant pacing is measured with.
    pub fn now(&self) -> Instant {
        match self {
            WallTime::Real => SystemClock.instant(),
            WallTime::Simulated(s) => s.instant(),
        }
    }

    /// UTC ms ("now" for playback: nothing later can be played).
    pub fn now_ms(&self) -> i64 {
        match self {
            WallTime::Real => SystemClock.now_ms(),
            WallTime::Simulated(s) => s.now_ms(),
        }
    }

    /// Waits up to `d` for `cv` (real), or moves simulated time on by `d`.
    pub fn wait<'a, T>(
        &self,
        cv: &Condvar,
        guard: MutexGuard<'a, T>,
        d: Duration,
    ) -> MutexGuard<'a, T> {
        match self {
            WallTime::Real => cv
                .wait_timeout(guard, d)
                .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard),
            WallTime::Simulated(s) => {
                s.advance(d);
                guard
            }
        }
    }

    /// Sleeps `d` (real), or moves simulated time on by `d`.
    pub fn sleep(&self, d: Duration) {
        match self {
            WallTime::Real => SystemClock.sleep(d),
            WallTime::Simulated(s) => s.advance(d),
        }
    }
}

impl PartialEq for WallTime {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (WallTime::Real, WallTime::Real) => true,
            (WallTime::Simulated(a), WallTime::Simulated(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

impl fmt::Debug for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WallTime::Real => f.write_str("Real"),
            WallTime::Simulated(s) => write!(f, "Simulated({:?})", s.elapsed()),
        }
    }
}
