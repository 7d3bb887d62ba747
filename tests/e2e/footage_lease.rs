//! The footage lease (issue 12, item 2): a job is never run twice at once by
//! its own worker, its lease is renewed while a step runs, and an attempt
//! whose lease was taken over cannot touch the files of the attempt that
//! took it. Workers share one database file, each with its own connection
//! (as the app and `vigil footage run` do). A recording whose coverage
//! search blocks until released (or takes long) stands for a slow step (a
//! first probe of long segments, hashing, a slow search); a simulated lease
//! clock makes leases lapse without waiting for them. Stream copies of
//! synthetic H.264 segments keep the clips fast.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use vigil_engine::cases::{create_case, CameraDirectory, NewCase};
use vigil_engine::footage::durable::file_facts;
use vigil_engine::footage::synth::write_segments;
use vigil_engine::footage::{
    Clock, FootageWorker, JobKind, JobStatus, JobView, LeaseConfig, RecordingLookup, RetryPolicy,
    RunMode, Sidecar, SimClock, WorkerConfig,
};
use vigil_engine::media::source::{now_ms, StopFlag};
use vigil_engine::playback::folder::SegmentFolder;
use vigil_engine::playback::{
    day::zone, Decimation, PlaybackError, Recording, RecordingReader, SegmentFile, Span,
};
use vigil_engine::store::Store;
use vigil_engine::vms::{CameraInfo, VmsError};

const CAM: &str = "cam-s";
/// A lease no heartbeat renews within a test (its heartbeat runs every 20 min).
const HOUR: i64 = 3_600_000;

/// Counts coverage searches (`spans` calls) by start time; blocks the first
/// one for a chosen start until released, or makes every first one slow.
struct Gate {
    slow: Option<Duration>,
    st: Mutex<GateState>,
    cv: Condvar,
}

#[derive(Default)]
struct GateState {
    calls: HashMap<i64, usize>,
    blocked: Option<i64>,
    entered: bool,
    open: bool,
}

impl Gate {
    fn new(slow: Option<Duration>) -> Arc<Self> {
        Arc::new(Self {
            slow,
            st: Mutex::default(),
            cv: Condvar::new(),
        })
    }

    /// The first search from `from` blocks until [`Gate::release`].
    fn block(&self, from: i64) {
        self.st.lock().unwrap().blocked = Some(from);
    }

    fn on_spans(&self, from: i64) {
        let mut s = self.st.lock().unwrap();
        let n = {
            let c = s.calls.entry(from).or_default();
            *c += 1;
            *c
        };
        if n != 1 {
            return;
        }
        if s.blocked == Some(from) {
            s.entered = true;
            self.cv.notify_all();
            while !s.open {
                s = self.cv.wait(s).unwrap();
            }
        } else if let Some(d) = self.slow {
            drop(s);
            std::thread::sleep(d); // the slow step itself, not a wait for something
        }
    }

    /// Waits until the blocked search is in progress.
    fn wait_entered(&self) {
        let s = self.st.lock().unwrap();
        let (s, t) = self
            .cv
            .wait_timeout_while(s, Duration::from_secs(120), |s| !s.entered)
            .unwrap();
        assert!(!t.timed_out() && s.entered, "the clip job never started");
    }

    fn release(&self) {
        self.st.lock().unwrap().open = true;
        self.cv.notify_all();
    }

    fn calls(&self, from: i64) -> usize {
        self.st
            .lock()
            .unwrap()
            .calls
            .get(&from)
            .copied()
            .unwrap_or(0)
    }
}

/// A segment folder behind the gate.
struct Gated {
    inner: SegmentFolder,
    gate: Arc<Gate>,
}

impl Recording for Gated {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        self.gate.on_spans(from_ms);
        self.inner.spans(from_ms, to_ms)
    }
    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        self.inner.open(t_ms, decimation, stop)
    }
    fn frame_interval_ms(&self) -> Option<f64> {
        self.inner.frame_interval_ms()
    }
    fn segment_files(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Option<Vec<SegmentFile>>, PlaybackError> {
        self.inner.segment_files(from_ms, to_ms)
    }
}

struct Lookup(Arc<Gated>);

