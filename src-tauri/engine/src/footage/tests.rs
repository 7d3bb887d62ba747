//! Worker tests against real recordings (the demo archive = frames, synthetic
//! H.264 segment files = stream copy), real SQLite and real files. VTC1 in
//! the pictures decides the times. Due times, retries and leases run on a
//! simulated clock at a fixed date (the demo archive reads the same clock),
//! moved only while no job runs: no test depends on the time of day or
//! waits for a retry in real time.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::probe::probe_clip;
use super::synth::write_segments;
use super::*;
use crate::cases::{create_case, CameraDirectory, NewCase};
use crate::clock::{Clock, SimClock};
use crate::playback::demo_archive::{DemoArchive, DemoArchiveOn};
use crate::playback::folder::SegmentFolder;
use crate::playback::{PlaybackError, Recording};
use crate::store::Store;
use crate::vms::{CameraInfo, VmsError};

pub(crate) struct TestLookup {
    pub cams: HashMap<String, Result<Arc<dyn Recording>, String>>,
}

impl RecordingLookup for TestLookup {
    fn camera(&self, id: &str) -> Result<CameraInfo, VmsError> {
        self.cams
            .get(id)
            .map(|_| CameraInfo {
                id: id.into(),
                name: format!("Camera {id}"),
                site: "test".into(),
                site_name: String::new(),
                ptz: false,
                streams: vec![],
                capabilities: Default::default(),
            })
            .ok_or_else(|| VmsError::UnknownCamera(id.into()))
    }
    fn recording(&self, id: &str) -> Result<Arc<dyn Recording>, VmsError> {
        match self.cams.get(id) {
            Some(Ok(r)) => Ok(r.clone()),
            Some(Err(why)) if why.starts_with("auth:") => Ok(Arc::new(Refusing)),
            Some(Err(why)) => Ok(Arc::new(Unreachable(why.clone()))),
            None => Err(VmsError::UnknownCamera(id.into())),
        }
    }
}

impl CameraDirectory for TestLookup {
    fn camera_info(&self, id: &str) -> Option<(String, String)> {
        self.cams
            .contains_key(id)
            .then(|| (format!("Camera {id}"), "test".to_string()))
    }
}

/// A recorder that cannot be reached.
struct Unreachable(String);
impl Recording for Unreachable {
    fn describe(&self) -> String {
        "unreachable recorder".into()
    }
    fn spans(&self, _: i64, _: i64) -> Result<Vec<crate::playback::Span>, PlaybackError> {
        Err(PlaybackError::Source {
            source_name: "nvr.example:554".into(),
            reason: self.0.clone(),
        })
    }
    fn open(
        &self,
        _: i64,
        _: crate::playback::Decimation,
        _: crate::media::source::StopFlag,
    ) -> Result<Box<dyn crate::playback::RecordingReader>, PlaybackError> {
        Err(PlaybackError::Source {
            source_name: "nvr.example:554".into(),
            reason: self.0.clone(),
        })
    }
}

/// A recorder that refuses our credentials.
struct Refusing;
impl Recording for Refusing {
    fn describe(&self) -> String {
        "refusing recorder".into()
    }
    fn spans(&self, _: i64, _: i64) -> Result<Vec<crate::playback::Span>, PlaybackError> {
        Err(PlaybackError::Refused {
            source_name: "nvr.example:80".into(),
            kind: crate::error::ErrorKind::AuthFailed,
            reason: "login refused (wrong user name or password)".into(),
        })
    }
    fn open(
        &self,
        _: i64,
        _: crate::playback::Decimation,
        _: crate::media::source::StopFlag,
    ) -> Result<Box<dyn crate::playback::RecordingReader>, PlaybackError> {
        Err(PlaybackError::Refused {
            source_name: "nvr.example:80".into(),
            kind: crate::error::ErrorKind::AuthFailed,
            reason: "login refused".into(),
        })
    }
}

/// The simulated "now" the tests start at: 2025-06-15 15:06:40 UTC.
pub(crate) const T0: i64 = 1_750_000_000_000;

/// A small demo archive camera on `clock` whose recording covers `[from, to)` whole.
pub(crate) fn covered_demo(clock: &SimClock, from: i64, to: i64) -> DemoArchiveOn {
    let now_ms = || clock.now_ms();
    for i in 1..=6 {
        let a = DemoArchive {
            camera_index: i,
            name: format!("Demo {i}"),
            width: 640,
            height: 360,
        }
        .on_clock(clock.shared());
        let s = a.spans(from, to.min(now_ms() - 1_100)).unwrap();
        if s.len() == 1 && s[0].start_ms == from {
            return a;
        }
    }
    panic!("no demo camera without a hole around {from}");
}

