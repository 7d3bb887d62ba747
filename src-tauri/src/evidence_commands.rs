//! Tauri commands for evidence out of the window: this install's signing
//! key (Settings), a signed package of a case, and a snapshot of the frame
//! at a time. The exports run off the UI's thread; a package reports its
//! progress as `evidence-progress` events ({ job, fraction }).
use tauri::{AppHandle, Emitter, Manager, State};

use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, HasKind, UiError};
use vigil_engine::evidence::ui_exports::{CasePackageExport, EvidenceKeyInfo, SnapshotFile};
use vigil_engine::media::source::StopFlag;

type Res<T> = Result<T, UiError>;

fn ui<E: HasKind>(e: E) -> UiError {
    e.to_ui()
}

fn joined(what: &str, e: impl std::fmt::Display) -> UiError {
    UiError {
        kind: ErrorKind::Internal,
        message: format!("{what}: {e}"),
        certificate: None,
    }
}

/// `user@host` of the operator, for the package's "exported by".
fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "operator".into());
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .unwrap_or_else(|| "workstation".into());
    format!("{user}@{host}")
}

#[tauri::command]
pub async fn evidence_key(engine: State<'_, Engine>) -> Res<EvidenceKeyInfo> {
    engine.evidence_key_info().map_err(ui)
}

#[derive(Clone, serde::Serialize)]
struct Progress {
    job: String,
    fraction: f64,
}

#[tauri::command]
pub async fn export_case_package(
    app: AppHandle,
    case_id: String,
    zip: bool,
    job: String,
) -> Res<CasePackageExport> {
    tauri::async_runtime::spawn_blocking(move || {
        let engine = app.state::<Engine>();
        let mut last = -1.0;
        let mut progress = |f: f64| {
            if f - last >= 0.02 || f >= 1.0 {
                last = f;
                let _ = app.emit(
                    "evidence-progress",
                    Progress {
                        job: job.clone(),
                        fraction: f,
                    },
                );
            }
        };
        engine
            .export_case_package_to(&case_id, None, zip, &operator(), &mut progress)
            .map_err(ui)
    })
    .await
    .map_err(|e| joined("case package", e))?
}

#[tauri::command]
pub async fn export_frame_snapshot(
    app: AppHandle,
    camera: String,
    at_ms: i64,
    jpeg: bool,
    caption: bool,
) -> Res<SnapshotFile> {
    tauri::async_runtime::spawn_blocking(move || {
        let engine = app.state::<Engine>();
        engine
            .export_frame_snapshot(&camera, at_ms, jpeg, caption, StopFlag::default())
            .map_err(ui)
    })
    .await
    .map_err(|e| joined("snapshot", e))?
}