impl RecordingLookup for Lookup {
    fn camera(&self, id: &str) -> Result<CameraInfo, VmsError> {
        if id != CAM {
            return Err(VmsError::UnknownCamera(id.into()));
        }
        Ok(CameraInfo {
            id: id.into(),
            name: "Camera S".into(),
            site: "test".into(),
            site_name: "Test".into(),
            ptz: false,
            streams: vec![],
            capabilities: Default::default(),
        })
    }
    fn recording(&self, id: &str) -> Result<Arc<dyn Recording>, VmsError> {
        if id != CAM {
            return Err(VmsError::UnknownCamera(id.into()));
        }
        Ok(self.0.clone())
    }
}

impl CameraDirectory for Lookup {
    fn camera_info(&self, id: &str) -> Option<(String, String)> {
        (id == CAM).then(|| ("Camera S".to_string(), "test".to_string()))
    }
}

/// Recorded segments, one database file and a media root.
struct Site {
    _dir: tempfile::TempDir,
    db: PathBuf,
    media: PathBuf,
    /// Start of the recording (UTC ms, a whole second, two minutes ago).
    start: i64,
    lookup: Arc<Lookup>,
    gate: Arc<Gate>,
    cases: Mutex<Vec<String>>,
}

impl Site {
    fn new(slow: Option<Duration>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let start = (now_ms() / 1000 - 120) * 1000;
        // 6 segments of 4 s, 15 fps, 320x180
        write_segments(dir.path(), CAM, 2, start, 4_000, 6, 15, (320, 180)).unwrap();
        let folder = SegmentFolder::new(dir.path().join(CAM), zone("UTC").unwrap()).unwrap();
        let gate = Gate::new(slow);
        Self {
            db: dir.path().join("data/vigil.db"),
            media: dir.path().join("media"),
            start,
            lookup: Arc::new(Lookup(Arc::new(Gated {
                inner: folder,
                gate: gate.clone(),
            }))),
            gate,
            cases: Mutex::default(),
            _dir: dir,
        }
    }

    /// A connection of its own, as another process would have.
    fn store(&self) -> Arc<Store> {
        Arc::new(Store::open(&self.db).unwrap())
    }

    /// A case for an event `at_s` seconds into the recording; its jobs.
    fn case(&self, store: &Store, at_s: f64) -> (JobView, JobView) {
        let c = create_case(
            store,
            self.lookup.as_ref(),
            &NewCase {
                title: format!("event at {at_s} s"),
                event_ms: self.start + (at_s * 1000.0) as i64,
                equipment_id: CAM.into(),
                extra_cameras: vec![],
                notes: String::new(),
            },
        )
        .unwrap();
        self.cases.lock().unwrap().push(c.id.clone());
        let jobs = store.footage_jobs_of_case(&c.id).unwrap();
        let clip = jobs.iter().find(|j| j.kind == JobKind::Clip).unwrap();
        let snap = jobs.iter().find(|j| j.kind == JobKind::Snapshot).unwrap();
        (clip.clone(), snap.clone())
    }

    fn worker(&self, store: Arc<Store>, lease: LeaseConfig) -> Arc<FootageWorker> {
        FootageWorker::new(
            store,
            self.lookup.clone(),
            WorkerConfig {
                parallel: 4,
                retry: RetryPolicy {
                    first_ms: 100,
                    max_ms: 500,
                    give_up_after_ms: 30_000,
                    min_attempts: 3,
                },
                preset: "ultrafast".into(),
                media_root: Some(self.media.clone()),
                poll_ms: 50,
                lease,
            },
        )
    }

    fn files(&self) -> Vec<PathBuf> {
        fn walk(d: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.media, &mut out);
        out.sort();
        out
    }