fn fast_cfg(root: &Path, clock: &SimClock) -> WorkerConfig {
    WorkerConfig {
        parallel: 2,
        retry: RetryPolicy {
            first_ms: 200,
            max_ms: 1_000,
            give_up_after_ms: 20_000,
            min_attempts: 3,
        },
        preset: "ultrafast".into(),
        media_root: Some(root.to_path_buf()),
        poll_ms: 200,
        lease: LeaseConfig::default(),
    }
    .with_clock(clock.shared())
}

fn new_case(store: &Store, dir: &dyn CameraDirectory, cams: &[&str], event_ms: i64) -> String {
    create_case(
        store,
        dir,
        &NewCase {
            title: "Test case".into(),
            event_ms,
            equipment_id: cams[0].into(),
            extra_cameras: cams[1..].iter().map(|c| c.to_string()).collect(),
            notes: String::new(),
        },
    )
    .unwrap()
    .id
}

/// Runs the worker until no job is open, moving simulated time to the
/// worker's next wake-up whenever no job runs (one task: when the driver
/// looks, the worker is parked in its wait, so time moves only to the
/// deadlines it set).
fn run_until_idle(w: &Arc<FootageWorker>, clock: &SimClock) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let run = w.run(RunMode::UntilIdle);
        let drive = async {
            loop {
                if !w.busy() {
                    clock.advance_to_next();
                }
                // real time, for the jobs on their blocking threads
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        let done = async {
            tokio::select! {
                r = run => r,
                never = drive => never,
            }
        };
        tokio::time::timeout(Duration::from_secs(120), done)
            .await
            .expect("worker finishes")
            .unwrap();
    });
}

/// Checks a done clip and snapshot against VTC1, the window and the sidecar.
pub(crate) fn check_media(jobs: &[JobView], interval_ms: f64, method: &str) {
    for j in jobs {
        assert_eq!(j.status, JobStatus::Done, "{j:?}");
        let m = j.media.as_ref().unwrap();
        let facts = super::durable::file_facts(Path::new(&m.path)).unwrap();
        assert_eq!(facts.sha256, m.sha256);
        match j.kind {
            JobKind::Clip => {
                assert_eq!(m.method, method);
                let p = probe_clip(Path::new(&m.path)).unwrap();
                assert!(p.fast_start, "moov before mdat");
                let first = p.frames.first().unwrap().vtc1.expect("VTC1 on first frame");
                let last = p.frames.last().unwrap().vtc1.expect("VTC1 on last frame");
                let (ws, we) = (j.window_start_ms, j.window_end_ms);
                assert!(
                    (first - ws).abs() as f64 <= interval_ms,
                    "first frame {first} vs window start {ws}"
                );
                assert!(
                    (last - we).abs() as f64 <= interval_ms,
                    "last frame {last} vs window end {we}"
                );
                assert!(
                    p.frames.first().unwrap().pts_ms.abs() as f64 <= interval_ms,
                    "plays from the window start: {:?}",
                    p.frames.first()
                );
                let dur = p.duration_ms as f64;
                assert!(
                    (dur - (we - ws) as f64).abs() <= interval_ms + 1.0,
                    "duration {dur} ms"
                );
                let side_bytes = std::fs::read(m.sidecar_path.as_ref().unwrap()).unwrap();
                assert_eq!(
                    super::durable::file_facts(Path::new(m.sidecar_path.as_ref().unwrap()))
                        .unwrap()
                        .sha256,
                    m.sidecar_sha256.clone().unwrap()
                );
                let side = Sidecar::parse(&side_bytes).unwrap();
                assert_eq!(side.files[0].sha256, m.sha256);
                assert_eq!(side.requested.start_ms, ws);
                assert_eq!(side.camera_id, j.camera_id);
                for s in &side.segments {
                    assert_eq!(
                        super::durable::file_facts(Path::new(&s.path))
                            .unwrap()
                            .sha256,
                        s.sha256
                    );
                }
                assert_eq!(side.method, method);
            }
            JobKind::Snapshot => {
                let img = image::load_from_memory(&std::fs::read(&m.path).unwrap())
                    .unwrap()
                    .to_rgb8();
                let tc = crate::media::vtc1::read_rgb(
                    img.as_raw(),
                    img.width() as usize,
                    img.height() as usize,
                )
                .expect("VTC1 in the snapshot") as i64;
                assert!(
                    (tc - j.event_ms).abs() as f64 <= interval_ms,
                    "snapshot {tc} vs event {}",
                    j.event_ms
                );
            }
        }
    }
}

