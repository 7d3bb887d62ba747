//! One clock for the engine: what time it is (UTC ms and a monotonic
//! instant) and how to wait (a thread's sleep, an interruptible wait on a
//! [`Bell`], an async sleep for tokio tasks). Footage scheduling and leases,
//! ingest reconnect backoff, PTZ deadlines and playback pacing read time
//! only through it, so tests run them on a [`SimClock`]: time moves only
//! when the test moves it, and every sleeper (thread or task) wakes when
//! simulated time reaches its deadline, never before.
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// An async sleep on some clock.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The clock every part of the engine shares.
pub type SharedClock = Arc<dyn Clock>;

/// Where time comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Milliseconds since the Unix epoch (UTC).
    fn now_ms(&self) -> i64;
    /// A monotonic instant (pacing and elapsed times; never goes back).
    fn instant(&self) -> Instant;
    /// Blocks the thread until `d` has passed on this clock or `bell` rang
    /// (a ring before the call counts, once). True when the bell rang.
    fn wait(&self, d: Duration, bell: &Arc<Bell>) -> bool;
    /// A future that completes once `d` has passed on this clock, counted
    /// from this call (not from the first poll).
    fn sleep_async(&self, d: Duration) -> Sleep;
    /// Blocks the thread until `d` has passed on this clock.
    fn sleep(&self, d: Duration) {
        self.wait(d, &Bell::new());
    }
}

/// The system clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Wakes a thread blocked in [`Clock::wait`] early (a stop, a command).
/// A ring is kept until a wait consumes it.
#[derive(Debug, Default)]
pub struct Bell {
    rung: Mutex<bool>,
    cv: Condvar,
}

impl Bell {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    pub fn ring(&self) {
        *self.lock() = true;
        self.cv.notify_all();
    }

    /// Forgets a ring nobody waited for.
    pub fn clear(&self) {
        *self.lock() = false;
    }

    fn lock(&self) -> MutexGuard<'_, bool> {
        self.rung.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes the waiter without ringing (simulated time moved).
    fn poke(&self) {
        let _g = self.lock();
        self.cv.notify_all();
    }
}

/// The machine's clock: `SystemTime` for UTC, `Instant` for waits.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::media::source::now_ms()
    }

    fn instant(&self) -> Instant {
        Instant::now()
    }

    fn wait(&self, d: Duration, bell: &Arc<Bell>) -> bool {
        let end = Instant::now().checked_add(d);
        let mut rung = bell.lock();
        loop {
            if *rung {
                *rung = false;
                return true;
            }
            let left = match end {
                Some(end) => end.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(86_400),
            };
            if left.is_zero() {
                return false;
            }
            rung = bell
                .cv
                .wait_timeout(rung, left)
                .map_or_else(|p| p.into_inner().0, |(g, _)| g);
        }
    }

    fn sleep_async(&self, d: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(d))
    }
}

/// Simulated time in nanoseconds since the Unix epoch.
type Nanos = i128;

fn nanos(d: Duration) -> Nanos {
    d.as_nanos() as Nanos
}

/// How a sleeper is woken.
enum Wake {
    Thread(Arc<Bell>),
    Task(Option<Waker>),
}

struct SimState {
    now: Nanos,
    /// Total forward movement (the monotonic instant).
    mono: Duration,
    next_id: u64,
    /// Sleepers by id: their deadline and how to wake them.
    sleepers: BTreeMap<u64, (Nanos, Wake)>,
}

struct SimInner {
    origin: Instant,
    state: Mutex<SimState>,
    /// Notified when a sleeper comes or goes (tests wait for sleepers).
    changed: Condvar,
}

impl SimInner {
    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self, deadline: Nanos, wake: Wake) -> u64 {
        let mut s = self.lock();
        let id = s.next_id;
        s.next_id += 1;
        s.sleepers.insert(id, (deadline, wake));
        self.changed.notify_all();
        id
    }

    fn unregister(&self, id: u64) {
        if self.lock().sleepers.remove(&id).is_some() {
            self.changed.notify_all();
        }
    }
}

