//! One tile's playback: a thread that reads the camera's recording in the
//! clock's direction, waits for the group clock to reach each frame's
//! recording time, scales it to the tile and publishes it (latest frame
//! wins). Seeks, steps, speed and direction changes follow the clock.
//! While paused, the forward reader is held ([`RecordingReader::hold`]).
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::clock::{Cause, ClockState};
use super::group::{Group, MemberState};
use super::reverse::{frame_before, ReverseFeed};
use super::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader};
use crate::media::picture::Picture;
use crate::media::scale::Scaler;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::vms::select::choose_stream;
use crate::vms::{StreamInfo, StreamKind, VmsError};

static NEXT_ID: AtomicU32 = AtomicU32::new(1 << 20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaybackState {
    Connecting,
    Playing,
    Paused,
    NoRecording,
    GapSkipped,
    Ended,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybackStatus {
    pub state: PlaybackState,
    pub reason: Option<String>,
    pub stream: StreamKind,
}

/// Commands a tile sends to its own session (clock commands go to the group).
#[derive(Debug, Clone, Copy)]
pub enum Command {
    /// One frame (+1) or back (-1); `epoch` is the group clock's when the
    /// tile asked, so a seek that came after it wins over it.
    Step {
        frames: i32,
        epoch: u64,
    },
    Resize(u32, u32),
}

/// Opens a camera's recording for a stream.
pub type RecordingFor =
    Arc<dyn Fn(StreamKind) -> Result<Arc<dyn Recording>, VmsError> + Send + Sync>;

pub struct SessionSpec {
    pub camera: String,
    pub streams: Vec<StreamInfo>,
    pub forced_stream: Option<StreamKind>,
    pub tile: (u32, u32),
    pub recording_for: RecordingFor,
    pub group: Arc<Group>,
}

/// A running playback session; dropping it stops the thread.
pub struct PlaybackSession {
    pub id: u32,
    pub group: Arc<Group>,
    commands: Sender<Command>,
    frames: watch::Receiver<Option<Picture>>,
    status: watch::Receiver<PlaybackStatus>,
    stop: StopFlag,
}

impl Drop for PlaybackSession {
    fn drop(&mut self) {
        self.stop.stop();
        self.group.leave(self.id as u64);
    }
}

impl PlaybackSession {
    /// Starts the session; fails at once when the camera has no recordings.
    pub fn start(spec: SessionSpec) -> Result<Self, VmsError> {
        let stream = pick_stream(&spec, spec.tile);
        let rec = (spec.recording_for)(stream)?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let (frames_tx, frames) = watch::channel(None);
        let (status_tx, status) = watch::channel(PlaybackStatus {
            state: PlaybackState::Connecting,
            reason: None,
            stream,
        });
        let (commands, rx) = channel();
        let stop = StopFlag::default();
        spec.group.join(id as u64);
        let group = spec.group.clone();
        let mut worker = Worker {
            id,
            spec,
            stream,
            rec,
            feed: None,
            pending: None,
            scaler: Scaler::default(),
            seq: 0,
            epoch: 0,
            shown_ts: None,
            frames: frames_tx,
            status: status_tx,
            commands: rx,
            stop: stop.clone(),
        };
        std::thread::Builder::new()
            .name(format!("playback-{id}"))
            .spawn(move || worker.run())
            .expect("spawn playback thread");
        Ok(Self {
            id,
            group,
            commands,
            frames,
            status,
            stop,
        })
    }

    pub fn frames(&self) -> watch::Receiver<Option<Picture>> {
        self.frames.clone()
    }

    pub fn status(&self) -> watch::Receiver<PlaybackStatus> {
        self.status.clone()
    }

    pub fn send(&self, c: Command) {
        let _ = self.commands.send(c);
    }
}

fn pick_stream(spec: &SessionSpec, tile: (u32, u32)) -> StreamKind {
    let kind = spec
        .forced_stream
        .unwrap_or_else(|| choose_stream(&spec.streams, tile.0, tile.1));
    if spec.streams.iter().any(|s| s.kind == kind) {
        kind
    } else {
        StreamKind::Main
    }
}

enum Feed {
    Forward(Box<dyn RecordingReader>),
    Reverse(ReverseFeed),
    /// Nothing recorded at or after the position.
    Empty,
}

impl Feed {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        match self {
            Feed::Forward(r) => r.next(),
            Feed::Reverse(r) => r.next_event(),
            Feed::Empty => Ok(ReadEvent::End),
        }
    }
    fn hold(&mut self) -> Result<(), PlaybackError> {
        match self {
            Feed::Forward(r) => r.hold(),
            Feed::Reverse(_) | Feed::Empty => Ok(()),
        }
    }
    fn set_decimation(&mut self, d: Decimation) {
        match self {
            Feed::Forward(r) => r.set_decimation(d),
            Feed::Reverse(r) => r.set_decimation(d),
            Feed::Empty => {}
        }
    }
}

/// How late (wall time) a frame may be before the session re-seeks to the clock.
const MAX_LATE: Duration = Duration::from_millis(700);
const POLL: Duration = Duration::from_millis(40);

struct Worker {
    id: u32,
    spec: SessionSpec,
    stream: StreamKind,
    rec: Arc<dyn Recording>,
    feed: Option<Feed>,
    pending: Option<ReadEvent>,
    scaler: Scaler,
    seq: u32,
    /// The clock epoch the feed is positioned for.
    epoch: u64,
    shown_ts: Option<i64>,
    frames: watch::Sender<Option<Picture>>,
    status: watch::Sender<PlaybackStatus>,
    commands: Receiver<Command>,
    stop: StopFlag,
}

impl Worker {
    fn clock(&self) -> ClockState {
        self.spec.group.clock.state()
    }

    fn set_state(&self, state: PlaybackState, reason: Option<String>) {
        let s = PlaybackStatus {
            state,
            reason,
            stream: self.stream,
        };
        self.status.send_if_modified(|old| {
            let changed = *old != s;
            *old = s;
            changed
        });
    }

    fn report(&self, waiting_for: Option<i64>, ended: bool) {
        self.spec
            .group
            .report(self.id as u64, MemberState { waiting_for, ended });
    }

    fn run(&mut self) {
        while !self.stop.is_stopped() {
            if let Err(e) = self.turn() {
                if self.stop.is_stopped() {
                    break;
                }
                tracing::warn!("playback of {}: {e}", self.spec.camera);
                self.set_state(PlaybackState::Error, Some(e.to_string()));
                // retry from the clock after a pause, as a network source may come back
                self.feed = None;
                self.pending = None;
                self.spec.group.clock.wall().sleep(Duration::from_secs(1));
            }
        }
    }

    /// One step of the loop: commands, repositioning, then one frame or wait.
    fn turn(&mut self) -> Result<(), PlaybackError> {
        match self.commands.try_recv() {
            Ok(Command::Step { frames, epoch }) => return self.step(frames, epoch),
            Ok(Command::Resize(w, h)) => return self.resize(w, h),
            Err(TryRecvError::Empty) | Err(TryRecvError::Disconnected) => {}
        }
        let clock = self.clock();
        if clock.epoch != self.epoch || self.feed.is_none() {
            return self.reposition(clock);
        }
        if self.pending.is_none() {
            let ev = self.feed.as_mut().expect("feed").next()?;
            self.pending = Some(ev);
        }
        match self.pending.take().expect("pending") {
            ReadEvent::Frame(f) => self.pace_and_show(f, clock),
            // the next frame decides whether the tile waits in a gap
            ReadEvent::Gap { .. } => Ok(()),
            ReadEvent::End => {
                // asked again after a pause: a recording may still be growing
                self.set_state(PlaybackState::Ended, None);
                self.report(None, true);
                self.spec.group.clock.wait_until(i64::MAX, self.epoch, POLL);
                Ok(())
            }
        }
    }

    /// Opens the feed at the clock's position after a discontinuity and shows
    /// the first frame at once (a seek shows its picture even when paused).
    fn reposition(&mut self, clock: ClockState) -> Result<(), PlaybackError> {
        self.epoch = clock.epoch;
        let pos = clock.position();
        self.open_feed(pos, clock)?;
        if let Cause::GapSkip { from_ms, to_ms } = clock.cause {
            self.set_state(
                PlaybackState::GapSkipped,
                Some(format!(
                    "{} to {}",
                    super::day::format_rfc3339(from_ms),
                    super::day::format_rfc3339(to_ms)
                )),
            );
        }
        self.report(None, false);
        // show the first frame now if it is at the clock's position
        let ev = self.feed.as_mut().expect("feed").next()?;
        match ev {
            ReadEvent::Frame(f) if self.near(f.ts_ms, pos, clock.speed) => {
                self.show_first(&f, clock)?
            }
            other => self.pending = Some(other),
        }
        Ok(())
    }

    /// Shows the epoch's first frame at once; the clock runs from it now
    /// (the first tile of the group to show one starts it).
    fn show_first(&mut self, f: &DecodedFrame, clock: ClockState) -> Result<(), PlaybackError> {
        self.show(f)?;
        let started = self.spec.group.clock.start_at(f.ts_ms, self.epoch);
        if !started && self.rec.paced_by_server() && !clock.paused {
            // another tile started the clock; this server took its time
            self.spec.group.clock.stall_at(f.ts_ms, self.id as u64);
        }
        self.settle_state(clock);
        Ok(())
    }

    fn open_feed(&mut self, pos: i64, clock: ClockState) -> Result<(), PlaybackError> {
        tracing::debug!(
            "playback {} opens {} at {pos} (speed {})",
            self.spec.camera,
            self.rec.describe(),
            clock.speed
        );
        let d = Decimation::for_speed(clock.speed);
        self.pending = None;
        self.feed = Some(if clock.forward() {
            match self.rec.open(pos, d, self.stop.clone()) {
                Ok(r) => Feed::Forward(r),
                Err(PlaybackError::NoRecording(_)) => Feed::Empty,
                Err(e) => return Err(e),
            }
        } else {
            Feed::Reverse(ReverseFeed::new(
                self.rec.clone(),
                pos,
                d,
                self.stop.clone(),
            ))
        });
        Ok(())
    }

    /// Whether a frame at `ts` belongs at clock position `pos`: no gap
    /// between, allowing for the spacing of decimated frames at high speed.
    fn near(&self, ts: i64, pos: i64, speed: f64) -> bool {
        let interval = self.rec.frame_interval_ms().unwrap_or(100.0).max(1.0);
        let slack = (4.0 * interval).max(2000.0).max(1500.0 * speed.abs());
        (ts.abs_diff(pos) as f64) <= slack
    }

    fn settle_state(&self, clock: ClockState) {
        if matches!(clock.cause, Cause::GapSkip { .. })
            && self.status.borrow().state == PlaybackState::GapSkipped
        {
            return;
        }
        let s = if clock.paused {
            PlaybackState::Paused
        } else {
            PlaybackState::Playing
        };
        self.set_state(s, None);
    }

    fn pace_and_show(&mut self, f: DecodedFrame, clock: ClockState) -> Result<(), PlaybackError> {
        let group = self.spec.group.clone();
        let pos = clock.position();
        let ahead = f.ts_ms.saturating_sub(pos) as f64 * clock.speed.signum();
        let near = self.near(f.ts_ms, pos, clock.speed);
        // The next recording is further on: no recording here. Paused, that
        // holds unless the picture on screen is the clock's (a step or a
        // pause that ends at the last frame before a hole).
        let shown_here = || {
            self.shown_ts
                .is_some_and(|t| self.near(t, pos, clock.speed))
        };
        if ahead > 0.0 && !near && !(clock.paused && shown_here()) {
            self.set_state(PlaybackState::NoRecording, None);
            self.report(Some(f.ts_ms), false);
        }
        if clock.held() && near {
            // nothing shown since the discontinuity (a gap event came first)
            self.report(None, false);
            return self.show_first(&f, clock);
        }
        if clock.paused {
            if self.status.borrow().state != PlaybackState::NoRecording {
                self.settle_state(clock);
            }
            // an RTSP replay pauses its server and keeps its session alive
            self.feed.as_mut().expect("feed").hold()?;
            group.clock.wait_until(f.ts_ms, self.epoch, POLL);
            self.pending = Some(ReadEvent::Frame(f));
            return Ok(());
        }
        if !group.clock.wait_until(f.ts_ms, self.epoch, POLL) {
            self.pending = Some(ReadEvent::Frame(f));
            return Ok(());
        }
        let now = self.clock();
        if now.epoch != self.epoch {
            return Ok(());
        }
        let late_ms = now.position().saturating_sub(f.ts_ms) as f64 * now.speed.signum();
        if late_ms / now.speed.abs() > MAX_LATE.as_millis() as f64 {
            if self.rec.paced_by_server() {
                // the server sends in real time: the clock waits for it
                self.spec.group.clock.stall_at(f.ts_ms, self.id as u64);
            } else {
                // decoding fell behind the clock: catch up instead of lagging
                return self.open_feed(now.position(), now);
            }
        }
        self.feed
            .as_mut()
            .expect("feed")
            .set_decimation(Decimation::for_speed(now.speed));
        self.report(None, false);
        self.show(&f)?;
        self.settle_state(now);
        Ok(())
    }

    fn show(&mut self, f: &DecodedFrame) -> Result<(), PlaybackError> {
        self.seq = self.seq.wrapping_add(1);
        let pic = self
            .scaler
            .scale(&f.frame, self.spec.tile, f.ts_ms, f.keyframe, self.seq)?;
        self.shown_ts = Some(f.ts_ms);
        self.frames.send_replace(Some(pic));
        Ok(())
    }

    /// One frame forward or back from the frame shown; the group's clock
    /// pauses there and the other tiles follow.
    fn step(&mut self, n: i32, asked_at: u64) -> Result<(), PlaybackError> {
        let clock = self.clock();
        let from = self.shown_ts.unwrap_or_else(|| clock.position());
        let frame = if n >= 0 {
            match self
                .rec
                .open(from.saturating_add(1), Decimation::All, self.stop.clone())
            {
                Ok(mut reader) => loop {
                    match reader.next()? {
                        ReadEvent::Frame(f) => break Some(f),
                        ReadEvent::Gap { .. } => continue,
                        ReadEvent::End => break None,
                    }
                },
                Err(PlaybackError::NoRecording(_)) => None,
                Err(e) => return Err(e),
            }
        } else {
            frame_before(self.rec.clone(), from, &self.stop)?
        };
        let Some(f) = frame else {
            self.set_state(
                PlaybackState::Ended,
                Some("no frame in that direction".into()),
            );
            return Ok(());
        };
        // A seek (or another control) that came while the frame was looked
        // for is newer than this step: it wins, the next turn repositions.
        let Some(clock) = self
            .spec
            .group
            .clock
            .step_to_if(f.ts_ms, self.id as u64, Some(asked_at))
        else {
            return Ok(());
        };
        self.show(&f)?;
        // The step's own epoch, not the clock's as read now: a seek that
        // comes once the frame is on screen (an operator or a test acting on
        // it at once) has a newer epoch, and the next turn repositions to it.
        // Read afresh, the seek's epoch was taken for the step's and the
        // seek never showed its frame.
        self.epoch = clock.epoch;
        self.open_feed(f.ts_ms.saturating_add(clock.speed.signum() as i64), clock)?;
        self.set_state(PlaybackState::Paused, None);
        Ok(())
    }

    /// A new tile size: maybe another stream; continue from the frame shown.
    fn resize(&mut self, w: u32, h: u32) -> Result<(), PlaybackError> {
        self.spec.tile = (w.clamp(2, 8192), h.clamp(2, 8192));
        let stream = pick_stream(&self.spec, self.spec.tile);
        if stream != self.stream {
            self.stream = stream;
            self.rec = (self.spec.recording_for)(stream).map_err(|e| PlaybackError::Source {
                source_name: self.spec.camera.clone(),
                reason: e.to_string(),
            })?;
            self.feed = None; // reposition on the next turn
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ffmpeg_next::{format::Pixel, frame};

    use super::*;
    use crate::playback::clock::Clock;
    use crate::playback::wall_time::{SimulatedTime, WallTime};
    use crate::playback::Span;

    const FPS: i64 = 15;

    /// 15 fps without holes; opening costs `open_cost` of simulated time and
    /// each frame `decode_cost` (a slow NAS, a busy decoder).
    struct SimRecording {
        sim: &'static SimulatedTime,
        open_cost: Duration,
        decode_cost: Duration,
    }

    struct SimReader {
        sim: &'static SimulatedTime,
        next_k: i64,
        cost: Duration,
        decimation: Decimation,
    }

    impl RecordingReader for SimReader {
        fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
            let step = match self.decimation {
                Decimation::All => 1,
                Decimation::SkipNonRef => 2,
                Decimation::KeyframesOnly => FPS,
            };
            self.next_k = (self.next_k + step - 1).div_euclid(step) * step;
            self.sim.advance(self.cost);
            let k = self.next_k;
            self.next_k += 1;
            Ok(ReadEvent::Frame(DecodedFrame {
                frame: frame::Video::new(Pixel::YUV420P, 16, 16),
                ts_ms: (k * 1000).div_euclid(FPS),
                keyframe: k % FPS == 0,
            }))
        }
        fn set_decimation(&mut self, d: Decimation) {
            self.decimation = d;
        }
    }

    impl Recording for SimRecording {
        fn describe(&self) -> String {
            "simulated".into()
        }
        fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
            Ok(vec![Span::new(from_ms, to_ms)])
        }
        fn open(
            &self,
            t_ms: i64,
            decimation: Decimation,
            _stop: StopFlag,
        ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
            self.sim.advance(self.open_cost);
            Ok(Box::new(SimReader {
                sim: self.sim,
                next_k: (t_ms * FPS + 999).div_euclid(1000),
                cost: self.decode_cost,
                decimation,
            }))
        }
        fn frame_interval_ms(&self) -> Option<f64> {
            Some(1000.0 / FPS as f64)
        }
    }

    /// Runs a session's loop on simulated time from a seek (the clock's
    /// start) and returns each frame shown: its recording time and the
    /// simulated wall time it went out.
    fn play(speed: f64, open_cost_ms: u64, decode_cost_ms: u64, n: usize) -> Vec<(i64, f64)> {
        let t0 = 1_750_000_000_000;
        // "now" a day after the recording time, whatever the time of day
        let sim = SimulatedTime::leaked(t0 + 86_400_000);
        let clock = Clock::with_wall_time(t0, speed, false, WallTime::Simulated(sim));
        let group = Arc::new(Group::with_clock("sim".into(), clock));
        let rec: Arc<dyn Recording> = Arc::new(SimRecording {
            sim,
            open_cost: Duration::from_millis(open_cost_ms),
            decode_cost: Duration::from_millis(decode_cost_ms),
        });
        let rec2 = rec.clone();
        let (frames_tx, mut frames) = watch::channel(None);
        let (status_tx, _status) = watch::channel(PlaybackStatus {
            state: PlaybackState::Connecting,
            reason: None,
            stream: StreamKind::Main,
        });
        let (_commands, rx) = channel();
        group.join(1);
        let mut w = Worker {
            id: 1,
            spec: SessionSpec {
                camera: "sim".into(),
                streams: Vec::new(),
                forced_stream: None,
                tile: (16, 16),
                recording_for: Arc::new(move |_| Ok(rec2.clone())),
                group,
            },
            stream: StreamKind::Main,
            rec,
            feed: None,
            pending: None,
            scaler: Scaler::default(),
            seq: 0,
            epoch: 0,
            shown_ts: None,
            frames: frames_tx,
            status: status_tx,
            commands: rx,
            stop: StopFlag::default(),
        };
        let mut shown = Vec::new();
        for _ in 0..100 * n {
            if shown.len() == n {
                break;
            }
            w.turn().expect("turn");
            if frames.has_changed().unwrap() {
                let ts = frames
                    .borrow_and_update()
                    .as_ref()
                    .expect("a picture")
                    .ts_ms;
                shown.push((ts, sim.elapsed().as_secs_f64() * 1000.0));
            }
        }
        assert_eq!(shown.len(), n, "frames shown");
        shown
    }

    /// The recording time's rate over wall time between frames `i` and `j`.
    fn rate(shown: &[(i64, f64)], i: usize, j: usize) -> f64 {
        (shown[j].0 - shown[i].0) as f64 / (shown[j].1 - shown[i].1)
    }

    #[test]
    fn playback_holds_its_speed_from_the_first_frame() {
        // (speed, open cost, decode cost per frame)
        for (speed, open_ms, decode_ms) in [(4.0, 400, 8), (1.0, 250, 20), (16.0, 900, 30)] {
            let shown = play(speed, open_ms, decode_ms, 150);
            for i in 0..shown.len() - 60 {
                let r = rate(&shown, i, i + 59);
                assert!(
                    (r / speed - 1.0).abs() <= 0.02,
                    "{speed}x: frames {i}..{}: {r:.3}x; first frames {:?}",
                    i + 59,
                    &shown[..12]
                );
            }
            // the first two frames are a frame interval apart, not a burst
            let interval = (shown[1].0 - shown[0].0) as f64 / speed;
            let gap = shown[1].1 - shown[0].1;
            assert!(
                (gap - interval).abs() <= 1.0,
                "{speed}x: first frames {gap:.1} ms apart, expected {interval:.1}"
            );
        }
    }
}
