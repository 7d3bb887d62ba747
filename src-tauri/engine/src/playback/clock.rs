//! The playback clock: recording time as a function of wall time (anchor,
//! speed, paused). One clock drives every tile of a synchronized group; each
//! discontinuity (seek, step, direction change, gap skip) bumps the epoch so
//! the tiles reposition their readers. After a discontinuity the clock holds
//! still until a tile shows its first frame (`start_at`), and runs from that
//! frame at that instant: opening and decoding do not eat into the pacing,
//! so playback starts at its speed instead of with a burst. Every position
//! stays in the years 1970..=2200 (`bounds`), whatever a seek asks for, and
//! never past "now" on its wall time (the system clock, or a simulated one).
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::bounds;
use super::wall_time::WallTime;

/// The speeds an operator can pick (negative = reverse).
pub const SPEEDS: [f64; 11] = [-4.0, -3.0, -2.0, -1.0, 0.5, 1.0, 2.0, 3.0, 4.0, 8.0, 16.0];

/// How long the clock holds after a discontinuity when no tile shows a
/// frame (a source that is down): it then runs on its own.
pub const HOLD_MAX: Duration = Duration::from_secs(3);

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
    /// The highest control sequence number the group has applied (0: none):
    /// the UI ignores clock messages older than a control it has just sent.
    pub ack: u64,
    /// Holding at `pos` since `at` until the epoch's first frame is shown.
    held: bool,
    /// The epoch's first frame has been shown (`start_at`).
    started: bool,
    wall: WallTime,
}

impl ClockState {
    /// Recording time at wall instant `now`.
    pub fn position_at(&self, now: Instant) -> i64 {
        if self.paused {
            return self.pos;
        }
        let since = if self.held {
            self.at + HOLD_MAX
        } else {
            self.at
        };
        let dt = now.saturating_duration_since(since).as_secs_f64() * 1000.0;
        // `as` saturates; the sum too; the bounds keep it a recording time
        bounds::clamp(self.pos.saturating_add((dt * self.speed).round() as i64))
    }

    pub fn position(&self) -> i64 {
        self.position_at(self.wall.now())
    }

    pub fn forward(&self) -> bool {
        self.speed > 0.0
    }

    /// Whether the clock waits for the epoch's first frame.
    pub fn held(&self) -> bool {
        self.held && !self.paused
    }

    /// The wall instant the clock reaches recording time `ts`, if it runs
    /// towards it (the pacing schedule: when a frame at `ts` is due).
    pub fn due_at(&self, ts: i64) -> Option<Instant> {
        if self.paused || self.speed == 0.0 || !self.speed.is_finite() {
            return None;
        }
        let ahead = ts.saturating_sub(self.pos) as f64 * self.speed.signum();
        let since = if self.held {
            self.at + HOLD_MAX
        } else {
            self.at
        };
        let wait = Duration::try_from_secs_f64(ahead.max(0.0) / 1000.0 / self.speed.abs()).ok()?;
        since.checked_add(wait)
    }
}

pub struct Clock {
    state: Mutex<ClockState>,
    cv: Condvar,
    tx: watch::Sender<ClockState>,
}

impl Clock {
    pub fn new(pos: i64, speed: f64, paused: bool) -> Self {
        Self::with_wall_time(pos, speed, paused, WallTime::Real)
    }

