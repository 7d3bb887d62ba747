//! Frame sources that deliver compressed pictures: a VMS adapter reads JPEG
//! frames from its own socket (Milestone's Mobile Server pushes one per
//! WebSocket message, each with its capture time) and hands them to a
//! [`PicturePusher`]. The ingest's [`PictureSource`] decodes them with
//! FFmpeg's MJPEG decoder into the same [`DecodedFrame`] every other source
//! yields, stamped with the capture time, so scaling and the hub are shared.
//!
//! The queue between the two is bounded: when the ingest falls behind, the
//! oldest picture is dropped (latest wins, as everywhere in the video path)
//! and counted. A picture that is not a well-formed JPEG (no start or end
//! marker, truncated, absurd size) or that FFmpeg refuses is skipped and
//! counted; a run of nothing but bad pictures ends the source with
//! [`MediaError::BadPicture`] so the ingest reconnects. [`jpeg_info`] and
//! [`PictureDecoder::decode`] are the pub entries a fuzz target can call.
//! Live events the adapter reads beside the pictures
//! ([`PicturePusher::events`]) go straight to the ingest's event sink.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub use super::picture_decode::{jpeg_info, JpegInfo, PictureCodec, PictureDecoder, PictureError};
use super::source::{DecodedFrame, EventSink, FrameSource, SourceOpener, StopFlag, WantedSize};
use super::MediaError;
use crate::vms::live_events::LiveEvents;

/// Bad pictures in a row after which the source gives up (and reconnects).
pub const MAX_BAD_IN_ROW: u32 = 50;
/// Pictures queued by default between the adapter and the ingest.
pub const DEFAULT_CAPACITY: usize = 4;
use crate::secrets::redact::redact_text;

/// Counters of one pushed-picture source, kept across reconnects.
#[derive(Debug, Default)]
struct Counters {
    pushed: AtomicU64,
    dropped: AtomicU64,
    rejected: AtomicU64,
    decoded: AtomicU64,
    last_rejection: Mutex<Option<String>>,
}

/// What happened to the pictures pushed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushStats {
    /// Pictures handed to [`PicturePusher::push`] while the source was open.
    pub pushed: u64,
    /// Dropped unread because the queue was full (the oldest goes).
    pub dropped: u64,
    /// Not decodable (malformed, truncated, refused by the decoder).
    pub rejected: u64,
    /// Decoded into frames.
    pub decoded: u64,
    /// Why the last rejected picture was rejected.
    pub last_rejection: Option<String>,
}

impl Counters {
    fn snapshot(&self) -> PushStats {
        PushStats {
            pushed: self.pushed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            decoded: self.decoded.load(Ordering::Relaxed),
            last_rejection: self
                .last_rejection
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}

enum State {
    Open,
    /// The adapter's stream ended (or every pusher was dropped).
    Finished,
    /// The adapter's stream failed.
    Failed(MediaError),
    /// The ingest let go of the source: pushes are refused.
    Gone,
}

struct Queue {
    items: VecDeque<(Vec<u8>, i64)>,
    state: State,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    capacity: usize,
    counters: Arc<Counters>,
    /// The ingest's event sink and the last events (kept until a sink comes).
    events: Mutex<(Option<EventSink>, Option<LiveEvents>)>,
    /// How the ingest says what size its viewers want (set after open).
    wanted: Mutex<Option<WantedSize>>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn end(&self, state: State) {
        let mut q = self.lock();
        if matches!(q.state, State::Open) {
            q.state = state;
        }
        drop(q);
        self.ready.notify_all();
    }
}

/// Ends the stream when the last clone of a pusher is dropped.
struct Alive(Arc<Shared>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.end(State::Finished);
    }
}

/// The adapter's end: push pictures as they arrive on its socket.
#[derive(Clone)]
pub struct PicturePusher {
    shared: Arc<Shared>,
    _alive: Arc<Alive>,
}

impl std::fmt::Debug for PicturePusher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PicturePusher")
            .field("capacity", &self.shared.capacity)
            .field("stats", &self.stats())
            .finish()
    }
}

impl PicturePusher {
    /// Queues a picture captured at `capture_time_ms` (ms since the Unix
    /// epoch, UTC); when the queue is full the oldest picture is dropped.
    /// `false` when the source is closed (ended, failed or let go): the
    /// adapter should stop reading and close its socket.
    pub fn push(&self, bytes: impl Into<Vec<u8>>, capture_time_ms: i64) -> bool {
        let bytes = bytes.into();
        let c = &self.shared.counters;
        let mut q = self.shared.lock();
        if !matches!(q.state, State::Open) {
            return false;
        }
        c.pushed.fetch_add(1, Ordering::Relaxed);
        while q.items.len() >= self.shared.capacity {
            q.items.pop_front();
            c.dropped.fetch_add(1, Ordering::Relaxed);
        }
        q.items.push_back((bytes, capture_time_ms));
        drop(q);
        self.shared.ready.notify_one();
        true
    }

