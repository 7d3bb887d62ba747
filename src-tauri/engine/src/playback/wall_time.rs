//! Wall time for the playback clock: the machine's monotonic clock, or a
//! simulated one that jumps forward whenever the clock would wait, so a
//! test drives playback deterministically, whatever the machine's load.
use std::fmt;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Where a clock reads wall time.
#[derive(Clone, Copy, Default)]
pub enum WallTime {
    /// `Instant::now()`; waits block on the condition variable.
    #[default]
    Real,
    /// A simulated time; a wait returns at once, the time moved on by it.
    Simulated(&'static SimulatedTime),
}

impl WallTime {
    pub fn now(&self) -> Instant {
        match self {
            WallTime::Real => Instant::now(),
            WallTime::Simulated(s) => s.now(),
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

/// A wall clock that only moves when told to (or when a clock waits on it).
pub struct SimulatedTime {
    origin: Instant,
    now: Mutex<Instant>,
}

impl SimulatedTime {
    /// A new simulated time, alive for the rest of the process (tests).
    pub fn leaked() -> &'static Self {
        let origin = Instant::now();
        Box::leak(Box::new(Self {
            origin,
            now: Mutex::new(origin),
        }))
    }

    pub fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn advance(&self, d: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += d;
    }

    /// Simulated time since creation.
    pub fn elapsed(&self) -> Duration {
        self.now() - self.origin
    }
}
