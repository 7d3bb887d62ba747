//! The demo site's recording archive: 7 days per camera, rendered on demand
//! (nothing is stored). Coverage has deterministic holes of 20-40 minutes
//! every few hours, different per camera and day, and none in the last hour
//! (the demo records what its live view shows); every frame is painted for
//! its recording time, VTC1 included, at 15 fps on a fixed frame grid.
//! "Now" (what is recorded so far, where holes stop) comes from a clock:
//! the system's for [`DemoArchive`], any [`crate::clock::Clock`] for
//! [`DemoArchive::on_clock`] (tests at a fixed simulated time of day).
use ffmpeg_next::{format::Pixel, frame};

use super::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, Span};
use crate::clock::SharedClock;
use crate::media::demo_painter::{DemoPainter, PlanesMut};
use crate::media::source::{now_ms, DecodedFrame, StopFlag};
use crate::media::MediaError;

const DAY_MS: i64 = 86_400_000;
pub const FPS: i64 = 15;
/// A keyframe every second: keyframes-only decimation shows one frame a second.
const GOP: i64 = FPS;
/// How far behind the wall clock the archive's newest frame is.
pub const RECORDING_LAG_MS: i64 = 1_000;
/// Days of history before today (UTC).
pub const DAYS: i64 = 7;

/// Recording time of frame `k`.
pub fn frame_ts(k: i64) -> i64 {
    (k * 1000).div_euclid(FPS)
}