    /// The adapter's stream ended: the source yields what is queued, then
    /// [`MediaError::Ended`].
    pub fn finish(&self) {
        self.shared.end(State::Finished);
    }

    /// The adapter's stream failed (e.g. [`MediaError::AuthFailed`], which
    /// the ingest does not retry): the source yields what is queued, then
    /// this error.
    pub fn fail(&self, error: MediaError) {
        self.shared.end(State::Failed(error));
    }

    /// The stream's live events now (sent to the ingest's status as they
    /// come, pictures or not).
    pub fn events(&self, e: LiveEvents) {
        let sink = {
            let mut ev = self.shared.events.lock().unwrap_or_else(|p| p.into_inner());
            ev.1 = Some(e);
            ev.0.clone()
        };
        if let Some(sink) = sink {
            sink(e);
        }
    }

    /// The largest picture size the stream's viewers want now; `None`
    /// until the ingest says, or while nobody watches.
    pub fn wanted_size(&self) -> Option<(u32, u32)> {
        let wanted = self
            .shared
            .wanted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        wanted.and_then(|f| f())
    }

    /// Whether pushes are refused now.
    pub fn is_closed(&self) -> bool {
        !matches!(self.shared.lock().state, State::Open)
    }

    pub fn stats(&self) -> PushStats {
        self.shared.counters.snapshot()
    }
}

/// The ingest's end: decoded frames of the pushed pictures.
pub struct PictureSource {
    shared: Arc<Shared>,
    decoder: PictureDecoder,
    name: String,
    stop: StopFlag,
    stall_after: Duration,
    bad_in_row: u32,
}

impl Drop for PictureSource {
    fn drop(&mut self) {
        self.shared.end(State::Gone);
    }
}

/// A pusher and the source it feeds, sharing `counters`.
fn channel_with(
    name: &str,
    codec: PictureCodec,
    capacity: usize,
    stall_after: Duration,
    stop: StopFlag,
    counters: Arc<Counters>,
) -> Result<(PicturePusher, PictureSource), MediaError> {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            items: VecDeque::new(),
            state: State::Open,
        }),
        ready: Condvar::new(),
        capacity: capacity.max(1),
        counters,
        events: Mutex::new((None, None)),
        wanted: Mutex::new(None),
    });
    let source = PictureSource {
        shared: shared.clone(),
        decoder: PictureDecoder::new(codec)?,
        name: redact_text(name),
        stop,
        stall_after,
        bad_in_row: 0,
    };
    let pusher = PicturePusher {
        _alive: Arc::new(Alive(shared.clone())),
        shared,
    };
    Ok((pusher, source))
}

/// A pusher and the source it feeds: `capacity` pictures queued at most;
/// no picture for `stall_after` counts as a stalled stream.
pub fn picture_channel(
    name: &str,
    codec: PictureCodec,
    capacity: usize,
    stall_after: Duration,
    stop: StopFlag,
) -> Result<(PicturePusher, PictureSource), MediaError> {
    channel_with(
        name,
        codec,
        capacity,
        stall_after,
        stop,
        Arc::new(Counters::default()),
    )
}

impl PictureSource {
    pub fn stats(&self) -> PushStats {
        self.shared.counters.snapshot()
    }

