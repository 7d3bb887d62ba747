//! Tauri commands: each forwards to the engine and maps errors to the UI's
//! `{kind, message}` (redacted) once, here. Every command is async, so
//! none runs on the UI thread (a slow VMS never freezes the window).
use tauri::State;
use vigil_engine::cases::media_server::MediaServerInfo;
use vigil_engine::engine::{AddRtspCamera, Engine};
use vigil_engine::error::UiError;
use vigil_engine::hub::HubInfo;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::ptz::{Preset, Step};
use vigil_engine::store::{Layout, NamedLayout};
use vigil_engine::vms::kinds::KindSpec;
use vigil_engine::vms::onvif::AddOnvifDevice;
use vigil_engine::vms::site::{SiteProbe, SiteRequest, SiteStatus};
use vigil_engine::vms::CameraInfo;

type Res<T> = Result<T, UiError>;

#[tauri::command]
pub async fn hub_info(engine: State<'_, Engine>) -> Res<HubInfo> {
    Ok(engine.hub_info())
}

/// Where the webview loads case media over HTTP: on Linux only, where
/// WebKitGTK cannot play video from the `vigil-media://` scheme; elsewhere
/// `None` (the scheme serves it).
#[tauri::command]
pub async fn media_server(engine: State<'_, Engine>) -> Res<Option<MediaServerInfo>> {
    if !cfg!(target_os = "linux") {
        return Ok(None);
    }
    Ok(Some(engine.media_server().await?))
}

#[tauri::command]
pub async fn list_cameras(engine: State<'_, Engine>) -> Res<Vec<CameraInfo>> {
    Ok(engine.cameras()?)
}

#[tauri::command]
pub async fn add_rtsp_camera(engine: State<'_, Engine>, request: AddRtspCamera) -> Res<CameraInfo> {
    Ok(engine.add_rtsp_camera(request).await?)
}

#[tauri::command]
pub async fn remove_camera(engine: State<'_, Engine>, id: String) -> Res<()> {
    Ok(engine.remove_camera(&id).await?)
}

#[tauri::command]
pub async fn get_current_layout(engine: State<'_, Engine>) -> Res<Layout> {
    Ok(engine.current_layout()?)
}

#[tauri::command]
pub async fn save_current_layout(engine: State<'_, Engine>, layout: Layout) -> Res<()> {
    Ok(engine.save_current_layout(layout)?)
}

#[tauri::command]
pub async fn list_saved_layouts(engine: State<'_, Engine>) -> Res<Vec<NamedLayout>> {
    Ok(engine.named_layouts()?)
}

#[tauri::command]
pub async fn save_named_layout(engine: State<'_, Engine>, name: String, layout: Layout) -> Res<()> {
    Ok(engine.save_named_layout(&name, layout)?)
}

#[tauri::command]
pub async fn delete_named_layout(engine: State<'_, Engine>, name: String) -> Res<()> {
    Ok(engine.delete_named_layout(&name)?)
}

#[tauri::command]
pub async fn recordings(
    engine: State<'_, Engine>,
    camera: String,
    from: i64,
    to: i64,
) -> Res<Vec<vigil_engine::playback::Span>> {
    Ok(engine.recordings_async(&camera, from, to).await?)
}

#[tauri::command]
pub async fn playback_day(
    engine: State<'_, Engine>,
    date: String,
    camera: Option<String>,
) -> Res<vigil_engine::playback::day::DayBounds> {
    Ok(match camera {
        Some(c) => engine.playback_day_of(&c, &date)?,
        None => engine.playback_day(&date)?,
    })
}

#[tauri::command]
pub async fn site_time_zone(engine: State<'_, Engine>, camera: Option<String>) -> Res<String> {
    Ok(match camera {
        Some(c) => engine.camera_time_zone(&c)?,
        None => engine.site_time_zone()?,
    })
}

#[tauri::command]
pub async fn add_onvif_device(
    engine: State<'_, Engine>,
    request: AddOnvifDevice,
) -> Res<Vec<CameraInfo>> {
    Ok(engine.add_onvif_device(request).await?)
}

#[tauri::command]
pub async fn ptz_move(engine: State<'_, Engine>, camera: String, request: MoveRequest) -> Res<()> {
    Ok(engine.ptz_move(&camera, request).await?)
}

#[tauri::command]
pub async fn ptz_stop(engine: State<'_, Engine>, camera: String) -> Res<()> {
    Ok(engine.ptz_stop(&camera).await?)
}

#[tauri::command]
pub async fn ptz_step(
    engine: State<'_, Engine>,
    camera: String,
    step: Step,
    speed: f64,
) -> Res<()> {
    Ok(engine.ptz_step(&camera, step, speed).await?)
}

#[tauri::command]
pub async fn ptz_home(engine: State<'_, Engine>, camera: String, speed: f64) -> Res<()> {
    Ok(engine.ptz_home(&camera, speed).await?)
}

#[tauri::command]
pub async fn ptz_presets(engine: State<'_, Engine>, camera: String) -> Res<Vec<Preset>> {
    Ok(engine.ptz_presets(&camera).await?)
}

#[tauri::command]
pub async fn ptz_goto_preset(
    engine: State<'_, Engine>,
    camera: String,
    token: String,
    speed: f64,
) -> Res<()> {
    Ok(engine.ptz_goto_preset(&camera, &token, speed).await?)
}

#[tauri::command]
pub async fn ptz_save_preset(
    engine: State<'_, Engine>,
    camera: String,
    name: String,
) -> Res<Preset> {
    Ok(engine.ptz_save_preset(&camera, &name).await?)
}

#[tauri::command]
pub async fn site_kinds(engine: State<'_, Engine>) -> Res<Vec<KindSpec>> {
    Ok(engine.site_kinds())
}

#[tauri::command]
pub async fn list_sites(engine: State<'_, Engine>) -> Res<Vec<SiteStatus>> {
    Ok(engine.sites())
}

#[tauri::command]
pub async fn probe_site(engine: State<'_, Engine>, request: SiteRequest) -> Res<SiteProbe> {
    Ok(engine.probe_site(request).await?)
}

#[tauri::command]
pub async fn add_site(engine: State<'_, Engine>, request: SiteRequest) -> Res<SiteProbe> {
    Ok(engine.add_site(request).await?)
}

#[tauri::command]
pub async fn update_site(
    engine: State<'_, Engine>,
    id: String,
    request: SiteRequest,
) -> Res<SiteProbe> {
    Ok(engine.update_site(&id, request).await?)
}

#[tauri::command]
pub async fn remove_site(engine: State<'_, Engine>, id: String) -> Res<()> {
    Ok(engine.remove_site(&id).await?)
}

#[tauri::command]
pub async fn refresh_site(engine: State<'_, Engine>, id: String) -> Res<SiteStatus> {
    Ok(engine.refresh_site(&id).await?)
}
