//! Tauri commands for the console on the case bus (RabbitMQ): its broker
//! settings (the password goes to the OS keyring, never the database), the
//! per-site "publish cases to the bus" switch, creating a case that goes to
//! the bus on such sites, and the subscription that pushes every case
//! created and every media ready to the UI as the `bus-event` event (no
//! polling). The logic is the engine's `bus::console`.
use serde::Deserialize;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, Runtime, State};

use vigil_engine::bus::console::{self, ConsoleBus, ConsoleBusView, Created};
use vigil_engine::bus::setting;
use vigil_engine::cases::NewCase;
use vigil_engine::engine::Engine;
use vigil_engine::error::{HasKind, UiError};

type Res<T> = Result<T, UiError>;

fn ui<E: HasKind>(e: E) -> UiError {
    e.to_ui()
}

/// The running subscription's forwarding task (aborting it drops the link,
/// which ends the subscription).
#[derive(Default)]
pub struct BusLink(Mutex<Option<tauri::async_runtime::JoinHandle<()>>>);

/// (Re)starts the console's subscription from the stored settings; stops it
/// when the bus is off.
fn restart<R: Runtime>(app: &AppHandle<R>) -> Res<()> {
    let engine = app.state::<Engine>();
    let state = app.state::<BusLink>();
    let mut slot = state.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(old) = slot.take() {
        old.abort();
    }
    let Some(mut link) = console::link(&engine).map_err(ui)? else {
        return Ok(());
    };
    let app = app.clone();
    *slot = Some(tauri::async_runtime::spawn(async move {
        while let Some(ev) = link.events.recv().await {
            let _ = app.emit("bus-event", &ev);
        }
    }));
    Ok(())
}

/// Subscribes at start when the console's bus is on.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = restart(&app) {
            tracing::warn!("case bus: {}", e.message);
        }
    });
}

#[tauri::command]
pub async fn get_bus_settings(engine: State<'_, Engine>) -> Res<ConsoleBusView> {
    console::view_of(&engine).map_err(ui)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetBusSettings {
    settings: ConsoleBus,
    /// `Some`: replaces the keyring entry (empty: removes it); `None`: keeps it.
    password: Option<String>,
}

#[tauri::command]
pub async fn set_bus_settings<R: Runtime>(
    app: AppHandle<R>,
    engine: State<'_, Engine>,
    request: SetBusSettings,
) -> Res<ConsoleBusView> {
    console::save_of(&engine, &request.settings, request.password.as_deref()).map_err(ui)?;
    restart(&app)?;
    console::view_of(&engine).map_err(ui)
}

#[tauri::command]
pub async fn get_site_bus_publish(engine: State<'_, Engine>, site: String) -> Res<bool> {
    setting::publish_to_bus(engine.cases().store(), &site).map_err(ui)
}

#[tauri::command]
pub async fn set_site_bus_publish(engine: State<'_, Engine>, site: String, on: bool) -> Res<()> {
    setting::set_publish_to_bus(engine.cases().store(), &site, on).map_err(ui)
}

/// Creates a case: published on the bus when a site of its equipment has
/// the switch on, else created and cut here.
#[tauri::command]
pub async fn create_console_case(engine: State<'_, Engine>, request: NewCase) -> Res<Created> {
    console::create_case(&engine, &request).await.map_err(ui)
}
