//! The ingest thread: open the source, pull frames, publish them; on failure
//! reconnect on the backoff schedule (`backoff`), waiting on the engine's
//! clock (simulated in tests); on wrong credentials report "auth failed"
//! once and park (no retry storm) until asked to retry. Live events a
//! source reports (its event sink) join the status when their flags change.
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::backoff::Backoff;
use super::renditions::Renditions;
use super::status::{State, StreamStatus};
use crate::clock::{Bell, SharedClock};
use crate::media::scale::Scaler;
use crate::media::source::{FrameTiming, SourceOpener, StopFlag};
use crate::media::MediaError;

/// A camera clock offset change smaller than this is not re-reported.
pub const OFFSET_STEP_MS: i64 = 100;

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
            backoff_base: Duration::from_millis(250),
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
    /// Rung after each command sent on `control` (and on drop).
    pub bell: Arc<Bell>,
    /// What reconnect waits are measured with.
    pub clock: SharedClock,
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
        self.set_with(state, reason, None);
    }

    /// Sets the state; `timing` replaces the last reported one when given.
    fn set_with(&self, state: State, reason: Option<String>, timing: Option<FrameTiming>) {
        let next = StreamStatus::new(state, reason);
        self.status.send_if_modified(|cur| {
            let next = StreamStatus {
                timing: timing.or(cur.timing),
                events: cur.events,
                ..next.clone()
            };
            let changed = *cur != next;
            *cur = next;
            changed
        });
    }

    /// Reports how frames are timed: when the time source changes or the
    /// camera clock's offset moves by [`OFFSET_STEP_MS`] or more.
    fn set_timing(&self, timing: FrameTiming) {
        self.status.send_if_modified(|cur| {
            let changed = match cur.timing {
                None => true,
                Some(t) => {
                    t.source != timing.source
                        || match (t.camera_offset_ms, timing.camera_offset_ms) {
                            (Some(a), Some(b)) => (a - b).abs() >= OFFSET_STEP_MS,
                            (a, b) => a.is_some() != b.is_some(),
                        }
                }
            };
            if changed {
                cur.timing = Some(timing);
            }
            changed
        });
    }

    /// The sink a source reports its live events to: the status changes
    /// when a flag does (not at every message's new time).
    fn event_sink(&self) -> crate::media::source::EventSink {
        let status = self.status.clone();
        Arc::new(move |e: crate::vms::live_events::LiveEvents| {
            status.send_if_modified(|cur| {
                let same = cur.events.is_some_and(|c| c.same_flags(&e));
                if !same {
                    cur.events = Some(e);
                }
                !same
            });
        })
    }

    /// Waits `d` on the clock (`None`: until a command), or less when a
    /// command comes.
    fn wait(&self, d: Option<Duration>) -> Wait {
        // parked: a year at a time
        let d = d.unwrap_or(Duration::from_secs(365 * 86_400));
        let end = self.clock.instant().checked_add(d);
        loop {
            // cleared before reading: a command sent from now on rings again
            self.bell.clear();
            match self.control.try_recv() {
                Ok(Control::Retry) => return Wait::Retry,
                Ok(Control::Stop) | Err(TryRecvError::Disconnected) => return Wait::Stop,
                Err(TryRecvError::Empty) => {}
            }
            if self.stop.is_stopped() {
                return Wait::Stop;
            }
            let left = end.map_or(d, |e| e.saturating_duration_since(self.clock.instant()));
            if left.is_zero() {
                return Wait::Elapsed;
            }
            // a ring for a command already read only costs one more look
            self.clock.wait(left, &self.bell);
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
                    src.on_events(self.event_sink());
                    let renditions = self.renditions.clone();
                    src.on_wanted_size(Arc::new(move || renditions.largest_watched()));
                    let mut first = true;
                    loop {
                        let frame = src.next_frame()?;
                        let timing = src.timing();
                        if first {
                            first = false;
                            (self.on_size)(frame.frame.width(), frame.frame.height());
                            // one status: live, with how frames are timed
                            self.set_with(State::Live, None, timing);
                            backoff.reset();
                            auth_failures = 0;
                        } else if let Some(t) = timing {
                            self.set_timing(t);
                        }
                        seq = seq.wrapping_add(1);
                        let arrival = timing.is_some_and(|t| t.is_arrival());
                        self.renditions.publish(&mut scaler, &frame, seq, arrival)?;
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
                let state = match err {
                    MediaError::PinRequired { .. } => State::PinRequired,
                    _ => State::AuthFailed,
                };
                self.set(state, Some(reason));
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;
    use std::sync::{mpsc, Mutex};

    use ffmpeg_next::{format::Pixel, frame};

    use super::*;
    use crate::clock::{Clock, SimClock};
    use crate::media::source::{DecodedFrame, FrameSource};

    const T0: i64 = 1_750_000_000_000;

    /// A server that refuses connections until `up_at_ms`, then serves one
    /// frame and ends the test (the source reports a stop).
    struct Restarting {
        clock: SimClock,
        up_at_ms: i64,
        opens: Mutex<Vec<i64>>,
    }

    struct OneFrame(bool);

    impl FrameSource for OneFrame {
        fn next_frame(&mut self) -> Result<DecodedFrame, MediaError> {
            if std::mem::replace(&mut self.0, true) {
                return Err(MediaError::Stopped);
            }
            Ok(DecodedFrame {
                frame: frame::Video::new(Pixel::YUV420P, 16, 16),
                ts_ms: 0,
                keyframe: true,
            })
        }
    }

    impl SourceOpener for Restarting {
        fn open(&self, _: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
            let now = self.clock.now_ms();
            self.opens.lock().unwrap().push(now);
            if now < self.up_at_ms {
                return Err(MediaError::Ended {
                    url: "rtsp://sim/restarting".into(),
                });
            }
            Ok(Box::new(OneFrame(false)))
        }
        fn describe(&self) -> String {
            "rtsp://sim/restarting".into()
        }
    }

    /// A login that waits for a second-step PIN: the status says
    /// `pin_required` (not a wrong password) with the reason, the ingest
    /// parks without retrying, and a retry (the PIN passed) goes live.
    #[test]
    fn a_login_waiting_for_a_pin_is_pin_required_until_retried() {
        struct NeedsPin {
            entered: std::sync::atomic::AtomicBool,
        }
        impl SourceOpener for NeedsPin {
            fn open(&self, _: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
                if !self.entered.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(MediaError::PinRequired {
                        source_name: "XProtect / Camera 1".into(),
                    });
                }
                Ok(Box::new(OneFrame(false)))
            }
            fn describe(&self) -> String {
                "XProtect / Camera 1".into()
            }
        }
        let opener = Arc::new(NeedsPin {
            entered: Default::default(),
        });
        let (ctl, control) = mpsc::channel();
        let (status_tx, mut status) = watch::channel(StreamStatus::connecting());
        let bell = Bell::new();
        let (sized_tx, sized) = mpsc::channel();
        let sup = Supervisor {
            opener: opener.clone(),
            renditions: Arc::default(),
            status: status_tx,
            control,
            bell: bell.clone(),
            clock: SimClock::new(T0).shared(),
            stop: StopFlag::default(),
            policy: Policy::default(),
            on_size: Box::new(move |w, h| {
                let _ = sized_tx.send((w, h));
            }),
            attempts: Arc::new(AtomicU32::new(0)),
        };
        let attempts = sup.attempts.clone();
        let h = std::thread::spawn(move || sup.run());
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let s = rt
            .block_on(status.wait_for(|s| s.state != State::Connecting))
            .unwrap()
            .clone();
        assert_eq!(s.state, State::PinRequired, "{s:?}");
        assert!(
            s.reason
                .as_deref()
                .is_some_and(|r| r.contains("second login step")),
            "{s:?}"
        );
        let json = serde_json::to_value(s.state).unwrap();
        assert_eq!(json, "pin_required");
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 1);
        opener
            .entered
            .store(true, std::sync::atomic::Ordering::SeqCst);
        ctl.send(Control::Retry).unwrap();
        bell.ring();
        assert_eq!(sized.recv().unwrap(), (16, 16), "live after the retry");
        h.join().unwrap();
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// The soak's slow returns after a server restart, in simulated time:
    /// the server is down 2.4 s; every retry comes within a second of the
    /// last (the old doubling schedule waited 1-2 s, then 2-4 s), so the
    /// tile is back within a second of the server.
    #[test]
    fn a_restarted_server_is_reconnected_within_a_second() {
        let clock = SimClock::new(T0);
        let opener = Arc::new(Restarting {
            clock: clock.clone(),
            up_at_ms: T0 + 2_400,
            opens: Mutex::default(),
        });
        let (_ctl, control) = mpsc::channel();
        let sup = Supervisor {
            opener: opener.clone(),
            renditions: Arc::default(),
            status: watch::channel(StreamStatus::connecting()).0,
            control,
            bell: Bell::new(),
            clock: clock.shared(),
            stop: StopFlag::default(),
            policy: Policy::default(),
            on_size: Box::new(|_, _| {}),
            attempts: Arc::new(AtomicU32::new(0)),
        };
        let attempts = sup.attempts.clone();
        let h = std::thread::spawn(move || sup.run());
        // time moves only while the ingest sleeps, to its wake-up
        while !h.is_finished() {
            if clock.wait_for_sleepers(1, Duration::from_millis(20)) {
                clock.advance_to_next();
            }
        }
        h.join().unwrap();
        let opens = opener.opens.lock().unwrap().clone();
        assert_eq!(
            attempts.load(std::sync::atomic::Ordering::SeqCst) as usize,
            opens.len()
        );
        assert_eq!(opens[0], T0);
        assert!(opens[1] - T0 <= 250, "a quick first retry: {opens:?}");
        assert!(
            opens.windows(2).all(|w| w[1] - w[0] <= 1_000),
            "retries at most a second apart: {opens:?}"
        );
        let back = *opens.last().unwrap();
        assert!(
            (T0 + 2_400..=T0 + 3_400).contains(&back),
            "back {} ms after the server: {opens:?}",
            back - (T0 + 2_400)
        );
        assert_eq!(clock.now_ms(), back, "no time passed after the reconnect");
    }
}