#[test]
fn encodes_a_frame_source_clip_and_snapshot_exactly() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let clock = SimClock::new(T0);
    // between two frames, so the window does not start on one
    let event = T0 - 30_000 + 25;
    let rec = covered_demo(&clock, event - 6_000, event + 6_000);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-a"], event);
    let w = FootageWorker::new(store.clone(), lookup, fast_cfg(d.path(), &clock));
    let mut rx = w.subscribe();
    run_until_idle(&w, &clock);
    let jobs = store.footage_jobs_of_case(&id).unwrap();
    assert_eq!(jobs.len(), 2);
    check_media(&jobs, 1000.0 / 15.0, "encode");
    let mut seen_done = 0;
    while let Ok(ev) = rx.try_recv() {
        if ev.job.status == JobStatus::Done {
            seen_done += 1;
        }
    }
    assert_eq!(seen_done, 2, "progress and results were pushed");
    let clip = jobs.iter().find(|j| j.kind == JobKind::Clip).unwrap();
    let media = clip.media.as_ref().unwrap();
    let path = media.path.clone();
    assert!(
        path.contains("/Footage/") && path.contains("C-000001_cam-a_"),
        "{path}"
    );
    // the clip's time 0 is its first frame (the actual start): actual start
    // + presentation time is each frame's VTC1, as the case panel's player shows
    let start = media.actual_start_ms.expect("actual start");
    let p = probe_clip(Path::new(&path)).unwrap();
    assert_eq!(p.frames.first().unwrap().pts_ms, 0);
    for f in &p.frames {
        let tc = f.vtc1.expect("VTC1");
        assert!(
            (start + f.pts_ms - tc).abs() <= 1,
            "{start} + {} vs {tc}",
            f.pts_ms
        );
    }
}

#[test]
fn stream_copies_segment_files_with_an_edit_list() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    // segments of 4 s from a whole second; the window starts mid-GOP
    let clock = SimClock::new(T0);
    let start = (T0 / 1000 - 120) * 1000;
    write_segments(d.path(), "cam-s", 2, start, 4_000, 6, 15, (320, 180)).unwrap();
    let event = start + 9_350;
    let rec = SegmentFolder::new(d.path().join("cam-s"), jiff::tz::TimeZone::UTC).unwrap();
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-s".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-s"], event);
    let w = FootageWorker::new(
        store.clone(),
        lookup,
        fast_cfg(&d.path().join("media"), &clock),
    );
    run_until_idle(&w, &clock);
    let jobs = store.footage_jobs_of_case(&id).unwrap();
    check_media(&jobs, 1000.0 / 15.0, "stream_copy");
    let clip = jobs.iter().find(|j| j.kind == JobKind::Clip).unwrap();
    let side: Sidecar = serde_json::from_slice(
        &std::fs::read(clip.media.as_ref().unwrap().sidecar_path.as_ref().unwrap()).unwrap(),
    )
    .unwrap();
    // window 4.35 s .. 14.35 s: segments at 4, 8 and 12 s
    assert_eq!(side.segments.len(), 3, "{:?}", side.segments);
}

#[test]
fn waits_for_footage_not_yet_recorded_then_succeeds() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let clock = SimClock::new(T0);
    let event = T0 - 500;
    let rec = covered_demo(&clock, event - 6_000, event);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    // no lag configured: the first attempt comes before the archive has it
    store
        .set_footage_site(
            "test",
            &SiteFootage {
                start_offset_ms: -2_000,
                end_offset_ms: 2_000,
                clock_offset_ms: 0,
                recording_lag_ms: 0,
            },
        )
        .unwrap();
    let id = new_case(&store, lookup.as_ref(), &["cam-a"], event);
    let w = FootageWorker::new(store.clone(), lookup, fast_cfg(d.path(), &clock));
    run_until_idle(&w, &clock);
    let jobs = store.footage_jobs_of_case(&id).unwrap();
    let clip = jobs.iter().find(|j| j.kind == JobKind::Clip).unwrap();
    // due at the window end (T0 + 1.5 s); recorded 1 s behind the clock:
    // tries at +1.5 s, +1.7 s, +2.1 s miss it, +2.9 s (backoff 200, 400,
    // 800 ms) finds it
    assert_eq!(clip.attempts, 4, "retried on schedule: {clip:?}");
    assert_eq!(clip.done_at_ms, Some(T0 + 2_900));
    let snap = jobs.iter().find(|j| j.kind == JobKind::Snapshot).unwrap();
    assert_eq!(snap.attempts, 1, "the event itself was recorded: {snap:?}");
    check_media(&jobs, 1000.0 / 15.0, "encode");
}