    /// Every job done; each file matches its recorded SHA-256; exactly one
    /// clip, sidecar and snapshot per case; no partial file left.
    fn check_done(&self, store: &Store, cases: usize) {
        let all = self.files();
        assert!(
            !all.iter().any(|p| p.to_string_lossy().contains(".partial")),
            "{all:?}"
        );
        let count = |ext: &str| {
            all.iter()
                .filter(|p| p.extension().is_some_and(|e| e == ext))
                .count()
        };
        assert_eq!(
            (count("mp4"), count("json"), count("jpg")),
            (cases, cases, cases),
            "{all:?}"
        );
        let mut jobs = 0;
        for c in self.cases.lock().unwrap().iter() {
            for j in store.footage_jobs_of_case(c).unwrap() {
                jobs += 1;
                assert_eq!(j.status, JobStatus::Done, "{j:?}");
                let m = j.media.as_ref().unwrap();
                assert_eq!(file_facts(Path::new(&m.path)).unwrap().sha256, m.sha256);
                if j.kind == JobKind::Clip {
                    let sp = m.sidecar_path.as_ref().unwrap();
                    assert_eq!(
                        Some(file_facts(Path::new(sp)).unwrap().sha256),
                        m.sidecar_sha256,
                        "the sidecar is the one recorded"
                    );
                    let side = Sidecar::parse(&std::fs::read(sp).unwrap()).unwrap();
                    assert_eq!(side.files[0].sha256, m.sha256);
                    assert_eq!(side.files[0].bytes, m.bytes);
                }
            }
        }
        assert_eq!(jobs, 2 * cases);
    }
}

fn spawn(w: &Arc<FootageWorker>, mode: RunMode) -> JoinHandle<usize> {
    let w = w.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(w.run(mode)).unwrap()
    })
}

/// Waits for a condition another thread brings about (not a timing check:
/// the deadline only turns a hang into a failure).
fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn job(store: &Store, id: i64) -> JobView {
    store.footage_job(id).unwrap().unwrap()
}

#[cfg(unix)]
fn inode(p: &str) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

/// (Windows: the hashes alone tell; a stale sidecar's creation time differs.)
#[cfg(not(unix))]
fn inode(_: &str) -> u64 {
    0
}

#[test]
fn a_step_longer_than_the_lease_is_not_taken_back_by_its_own_worker() {
    let site = Site::new(None);
    let store = site.store();
    // window 4.35..14.35 s: its clip's coverage search blocks
    let (clip, _) = site.case(&store, 9.35);
    site.gate.block(clip.window_start_ms);
    let clock = SimClock::new(now_ms());
    let lease = LeaseConfig {
        duration_ms: HOUR,
        clock: clock.shared(),
    };
    let w = site.worker(store.clone(), lease);
    let run = spawn(&w, RunMode::UntilIdle);
    site.gate.wait_entered();
    // the step outlasts its lease (the heartbeat is not due for 20 minutes)
    clock.advance(Duration::from_millis(2 * HOUR as u64));
    // a new case makes the worker look at the queue again: recovery and
    // claims run with the lapsed lease in view
    let (clip2, snap2) = site.case(&store, 16.0);
    w.wake();
    wait_for("the second case's jobs", || {
        job(&store, clip2.id).status == JobStatus::Done
            && job(&store, snap2.id).status == JobStatus::Done
    });
    assert_eq!(
        site.gate.calls(clip.window_start_ms),
        1,
        "the job was started again while its first run was still going"
    );
    let j = job(&store, clip.id);
    assert_eq!((j.status, j.attempts), (JobStatus::Running, 1), "{j:?}");
    site.gate.release();
    run.join().unwrap();
    assert_eq!(job(&store, clip.id).attempts, 1);
    assert_eq!(site.gate.calls(clip.window_start_ms), 1);
    site.check_done(&store, 2);
}

#[test]
fn the_heartbeat_renews_the_lease_while_a_step_runs_and_another_worker_keeps_off() {
    let site = Site::new(None);
    let store = site.store();
    let (clip, _) = site.case(&store, 9.35);
    site.gate.block(clip.window_start_ms);
    // a 300 ms lease on a clock that only moves when told: the heartbeat
    // renews it every 100 ms of that clock
    let clock = SimClock::new(now_ms());
    let lease = LeaseConfig {
        duration_ms: 300,
        clock: clock.shared(),
    };
    let a = site.worker(store.clone(), lease.clone());
    let run = spawn(&a, RunMode::UntilIdle);
    site.gate.wait_entered();
    let first = store.footage_job_lease(clip.id).unwrap().unwrap();
    // ten lease lengths pass while the step makes no progress call: time
    // moves from one sleeper's deadline to the next (the worker's poll and
    // the heartbeat, both asleep first), and the lease never lapses
    let end = clock.now_ms() + 3_000;
    while clock.now_ms() < end {
        assert!(
            clock.wait_for_sleepers(2, Duration::from_secs(60)),
            "the worker and its heartbeat wait on the clock"
        );
        assert!(clock.advance_to_next());
        wait_for("the heartbeat to keep the lease", || {
            store
                .footage_job_lease(clip.id)
                .unwrap()
                .and_then(|l| l.until_ms)
                .is_some_and(|u| u > clock.now_ms())
        });
    }
    let lease_until = store
        .footage_job_lease(clip.id)
        .unwrap()
        .and_then(|l| l.until_ms)
        .unwrap();
    assert!(
        lease_until > first.until_ms.unwrap() + 2_000,
        "renewed on the way"
    );
    let renewed = store.footage_job_lease(clip.id).unwrap().unwrap();
    assert_eq!(renewed.token, first.token, "the same claim");
    // another worker (its own connection, as another process) keeps off
    let b = site.worker(site.store(), lease);
    spawn(&b, RunMode::Once).join().unwrap();
    let j = job(&store, clip.id);
    assert_eq!((j.status, j.attempts), (JobStatus::Running, 1), "{j:?}");
    assert_eq!(site.gate.calls(clip.window_start_ms), 1);
    site.gate.release();
    run.join().unwrap();
    assert_eq!(job(&store, clip.id).attempts, 1);
    site.check_done(&store, 1);
}

