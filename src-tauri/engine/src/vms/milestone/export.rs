//! Case clips by the Mobile Server's export commands, where the login says
//! exports are allowed (`ExportToMkv`, else `ExportToAvi`):
//! `CreateInvestigation` over the window, `StartInvestigationExport`,
//! `GetExport` polled until its `State` is 100, then
//! `CreateExportDownloadLink` and a plain GET of that link on the same
//! server. The footage worker downloads it durably and remuxes it to MP4
//! without re-encoding; without export rights it writes the clip itself
//! from the playback frames.
use std::sync::Arc;
use std::time::Duration;

use super::site::Inner;
use crate::error::{ErrorKind, HasKind};
use crate::vms::export::{
    ClipExporter, ContainerHint, ExportError, ExportErrorKind, ExportFuture, ExportRequest,
    ExportedClip,
};
use crate::vms::VmsError;

/// How often `GetExport` is asked while the export runs.
const POLL: Duration = Duration::from_millis(500);
/// The longest an export may run.
const MAX_WAIT: Duration = Duration::from_secs(600);

pub struct MilestoneExporter {
    inner: Arc<Inner>,
    camera: String,
}

fn export_kind(k: ErrorKind) -> ExportErrorKind {
    match k {
        ErrorKind::Unsupported => ExportErrorKind::Unsupported,
        ErrorKind::AuthFailed | ErrorKind::Untrusted => ExportErrorKind::AuthFailed,
        ErrorKind::NotFound => ExportErrorKind::NotFound,
        ErrorKind::Unreachable => ExportErrorKind::Unreachable,
        _ => ExportErrorKind::Protocol,
    }
}

fn export_error(command: &str, e: VmsError) -> ExportError {
    let mut x = ExportError::new(export_kind(e.kind()), command, e.to_string());
    if let VmsError::Remote(r) = &e {
        if let Some(c) = &r.vendor_code {
            x = x.with_vendor_code(c.clone());
        }
    }
    x
}

impl MilestoneExporter {
    pub(crate) fn new(inner: Arc<Inner>, camera: String) -> Self {
        Self { inner, camera }
    }

    async fn run(&self, r: &ExportRequest) -> Result<ExportedClip, ExportError> {
        let s = &self.inner.session;
        let conn = s.conn().await.map_err(|e| export_error("LogIn", e))?;
        let (ty, container) = if conn.allows("ExportToMkv") {
            ("MKV", ContainerHint::Matroska)
        } else if conn.allows("ExportToAvi") {
            ("AVI", ContainerHint::Avi)
        } else {
            return Err(ExportError::unsupported(
                s.site(),
                "the login does not allow MKV or AVI exports",
            ));
        };
        // the footage worker names the camera by Vigil's id: ours is the GUID
        let camera = self.camera.clone();
        let inv = s
            .call(
                "CreateInvestigation",
                &[
                    ("StartTime", r.from_ms.to_string()),
                    ("EndTime", r.to_ms.to_string()),
                    ("Name", format!("Vigil {camera} {}", r.from_ms)),
                    ("CameraId", camera.clone()),
                ],
            )
            .await
            .map_err(|e| export_error("CreateInvestigation", e))?;
        let inv_id = inv
            .output("InvestigationId")
            .unwrap_or_default()
            .to_string();
        let started = s
            .call(
                "StartInvestigationExport",
                &[
                    ("InvestigationId", inv_id.clone()),
                    ("ExportType", ty.into()),
                    ("IncludeAudio", "No".into()),
                    ("ProcessingMessage", "No".into()),
                ],
            )
            .await
            .map_err(|e| export_error("StartInvestigationExport", e))?;
        let export_id = started.output("ExportId").unwrap_or_default().to_string();
        if inv_id.is_empty() || export_id.is_empty() {
            return Err(ExportError::new(
                ExportErrorKind::Protocol,
                "StartInvestigationExport",
                "no InvestigationId or ExportId in the answers",
            ));
        }
        let deadline = tokio::time::Instant::now() + MAX_WAIT;
        let mut size = None;
        loop {
            let a = s
                .call("GetExport", &[("ExportId", export_id.clone())])
                .await
                .map_err(|e| export_error("GetExport", e))?;
            let ex = a.command.find("Export");
            let state: i64 = ex
                .and_then(|e| e.attr("State"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if state < 0 {
                return Err(ExportError::new(
                    ExportErrorKind::NotFound,
                    "GetExport",
                    "the server's export failed",
                ));
            }
            if state >= 100 {
                size = ex
                    .and_then(|e| e.attr("Size"))
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .filter(|s| *s > 0)
                    .or(size);
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ExportError::new(
                    ExportErrorKind::NotReady,
                    "GetExport",
                    format!("still at {state} % after {} s", MAX_WAIT.as_secs()),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
        let link = s
            .call(
                "CreateExportDownloadLink",
                &[
                    ("ExportId", export_id),
                    ("InvestigationId", inv_id),
                    ("Type", ty.into()),
                    ("ProcessingMessage", "No".into()),
                ],
            )
            .await
            .map_err(|e| export_error("CreateExportDownloadLink", e))?;
        let path = link
            .output("ExportLink")
            .or_else(|| link.output("Link"))
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                ExportError::new(
                    ExportErrorKind::Protocol,
                    "CreateExportDownloadLink",
                    "no ExportLink",
                )
            })?;
        let url = s.base().join(path).map_err(|e| {
            ExportError::new(
                ExportErrorKind::Protocol,
                "CreateExportDownloadLink",
                format!("the link is not a path or URL: {e}"),
            )
        })?;
        if url.origin() != s.base().origin() {
            return Err(ExportError::new(
                ExportErrorKind::Protocol,
                "CreateExportDownloadLink",
                "the link points to another server",
            ));
        }
        Ok(ExportedClip {
            container,
            expected_bytes: size,
            starts_at_ms: Some(r.from_ms),
            ..ExportedClip::get(url.to_string())
        })
    }
}

impl ClipExporter for MilestoneExporter {
    fn describe(&self) -> String {
        format!(
            "{} export of camera {}",
            self.inner.session.site(),
            self.camera
        )
    }

    fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn prepare<'a>(&'a self, request: &'a ExportRequest) -> ExportFuture<'a, ExportedClip> {
        Box::pin(self.run(request))
    }
}
