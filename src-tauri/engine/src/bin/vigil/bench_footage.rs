//! `vigil bench footage`: cases with N cameras each on the demo site (frames,
//! encoded) and on a segment folder (H.264 files, stream copy). Footage is
//! already recorded when each case is created, so the time from creation to
//! "clip and snapshot done" is the time from "window closed and footage
//! available" to done. Cases arrive spaced (latency), then all at once
//! (throughput). Prints JSON lines; figures, never pass/fail.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;
use vigil_engine::cases::{create_case, CameraDirectory, NewCase};
use vigil_engine::footage::copy::copy_clip;
use vigil_engine::footage::synth::write_segments;
use vigil_engine::footage::{FootageWorker, JobStatus, RecordingLookup, RunMode, WorkerConfig};
use vigil_engine::media::source::{now_ms, StopFlag};
use vigil_engine::playback::folder::SegmentFolder;
use vigil_engine::playback::{Recording, SegmentFile};
use vigil_engine::store::Store;
use vigil_engine::vms::registry::Registry;
use vigil_engine::vms::{CameraInfo, VmsError};

#[derive(Args)]
pub struct FootageBench {
    #[arg(long, default_value_t = 20)]
    cases: usize,
    #[arg(long, default_value_t = 4)]
    cameras: usize,
    /// Time between cases in the latency run.
    #[arg(long, default_value_t = 1500)]
    spacing_ms: u64,
    /// Cameras processed at once.
    #[arg(long, default_value_t = 4)]
    parallel: usize,
    /// libx264 preset for encoded (frame source) clips.
    #[arg(long, default_value = "ultrafast")]
    preset: String,
    /// Picture size of the synthetic segment folder.
    #[arg(long, default_value = "1280x720")]
    segment_size: String,
    /// Only one source: demo or folder.
    #[arg(long)]
    only: Option<String>,
}

/// The segment folder's cameras as a site.
struct Folder {
    recs: HashMap<String, Arc<SegmentFolder>>,
}

impl RecordingLookup for Folder {
    fn camera(&self, id: &str) -> Result<CameraInfo, VmsError> {
        self.recs
            .get(id)
            .map(|_| CameraInfo {
                id: id.into(),
                name: id.into(),
                site: "folder".into(),
                site_name: String::new(),
                ptz: false,
                streams: vec![],
                capabilities: Default::default(),
            })
            .ok_or_else(|| VmsError::UnknownCamera(id.into()))
    }
    fn recording(&self, id: &str) -> Result<Arc<dyn Recording>, VmsError> {
        self.recs
            .get(id)
            .map(|r| r.clone() as Arc<dyn Recording>)
            .ok_or_else(|| VmsError::UnknownCamera(id.into()))
    }
}