/// The first frame at or after `t_ms`.
pub fn frame_at_or_after(t_ms: i64) -> i64 {
    (t_ms * FPS + 999).div_euclid(1000)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const MIN_MS: i64 = 60_000;
/// Holes recur every 4 hours; within each cycle camera k (1..6) may only be
/// in a hole during its own 40-minute slot, so at any moment at most one demo
/// camera is in a hole (and a case near any time finds most cameras recorded).
const CYCLE_MS: i64 = 240 * MIN_MS;
const SLOT_MS: i64 = 40 * MIN_MS;

/// Where the 4-hour cycles start (from the epoch): 01:10, 05:10, ... UTC.
const CYCLE_PHASE_MS: i64 = 70 * MIN_MS;

/// Holes end before this instant: the start of the 4-hour cycle that held
/// "an hour before this process first asked". So the demo records what its
/// live view shows (no hole in the last hour, and none that appears later in
/// a running app), and processes started within one cycle agree.
fn hole_cutoff_ms() -> i64 {
    static CUTOFF: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *CUTOFF.get_or_init(|| cycle_start(now_ms() - 60 * MIN_MS))
}

/// The archive's "now" and the instant its holes end before.
#[derive(Debug, Clone)]
struct ArchiveTime {
    /// `None`: the system clock.
    clock: Option<SharedClock>,
    cutoff_ms: i64,
}

impl ArchiveTime {
    fn system() -> Self {
        Self {
            clock: None,
            cutoff_ms: hole_cutoff_ms(),
        }
    }

    /// The cutoff is fixed when the archive is made, as the process-wide
    /// one is when first asked.
    fn on(clock: SharedClock) -> Self {
        let cutoff_ms = cycle_start(clock.now_ms() - 60 * MIN_MS);
        Self {
            clock: Some(clock),
            cutoff_ms,
        }
    }

    fn now_ms(&self) -> i64 {
        self.clock.as_ref().map_or_else(now_ms, |c| c.now_ms())
    }
}

/// The start of the 4-hour cycle holding `t_ms`.
fn cycle_start(t_ms: i64) -> i64 {
    CYCLE_PHASE_MS + (t_ms - CYCLE_PHASE_MS).div_euclid(CYCLE_MS) * CYCLE_MS
}

/// The holes of camera `camera` starting on UTC day `day` (days since the
/// epoch): one per 4-hour cycle, 20-36 min long, at a place inside the
/// camera's slot that varies per camera and cycle; none ending after the
/// cutoff (`hole_cutoff_ms`).
pub fn holes(camera: usize, day: i64) -> Vec<Span> {
    holes_before(camera, day, hole_cutoff_ms())
}

fn holes_before(camera: usize, day: i64, cutoff_ms: i64) -> Vec<Span> {
    let start = day * DAY_MS;
    let slot = ((camera.max(1) - 1) % 6) as i64 * SLOT_MS;
    let first = (start - CYCLE_PHASE_MS).div_euclid(CYCLE_MS) - 1;
    let mut out = Vec::new();
    for n in first..first + 8 {
        let mut seed = splitmix(((camera as u64) << 48) ^ n as u64);
        let mut next = |lo: i64, hi: i64| {
            seed = splitmix(seed);
            lo + (seed % (hi - lo) as u64) as i64
        };
        let len = next(20 * MIN_MS, 36 * MIN_MS);
        // 2 minutes clear of the slot's edges: holes of two cameras never touch
        let offset = next(2 * MIN_MS, SLOT_MS - 2 * MIN_MS - len + 1);
        let at = CYCLE_PHASE_MS + n * CYCLE_MS + slot + offset;
        if (start..start + DAY_MS).contains(&at) && at + len <= cutoff_ms {
            out.push(Span::new(at, at + len));
        }
    }
    out
}

/// One demo camera's archive at one picture size.
#[derive(Debug, Clone)]
pub struct DemoArchive {
    pub camera_index: usize,
    pub name: String,
    pub width: u32,
    pub height: u32,
}

impl DemoArchive {
    /// `[first recorded ms, newest recorded ms)` at the time of the call.
    pub fn extent(&self) -> Span {
        extent_at(now_ms())
    }

    /// The same archive with "now" read from `clock`.
    pub fn on_clock(self, clock: SharedClock) -> DemoArchiveOn {
        DemoArchiveOn {
            archive: self,
            time: ArchiveTime::on(clock),
        }
    }

    fn spans_on(&self, t: &ArchiveTime, from_ms: i64, to_ms: i64) -> Vec<Span> {
        let ext = extent_at(t.now_ms());
        let (from, to) = (from_ms.max(ext.start_ms), to_ms.min(ext.end_ms));
        if from >= to {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut cursor = from;
        for day in from.div_euclid(DAY_MS) - 1..=to.div_euclid(DAY_MS) {
            for h in holes_before(self.camera_index, day, t.cutoff_ms) {
                if h.end_ms <= cursor || h.start_ms >= to {
                    continue;
                }
                if h.start_ms > cursor {
                    out.push(Span::new(cursor, h.start_ms));
                }
                cursor = cursor.max(h.end_ms);
            }
        }
        if cursor < to {
            out.push(Span::new(cursor, to));
        }
        out
    }

    fn open_on(
        &self,
        time: ArchiveTime,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Box<dyn RecordingReader> {
        let ext = extent_at(time.now_ms());
        let t = super::bounds::clamp(t_ms).max(ext.start_ms);
        Box::new(DemoArchiveReader {
            painter: DemoPainter::new(self.camera_index, &self.name, self.width, self.height),
            archive: self.clone(),
            time,
            next_k: frame_at_or_after(t),
            decimation,
            stop,
        })
    }

    fn hole_at(&self, cutoff_ms: i64, t_ms: i64) -> Option<Span> {
        let day = t_ms.div_euclid(DAY_MS);
        // a hole may start late the day before and run past midnight
        (day - 1..=day)
            .flat_map(|d| holes_before(self.camera_index, d, cutoff_ms))
            .find(|h| h.contains(t_ms))
    }
}

/// `[first recorded ms, newest recorded ms)` when it is `now`.
fn extent_at(now: i64) -> Span {
    let today = now.div_euclid(DAY_MS);
    Span::new((today - DAYS) * DAY_MS, now - RECORDING_LAG_MS)
}

/// A demo archive whose "now" is an injected clock's.
#[derive(Debug, Clone)]
pub struct DemoArchiveOn {
    pub archive: DemoArchive,
    time: ArchiveTime,
}

impl DemoArchiveOn {
    /// `[first recorded ms, newest recorded ms)` on this archive's clock.
    pub fn extent(&self) -> Span {
        extent_at(self.time.now_ms())
    }

    /// This archive's holes starting on UTC day `day`.
    pub fn holes(&self, day: i64) -> Vec<Span> {
        holes_before(self.archive.camera_index, day, self.time.cutoff_ms)
    }
}

impl Recording for DemoArchive {
    fn describe(&self) -> String {
        format!(
            "demo archive {} {}x{}",
            self.camera_index, self.width, self.height
        )
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        Ok(self.spans_on(&ArchiveTime::system(), from_ms, to_ms))
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        Ok(self.open_on(ArchiveTime::system(), t_ms, decimation, stop))
    }

    fn frame_interval_ms(&self) -> Option<f64> {
        Some(1000.0 / FPS as f64)
    }
}

impl Recording for DemoArchiveOn {
    fn describe(&self) -> String {
        self.archive.describe()
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        Ok(self.archive.spans_on(&self.time, from_ms, to_ms))
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        Ok(self
            .archive
            .open_on(self.time.clone(), t_ms, decimation, stop))
    }

    fn frame_interval_ms(&self) -> Option<f64> {
        Some(1000.0 / FPS as f64)
    }
}

/// Paints the archive's frames in recording order.
pub struct DemoArchiveReader {
    archive: DemoArchive,
    time: ArchiveTime,
    painter: DemoPainter,
    next_k: i64,
    decimation: Decimation,
    stop: StopFlag,
}

impl DemoArchiveReader {
    /// Moves `next_k` to the next frame the decimation keeps.
    fn align(&mut self) {
        let step = match self.decimation {
            Decimation::All => 1,
            Decimation::SkipNonRef => 2,
            Decimation::KeyframesOnly => GOP,
        };
        self.next_k = (self.next_k + step - 1).div_euclid(step) * step;
    }

    fn paint(&self, ts: i64) -> frame::Video {
        let (w, h) = (self.archive.width, self.archive.height);
        let mut f = frame::Video::new(Pixel::YUV420P, w, h);
        let (ys, us, vs) = (f.stride(0), f.stride(1), f.stride(2));
        // SAFETY: the three planes are distinct buffers owned by `f`.
        let (y, u, v) = unsafe {
            let p = f.as_mut_ptr();
            let h = h as usize;
            (
                std::slice::from_raw_parts_mut((*p).data[0], ys * h),
                std::slice::from_raw_parts_mut((*p).data[1], us * h.div_ceil(2)),
                std::slice::from_raw_parts_mut((*p).data[2], vs * h.div_ceil(2)),
            )
        };
        let mut planes = PlanesMut {
            y,
            y_stride: ys,
            u,
            u_stride: us,
            v,
            v_stride: vs,
        };
        self.painter.paint(ts as u64, &mut planes);
        f.set_pts(Some(ts));
        f
    }
}

impl RecordingReader for DemoArchiveReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        if self.stop.is_stopped() {
            return Err(MediaError::Stopped.into());
        }
        self.align();
        let ts = frame_ts(self.next_k);
        if ts >= extent_at(self.time.now_ms()).end_ms {
            return Ok(ReadEvent::End);
        }
        if let Some(h) = self.archive.hole_at(self.time.cutoff_ms, ts) {
            self.next_k = frame_at_or_after(h.end_ms);
            return Ok(ReadEvent::Gap {
                from_ms: ts,
                to_ms: frame_ts(self.next_k),
            });
        }
        self.next_k += 1;
        Ok(ReadEvent::Frame(DecodedFrame {
            frame: self.paint(ts),
            ts_ms: ts,
            keyframe: (self.next_k - 1) % GOP == 0,
        }))
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::clock::SimClock;
    use crate::media::vtc1;

    /// A fixed simulated "now": 2025-06-15 15:06:40 UTC.
    const T0: i64 = 1_750_000_000_000;

    fn archive() -> DemoArchive {
        DemoArchive {
            camera_index: 2,
            name: "Demo 2".into(),
            width: 640,
            height: 360,
        }
    }

    fn archive_at(now_ms: i64) -> (SimClock, DemoArchiveOn) {
        let clock = SimClock::new(now_ms);
        let a = archive().on_clock(clock.shared());
        (clock, a)
    }

    #[test]
    fn frame_grid_round_trips() {
        for t in [0i64, 1, 66, 67, 1_763_800_000_123, 1_763_800_000_000] {
            let k = frame_at_or_after(t);
            assert!(frame_ts(k) >= t && frame_ts(k - 1) < t, "t={t}");
        }
    }

    #[test]
    fn holes_are_deterministic_and_20_to_40_minutes() {
        let day = 20_400;
        assert_eq!(holes(1, day), holes(1, day));
        assert_ne!(holes(1, day), holes(2, day));
        let hs = holes_before(3, day, i64::MAX);
        assert!((5..=7).contains(&hs.len()), "{} holes", hs.len());
        for h in &hs {
            assert!((20 * 60_000..40 * 60_000).contains(&h.duration_ms()));
        }
        assert!(hs
            .windows(2)
            .all(|w| w[1].start_ms - w[0].end_ms > 3 * 3_600_000));
    }

    #[test]
    fn no_hole_in_the_last_hour_and_the_past_keeps_its_holes() {
        // the process-wide cutoff (system clock), whenever the test runs
        let (now, cutoff) = (now_ms(), hole_cutoff_ms());
        assert!(cutoff <= now - 60 * 60_000 && cutoff > now - 60 * 60_000 - CYCLE_MS);
        // every time of one day, every 7 minutes, on a simulated clock
        let day0 = T0.div_euclid(DAY_MS) * DAY_MS;
        for now in (day0..day0 + DAY_MS).step_by(7 * 60_000) {
            let cutoff = ArchiveTime::on(SimClock::new(now).shared()).cutoff_ms;
            assert!(cutoff <= now - 60 * 60_000 && cutoff > now - 60 * 60_000 - CYCLE_MS);
            for c in 1..=4 {
                let today = now.div_euclid(DAY_MS);
                for h in (today - 1..=today).flat_map(|d| holes_before(c, d, cutoff)) {
                    assert!(
                        h.end_ms <= now - 60 * 60_000,
                        "at {now}: camera {c}: hole {h:?} in the last hour"
                    );
                }
                // two days back, every cycle has its hole (nothing is cut there)
                assert_eq!(
                    holes_before(c, today - 2, cutoff),
                    holes_before(c, today - 2, i64::MAX)
                );
            }
        }
        // a cutoff inside a hole drops that hole, not the ones before it
        let all = holes_before(2, 20_400, i64::MAX);
        let cut = holes_before(2, 20_400, all[3].end_ms - 1);
        assert_eq!(cut, all[..3].to_vec());
        assert_eq!(cycle_start(CYCLE_PHASE_MS + 5), CYCLE_PHASE_MS);
        assert_eq!(cycle_start(CYCLE_PHASE_MS - 5), CYCLE_PHASE_MS - CYCLE_MS);
    }

    #[test]
    fn at_most_one_camera_is_in_a_hole_at_any_time() {
        for day in 20_000..20_040 {
            let all: Vec<(usize, Span)> = (1..=6)
                .flat_map(|c| {
                    (day - 1..=day)
                        .flat_map(move |d| holes(c, d))
                        .map(move |h| (c, h))
                })
                .collect();
            for (c, h) in &all {
                for (c2, h2) in &all {
                    if c != c2 {
                        let apart = h2.start_ms - h.end_ms >= 4 * 60_000
                            || h.start_ms - h2.end_ms >= 4 * 60_000;
                        assert!(apart, "day {day}: camera {c} {h:?} and {c2} {h2:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn spans_are_the_day_minus_its_holes() {
        let (_clock, a) = archive_at(T0);
        let day = T0.div_euclid(DAY_MS) - 2;
        let (from, to) = (day * DAY_MS, (day + 1) * DAY_MS);
        let spans = a.spans(from, to).unwrap();
        let covered: i64 = spans.iter().map(Span::duration_ms).sum();
        let holes_in_day: i64 = (day - 1..=day)
            .flat_map(|d| a.holes(d))
            .map(|h| h.end_ms.min(to) - h.start_ms.max(from))
            .filter(|d| *d > 0)
            .sum();
        assert_eq!(covered + holes_in_day, DAY_MS);
        assert!(spans.windows(2).all(|w| w[0].end_ms < w[1].start_ms));
        // nothing before the archive or after now
        assert!(a.spans(0, 1000).unwrap().is_empty());
        let future = a.spans(T0 + 10_000, T0 + 20_000).unwrap();
        assert!(future.is_empty());
    }

    #[test]
    fn recorded_up_to_the_clocks_now_and_growing_with_it() {
        let (clock, a) = archive_at(T0);
        let upto = |a: &DemoArchiveOn| a.spans(T0 - 10_000, T0 + 10_000).unwrap();
        assert_eq!(upto(&a), [Span::new(T0 - 10_000, T0 - RECORDING_LAG_MS)]);
        assert_eq!(a.extent().end_ms, T0 - RECORDING_LAG_MS);
        let from = T0 - RECORDING_LAG_MS - 200;
        let mut r = a.open(from, Decimation::All, StopFlag::default()).unwrap();
        let mut frames = 0;
        while let ReadEvent::Frame(_) = r.next().unwrap() {
            frames += 1;
        }
        let last_200_ms = frame_at_or_after(T0 - RECORDING_LAG_MS) - frame_at_or_after(from);
        assert_eq!(
            frames, last_200_ms,
            "the frames of the last 200 ms, then the end"
        );
        clock.advance(Duration::from_secs(5));
        assert_eq!(upto(&a), [Span::new(T0 - 10_000, T0 + 4_000)]);
        assert!(matches!(r.next().unwrap(), ReadEvent::Frame(_)), "and on");
    }

    #[test]
    fn reader_paints_recording_time_and_skips_holes() {
        let (_clock, a) = archive_at(T0);
        let day = T0.div_euclid(DAY_MS) - 1;
        let hole = a.holes(day)[0];
        let mut r = a
            .open(hole.start_ms - 200, Decimation::All, StopFlag::default())
            .unwrap();
        let mut seen = Vec::new();
        loop {
            match r.next().unwrap() {
                ReadEvent::Frame(f) => {
                    let tc = vtc1::read_luma(f.frame.data(0), 640, 360, f.frame.stride(0))
                        .expect("VTC1 readable") as i64;
                    assert_eq!(tc, f.ts_ms);
                    seen.push(tc);
                    if tc >= hole.end_ms {
                        break;
                    }
                }
                ReadEvent::Gap { from_ms, to_ms } => {
                    assert!(from_ms >= hole.start_ms && from_ms < hole.start_ms + 67);
                    assert!(to_ms >= hole.end_ms && to_ms < hole.end_ms + 67);
                }
                ReadEvent::End => panic!("archive ended inside yesterday"),
            }
        }
        assert_eq!(seen.len(), 4, "3 frames before the hole, 1 after: {seen:?}");
        assert!(seen[0] >= hole.start_ms - 200);
    }
}
