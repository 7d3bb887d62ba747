//! Wall time for the playback clock: the system clock, or the engine's
//! simulated [`SimClock`], either moved on whenever the clock would wait
//! (a test that runs the session's loop itself, one turn at a time) or
//! moved only by the test (a test that runs a live session on its threads),
//! so playback is deterministic whatever the machine's load and whatever
//! the time of day ("now" is the simulated clock's too).
use std::fmt;
use std::sync::{Condvar, MutexGuard};
use std::time::{Duration, Instant};

/// How often a wait on [`WallTime::Driven`] looks whether the test moved
/// time on (real time).
const DRIVEN_POLL: Duration = Duration::from_millis(2);

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
    /// Only for a loop that nothing else drives: on a session's own thread
    /// every wait moves time, and playback runs as fast as it can go.
    Simulated(&'static SimClock),
    /// A simulated clock only the test moves: a wait never moves it, it
    /// blocks (real time, at most the wait asked for) until the test has
    /// moved time past its end or the clock changed.
    Driven(&'static SimClock),
}

impl WallTime {
    /// The monotonic instant pacing is measured with.
    pub fn now(&self) -> Instant {
        match self {
            WallTime::Real => SystemClock.instant(),
            WallTime::Simulated(s) | WallTime::Driven(s) => s.instant(),
        }
    }

    /// UTC ms ("now" for playback: nothing later can be played).
    pub fn now_ms(&self) -> i64 {
        match self {
            WallTime::Real => SystemClock.now_ms(),
            WallTime::Simulated(s) | WallTime::Driven(s) => s.now_ms(),
        }
    }

    /// Waits up to `d` for `cv` (real), or moves simulated time on by `d`,
    /// or (driven) waits for `cv` until the test moved time on by `d`, at
    /// most `d` of real time.
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
            WallTime::Driven(s) => {
                let (end, real_end) = (s.elapsed().saturating_add(d), Instant::now() + d);
                let mut guard = guard;
                while s.elapsed() < end && Instant::now() < real_end {
                    let (g, r) = cv
                        .wait_timeout(guard, DRIVEN_POLL)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    guard = g;
                    if !r.timed_out() {
                        // the clock changed (or a spurious wake: the caller re-reads)
                        break;
                    }
                }
                guard
            }
        }
    }

    /// Sleeps `d` (real), or moves simulated time on by `d`, or (driven)
    /// waits until the test moved it on by `d`, at most `d` of real time.
    pub fn sleep(&self, d: Duration) {
        match self {
            WallTime::Real => SystemClock.sleep(d),
            WallTime::Simulated(s) => s.advance(d),
            WallTime::Driven(s) => {
                let (end, real_end) = (s.elapsed().saturating_add(d), Instant::now() + d);
                while s.elapsed() < end && Instant::now() < real_end {
                    std::thread::sleep(DRIVEN_POLL);
                }
            }
        }
    }
}

impl PartialEq for WallTime {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (WallTime::Real, WallTime::Real) => true,
            (WallTime::Simulated(a), WallTime::Simulated(b))
            | (WallTime::Driven(a), WallTime::Driven(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

impl fmt::Debug for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WallTime::Real => f.write_str("Real"),
            WallTime::Simulated(s) => write!(f, "Simulated({:?})", s.elapsed()),
            WallTime::Driven(s) => write!(f, "Driven({:?})", s.elapsed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn driven_waits_never_move_time_and_end_when_the_test_moves_it() {
        let sim = SimClock::leaked(1_750_000_000_000);
        let wall = WallTime::Driven(sim);
        let (m, cv) = (Mutex::new(()), Condvar::new());
        // nobody moves it: the wait ends after its real time, time unmoved
        drop(wall.wait(&cv, m.lock().unwrap(), Duration::from_millis(20)));
        wall.sleep(Duration::from_millis(20));
        assert_eq!(sim.elapsed(), Duration::ZERO);
        // the test moves it: a long wait ends long before its real time
        let pair = Arc::new((Mutex::new(()), Condvar::new()));
        let p = pair.clone();
        let t = std::thread::spawn(move || {
            let started = Instant::now();
            drop(wall.wait(&p.1, p.0.lock().unwrap(), Duration::from_secs(60)));
            started.elapsed()
        });
        while !t.is_finished() {
            sim.advance(Duration::from_secs(61));
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(t.join().unwrap() < Duration::from_secs(30));
        // the self-moving kind moves it by the wait
        let before = sim.elapsed();
        drop(WallTime::Simulated(sim).wait(&cv, m.lock().unwrap(), Duration::from_millis(40)));
        assert_eq!(sim.elapsed() - before, Duration::from_millis(40));
    }
}