/// A clock for tests: it stands still until [`SimClock::advance`] or
/// [`SimClock::set`] moves it; sleepers whose deadline it reaches wake.
/// Clones share the same time.
#[derive(Clone)]
pub struct SimClock(Arc<SimInner>);

impl fmt::Debug for SimClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.lock();
        f.debug_struct("SimClock")
            .field("now_ms", &(s.now.div_euclid(1_000_000) as i64))
            .field("sleepers", &s.sleepers.len())
            .finish()
    }
}

impl SimClock {
    /// A simulated clock reading `start_ms` (UTC ms).
    pub fn new(start_ms: i64) -> Self {
        Self(Arc::new(SimInner {
            origin: Instant::now(),
            state: Mutex::new(SimState {
                now: start_ms as Nanos * 1_000_000,
                mono: Duration::ZERO,
                next_id: 0,
                sleepers: BTreeMap::new(),
            }),
            changed: Condvar::new(),
        }))
    }

    /// A simulated clock alive for the rest of the process (tests that need
    /// a `'static` one, like the playback clock's simulated wall time).
    pub fn leaked(start_ms: i64) -> &'static Self {
        Box::leak(Box::new(Self::new(start_ms)))
    }

    /// Simulated time moved forward since creation (the monotonic instant's
    /// distance from its origin).
    pub fn elapsed(&self) -> Duration {
        self.0.lock().mono
    }

    /// This clock as the engine's shared clock (same time as `self`).
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }

    /// Moves time forward by `d` and wakes the sleepers it reaches.
    pub fn advance(&self, d: Duration) {
        let mut s = self.0.lock();
        s.now = s.now.saturating_add(nanos(d));
        s.mono = s.mono.saturating_add(d);
        self.wake_due(s);
    }

    /// Sets the time to `ms`. Forward wakes the sleepers it reaches;
    /// backward wakes nobody (the monotonic instant does not go back).
    pub fn set(&self, ms: i64) {
        let mut s = self.0.lock();
        let to = ms as Nanos * 1_000_000;
        if to > s.now {
            let fwd = Duration::from_nanos(u64::try_from(to - s.now).unwrap_or(u64::MAX));
            s.mono = s.mono.saturating_add(fwd);
        }
        s.now = to;
        self.wake_due(s);
    }

    fn wake_due(&self, s: MutexGuard<'_, SimState>) {
        let now = s.now;
        let mut bells = Vec::new();
        let mut wakers = Vec::new();
        let mut s = s;
        for (deadline, wake) in s.sleepers.values_mut() {
            if *deadline <= now {
                match wake {
                    Wake::Thread(b) => bells.push(b.clone()),
                    Wake::Task(w) => wakers.extend(w.take()),
                }
            }
        }
        drop(s);
        // outside the clock's lock: a waiter checks the time under its bell
        for b in bells {
            b.poke();
        }
        for w in wakers {
            w.wake();
        }
    }

    /// Sleepers (threads and tasks) waiting now.
    pub fn sleepers(&self) -> usize {
        self.0.lock().sleepers.len()
    }

    /// The earliest deadline of anyone sleeping, in UTC ms (rounded up).
    pub fn next_deadline_ms(&self) -> Option<i64> {
        let s = self.0.lock();
        s.sleepers
            .values()
            .map(|(d, _)| d.div_euclid(1_000_000) + i128::from(d.rem_euclid(1_000_000) != 0))
            .min()
            .map(|d| d as i64)
    }

    /// Moves time to the earliest sleeper's deadline, if it is ahead;
    /// returns whether anyone was asleep.
    pub fn advance_to_next(&self) -> bool {
        let s = self.0.lock();
        let Some(next) = s.sleepers.values().map(|(d, _)| *d).min() else {
            return false;
        };
        let mut s = s;
        if next > s.now {
            let fwd = Duration::from_nanos(u64::try_from(next - s.now).unwrap_or(u64::MAX));
            s.now = next;
            s.mono = s.mono.saturating_add(fwd);
        }
        self.wake_due(s);
        true
    }

    /// Blocks (in real time, up to `timeout`) until at least `n` sleepers
    /// wait: a test knows a thread or task is asleep before it moves time.
    pub fn wait_for_sleepers(&self, n: usize, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        let mut s = self.0.lock();
        while s.sleepers.len() < n {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            s = self
                .0
                .changed
                .wait_timeout(s, left)
                .map_or_else(|p| p.into_inner().0, |(g, _)| g);
        }
        true
    }

    fn now_nanos(&self) -> Nanos {
        self.0.lock().now
    }
}