impl CameraDirectory for Folder {
    fn camera_info(&self, id: &str) -> Option<(String, String)> {
        self.recs
            .contains_key(id)
            .then(|| (id.to_string(), "folder".to_string()))
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

struct Site {
    name: &'static str,
    lookup: Arc<dyn RecordingLookup>,
    dir: Arc<dyn CameraDirectory + Send + Sync>,
    cameras: Vec<String>,
    /// Event times to use (footage recorded around each).
    event_at: Box<dyn Fn(usize) -> i64 + Send + Sync>,
}

pub async fn run(a: FootageBench) -> Result<(), String> {
    vigil_engine::media::init();
    let tmp = std::env::temp_dir().join(format!("vigil-bench-footage-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let mut sites = Vec::new();
    if a.only.as_deref() != Some("folder") {
        let reg = Registry::demo_only(a.cameras.max(1))
            .await
            .map_err(|e| e.to_string())?;
        sites.push(Site {
            name: "demo",
            lookup: reg.clone(),
            dir: reg,
            cameras: (1..=a.cameras).map(|i| format!("demo-{i}")).collect(),
            event_at: Box::new(|_| now_ms() - 7_000),
        });
    }
    if a.only.as_deref() != Some("demo") {
        let (w, h) = crate::source::parse_size(&a.segment_size)?;
        let seg_dir = tmp.join("segments");
        let start = (now_ms() / 1000 - 600) * 1000;
        let mut recs = HashMap::new();
        eprintln!(
            "writing a segment folder ({} cameras, 60 s, {w}x{h})...",
            a.cameras
        );
        for i in 1..=a.cameras {
            let id = format!("folder-{i}");
            write_segments(&seg_dir, &id, i, start, 5_000, 12, 15, (w, h))?;
            let folder = SegmentFolder::new(seg_dir.join(&id), jiff::tz::TimeZone::UTC)
                .map_err(|e| e.to_string())?;
            recs.insert(id, Arc::new(folder));
        }
        let f = Arc::new(Folder { recs });
        let n = a.cases.max(1) as i64;
        sites.push(Site {
            name: "folder",
            lookup: f.clone(),
            dir: f,
            cameras: (1..=a.cameras).map(|i| format!("folder-{i}")).collect(),
            event_at: Box::new(move |k| start + 6_000 + (k as i64 % n) * 2_300 % 48_000),
        });
        // stream copy speed on its own: one 10 s clip, one thread
        if let Some(r) = f_first(&seg_dir, start) {
            let out = tmp.join("copy-speed.mp4");
            let t = Instant::now();
            let c = copy_clip(
                &r,
                start + 20_000,
                start + 30_000,
                &out,
                &mut |_| true,
                StopFlag::default(),
            )
            .map_err(|e| format!("{e:?}"))?;
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{}",
                json!({"bench": "footage", "what": "stream_copy_speed", "clip_s": 10.0,
                       "frames": c.clip.frames, "wall_s": secs, "realtime_x": 10.0 / secs})
            );
        }
    }
    for site in &sites {
        for phase in ["latency", "throughput"] {
            let r = run_phase(&a, site, phase, &tmp).await?;
            println!("{r}");
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

fn f_first(seg_dir: &Path, start: i64) -> Option<Vec<SegmentFile>> {
    let files: Vec<SegmentFile> = vigil_engine::footage::synth::list_segments(seg_dir, "folder-1")
        .into_iter()
        .enumerate()
        .map(|(i, p)| SegmentFile {
            path: p,
            start_ms: start + i as i64 * 5_000,
            end_ms: start + (i as i64 + 1) * 5_000,
        })
        .collect();
    (!files.is_empty()).then_some(files)
}

async fn run_phase(
    a: &FootageBench,
    site: &Site,
    phase: &str,
    tmp: &Path,
) -> Result<serde_json::Value, String> {
    let store = Arc::new(Store::open_in_memory().map_err(|e| e.to_string())?);
    let root: PathBuf = tmp.join(format!("media-{}-{phase}", site.name));
    let worker = FootageWorker::new(
        store.clone(),
        site.lookup.clone(),
        WorkerConfig {
            parallel: a.parallel,
            preset: a.preset.clone(),
            media_root: Some(root),
            poll_ms: 100,
            ..Default::default()
        },
    );
    let spacing = if phase == "latency" { a.spacing_ms } else { 0 };
    let mut created: Vec<(String, i64)> = Vec::new();
    let t0 = Instant::now();
    let w2 = worker.clone();
    let run = tokio::spawn(async move { w2.run(RunMode::Forever).await });
    for k in 0..a.cases {
        let c = create_case(
            &store,
            site.dir.as_ref(),
            &NewCase {
                title: format!("bench {k}"),
                event_ms: (site.event_at)(k),
                equipment_id: site.cameras[0].clone(),
                extra_cameras: site.cameras[1..].to_vec(),
                notes: String::new(),
            },
        )
        .map_err(|e| e.to_string())?;
        created.push((c.id, now_ms()));
        worker.wake();
        if spacing > 0 {
            tokio::time::sleep(Duration::from_millis(spacing)).await;
        }
    }
    while store.open_footage_jobs().map_err(|e| e.to_string())? > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let wall = t0.elapsed().as_secs_f64();
    worker.shutdown();
    let _ = run.await;
    let mut lat = Vec::new();
    let (mut clips, mut snaps, mut failed) = (0, 0, 0);
    let mut methods = std::collections::BTreeSet::new();
    for (id, at) in &created {
        let jobs = store.footage_jobs_of_case(id).map_err(|e| e.to_string())?;
        let mut per_cam: HashMap<&str, (i64, bool)> = HashMap::new();
        for j in &jobs {
            let e = per_cam.entry(j.camera_id.as_str()).or_insert((0, true));
            if j.status == JobStatus::Done {
                e.0 = e.0.max(j.done_at_ms.unwrap_or(0));
                if let Some(m) = &j.media {
                    if j.kind == vigil_engine::footage::JobKind::Clip {
                        clips += 1;
                        methods.insert(m.method.clone());
                    } else {
                        snaps += 1;
                    }
                }
            } else {
                e.1 = false;
                failed += 1;
                eprintln!("{} {}: {:?}", j.camera_id, j.kind.as_str(), j.error);
            }
        }
        for (_, (done, ok)) in per_cam {
            if ok {
                lat.push((done - at) as f64 / 1000.0);
            }
        }
    }
    Ok(json!({
        "bench": "footage", "source": site.name, "phase": phase,
        "cases": a.cases, "cameras_per_case": site.cameras.len(), "parallel": a.parallel,
        "clips": clips, "snapshots": snaps, "failed_jobs": failed,
        "methods": methods,
        "available_to_done_p50_s": pct(&mut lat.clone(), 0.5),
        "available_to_done_p99_s": pct(&mut lat, 0.99),
        "wall_s": wall, "clips_per_s": clips as f64 / wall,
    }))
}
