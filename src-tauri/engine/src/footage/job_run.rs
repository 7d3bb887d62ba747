//! One job, start to finish: check the recording covers the window, write
//! the clip (stream copy or encode) or the snapshot aside, commit it (and
//! the clip's sidecar) durably, and describe the result for the store.
//! Files are written as this attempt (its lease token) and moved into place
//! only while the lease is still this attempt's.
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::copy::{copy_clip, CopyError};
use super::durable::{file_facts, write_durably, Aside, RenameGuard};
use super::encode::{encode_clip, ClipFacts};
use super::lease::Lease;
use super::paths::{media_path, sidecar_path};
use super::sidecar::{FileHash, SegmentUsed, Sidecar, TimeRange, FORMAT};
use super::snapshot::snapshot;
use super::worker::FootageWorker;
use super::{FootageError, JobKind, JobView, Media, Method};
use crate::cases::rfc3339_ms;
use crate::media::stream_copy::ReleaseOnDrop;
use crate::playback::Recording;

/// Recording must reach this far past the window end (the last frame).
fn coverage_needed(job: &JobView) -> i64 {
    match job.kind {
        JobKind::Clip => job.window_end_ms,
        JobKind::Snapshot => job.event_ms,
    }
}

fn check_coverage(rec: &dyn Recording, camera: &str, job: &JobView) -> Result<(), FootageError> {
    let pb = |source| FootageError::Playback {
        camera: camera.to_string(),
        source: Box::new(source),
    };
    let needed = coverage_needed(job);
    let from = match job.kind {
        JobKind::Clip => job.window_start_ms,
        JobKind::Snapshot => job.event_ms - 1_000,
    };
    // look a minute past the window: data there means the recorder has
    // moved on, and a shortfall in the window is a gap, not lag
    let spans = rec.spans(from, needed + 60_000).map_err(pb)?;
    let reached = spans.last().map(|s| s.end_ms).unwrap_or(i64::MIN);
    if reached > needed {
        if !spans.iter().any(|s| s.start_ms <= needed) {
            return Err(FootageError::NoRecording {
                from: rfc3339_ms(from),
                to: rfc3339_ms(needed),
            });
        }
        return Ok(());
    }
    Err(FootageError::NotYetRecorded {
        reached: if spans.is_empty() {
            "nothing in the window".into()
        } else {
            rfc3339_ms(reached)
        },
        needed: rfc3339_ms(needed),
    })
}

/// Renames happen only while the job's lease is this attempt's.
struct LeaseGuard<'a> {
    w: &'a FootageWorker,
    lease: &'a Lease,
}

impl RenameGuard for LeaseGuard<'_> {
    fn hold(
        &self,
        rename: &mut dyn FnMut() -> Result<(), FootageError>,
    ) -> Result<bool, FootageError> {
        Ok(self
            .w
            .store
            .with_footage_lease(self.lease, &self.w.cfg.lease, rename)?
            .is_some())
    }
}