    /// A clock on the given wall time (simulated in deterministic tests).
    pub fn with_wall_time(pos: i64, speed: f64, paused: bool, wall: WallTime) -> Self {
        let s = ClockState {
            pos: bounds::clamp(pos.min(wall.now_ms())),
            at: wall.now(),
            speed,
            paused,
            epoch: 1,
            cause: Cause::Start,
            origin: 0,
            ack: 0,
            held: true,
            started: false,
            wall,
        };
        Self {
            state: Mutex::new(s),
            cv: Condvar::new(),
            tx: watch::channel(s).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn state(&self) -> ClockState {
        *self.lock()
    }

    /// The wall time the clock runs on (sessions pause on it too).
    pub fn wall(&self) -> WallTime {
        self.lock().wall
    }

    /// Every change, for the sockets that report the clock to the UI.
    pub fn subscribe(&self) -> watch::Receiver<ClockState> {
        self.tx.subscribe()
    }

    /// Applies a change; `f` says whether it is a discontinuity, after which
    /// the clock holds until the first frame is shown.
    fn update(&self, origin: u64, cause: Cause, f: impl FnOnce(&mut ClockState) -> bool) {
        self.update_if(origin, cause, |_| true, f, |_| {});
    }

    /// [`Self::update`] when `guard` accepts the state as it is, then
    /// `settle` on the result, all under one lock (no other control can come
    /// between); returns the state it left, or None if `guard` refused.
    fn update_if(
        &self,
        origin: u64,
        cause: Cause,
        guard: impl FnOnce(&ClockState) -> bool,
        f: impl FnOnce(&mut ClockState) -> bool,
        settle: impl FnOnce(&mut ClockState),
    ) -> Option<ClockState> {
        let mut s = self.lock();
        if !guard(&s) {
            return None;
        }
        let now = s.wall.now();
        let hold_over = s.held && now.saturating_duration_since(s.at) >= HOLD_MAX;
        s.pos = s.position_at(now);
        s.at = now;
        if hold_over {
            s.held = false;
        }
        if f(&mut s) {
            s.epoch += 1;
            s.held = true;
            s.started = false;
        }
        settle(&mut s);
        s.pos = bounds::clamp(s.pos);
        s.cause = cause;
        s.origin = origin;
        self.tx.send_replace(*s);
        self.cv.notify_all();
        Some(*s)
    }

    /// Records that the control numbered `seq` has been applied (sequence
    /// numbers only grow; an older or repeated one changes nothing).
    pub fn acknowledge(&self, seq: u64) {
        let mut s = self.lock();
        if seq > s.ack {
            s.ack = seq;
            self.tx.send_replace(*s);
        }
    }

    /// Jumps to `t_ms` (never past now, never before 1970).
    pub fn seek(&self, t_ms: i64, origin: u64) {
        self.update(origin, Cause::Seek, |s| {
            s.pos = t_ms.min(s.wall.now_ms());
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

    /// Paused at the frame a step showed (shown: nothing to hold for).
    pub fn step_to(&self, t_ms: i64, origin: u64) {
        self.step_to_if(t_ms, origin, None);
    }

    /// [`Self::step_to`] unless the clock moved on since `epoch` (a seek or
    /// another control arrived while the step was looking for its frame: the
    /// later control wins). `None` steps whatever the epoch. Returns the
    /// state the step left (its epoch is the step's, whatever comes after),
    /// or None if the clock did not take it.
    pub fn step_to_if(&self, t_ms: i64, origin: u64, epoch: Option<u64>) -> Option<ClockState> {
        self.update_if(
            origin,
            Cause::Step,
            |s| epoch.is_none_or(|e| e == s.epoch),
            |s| {
                s.paused = true;
                s.pos = t_ms;
                true
            },
            // the step's frame is on screen: nothing to hold for
            |s| {
                s.held = false;
                s.started = true;
            },
        )
    }

    /// Every tile was in a gap: jump to where the next recording starts.
    pub fn skip_gap(&self, to_ms: i64) {
        let from_ms = self.state().position();
        self.update(0, Cause::GapSkip { from_ms, to_ms }, |s| {
            s.pos = to_ms;
            true
        });
    }

    /// The first frame of `epoch` is on screen, recorded at `ts_ms`: the
    /// clock runs from it now (the first tile to show one decides). Returns
    /// whether this call started the clock.
    pub fn start_at(&self, ts_ms: i64, epoch: u64) -> bool {
        let mut s = self.lock();
        if s.epoch != epoch || s.started {
            return false;
        }
        s.started = true;
        s.held = false;
        s.at = s.wall.now();
        if !s.paused {
            s.pos = bounds::clamp(ts_ms);
        }
        self.tx.send_replace(*s);
        self.cv.notify_all();
        true
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
        let s = self.lock();
        if s.epoch != epoch {
            return false;
        }
        let due_in = |s: &ClockState| -> Option<Duration> {
            if s.paused {
                return Some(max);
            }
            let ahead = ts.saturating_sub(s.position()) as f64 * s.speed.signum();
            if ahead <= 0.0 {
                None
            } else if s.held() {
                Some(max)
            } else {
                let secs = ahead / 1000.0 / s.speed.abs();
                Some(Duration::try_from_secs_f64(secs).map_or(max, |d| d.min(max)))
            }
        };
        let Some(wait) = due_in(&s) else {
            return !s.paused;
        };
        let wall = s.wall;
        let s = wall.wait(&self.cv, s, wait);
        s.epoch == epoch && !s.paused && due_in(&s).is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::source::now_ms;

    /// The simulated "now" (2025-06-15 15:06:40 UTC) and a recording time
    /// an hour before it.
    const NOW: i64 = 1_750_000_000_000;
    const T0: i64 = NOW - 3_600_000;

    #[test]
    fn position_follows_speed_and_pause() {
        let (sim, c) = sim_clock(T0, 4.0);
        assert!(c.start_at(T0, c.state().epoch), "the first frame starts it");
        sim.advance(Duration::from_millis(100));
        assert_eq!(c.state().position(), T0 + 400, "4x for 100 ms");
        c.pause(0);
        let a = c.state().position();
        sim.advance(Duration::from_millis(30));
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

    use crate::clock::{Clock as _, SimClock};

    #[test]
    fn seek_never_passes_the_simulated_now() {
        let (sim, c) = sim_clock(NOW + 3_600_000, 1.0);
        assert_eq!(c.state().position(), NOW, "made at most now");
        c.seek(NOW + 60_000, 0);
        assert_eq!(c.state().position(), NOW);
        sim.advance(Duration::from_secs(120));
        c.seek(NOW + 60_000, 0);
        assert_eq!(c.state().position(), NOW + 60_000, "now moved on");
    }

    fn sim_clock(pos: i64, speed: f64) -> (&'static SimClock, Clock) {
        let sim = SimClock::leaked(NOW);
        let c = Clock::with_wall_time(pos, speed, false, WallTime::Simulated(sim));
        (sim, c)
    }

    #[test]
    fn the_clock_holds_until_the_first_frame_is_shown() {
        let t0 = T0;
        let (sim, c) = sim_clock(t0, 4.0);
        // opening the source takes 800 ms: the clock does not run meanwhile
        sim.advance(Duration::from_millis(800));
        assert_eq!(c.state().position(), t0);
        assert!(c.state().held());
        assert!(
            !c.start_at(t0 + 33, 99),
            "another epoch's frame starts nothing"
        );
        assert!(c.start_at(t0 + 33, 1));
        assert!(
            !c.start_at(t0 + 500, 1),
            "only the first frame of the epoch"
        );
        sim.advance(Duration::from_millis(250));
        assert_eq!(
            c.state().position(),
            t0 + 33 + 1000,
            "4x from the first frame"
        );
        let due = c.state().due_at(t0 + 33 + 4000).unwrap();
        assert_eq!(due - sim.instant(), Duration::from_millis(750));
        // a seek holds again; a step shows its frame itself and does not hold
        c.seek(t0 - 60_000, 0);
        sim.advance(Duration::from_millis(300));
        assert_eq!(c.state().position(), t0 - 60_000);
        c.step_to(t0 - 50_000, 0);
        c.play(0);
        sim.advance(Duration::from_millis(100));
        assert_eq!(c.state().position(), t0 - 50_000 + 400);
    }

    #[test]
    fn a_step_reports_its_own_epoch_and_a_later_seek_a_newer_one() {
        let (_sim, c) = sim_clock(T0, 1.0);
        let mut seen = c.subscribe();
        let asked = c.state().epoch;
        let step = c.step_to_if(T0 + 100, 0, Some(asked)).expect("taken");
        // the step's frame is on screen: the state it left (and told) holds
        // for nothing and is paused there
        assert!(step.epoch > asked && step.paused && !step.held && step.started);
        assert_eq!(step.position(), T0 + 100);
        assert_eq!(*seen.borrow_and_update(), step);
        // a seek right after (the operator acting on the step's frame): the
        // session keeps the step's epoch, so it sees the seek's as new
        c.seek(T0 + 30_000, 0);
        assert!(c.state().epoch > step.epoch && c.state().held);
        // a step looked for under an older epoch loses to that seek
        assert_eq!(c.step_to_if(T0 + 200, 0, Some(step.epoch)), None);
        assert_eq!(c.state().position(), T0 + 30_000);
    }

    #[test]
    fn a_hold_nobody_ends_runs_out() {
        let t0 = T0;
        let (sim, c) = sim_clock(t0, 2.0);
        sim.advance(HOLD_MAX + Duration::from_millis(500));
        assert_eq!(c.state().position(), t0 + 1000);
        // a change after the hold ran out keeps the clock running
        c.set_speed(1.0, 0);
        sim.advance(Duration::from_millis(100));
        assert_eq!(c.state().position(), t0 + 1100);
    }

    #[test]
    fn hostile_positions_stay_in_bounds_without_panics() {
        let (sim, c) = sim_clock(i64::MIN, 16.0);
        assert_eq!(c.state().position(), bounds::EARLIEST_MS);
        for t in [i64::MAX, i64::MIN, bounds::LATEST_MS, -1] {
            c.seek(t, 0);
            let p = c.state().position();
            assert!(bounds::in_bounds(p) && p <= NOW, "seek {t}: {p}");
            c.step_to(t, 0);
            assert!(bounds::in_bounds(c.state().position()));
            c.skip_gap(t);
            c.stall_at(t, 0);
            assert!(bounds::in_bounds(c.state().position()));
            c.start_at(t, c.state().epoch);
            assert!(bounds::in_bounds(c.state().position()));
        }
        c.play(0);
        c.start_at(0, c.state().epoch);
        let e = c.state().epoch;
        // a wait for the end of time, and centuries of wall time, do not overflow
        assert!(!c.wait_until(i64::MAX, e, Duration::from_millis(40)));
        assert!(c.wait_until(i64::MIN, e, Duration::from_millis(40)));
        sim.advance(Duration::from_secs(400 * 365 * 86_400));
        assert_eq!(c.state().position(), bounds::LATEST_MS - 1);
        assert!(c.state().due_at(i64::MAX).is_some());
        let reverse = Clock::with_wall_time(5, -4.0, false, WallTime::Simulated(sim));
        reverse.start_at(5, 1);
        sim.advance(Duration::from_secs(10));
        assert_eq!(reverse.state().position(), 0);
    }
}
