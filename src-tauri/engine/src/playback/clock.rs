//! The playback clock: recording time as a function of wall time (anchor,
//! speed, paused). One clock drives every tile of a synchronized group; each
//! discontinuity (seek, step, direction change, gap skip) bumps the epoch so
//! the tiles reposition their readers.
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::media::source::now_ms;

/// The speeds an operator can pick (negative = reverse).
pub const SPEEDS: [f64; 11] = [-4.0, -3.0, -2.0, -1.0, 0.5, 1.0, 2.0, 3.0, 4.0, 8.0, 16.0];

pub fn valid_speed(speed: f64) -> bool {
    SPEEDS.contains(&speed)
}

/// Why the clock last changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cause {
    Start,
    Seek,
    Step,
    Speed,
    Pause,
    Play,
    GapSkip {
        from_ms: i64,
        to_ms: i64,
    },
    End,
    /// A tile waited for a server that sends in real time.
    Stall,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockState {
    pos: i64,
    at: Instant,
    pub speed: f64,
    pub paused: bool,
    /// Bumped on every discontinuity.
    pub epoch: u64,
    pub cause: Cause,
    /// The session that caused the last change (0: none).
    pub origin: u64,
}

impl ClockState {
    /// Recording time at wall instant `now`.
    pub fn position_at(&self, now: Instant) -> i64 {
        if self.paused {
            self.pos
        } else {
            let dt = now.saturating_duration_since(self.at).as_secs_f64() * 1000.0;
            self.pos + (dt * self.speed).round() as i64
        }
    }

    pub fn position(&self) -> i64 {
        self.position_at(Instant::now())
    }

    pub fn forward(&self) -> bool {
        self.speed > 0.0
    }
}

pub struct Clock {
    state: Mutex<ClockState>,
    cv: Condvar,
    tx: watch::Sender<ClockState>,
}

impl Clock {
    pub fn new(pos: i64, speed: f64, paused: bool) -> Self {
        let s = ClockState {
            pos: pos.min(now_ms()),
            at: Instant::now(),
            speed,
            paused,
            epoch: 1,
            cause: Cause::Start,
            origin: 0,
        };
        Self {
            state: Mutex::new(s),
            cv: Condvar::new(),
            tx: watch::channel(s).0,
        }
    }

    pub fn state(&self) -> ClockState {
        *self.state.lock().expect("clock lock")
    }

    /// Every change, for the sockets that report the clock to the UI.
    pub fn subscribe(&self) -> watch::Receiver<ClockState> {
        self.tx.subscribe()
    }

    fn update(&self, origin: u64, cause: Cause, f: impl FnOnce(&mut ClockState) -> bool) {
        let mut s = self.state.lock().expect("clock lock");
        let now = Instant::now();
        s.pos = s.position_at(now);
        s.at = now;
        if f(&mut s) {
            s.epoch += 1;
        }
        s.cause = cause;
        s.origin = origin;
        self.tx.send_replace(*s);
        self.cv.notify_all();
    }

    /// Jumps to `t_ms` (never past now).
    pub fn seek(&self, t_ms: i64, origin: u64) {
        self.update(origin, Cause::Seek, |s| {
            s.pos = t_ms.min(now_ms());
            true
        });
    }

    pub fn pause(&self, origin: u64) {
        self.update(origin, Cause::Pause, |s| {
            s.paused = true;
            false
        });
    }

    pub fn play(&self, origin: u64) {
        self.update(origin, Cause::Play, |s| {
            s.paused = false;
            false
        });
    }

    /// A new speed; a change of direction is a discontinuity.
    pub fn set_speed(&self, speed: f64, origin: u64) {
        self.update(origin, Cause::Speed, |s| {
            let turned = (s.speed > 0.0) != (speed > 0.0);
            s.speed = speed;
            turned
        });
    }

    /// Paused at the frame a step showed.
    pub fn step_to(&self, t_ms: i64, origin: u64) {
        self.update(origin, Cause::Step, |s| {
            s.paused = true;
            s.pos = t_ms;
            true
        });
    }

    /// Every tile was in a gap: jump to where the next recording starts.
    pub fn skip_gap(&self, to_ms: i64) {
        let from_ms = self.state().position();
        self.update(0, Cause::GapSkip { from_ms, to_ms }, |s| {
            s.pos = to_ms;
            true
        });
    }

    /// Holds the clock at `t_ms` (no discontinuity): a tile's frames come
    /// later than the clock, paced by the server, and the clock waits.
    pub fn stall_at(&self, t_ms: i64, origin: u64) {
        self.update(origin, Cause::Stall, |s| {
            s.pos = t_ms;
            false
        });
    }

    /// No tile has anything further: pause where the recordings end.
    pub fn end(&self) {
        self.update(0, Cause::End, |s| {
            s.paused = true;
            false
        });
    }

    /// Blocks until the clock reaches `ts` (in its direction), its epoch
    /// differs from `epoch`, anything changes, or `max` passes. Returns
    /// whether `ts` is due.
    pub fn wait_until(&self, ts: i64, epoch: u64, max: Duration) -> bool {
        let s = self.state.lock().expect("clock lock");
        if s.epoch != epoch {
            return false;
        }
        let due_in = |s: &ClockState| -> Option<Duration> {
            if s.paused {
                return Some(max);
            }
            let ahead = (ts - s.position()) as f64 * s.speed.signum();
            if ahead <= 0.0 {
                None
            } else {
                Some(Duration::from_secs_f64(ahead / 1000.0 / s.speed.abs()).min(max))
            }
        };
        let Some(wait) = due_in(&s) else {
            return !s.paused;
        };
        let (s, _) = self.cv.wait_timeout(s, wait).expect("clock lock");
        s.epoch == epoch && !s.paused && due_in(&s).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_follows_speed_and_pause() {
        let t0 = now_ms() - 3_600_000;
        let c = Clock::new(t0, 4.0, false);
        std::thread::sleep(Duration::from_millis(100));
        let p = c.state().position();
        assert!(
            (t0 + 380..t0 + 500).contains(&p),
            "4x for 100 ms: {}",
            p - t0
        );
        c.pause(0);
        let a = c.state().position();
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(c.state().position(), a);
        let e = c.state().epoch;
        c.set_speed(-2.0, 0);
        assert_eq!(c.state().epoch, e + 1, "reversing is a discontinuity");
        c.set_speed(-4.0, 0);
        assert_eq!(c.state().epoch, e + 1);
    }

    #[test]
    fn seek_never_passes_now_and_wait_wakes_on_seek() {
        let c = std::sync::Arc::new(Clock::new(now_ms() - 10_000, 1.0, false));
        c.seek(now_ms() + 3_600_000, 0);
        assert!(c.state().position() <= now_ms());
        let e = c.state().epoch;
        let c2 = c.clone();
        let h = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            c2.seek(now_ms() - 60_000, 0);
        });
        let started = Instant::now();
        let due = c.wait_until(now_ms() + 100_000, e, Duration::from_secs(5));
        assert!(!due);
        assert!(started.elapsed() < Duration::from_secs(2));
        h.join().unwrap();
    }
}
