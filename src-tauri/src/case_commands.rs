//! Tauri commands for cases and footage, the `footage-job` event that pushes
//! job progress to the UI, and the `vigil-media://` scheme serving case
//! clips and snapshots (by job id) to the webview.
use serde::Deserialize;
use std::sync::{Arc, Mutex, OnceLock};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use vigil_engine::cases::media_http::{self, MediaResponse};
use vigil_engine::cases::media_pool::MediaPool;
use vigil_engine::cases::{
    Case, CaseDetail, CaseFilter, CaseMarker, CaseUpdate, Equipment, NewCase, NewEquipment,
};
use vigil_engine::engine::Engine;
use vigil_engine::error::{HasKind, UiError};
use vigil_engine::footage::SiteFootage;

type Res<T> = Result<T, UiError>;

fn ui<E: HasKind>(e: E) -> UiError {
    e.to_ui()
}

#[tauri::command]
pub async fn create_case(engine: State<'_, Engine>, request: NewCase) -> Res<CaseDetail> {
    engine.cases().create(&request).map_err(ui)
}

#[tauri::command]
pub async fn list_cases(engine: State<'_, Engine>, filter: Option<CaseFilter>) -> Res<Vec<Case>> {
    engine.cases().list(&filter.unwrap_or_default()).map_err(ui)
}

#[tauri::command]
pub async fn get_case(engine: State<'_, Engine>, id: String) -> Res<CaseDetail> {
    engine.cases().detail(&id).map_err(ui)
}

/// The frame times (µs from the clip's start) of a clip job, read from its
/// packets off the UI thread.
#[tauri::command]
pub async fn clip_frame_times(engine: State<'_, Engine>, job_id: i64) -> Res<Vec<i64>> {
    let cases = engine.cases().clone();
    tauri::async_runtime::spawn_blocking(move || cases.clip_frame_times(job_id))
        .await
        .map_err(|e| UiError {
            kind: vigil_engine::error::ErrorKind::Internal,
            message: format!("frame times: {e}"),
            certificate: None,
        })?
        .map_err(ui)
}

#[tauri::command]
pub async fn update_case(engine: State<'_, Engine>, id: String, update: CaseUpdate) -> Res<Case> {
    engine.cases().update(&id, &update).map_err(ui)
}

#[tauri::command]
pub async fn case_markers(
    engine: State<'_, Engine>,
    from_ms: i64,
    to_ms: i64,
    cameras: Vec<String>,
) -> Res<Vec<CaseMarker>> {
    engine.cases().markers(from_ms, to_ms, &cameras).map_err(ui)
}

#[tauri::command]
pub async fn retry_footage_job(engine: State<'_, Engine>, job_id: i64) -> Res<bool> {
    engine.cases().retry_job(job_id).map_err(ui)
}

#[tauri::command]
pub async fn list_equipment(engine: State<'_, Engine>) -> Res<Vec<Equipment>> {
    engine.cases().equipment().map_err(ui)
}

#[tauri::command]
pub async fn save_equipment(engine: State<'_, Engine>, equipment: NewEquipment) -> Res<Equipment> {
    engine.cases().save_equipment(&equipment).map_err(ui)
}

#[tauri::command]
pub async fn get_nearest_cameras(
    engine: State<'_, Engine>,
    equipment_id: String,
) -> Res<Vec<String>> {
    engine.cases().nearest(&equipment_id).map_err(ui)
}

#[tauri::command]
pub async fn set_nearest_cameras(
    engine: State<'_, Engine>,
    equipment_id: String,
    cameras: Vec<String>,
) -> Res<Vec<String>> {
    engine
        .cases()
        .set_nearest(&equipment_id, &cameras)
        .map_err(ui)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FootageSettings {
    site: String,
    settings: SiteFootage,
}

#[tauri::command]
pub async fn get_footage_settings(engine: State<'_, Engine>, site: String) -> Res<SiteFootage> {
    engine.cases().footage_site(&site).map_err(ui)
}

#[tauri::command]
pub async fn set_footage_settings(engine: State<'_, Engine>, request: FootageSettings) -> Res<()> {
    engine
        .cases()
        .set_footage_site(&request.site, &request.settings)
        .map_err(ui)
}

/// Starts the footage worker and forwards its job events to the UI.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let engine = app.state::<Engine>();
    let worker = engine.cases().worker().clone();
    let mut rx = worker.subscribe();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = worker.run(vigil_engine::footage::RunMode::Forever).await {
            tracing::error!("footage worker stopped: {}", e.to_ui().message);
        }
    });
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    let _ = app.emit("footage-job", &ev.job);
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// Media requests served at once; a few more wait in the queue, and any
/// beyond that get a 503 (the video element retries).
const MEDIA_WORKERS: usize = 4;
const MEDIA_QUEUE: usize = 32;

/// The media workers, started on the first request.
fn media_pool() -> Option<&'static MediaPool> {
    static POOL: OnceLock<Option<MediaPool>> = OnceLock::new();
    POOL.get_or_init(|| match MediaPool::new(MEDIA_WORKERS, MEDIA_QUEUE) {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::error!("cannot start the media workers: {e}");
            None
        }
    })
    .as_ref()
}

fn respond(responder: tauri::UriSchemeResponder, r: MediaResponse) {
    let mut b = tauri::http::Response::builder().status(r.status);
    for (k, v) in r.headers {
        b = b.header(k, v);
    }
    match b.body(r.body) {
        Ok(resp) => responder.respond(resp),
        Err(_) => responder.respond(
            tauri::http::Response::builder()
                .status(500)
                .body(Vec::new())
                .expect("empty response"),
        ),
    }
}

/// The `vigil-media://localhost/<job id>` handler: served by the bounded
/// media pool, each body at most `media_http::MAX_BODY` bytes.
pub fn media_protocol<R: Runtime>(
    ctx: tauri::UriSchemeContext<'_, R>,
    req: tauri::http::Request<Vec<u8>>,
    responder: tauri::UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = req.uri().path().to_string();
    let range = req
        .headers()
        .get("range")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(pool) = media_pool() else {
        return respond(responder, media_http::busy());
    };
    // the responder comes back if the job is refused, to answer 503
    let slot = Arc::new(Mutex::new(Some(responder)));
    let job_slot = slot.clone();
    let queued = pool.submit(move || {
        let Some(responder) = job_slot.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        let engine = app.state::<Engine>();
        respond(
            responder,
            media_http::serve(engine.cases(), &path, range.as_deref()),
        );
    });
    if queued.is_err() {
        if let Some(responder) = slot.lock().ok().and_then(|mut s| s.take()) {
            respond(responder, media_http::busy());
        }
    }
}
