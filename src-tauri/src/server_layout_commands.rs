//! Tauri command listing the sites' own views (Milestone's views) as
//! layouts for the layout menu, marked as the server's: read from each
//! VMS when asked, never stored (the engine's `vms::server_layouts`).
use tauri::State;
use vigil_engine::engine::Engine;
use vigil_engine::error::UiError;
use vigil_engine::vms::server_layouts::ServerLayout;

/// Every site's server views as layouts (a site that cannot answer now adds none).
#[tauri::command]
pub async fn list_server_layouts(engine: State<'_, Engine>) -> Result<Vec<ServerLayout>, UiError> {
    Ok(engine.all_server_layouts().await)
}
