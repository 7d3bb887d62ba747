//! Vigil's desktop app: a thin Tauri 2 shell. It starts the engine (store,
//! keyring, sites, frame hub), exposes the engine's operations as commands,
//! and opens the window. No protocol or media logic lives here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use vigil_engine::engine::{Engine, EngineConfig};

fn main() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let engine = match tauri::async_runtime::block_on(Engine::start(EngineConfig::default())) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("Vigil cannot start: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!("frame hub on {}", engine.hub_info().url);
    tauri::Builder::default()
        .manage(engine)
        .invoke_handler(tauri::generate_handler![
            commands::hub_info,
            commands::list_cameras,
            commands::add_rtsp_camera,
            commands::remove_camera,
            commands::get_current_layout,
            commands::save_current_layout,
            commands::list_saved_layouts,
            commands::save_named_layout,
            commands::delete_named_layout,
            commands::recordings,
            commands::playback_day,
            commands::site_time_zone,
            commands::add_onvif_device,
            commands::ptz_move,
            commands::ptz_stop,
            commands::ptz_step,
            commands::ptz_home,
            commands::ptz_presets,
            commands::ptz_goto_preset,
            commands::ptz_save_preset,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running Vigil");
}