#[test]
fn a_stale_attempt_never_touches_the_files_of_the_attempt_that_took_over() {
    let site = Site::new(None);
    let store = site.store();
    let (clip, snap) = site.case(&store, 9.35);
    site.gate.block(clip.window_start_ms);
    // A's time stands still (its heartbeat starves: it never gets to renew),
    // B's runs two hours on: for B, A's lease has lapsed
    let start = now_ms();
    let (clock_a, clock_b) = (SimClock::new(start), SimClock::new(start));
    let lease_of = |c: &SimClock| LeaseConfig {
        duration_ms: HOUR,
        clock: c.shared(),
    };
    let a = site.worker(store.clone(), lease_of(&clock_a));
    let run_a = spawn(&a, RunMode::UntilIdle);
    site.gate.wait_entered();
    wait_for("the snapshot", || {
        job(&store, snap.id).status == JobStatus::Done
    });
    // A's step outlasts its lease without a renewal: the lease lapses and
    // worker B (its own connection) takes the job over
    clock_b.advance(Duration::from_millis(2 * HOUR as u64));
    let b = site.worker(site.store(), lease_of(&clock_b));
    spawn(&b, RunMode::UntilIdle).join().unwrap();
    let done = job(&store, clip.id);
    assert_eq!(
        (done.status, done.attempts),
        (JobStatus::Done, 2),
        "{done:?}"
    );
    let m = done.media.clone().unwrap();
    let side = m.sidecar_path.clone().unwrap();
    let facts = || {
        (
            file_facts(Path::new(&m.path)).unwrap(),
            file_facts(Path::new(&side)).unwrap(),
            inode(&m.path),
            inode(&side),
        )
    };
    let before = facts();
    assert_eq!(before.0.sha256, m.sha256);
    // A's attempt goes on: it writes its own partial, finds its lease lost
    // right before the rename, discards the partial and records nothing
    site.gate.release();
    run_a.join().unwrap();
    assert_eq!(facts(), before, "the stale attempt replaced a final file");
    assert_eq!(
        job(&store, clip.id),
        done,
        "the stale attempt changed the job"
    );
    assert_eq!(site.gate.calls(clip.window_start_ms), 2);
    site.check_done(&store, 1);
}

#[test]
fn two_workers_racing_the_same_jobs_make_each_file_once() {
    // a 600 ms lease on the real clock; every job's first coverage search
    // takes 1.5 s (more than two leases): only the heartbeat keeps leases,
    // and a takeover (a starved heartbeat) must still leave each file once
    let site = Site::new(Some(Duration::from_millis(1_500)));
    let store = site.store();
    // four jobs: neither worker is full (4 at once), so both keep looking
    // at the queue while the slow steps run
    for at in [9.35, 15.0] {
        site.case(&store, at);
    }
    let lease = LeaseConfig {
        duration_ms: 600,
        ..LeaseConfig::default()
    };
    let a = site.worker(store.clone(), lease.clone());
    let b = site.worker(site.store(), lease);
    let (ra, rb) = (spawn(&a, RunMode::UntilIdle), spawn(&b, RunMode::UntilIdle));
    ra.join().unwrap();
    rb.join().unwrap();
    site.check_done(&store, 2);
}
