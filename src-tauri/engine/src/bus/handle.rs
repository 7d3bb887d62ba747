//! One case-created message, start to finish, under the case's lock:
//! create the local case once per bus id (the id -> case mapping is a
//! setting in the workers' shared database), let the footage worker cut its
//! clips and snapshots (the existing jobs, leases and durable renames: one
//! file per job, whoever runs it), wait until every job is done or given
//! up, and link each file to the CMS once. Safe to repeat: a redelivered
//! message finds the case, the files and the links, and only does what is
//! missing.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::cms::{pointer_url, CmsClient, LinkFile};
use super::message::{CaseCreated, MediaReady, Poison, ReadyFile};
use super::BusError;
use crate::cases::{Case, CaseError, CaseService, NewCase};
use crate::footage::{JobKind, JobStatus};
use crate::media::source::StopFlag;

/// What went wrong with a message.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Never processable: dead-letter it.
    #[error(transparent)]
    Poison(#[from] Poison),
    /// Try again later (CMS or storage down, shutting down).
    #[error(transparent)]
    Retry(#[from] BusError),
}

/// Reports progress as JSON values (the CLI prints one line each).
pub type Emit = Arc<dyn Fn(serde_json::Value) + Send + Sync>;

/// Processes case-created messages against the shared database and media root.
pub struct CaseHandler {
    pub cases: Arc<CaseService>,
    pub media_root: PathBuf,
    pub cms: Option<CmsClient>,
    /// Base of the `PointerUrl`s (`{base}/footage/{file}?blob`).
    pub pointer_base: String,
    pub stop: StopFlag,
}

/// The settings key mapping a bus case id to the local case.
fn mapping_key(bus_id: &str) -> String {
    format!("bus.case.{bus_id}")
}

/// The local case of a bus case id, if one was created.
pub fn local_case_of(cases: &CaseService, bus_id: &str) -> Result<Option<String>, BusError> {
    cases
        .store()
        .setting(&mapping_key(bus_id))
        .map_err(|e| BusError::Storage(e.to_string()))
}

impl CaseHandler {
    /// The equipment id of a tag: an asset whose tag or id matches
    /// (case-insensitive), else the tag itself (a camera id).
    fn resolve_tag(&self, tag: &str) -> Result<String, BusError> {
        let list = self
            .cases
            .equipment()
            .map_err(|e| BusError::Storage(e.to_string()))?;
        Ok(list
            .into_iter()
            .find(|e| e.tag.eq_ignore_ascii_case(tag) || e.id.eq_ignore_ascii_case(tag))
            .map(|e| e.id)
            .unwrap_or_else(|| tag.to_string()))
    }

    /// The case of this message: the one created before, or a new one.
    /// The caller holds the case lock.
    pub fn ensure_case(&self, m: &CaseCreated) -> Result<(Case, bool), HandleError> {
        if let Some(id) = local_case_of(&self.cases, &m.id)? {
            let c = self
                .cases
                .detail(&id)
                .map_err(|e| BusError::Storage(e.to_string()))?;
            return Ok((c.case, false));
        }
        let equipment_id = self.resolve_tag(&m.equipment_tag)?;
        let title = if m.case_no.is_empty() {
            format!("Bus case {}", m.id)
        } else {
            m.case_no.clone()
        };
        let req = NewCase {
            title: title.chars().take(200).collect(),
            event_ms: m.event_ms(),
            equipment_id,
            extra_cameras: vec![],
            notes: format!("From the bus: case {} ({})", m.id, m.equipment_tag),
        };
        let d = self.cases.create(&req).map_err(|e| match e {
            CaseError::UnknownEquipment(_) | CaseError::UnknownCamera(_) => {
                HandleError::Poison(Poison::UnknownEquipment(m.equipment_tag.clone()))
            }
            CaseError::FutureEvent(t) => HandleError::Poison(Poison::FutureTime(t)),
            CaseError::Invalid(s) => HandleError::Poison(Poison::Invalid(s)),
            e => HandleError::Retry(BusError::Storage(e.to_string())),
        })?;
        self.cases
            .store()
            .set_setting(&mapping_key(&m.id), &d.case.id)
            .map_err(|e| BusError::Storage(e.to_string()))?;
        // a console sharing this database may have recorded the case it
        // heard before this one existed: this one replaces it
        super::mirror::forget(self.cases.store(), &m.id)?;
        Ok((d.case, true))
    }

    /// Waits until every job of the case is done or failed.
    async fn wait_jobs(&self, case_id: &str) -> Result<Vec<crate::footage::JobView>, BusError> {
        let mut rx = self.cases.subscribe();
        loop {
            let jobs = self
                .cases
                .store()
                .footage_jobs_of_case(case_id)
                .map_err(|e| BusError::Storage(e.to_string()))?;
            if jobs
                .iter()
                .all(|j| matches!(j.status, JobStatus::Done | JobStatus::Failed))
            {
                return Ok(jobs);
            }
            if self.stop.is_stopped() {
                return Err(BusError::Stopped);
            }
            // a job change here, or a look every 500 ms (other workers run jobs too)
            let _ = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await;
        }
    }

    /// Processes one message (the case lock is taken by the caller).
    pub async fn handle(&self, m: &CaseCreated, emit: &Emit) -> Result<MediaReady, HandleError> {
        let (case, created) = self.ensure_case(m)?;
        emit(serde_json::json!({
            "event": "case", "id": m.id, "caseId": case.id, "label": case.label,
            "created": created,
            "cameras": case.cameras.iter().map(|c| c.camera_id.clone()).collect::<Vec<_>>(),
        }));
        self.cases.worker().wake();
        let jobs = self.wait_jobs(&case.id).await?;
        let mut files = Vec::new();
        let mut failed = Vec::new();
        for j in &jobs {
            match (&j.status, &j.media) {
                (JobStatus::Done, Some(media)) => {
                    let name = Path::new(&media.path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    files.push(ReadyFile {
                        camera_id: j.camera_id.clone(),
                        kind: j.kind.as_str().into(),
                        pointer_url: pointer_url(
                            &self.pointer_base,
                            j.kind == JobKind::Clip,
                            &name,
                        ),
                        file_name: name,
                        sha256: media.sha256.clone(),
                    });
                }
                _ => failed.push(format!(
                    "{} {}: {}",
                    j.camera_id,
                    j.kind.as_str(),
                    j.error.clone().unwrap_or_else(|| "no media".into())
                )),
            }
        }
        if let Some(cms) = &self.cms {
            let links: Vec<LinkFile> = files
                .iter()
                .map(|f| LinkFile {
                    file_name: f.file_name.clone(),
                    pointer_url: f.pointer_url.clone(),
                })
                .collect();
            let new = cms.link_missing(&m.id, &links).await?;
            for n in new {
                emit(serde_json::json!({"event": "linked", "id": m.id, "fileName": n}));
            }
        }
        Ok(MediaReady {
            id: m.id.clone(),
            case_no: m.case_no.clone(),
            case_id: case.id,
            label: case.label,
            event_ms: case.event_ms,
            files,
            failed,
        })
    }
}