pub(super) fn run_job(
    w: &FootageWorker,
    job: &JobView,
    lease: &Lease,
    lost: &AtomicBool,
) -> Result<Media, FootageError> {
    let guard = LeaseGuard { w, lease };
    let cam = &job.camera_id;
    let vms = |source| FootageError::Vms {
        camera: cam.clone(),
        source: Box::new(source),
    };
    let info = w.lookup.camera(cam).map_err(vms)?;
    let case = w.store.case(&job.case_id).map_err(|e| match e {
        crate::cases::CaseError::Store(s) => FootageError::Store(s),
        other => FootageError::Write {
            what: "case",
            reason: other.to_string(),
        },
    })?;
    let root = match &w.cfg.media_root {
        Some(r) => r.clone(),
        None => w.store.media_root()?.ok_or(FootageError::NoMediaRoot)?,
    };
    let path = media_path(&root, job.kind, &case.label, cam, job.event_ms);
    // creates the day directory and clears interrupted attempts' partials
    let aside = Aside::new(&path, &lease.token, &guard)?;
    let rec = w.lookup.recording(cam).map_err(vms)?;
    check_coverage(rec.as_ref(), cam, job)?;
    let started = Instant::now();
    // progress for the UI; the heartbeat keeps the lease meanwhile
    let mut last_report = Instant::now();
    let mut progress = |p: f64| {
        if last_report.elapsed().as_millis() >= 1_000 {
            last_report = Instant::now();
            match w.store.renew_footage_job(lease, &w.cfg.lease, Some(p)) {
                Ok(true) => w.emit(job.id),
                Ok(false) => lost.store(true, Ordering::SeqCst),
                Err(e) => tracing::warn!("footage job {}: {e}", job.id),
            }
        }
        !lost.load(Ordering::SeqCst) && !w.stop.is_stopped()
    };
    let result = match job.kind {
        JobKind::Snapshot => {
            let s = snapshot(rec.as_ref(), cam, job.event_ms, w.stop.clone())?;
            aside.write_all(&s.jpeg).inspect_err(|_| aside.discard())?;
            let facts = aside
                .clone()
                .commit(&guard)
                .inspect_err(|_| aside.discard())?;
            Media {
                path: path.display().to_string(),
                sha256: facts.sha256,
                bytes: facts.bytes,
                sidecar_path: None,
                sidecar_sha256: None,
                actual_start_ms: Some(s.frame_ms),
                actual_end_ms: Some(s.frame_ms),
                frames: 1,
                method: Method::Decode.as_str().into(),
                source: rec.describe(),
            }
        }
        JobKind::Clip => {
            let (clip, method, codec, segments) =
                write_clip(w, rec.as_ref(), job, &aside, &mut progress)
                    .inspect_err(|_| aside.discard())
                    .map_err(|e| lease_lost_or(lost, e))?;
            let _copies = ReleaseOnDrop::new(segments.iter().map(|s| s.path.clone()));
            let facts = aside
                .clone()
                .commit(&guard)
                .inspect_err(|_| aside.discard())?;
            let mut segs = Vec::new();
            for s in &segments {
                let f = file_facts(&s.path)?;
                segs.push(SegmentUsed {
                    path: s.path.display().to_string(),
                    start: rfc3339_ms(s.start_ms),
                    end: rfc3339_ms(s.end_ms),
                    bytes: f.bytes,
                    sha256: f.sha256,
                });
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let side = Sidecar {
                format: FORMAT.into(),
                case_id: case.id.clone(),
                case_label: case.label.clone(),
                camera_id: cam.clone(),
                camera_name: info.name.clone(),
                site_id: job.site_id.clone(),
                event: rfc3339_ms(job.event_ms),
                requested: TimeRange::new(job.window_start_ms, job.window_end_ms),
                actual: TimeRange::new(
                    clip.first_ms.unwrap_or(job.window_start_ms),
                    clip.last_ms.unwrap_or(job.window_end_ms),
                ),
                frames: clip.frames,
                method: method.as_str().into(),
                source: rec.describe(),
                codec,
                gaps: clip
                    .gaps
                    .iter()
                    .map(|(a, b)| TimeRange::new(*a, *b))
                    .collect(),
                segments: segs,
                files: vec![FileHash {
                    path: name,
                    bytes: facts.bytes,
                    sha256: facts.sha256.clone(),
                }],
                created: rfc3339_ms(w.cfg.lease.now_ms()),
            };
            let json = serde_json::to_vec_pretty(&side).map_err(|e| FootageError::Write {
                what: "sidecar",
                reason: e.to_string(),
            })?;
            let sp = sidecar_path(&path);
            let sf = write_durably(&sp, &json, &lease.token, &guard)?;
            Media {
                path: path.display().to_string(),
                sha256: facts.sha256,
                bytes: facts.bytes,
                sidecar_path: Some(sp.display().to_string()),
                sidecar_sha256: Some(sf.sha256),
                actual_start_ms: clip.first_ms,
                actual_end_ms: clip.last_ms,
                frames: clip.frames,
                method: method.as_str().into(),
                source: rec.describe(),
            }
        }
    };
    tracing::debug!(
        "footage job {}: {} in {} ms",
        job.id,
        job.kind.as_str(),
        started.elapsed().as_millis()
    );
    Ok(result)
}

/// A step stopped because the heartbeat found the lease lost says so.
fn lease_lost_or(lost: &AtomicBool, e: FootageError) -> FootageError {
    if matches!(e, FootageError::Stopped) && lost.load(Ordering::SeqCst) {
        FootageError::LeaseLost
    } else {
        e
    }
}

type ClipResult = (ClipFacts, Method, String, Vec<crate::playback::SegmentFile>);

fn write_clip(
    w: &FootageWorker,
    rec: &dyn Recording,
    job: &JobView,
    aside: &Aside,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<ClipResult, FootageError> {
    let cam = &job.camera_id;
    // the VMS's own export first, where it has one (and a runtime to ask it on)
    if let (Some(exporter), Ok(rt)) = (
        w.lookup.exporter(cam),
        tokio::runtime::Handle::try_current(),
    ) {
        let req = crate::vms::export::ExportRequest {
            camera: cam.clone(),
            from_ms: job.window_start_ms,
            to_ms: job.window_end_ms,
        };
        let opts = super::server_export::DownloadOptions {
            stop: w.stop.clone(),
            ..Default::default()
        };
        match super::server_export::download_export(
            exporter.as_ref(),
            &req,
            aside,
            &rt,
            &opts,
            progress,
        ) {
            Ok(d) => {
                let facts = ClipFacts {
                    frames: d.frames,
                    first_ms: d.first_ms,
                    last_ms: d.last_ms,
                    gaps: Vec::new(),
                };
                return Ok((facts, Method::ServerExport, d.codec, Vec::new()));
            }
            Err(e) if e.falls_back() => {
                tracing::info!("footage job {}: our own clip ({e})", job.id);
                aside.discard();
            }
            Err(e) => {
                return Err(FootageError::Export {
                    camera: cam.clone(),
                    source: Box::new(e),
                })
            }
        }
    }
    let interval = rec.frame_interval_ms().unwrap_or(40.0).ceil() as i64;
    let files = rec
        .segment_files(job.window_start_ms, job.window_end_ms + interval)
        .map_err(|source| FootageError::Playback {
            camera: cam.clone(),
            source: Box::new(source),
        })?;
    if let Some(files) = files.filter(|f| !f.is_empty()) {
        // stream copies of a VMS's playback (DSS, HikCentral) go after the cut;
        // those the clip used go once their hashes are in the sidecar
        let mut copies = ReleaseOnDrop::new(files.iter().map(|f| f.path.clone()));
        let cut = copy_clip(
            &files,
            job.window_start_ms,
            job.window_end_ms,
            &aside.partial,
            progress,
            w.stop.clone(),
        );
        match cut {
            Ok(c) => {
                copies.hand_on(c.used.iter().map(|u| u.path.as_path()));
                return Ok((c.clip, Method::StreamCopy, c.codec, c.used));
            }
            Err(CopyError::Failed(e)) => return Err(e),
            Err(CopyError::NotCopyable(why)) => {
                tracing::info!("footage job {}: encoding ({why})", job.id);
                aside.discard();
            }
        }
    }
    let clip = encode_clip(
        rec,
        cam,
        job.window_start_ms,
        job.window_end_ms,
        &aside.partial,
        &w.cfg.preset,
        progress,
        w.stop.clone(),
    )?;
    Ok((clip, Method::Encode, "h264".into(), Vec::new()))
}