impl Clock for SimClock {
    fn now_ms(&self) -> i64 {
        self.now_nanos().div_euclid(1_000_000) as i64
    }

    fn instant(&self) -> Instant {
        self.0.origin + self.0.lock().mono
    }

    fn wait(&self, d: Duration, bell: &Arc<Bell>) -> bool {
        let deadline = self.now_nanos().saturating_add(nanos(d));
        let id = self.0.register(deadline, Wake::Thread(bell.clone()));
        let mut rung = bell.lock();
        let woke_by_bell = loop {
            if *rung {
                *rung = false;
                break true;
            }
            // under the bell's lock: an advance pokes only after we wait
            if self.now_nanos() >= deadline {
                break false;
            }
            rung = bell.cv.wait(rung).unwrap_or_else(|p| p.into_inner());
        };
        drop(rung);
        self.0.unregister(id);
        woke_by_bell
    }

    fn sleep_async(&self, d: Duration) -> Sleep {
        let deadline = self.now_nanos().saturating_add(nanos(d));
        Box::pin(SimSleep {
            clock: self.0.clone(),
            deadline,
            id: None,
        })
    }
}

/// A task's sleep on a [`SimClock`].
struct SimSleep {
    clock: Arc<SimInner>,
    deadline: Nanos,
    id: Option<u64>,
}

