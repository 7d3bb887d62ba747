//! Tauri commands: each forwards to the engine and maps errors to the UI's
//! `{kind, message}` (redacted) once, here.
use tauri::State;
use vigil_engine::engine::{AddRtspCamera, Engine};
use vigil_engine::error::UiError;
use vigil_engine::hub::HubInfo;
use vigil_engine::store::{Layout, NamedLayout};
use vigil_engine::vms::CameraInfo;

type Res<T> = Result<T, UiError>;

#[tauri::command]
pub fn hub_info(engine: State<'_, Engine>) -> HubInfo {
    engine.hub_info()
}

#[tauri::command]
pub fn list_cameras(engine: State<'_, Engine>) -> Res<Vec<CameraInfo>> {
    Ok(engine.cameras()?)
}

#[tauri::command]
pub fn add_rtsp_camera(engine: State<'_, Engine>, request: AddRtspCamera) -> Res<CameraInfo> {
    Ok(engine.add_rtsp_camera(request)?)
}

#[tauri::command]
pub fn remove_camera(engine: State<'_, Engine>, id: String) -> Res<()> {
    Ok(engine.remove_camera(&id)?)
}

#[tauri::command]
pub fn get_current_layout(engine: State<'_, Engine>) -> Res<Layout> {
    Ok(engine.current_layout()?)
}

#[tauri::command]
pub fn save_current_layout(engine: State<'_, Engine>, layout: Layout) -> Res<()> {
    Ok(engine.save_current_layout(layout)?)
}

#[tauri::command]
pub fn list_saved_layouts(engine: State<'_, Engine>) -> Res<Vec<NamedLayout>> {
    Ok(engine.named_layouts()?)
}

#[tauri::command]
pub fn save_named_layout(engine: State<'_, Engine>, name: String, layout: Layout) -> Res<()> {
    Ok(engine.save_named_layout(&name, layout)?)
}

#[tauri::command]
pub fn delete_named_layout(engine: State<'_, Engine>, name: String) -> Res<()> {
    Ok(engine.delete_named_layout(&name)?)
}

#[tauri::command]
pub fn recordings(
    engine: State<'_, Engine>,
    camera: String,
    from: i64,
    to: i64,
) -> Res<Vec<vigil_engine::playback::Span>> {
    Ok(engine.recordings(&camera, from, to)?)
}

#[tauri::command]
pub fn playback_day(
    engine: State<'_, Engine>,
    date: String,
) -> Res<vigil_engine::playback::day::DayBounds> {
    Ok(engine.playback_day(&date)?)
}

#[tauri::command]
pub fn site_time_zone(engine: State<'_, Engine>) -> Res<String> {
    Ok(engine.site_time_zone()?)
}
