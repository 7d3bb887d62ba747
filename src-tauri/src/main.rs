//! Vigil's desktop app: a thin Tauri 2 shell. It starts the engine (store,
//! keyring, sites, frame hub), exposes the engine's operations as commands,
//! and opens the window. No protocol or media logic lives here.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bookmark_commands;
mod bus_commands;
mod case_commands;
mod commands;
mod evidence_commands;
mod file_chooser_commands;
mod offline_commands;
mod second_step_commands;
mod server_layout_commands;
mod settings_commands;
mod webview_env;
mod window_commands;

use vigil_engine::engine::{Engine, EngineConfig};

fn main() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let software_gl = webview_env::apply();
    let context = tauri::generate_context!("../tauri.conf.json");
    let mut cfg = EngineConfig::default();
    // `tauri dev` serves the UI from build.devUrl: let that page use the hub
    if cfg!(debug_assertions) {
        if let Some(dev) = &context.config().build.dev_url {
            cfg.hub.allow_origin(&dev.origin().ascii_serialization());
        }
    }
    let engine = match tauri::async_runtime::block_on(Engine::start(cfg)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("Vigil cannot start: {e}");
            std::process::exit(1);
        }
    };
    tracing::info!("frame hub on {}", engine.hub_info().url);
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(webview_env::plugin(software_gl))
        .manage(engine)
        .manage(vigil_engine::thumbnails::Thumbnails::new(
            bookmark_commands::THUMB_CACHE,
            bookmark_commands::THUMB_WORKERS,
        ))
        .manage(offline_commands::StartupPaths::from_args(std::env::args()))
        .manage(bus_commands::BusLink::default())
        .register_asynchronous_uri_scheme_protocol("vigil-media", case_commands::media_protocol)
        .setup(|app| {
            case_commands::start(app.handle());
            bus_commands::start(app.handle());
            window_commands::start(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::hub_info,
            commands::media_server,
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
            commands::site_kinds,
            commands::list_sites,
            commands::probe_site,
            commands::add_site,
            commands::update_site,
            commands::remove_site,
            commands::refresh_site,
            commands::add_onvif_device,
            commands::ptz_move,
            commands::ptz_stop,
            commands::ptz_step,
            commands::ptz_home,
            commands::ptz_presets,
            commands::ptz_goto_preset,
            commands::ptz_save_preset,
            case_commands::create_case,
            case_commands::list_cases,
            case_commands::get_case,
            case_commands::clip_frame_times,
            case_commands::update_case,
            case_commands::case_markers,
            case_commands::retry_footage_job,
            case_commands::list_equipment,
            case_commands::save_equipment,
            case_commands::get_nearest_cameras,
            case_commands::set_nearest_cameras,
            case_commands::get_footage_settings,
            case_commands::set_footage_settings,
            offline_commands::open_offline,
            offline_commands::set_offline_file_start,
            offline_commands::offline_recent,
            offline_commands::startup_paths,
            file_chooser_commands::choose_open_paths,
            bookmark_commands::add_bookmark,
            bookmark_commands::list_bookmarks,
            bookmark_commands::delete_bookmark,
            bookmark_commands::export_bookmark_clip,
            bookmark_commands::timeline_thumbnail,
            evidence_commands::evidence_key,
            evidence_commands::export_case_package,
            evidence_commands::export_frame_snapshot,
            bus_commands::get_bus_settings,
            bus_commands::set_bus_settings,
            bus_commands::get_site_bus_publish,
            bus_commands::set_site_bus_publish,
            bus_commands::create_console_case,
            settings_commands::get_media_root,
            settings_commands::set_media_root,
            settings_commands::get_playback_state,
            settings_commands::save_playback_state,
            second_step_commands::second_step_waiting,
            second_step_commands::submit_second_step_pin,
            server_layout_commands::list_server_layouts,
            window_commands::tear_out,
            window_commands::torn_window,
            window_commands::list_torn_windows,
            window_commands::save_torn_layout,
            window_commands::toggle_window_fullscreen,
            window_commands::close_torn_window,
        ])
        .run(context)
        .expect("error while running Vigil");
}