    /// The next queued picture, waiting for one; once the stream ended or
    /// failed and the queue is empty, [`MediaError::Ended`] or its error.
    fn next_picture(&mut self) -> Result<(Vec<u8>, i64), MediaError> {
        let deadline = Instant::now() + self.stall_after;
        let mut q = self.shared.lock();
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped);
            }
            if let Some(item) = q.items.pop_front() {
                return Ok(item);
            }
            match std::mem::replace(&mut q.state, State::Finished) {
                State::Open => q.state = State::Open,
                State::Finished | State::Gone => {
                    return Err(MediaError::Ended {
                        url: self.name.clone(),
                    })
                }
                State::Failed(e) => {
                    // reported once; a later call sees the stream ended
                    return Err(e);
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(MediaError::Stalled {
                    secs: self.stall_after.as_secs(),
                });
            }
            // wake up now and then to notice the stop flag
            let wait = (deadline - now).min(Duration::from_millis(100));
            q = self
                .shared
                .ready
                .wait_timeout(q, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl FrameSource for PictureSource {
    fn on_wanted_size(&mut self, wanted: WantedSize) {
        *self.shared.wanted.lock().unwrap_or_else(|p| p.into_inner()) = Some(wanted);
    }

    fn on_events(&mut self, sink: EventSink) {
        let last = {
            let mut ev = self.shared.events.lock().unwrap_or_else(|p| p.into_inner());
            ev.0 = Some(sink.clone());
            ev.1
        };
        if let Some(e) = last {
            sink(e);
        }
    }

    fn next_frame(&mut self) -> Result<DecodedFrame, MediaError> {
        loop {
            let (bytes, ts_ms) = self.next_picture()?;
            let c = &self.shared.counters;
            match self.decoder.decode(&bytes, ts_ms) {
                Ok(frame) => {
                    self.bad_in_row = 0;
                    c.decoded.fetch_add(1, Ordering::Relaxed);
                    return Ok(frame);
                }
                Err(e) => {
                    self.bad_in_row += 1;
                    c.rejected.fetch_add(1, Ordering::Relaxed);
                    let reason = e.to_string();
                    tracing::debug!("{}: picture skipped: {reason}", self.name);
                    *c.last_rejection.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(reason.clone());
                    if self.bad_in_row >= MAX_BAD_IN_ROW {
                        return Err(MediaError::BadPicture {
                            source_name: self.name.clone(),
                            reason: format!(
                                "{} {} pictures in a row could not be decoded (last: {reason})",
                                self.bad_in_row,
                                self.decoder.codec().as_str()
                            ),
                        });
                    }
                }
            }
        }
    }
}

/// Starts the adapter's stream for one connection: ask the VMS for a
/// stream and spawn the reader that pushes its pictures into the pusher
/// (and calls [`PicturePusher::finish`] or [`PicturePusher::fail`] when
/// it ends). Called on the ingest thread at every open.
pub type Connect = Arc<dyn Fn(PicturePusher, &StopFlag) -> Result<(), MediaError> + Send + Sync>;

/// A [`SourceOpener`] for pushed pictures: each open makes a fresh queue
/// and asks `connect` to feed it.
pub struct PicturePushInput {
    label: String,
    pub codec: PictureCodec,
    pub capacity: usize,
    pub stall_after: Duration,
    connect: Connect,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for PicturePushInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PicturePushInput")
            .field("label", &self.label)
            .field("codec", &self.codec)
            .field("stats", &self.stats())
            .finish()
    }
}

impl PicturePushInput {
    pub fn new(label: impl Into<String>, codec: PictureCodec, connect: Connect) -> Self {
        Self {
            label: redact_text(&label.into()),
            codec,
            capacity: DEFAULT_CAPACITY,
            stall_after: Duration::from_secs(5),
            connect,
            counters: Arc::new(Counters::default()),
        }
    }

    /// Counters over every connection so far.
    pub fn stats(&self) -> PushStats {
        self.counters.snapshot()
    }
}

impl SourceOpener for PicturePushInput {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
        let (pusher, source) = channel_with(
            &self.label,
            self.codec,
            self.capacity,
            self.stall_after,
            stop.clone(),
            self.counters.clone(),
        )?;
        (self.connect)(pusher, &stop)?;
        Ok(Box::new(source))
    }

    fn describe(&self) -> String {
        format!("{} ({} pictures)", self.label, self.codec.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::picture::{i420_to_jpeg, Picture};
    use crate::media::scale::Scaler;
    use crate::media::vtc1;
    use std::sync::atomic::AtomicU32;

    const T0: i64 = 1_767_225_600_000;

    /// A JPEG of a grey picture with the VTC1 strip of `ms`.
    fn vtc1_jpeg(w: u32, h: u32, ms: i64) -> Vec<u8> {
        let mut d = vec![0u8; Picture::i420_len(w, h)];
        let yl = (w * h) as usize;
        d[..yl].fill(110);
        d[yl..].fill(128);
        vtc1::stamp_luma(&mut d[..yl], w as usize, w as usize, ms as u64);
        i420_to_jpeg(&d, w, h).unwrap()
    }

    fn frame_vtc1(f: &DecodedFrame) -> Option<u64> {
        let v = &f.frame;
        vtc1::read_luma(
            v.data(0),
            v.width() as usize,
            v.height() as usize,
            v.stride(0),
        )
    }

    fn channel(capacity: usize) -> (PicturePusher, PictureSource) {
        picture_channel(
            "milestone cam 1",
            PictureCodec::Jpeg,
            capacity,
            Duration::from_secs(5),
            StopFlag::default(),
        )
        .unwrap()
    }

    #[test]
    fn pushed_jpegs_decode_at_their_size_with_their_capture_time() {
        let (pusher, mut source) = channel(8);
        for i in 0..5 {
            assert!(pusher.push(vtc1_jpeg(640, 360, T0 + i * 40), T0 + i * 40));
        }
        let mut scaler = Scaler::default();
        for i in 0..5 {
            let f = source.next_frame().unwrap();
            assert_eq!((f.frame.width(), f.frame.height()), (640, 360));
            assert_eq!(f.ts_ms, T0 + i * 40, "the capture time is the frame time");
            assert!(f.keyframe);
            assert_eq!(frame_vtc1(&f), Some((T0 + i * 40) as u64));
            // the same scale path the hub uses
            let p = scaler
                .scale(&f.frame, (320, 180), f.ts_ms, true, 1)
                .unwrap();
            assert_eq!((p.width, p.height), (320, 180));
            assert_eq!(p.read_vtc1(), Some((T0 + i * 40) as u64));
            assert_eq!(p.ts_ms, T0 + i * 40);
        }
        let s = source.stats();
        assert_eq!((s.pushed, s.decoded, s.dropped, s.rejected), (5, 5, 0, 0));
    }

    #[test]
    fn live_events_reach_the_sink_with_or_without_pictures() {
        let (pusher, mut source) = channel(2);
        let ev = |motion, at_ms| LiveEvents {
            motion,
            recording: true,
            connection_lost: false,
            at_ms,
        };
        // reported before the ingest gave its sink: handed over with it
        pusher.events(ev(false, T0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        source.on_events(Arc::new(move |e| s2.lock().unwrap().push(e)));
        // then straight to the sink, no picture needed
        pusher.events(ev(true, T0 + 100));
        assert_eq!(*seen.lock().unwrap(), [ev(false, T0), ev(true, T0 + 100)]);
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_it() {
        let (pusher, mut source) = channel(2);
        for i in 0..5 {
            assert!(pusher.push(vtc1_jpeg(320, 180, T0 + i), T0 + i));
        }
        pusher.finish();
        assert_eq!(source.next_frame().unwrap().ts_ms, T0 + 3);
        assert_eq!(source.next_frame().unwrap().ts_ms, T0 + 4);
        assert!(matches!(source.next_frame(), Err(MediaError::Ended { .. })));
        let s = pusher.stats();
        assert_eq!((s.pushed, s.dropped, s.decoded), (5, 3, 2));
    }

    #[test]
    fn bad_pictures_are_skipped_and_counted_never_a_crash() {
        let good = vtc1_jpeg(320, 180, T0);
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        for b in &mut flipped[mid..mid + 64] {
            *b ^= 0x5A;
        }
        let mut huge = good.clone();
        // the frame header's height and width (SOF0 of the image crate's output)
        let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        huge[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        let bad: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"garbage, not a picture".to_vec(),
            good[..good.len() / 2].to_vec(),
            good[..good.len() - 2].to_vec(),
            huge,
            vec![0xFF, 0xD8, 0xFF, 0xD9],
            vec![0xFF, 0xD8, 0xFF, 0xDA, 0x00],
        ];
        let (pusher, mut source) = channel(16);
        for b in &bad {
            assert!(pusher.push(b.clone(), T0));
        }
        pusher.push(flipped, T0 + 1);
        pusher.push(good.clone(), T0 + 2);
        let f = source.next_frame().unwrap();
        let s = source.stats();
        // the bit-flipped one may decode into damaged pixels or be refused
        assert!(f.ts_ms == T0 + 2 || f.ts_ms == T0 + 1, "{}", f.ts_ms);
        assert!(s.rejected >= bad.len() as u64, "{s:?}");
        assert!(s.last_rejection.is_some());
        for b in &bad {
            assert!(jpeg_info(b).is_err());
        }
        assert_eq!(
            jpeg_info(&good).unwrap(),
            JpegInfo {
                width: 320,
                height: 180,
                components: 3,
                sof: 0xC0
            }
        );
        assert_eq!(
            jpeg_info(&good[..good.len() - 2]),
            Err(PictureError::Truncated("no end-of-image marker"))
        );
        // padding after the end marker is fine
        let mut padded = good.clone();
        padded.extend_from_slice(&[0, 0, 0]);
        assert!(jpeg_info(&padded).is_ok());
    }

    #[test]
    fn only_bad_pictures_end_the_source_with_a_clear_error() {
        let (pusher, mut source) = channel(MAX_BAD_IN_ROW as usize + 1);
        for _ in 0..MAX_BAD_IN_ROW {
            pusher.push(b"\xFF\xD8 not really".to_vec(), T0);
        }
        let e = source.next_frame().err().expect("gives up");
        assert!(matches!(e, MediaError::BadPicture { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("milestone cam 1") && text.contains("in a row"),
            "{text}"
        );
    }

    #[test]
    fn end_failure_stop_and_stall_are_reported_like_other_inputs() {
        // queued pictures first, then the adapter's error (auth: not retried)
        let (pusher, mut source) = channel(4);
        pusher.push(vtc1_jpeg(320, 180, T0), T0);
        pusher.fail(MediaError::AuthFailed {
            url: "milestone cam 1".into(),
        });
        assert!(!pusher.push(vtc1_jpeg(320, 180, T0), T0), "closed");
        assert_eq!(source.next_frame().unwrap().ts_ms, T0);
        assert!(source.next_frame().err().unwrap().is_auth());
        assert!(matches!(source.next_frame(), Err(MediaError::Ended { .. })));

        // every pusher dropped: the stream ended
        let (pusher, mut source) = channel(4);
        let second = pusher.clone();
        drop(pusher);
        assert!(second.push(vtc1_jpeg(320, 180, T0), T0));
        drop(second);
        assert!(source.next_frame().is_ok());
        assert!(matches!(source.next_frame(), Err(MediaError::Ended { .. })));

        // the ingest let go: pushes are refused so the adapter closes its socket
        let (pusher, source) = channel(4);
        drop(source);
        assert!(pusher.is_closed());
        assert!(!pusher.push(vec![1, 2, 3], T0));

        // stop wakes a waiting source; silence is a stall
        let stop = StopFlag::default();
        let (_pusher, mut source) = picture_channel(
            "cam",
            PictureCodec::Jpeg,
            4,
            Duration::from_secs(600),
            stop.clone(),
        )
        .unwrap();
        let waiter = std::thread::spawn(move || source.next_frame().err());
        stop.stop();
        assert!(matches!(waiter.join().unwrap(), Some(MediaError::Stopped)));
        let (_pusher, mut source) = picture_channel(
            "cam",
            PictureCodec::Jpeg,
            4,
            Duration::from_millis(150),
            StopFlag::default(),
        )
        .unwrap();
        assert!(matches!(
            source.next_frame(),
            Err(MediaError::Stalled { .. })
        ));
    }

    #[test]
    fn each_open_connects_again_through_the_ingest() {
        use crate::ingest::{Ingest, Policy, State};
        use crate::vms::StreamKind;
        let connects = Arc::new(AtomicU32::new(0));
        let c = connects.clone();
        // the adapter's reader: 3 pictures per connection, then the stream ends
        let connect: Connect = Arc::new(move |pusher: PicturePusher, _: &StopFlag| {
            let n = c.fetch_add(1, Ordering::SeqCst) as i64;
            std::thread::spawn(move || {
                for i in 0..3 {
                    let ts = T0 + n * 1000 + i * 100;
                    if !pusher.push(vtc1_jpeg(640, 360, ts), ts) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                pusher.finish();
            });
            Ok(())
        });
        let input = Arc::new(PicturePushInput::new(
            "milestone cam 1",
            PictureCodec::Jpeg,
            connect,
        ));
        assert!(input.describe().contains("jpeg"));
        let ingest = Ingest::start(
            1,
            "cam1",
            StreamKind::Main,
            input.clone(),
            Policy {
                backoff_base: Duration::from_millis(10),
                backoff_cap: Duration::from_millis(50),
                auth_attempts: 1,
            },
            Box::new(|_, _| {}),
        );
        let rx = ingest.subscribe((320, 180));
        let status = ingest.status();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while connects.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
            if let Some(p) = rx.borrow().as_ref() {
                if seen.last() != Some(&p.ts_ms) {
                    assert_eq!((p.width, p.height), (320, 180));
                    assert_eq!(p.read_vtc1(), Some(p.ts_ms as u64));
                    seen.push(p.ts_ms);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            connects.load(Ordering::SeqCst) >= 3,
            "reconnected after each end"
        );
        assert!(!seen.is_empty(), "pictures reached the rendition");
        assert!(input.stats().decoded >= 3, "{:?}", input.stats());
        assert_ne!(status.borrow().state, State::AuthFailed);
        drop(ingest);
    }
}
