//! Worker tests against real recordings (the demo archive = frames, synthetic
//! H.264 segment files = stream copy), real SQLite and real files. VTC1 in
//! the pictures decides the times.
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::probe::probe_clip;
use super::synth::write_segments;
use super::*;
use crate::cases::{create_case, CameraDirectory, NewCase};
use crate::playback::demo_archive::DemoArchive;
use crate::playback::folder::SegmentFolder;
use crate::playback::{PlaybackError, Recording};
use crate::store::{now_ms, Store};
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

/// A small demo archive camera whose recording covers `[from, to)` whole.
pub(crate) fn covered_demo(from: i64, to: i64) -> DemoArchive {
    for i in 1..=6 {
        let a = DemoArchive {
            camera_index: i,
            name: format!("Demo {i}"),
            width: 640,
            height: 360,
        };
        let s = a.spans(from, to.min(now_ms() - 1_100)).unwrap();
        if s.len() == 1 && s[0].start_ms == from {
            return a;
        }
    }
    panic!("no demo camera without a hole around {from}");
}

fn fast_cfg(root: &Path) -> WorkerConfig {
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

fn run_until_idle(w: &Arc<FootageWorker>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(120),
            w.run(RunMode::UntilIdle),
        )
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
    let event = now_ms() - 30_000;
    let rec = covered_demo(event - 6_000, event + 6_000);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-a"], event);
    let w = FootageWorker::new(store.clone(), lookup, fast_cfg(d.path()));
    let mut rx = w.subscribe();
    run_until_idle(&w);
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
    let path = clip.media.as_ref().unwrap().path.clone();
    assert!(
        path.contains("/Footage/") && path.contains("C-000001_cam-a_"),
        "{path}"
    );
}

#[test]
fn stream_copies_segment_files_with_an_edit_list() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    // segments of 4 s from a whole second; the window starts mid-GOP
    let start = (now_ms() / 1000 - 120) * 1000;
    write_segments(d.path(), "cam-s", 2, start, 4_000, 6, 15, (320, 180)).unwrap();
    let event = start + 9_350;
    let rec = SegmentFolder::new(d.path().join("cam-s"), jiff::tz::TimeZone::UTC).unwrap();
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-s".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-s"], event);
    let w = FootageWorker::new(store.clone(), lookup, fast_cfg(&d.path().join("media")));
    run_until_idle(&w);
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
    let event = now_ms() - 500;
    let rec = covered_demo(event - 6_000, event);
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
    let w = FootageWorker::new(store.clone(), lookup, fast_cfg(d.path()));
    run_until_idle(&w);
    let jobs = store.footage_jobs_of_case(&id).unwrap();
    let clip = jobs.iter().find(|j| j.kind == JobKind::Clip).unwrap();
    assert!(clip.attempts >= 2, "retried: {clip:?}");
    check_media(&jobs, 1000.0 / 15.0, "encode");
}

#[test]
fn one_unreachable_camera_fails_alone_with_its_reason() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let event = now_ms() - 30_000;
    let rec = covered_demo(event - 6_000, event + 6_000);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([
            ("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>)),
            ("cam-x".to_string(), Err("connection refused".to_string())),
        ]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-x", "cam-a"], event);
    let mut cfg = fast_cfg(d.path());
    cfg.retry.give_up_after_ms = 1_500;
    let w = FootageWorker::new(store.clone(), lookup, cfg);
    run_until_idle(&w);
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
        assert!(j.attempts >= 2, "retried before giving up");
    }
}

#[test]
fn an_unwritable_media_root_keeps_the_job_for_retry() {
    crate::media::init();
    let d = tempfile::tempdir().unwrap();
    let blocker = d.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let event = now_ms() - 30_000;
    let rec = covered_demo(event - 6_000, event + 6_000);
    let lookup = Arc::new(TestLookup {
        cams: HashMap::from([("cam-a".to_string(), Ok(Arc::new(rec) as Arc<dyn Recording>))]),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    let id = new_case(&store, lookup.as_ref(), &["cam-a"], event);
    let w = FootageWorker::new(
        store.clone(),
        lookup.clone(),
        fast_cfg(&blocker.join("media")),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert!(rt.block_on(w.run(RunMode::Once)).is_ok());
    for j in store.footage_jobs_of_case(&id).unwrap() {
        assert_eq!(j.status, JobStatus::Pending, "kept for retry: {j:?}");
        assert_eq!(j.error_kind.as_deref(), Some("storage"));
        assert!(j.error.as_deref().unwrap().contains("not-a-dir"), "{j:?}");
    }
    // the operator fixes the media root: the same jobs complete
    let w = FootageWorker::new(store.clone(), lookup, fast_cfg(&d.path().join("ok")));
    run_until_idle(&w);
    check_media(
        &store.footage_jobs_of_case(&id).unwrap(),
        1000.0 / 15.0,
        "encode",
    );
}