#[test]
fn one_unreachable_camera_fails_alone_with_its_reason() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let clock = SimClock::new(T0);
    let event = T0 - 30_000;
    let rec = covered_demo(&clock, event - 6_000, event + 6_000);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([
            ("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>)),
            ("cam-x".to_string(), Err("connection refused".to_string())),
        ]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-x", "cam-a"], event);
    let mut cfg = fast_cfg(d.path(), &clock);
    cfg.retry.give_up_after_ms = 1_500;
    let w = FootageWorker::new(store.clone(), lookup, cfg);
    run_until_idle(&w, &clock);
    let jobs = store.footage_jobs_of_case(&id).unwrap();
    let (bad, good): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| j.camera_id == "cam-x");
    check_media(&good, 1000.0 / 15.0, "encode");
    for j in bad {
        assert_eq!(j.status, JobStatus::Failed);
        assert_eq!(j.error_kind.as_deref(), Some("unreachable"));
        assert!(
            j.error.as_deref().unwrap().contains("connection refused"),
            "{j:?}"
        );
        // due 23 s before now, past the 1.5 s budget: the minimum 3 tries,
        // at +0, +0.2 and +0.6 s (backoff 200, 400 ms), then it gives up
        assert_eq!(j.attempts, 3, "retried before giving up: {j:?}");
        assert_eq!(j.due_at_ms, T0 + 600, "{j:?}");
    }
}

#[test]
fn an_unwritable_media_root_keeps_the_job_for_retry() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let blocker = d.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let clock = SimClock::new(T0);
    let event = T0 - 30_000;
    let rec = covered_demo(&clock, event - 6_000, event + 6_000);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-a"], event);
    let w = FootageWorker::new(
        store.clone(),
        lookup.clone(),
        fast_cfg(&blocker.join("media"), &clock),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert!(rt.block_on(w.run(RunMode::Once)).is_ok());
    for j in store.footage_jobs_of_case(&id).unwrap() {
        assert_eq!(j.status, JobStatus::Pending, "kept for retry: {j:?}");
        assert_eq!(j.error_kind.as_deref(), Some("storage"));
        assert!(j.error.as_deref().unwrap().contains("not-a-dir"), "{j:?}");
    }
    // the operator fixes the media root: the same jobs complete
    let w = FootageWorker::new(
        store.clone(),
        lookup,
        fast_cfg(&d.path().join("ok"), &clock),
    );
    run_until_idle(&w, &clock);
    check_media(
        &store.footage_jobs_of_case(&id).unwrap(),
        1000.0 / 15.0,
        "encode",
    );
}

#[test]
fn an_auth_failure_is_never_retried() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let clock = SimClock::new(T0);
    let event = T0 - 30_000;
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-x".to_string(), Err("auth: refused".to_string()))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-x"], event);
    let mut cfg = fast_cfg(d.path(), &clock);
    cfg.retry.give_up_after_ms = 600_000;
    let w = FootageWorker::new(store.clone(), lookup, cfg);
    run_until_idle(&w, &clock);
    let jobs = store.footage_jobs_of_case(&id).unwrap();
    assert_eq!(jobs.len(), 2, "clip and snapshot");
    for j in jobs {
        // one try, however long the retry budget: an account lockout is
        // worse than a missing clip
        assert_eq!(j.status, JobStatus::Failed, "{j:?}");
        assert_eq!(j.error_kind.as_deref(), Some("auth_failed"), "{j:?}");
        assert_eq!(j.attempts, 1, "not retried: {j:?}");
        assert!(
            j.error.as_deref().unwrap().contains("login refused"),
            "{j:?}"
        );
    }
}
