//! The case service the app and the CLI use: cases, equipment and nearest
//! lists, footage settings, and the footage worker with its event channel.
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

use super::{
    create_case, Case, CaseError, CaseFilter, CaseMarker, CaseUpdate, Equipment, NewCase,
    NewEquipment,
};
use crate::footage::{
    FootageEvent, FootageWorker, JobKind, JobView, RunMode, SiteFootage, WorkerConfig,
};
use crate::store::Store;
use crate::vms::registry::Registry;

/// A case with its footage jobs and media.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseDetail {
    pub case: Case,
    pub jobs: Vec<JobView>,
}

pub struct CaseService {
    store: Arc<Store>,
    registry: Arc<Registry>,
    worker: Arc<FootageWorker>,
}

impl CaseService {
    pub fn new(store: Arc<Store>, registry: Arc<Registry>, cfg: WorkerConfig) -> Self {
        let worker = FootageWorker::new(store.clone(), registry.clone(), cfg);
        Self {
            store,
            registry,
            worker,
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn worker(&self) -> &Arc<FootageWorker> {
        &self.worker
    }

    /// Runs the footage worker in the background until [`Self::shutdown`].
    pub fn start_worker(&self) {
        let w = self.worker.clone();
        tokio::spawn(async move {
            if let Err(e) = w.run(RunMode::Forever).await {
                tracing::error!("footage worker stopped: {e}");
            }
        });
    }

    pub fn shutdown(&self) {
        self.worker.shutdown();
    }

    pub fn subscribe(&self) -> broadcast::Receiver<FootageEvent> {
        self.worker.subscribe()
    }

    /// Creates a case and wakes the worker for its jobs.
    pub fn create(&self, req: &NewCase) -> Result<CaseDetail, CaseError> {
        let case = create_case(&self.store, self.registry.as_ref(), req)?;
        self.worker.wake();
        self.detail(&case.id)
    }

    pub fn detail(&self, id: &str) -> Result<CaseDetail, CaseError> {
        Ok(CaseDetail {
            case: self.store.case(id)?,
            jobs: self.store.footage_jobs_of_case(id)?,
        })
    }

    pub fn list(&self, f: &CaseFilter) -> Result<Vec<Case>, CaseError> {
        self.store.cases(f)
    }

    pub fn update(&self, id: &str, u: &CaseUpdate) -> Result<Case, CaseError> {
        self.store.update_case(id, u)
    }

    pub fn markers(
        &self,
        from_ms: i64,
        to_ms: i64,
        cameras: &[String],
    ) -> Result<Vec<CaseMarker>, CaseError> {
        self.store.case_markers(from_ms, to_ms, cameras)
    }

    pub fn equipment(&self) -> Result<Vec<Equipment>, CaseError> {
        self.store.list_equipment()
    }

    pub fn save_equipment(&self, e: &NewEquipment) -> Result<Equipment, CaseError> {
        self.store.upsert_equipment(e)
    }

    pub fn delete_equipment(&self, id: &str) -> Result<(), CaseError> {
        self.store.delete_equipment(id)
    }

    pub fn nearest(&self, equipment_id: &str) -> Result<Vec<String>, CaseError> {
        self.store.nearest_cameras(equipment_id)
    }

    /// Replaces an equipment's nearest cameras; every one must exist.
    pub fn set_nearest(
        &self,
        equipment_id: &str,
        cameras: &[String],
    ) -> Result<Vec<String>, CaseError> {
        let is_camera = self.registry.camera(equipment_id).is_ok();
        if !is_camera && self.store.equipment(equipment_id)?.is_none() {
            return Err(CaseError::UnknownEquipment(equipment_id.to_string()));
        }
        for c in cameras {
            if self.registry.camera(c).is_err() {
                return Err(CaseError::UnknownCamera(c.clone()));
            }
        }
        self.store.set_nearest_cameras(equipment_id, cameras)
    }

    pub fn footage_site(&self, site: &str) -> Result<SiteFootage, CaseError> {
        Ok(self.store.footage_site(site)?)
    }

    pub fn set_footage_site(&self, site: &str, s: &SiteFootage) -> Result<(), CaseError> {
        s.validate().map_err(CaseError::Invalid)?;
        Ok(self.store.set_footage_site(site, s)?)
    }

    pub fn media_root(&self) -> Result<Option<PathBuf>, CaseError> {
        Ok(self.store.media_root()?)
    }

    pub fn set_media_root(&self, root: &str) -> Result<(), CaseError> {
        let p = PathBuf::from(root.trim());
        if !p.is_absolute() {
            return Err(CaseError::Invalid(
                "the media root must be an absolute path".into(),
            ));
        }
        Ok(self.store.set_media_root(&p)?)
    }

    /// Puts a failed job back in the queue.
    pub fn retry_job(&self, job_id: i64) -> Result<bool, CaseError> {
        let now = self.worker.clock().now_ms();
        let ok = self.store.retry_footage_job_at(job_id, now)?;
        self.worker.wake();
        Ok(ok)
    }

    /// The file of a done job, for serving to the UI: only paths the store
    /// recorded for a job can be served, never an arbitrary path.
    pub fn media_file(&self, job_id: i64) -> Result<(PathBuf, JobKind), CaseError> {
        let job = self
            .store
            .footage_job(job_id)?
            .ok_or_else(|| CaseError::UnknownCase(format!("job {job_id}")))?;
        let m = job
            .media
            .ok_or_else(|| CaseError::Invalid(format!("job {job_id} has no media yet")))?;
        Ok((PathBuf::from(m.path), job.kind))
    }

    /// The frame times (µs on the clip's timeline) of a done clip job: the
    /// player steps and labels by them, so a step shows the next real frame.
    pub fn clip_frame_times(&self, job_id: i64) -> Result<Vec<i64>, CaseError> {
        let (file, kind) = self.media_file(job_id)?;
        if kind != JobKind::Clip {
            return Err(CaseError::Invalid(format!("job {job_id} is not a clip")));
        }
        crate::media::frame_times::frame_times_us(&file)
            .map_err(|e| CaseError::Media(e.to_string()))
    }
}