impl Future for SimSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        {
            let mut s = self.clock.lock();
            if s.now >= deadline {
                if let Some(id) = self.id {
                    s.sleepers.remove(&id);
                    drop(s);
                    self.clock.changed.notify_all();
                    self.id = None;
                }
                return Poll::Ready(());
            }
            if let Some(id) = self.id {
                if let Some((_, Wake::Task(w))) = s.sleepers.get_mut(&id) {
                    *w = Some(cx.waker().clone());
                }
                return Poll::Pending;
            }
        }
        let id = self
            .clock
            .register(deadline, Wake::Task(Some(cx.waker().clone())));
        self.id = Some(id);
        // time may have moved between the check and the registration
        if self.clock.lock().now >= deadline {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Drop for SimSleep {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.clock.unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;

    use super::*;

    const T0: i64 = 1_750_000_000_000;
    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn a_thread_sleeper_wakes_on_advance_and_not_before() {
        let c = SimClock::new(T0);
        let shared = c.shared();
        let woke = Arc::new(AtomicUsize::new(0));
        let w = woke.clone();
        let h = thread::spawn(move || {
            shared.sleep(Duration::from_millis(500));
            w.store(1, Ordering::SeqCst);
            shared.now_ms()
        });
        assert!(c.wait_for_sleepers(1, LONG));
        c.advance(Duration::from_millis(499));
        // still registered: it cannot have woken (its deadline is ahead)
        assert!(c.wait_for_sleepers(1, LONG));
        assert_eq!(woke.load(Ordering::SeqCst), 0);
        c.advance(Duration::from_millis(1));
        assert_eq!(h.join().unwrap(), T0 + 500);
        assert_eq!(c.sleepers(), 0);
    }

    #[test]
    fn many_sleepers_wake_in_deadline_order() {
        let c = SimClock::new(T0);
        let order = Arc::new(Mutex::new(Vec::new()));
        let hs: Vec<_> = [300u64, 100, 200, 100]
            .into_iter()
            .map(|ms| {
                let (clock, order) = (c.shared(), order.clone());
                thread::spawn(move || {
                    clock.sleep(Duration::from_millis(ms));
                    order.lock().unwrap().push(ms);
                })
            })
            .collect();
        assert!(c.wait_for_sleepers(4, LONG));
        assert_eq!(c.next_deadline_ms(), Some(T0 + 100));
        assert!(c.advance_to_next());
        assert!(c.wait_for_sleepers(2, LONG));
        // the two 100 ms sleepers leave (wait for what they record, not for
        // their deregistering, which comes first); the others stay
        while order.lock().unwrap().len() < 2 {
            thread::yield_now();
        }
        assert_eq!(*order.lock().unwrap(), [100, 100]);
        assert_eq!(c.sleepers(), 2);
        c.advance(Duration::from_millis(100));
        while order.lock().unwrap().len() < 3 {
            thread::yield_now();
        }
        c.advance(Duration::from_millis(100));
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [100, 100, 200, 300]);
        assert!(!c.advance_to_next(), "nobody sleeps");
    }

    #[test]
    fn set_backwards_wakes_nobody_and_forwards_does() {
        let c = SimClock::new(T0);
        let clock = c.shared();
        let h = thread::spawn(move || clock.sleep(Duration::from_secs(60)));
        assert!(c.wait_for_sleepers(1, LONG));
        let before = c.instant();
        c.set(T0 - 3_600_000);
        assert_eq!(c.now_ms(), T0 - 3_600_000);
        assert_eq!(c.instant(), before, "the monotonic instant stays");
        assert!(c.wait_for_sleepers(1, LONG));
        c.set(T0 + 59_999);
        assert!(c.wait_for_sleepers(1, LONG), "the deadline is T0 + 60 s");
        c.set(T0 + 60_000);
        h.join().unwrap();
        // it counts every forward move: an hour back, then an hour and a minute on
        assert_eq!(c.instant() - before, Duration::from_secs(3_660));
    }

    #[test]
    fn a_bell_ends_a_wait_early_and_a_ring_before_the_wait_counts() {
        let c = SimClock::new(T0);
        let bell = Bell::new();
        bell.ring();
        assert!(c.wait(LONG, &bell), "rung before");
        let (clock, b) = (c.shared(), bell.clone());
        let h = thread::spawn(move || clock.wait(LONG, &b));
        assert!(c.wait_for_sleepers(1, LONG));
        bell.ring();
        assert!(h.join().unwrap());
        assert_eq!(c.now_ms(), T0, "time did not move");
        // the system clock: rung, or elapsed
        let sys = SystemClock;
        bell.ring();
        assert!(sys.wait(LONG, &bell));
        assert!(!sys.wait(Duration::from_millis(1), &bell));
    }

    #[tokio::test]
    async fn task_sleepers_wake_on_advance_and_not_before() {
        let c = SimClock::new(T0);
        let clock = c.shared();
        let mut tasks = Vec::new();
        for ms in [50u64, 100, 150] {
            let clock = clock.clone();
            tasks.push(tokio::spawn(async move {
                clock.sleep_async(Duration::from_millis(ms)).await;
                clock.now_ms()
            }));
        }
        // counted from the call, whenever the task first runs
        let early = clock.sleep_async(Duration::from_millis(100));
        while c.sleepers() < 3 {
            tokio::task::yield_now().await;
        }
        c.advance(Duration::from_millis(99));
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!tasks[1].is_finished() && !tasks[2].is_finished());
        assert_eq!(tasks.remove(0).await.unwrap(), T0 + 99);
        c.advance(Duration::from_millis(1));
        early.await;
        assert_eq!(tasks.remove(0).await.unwrap(), T0 + 100);
        c.set(T0);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!tasks[0].is_finished(), "set backwards wakes nobody");
        c.advance(Duration::from_millis(150));
        assert_eq!(tasks.remove(0).await.unwrap(), T0 + 150);
        assert_eq!(c.sleepers(), 0, "finished sleeps leave no sleeper");
        // a dropped sleep leaves nothing behind either
        let mut dropped = clock.sleep_async(LONG);
        let first = std::future::poll_fn(|cx| Poll::Ready(dropped.as_mut().poll(cx))).await;
        assert!(first.is_pending());
        assert_eq!(c.sleepers(), 1);
        drop(dropped);
        assert_eq!(c.sleepers(), 0);
    }
}
