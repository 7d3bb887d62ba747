//! Torn-out windows (a second monitor): a layout or one tile opened in a
//! window of its own. Each is the same UI (it reads its layout by its window
//! label `tearout-N`), so its tiles use the engine's ingests and frame hub
//! like the main window. The open windows and their layouts are saved in the
//! engine's settings and opened again at the next start (at the position and
//! size they were left at: saved once a move or resize has rested); closing
//! one forgets it, and closing the main window ends the app (the torn-out
//! windows stay saved).
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::{
    AppHandle, Manager, Runtime, State, WebviewUrl, WebviewWindow, WebviewWindowBuilder,
    WindowEvent,
};
use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, UiError};
use vigil_engine::store::Layout;
use vigil_engine::ui_state::{is_torn_label, TornWindow, WindowBounds, MAX_TORN_WINDOWS};

/// How long a window rests after a move or resize before its place is saved.
const BOUNDS_SAVE_DELAY: Duration = Duration::from_millis(400);

type Res<T> = Result<T, UiError>;

fn invalid(message: String) -> UiError {
    UiError {
        kind: ErrorKind::InvalidInput,
        message,
        certificate: None,
    }
}

/// Opens the window for `w` (its label, title, place and full screen).
fn open<R: Runtime>(app: &AppHandle<R>, w: &TornWindow) -> tauri::Result<WebviewWindow<R>> {
    let n = w.label.trim_start_matches("tearout-");
    let builder = WebviewWindowBuilder::new(app, &w.label, WebviewUrl::App("index.html".into()))
        .title(format!("Vigil – window {n}"));
    let builder = match w.bounds.and_then(WindowBounds::sane) {
        Some(b) => builder
            .inner_size(f64::from(b.width), f64::from(b.height))
            .position(f64::from(b.x), f64::from(b.y)),
        None => builder.inner_size(960.0, 600.0),
    };
    let win = builder
        .min_inner_size(320.0, 240.0)
        .background_color(tauri::window::Color(0x0b, 0x0d, 0x10, 0xff))
        .fullscreen(w.fullscreen)
        .build()?;
    let handle = app.clone();
    let label = w.label.clone();
    let moves = Arc::new(AtomicU64::new(0));
    win.on_window_event(move |e| match e {
        WindowEvent::CloseRequested { .. } => {
            // the operator closed it: it is not reopened at the next start
            if let Err(e) = forget(&handle, &label) {
                tracing::warn!("torn-out window {label} not forgotten: {e}");
            }
        }
        WindowEvent::Moved(_) | WindowEvent::Resized(_) => {
            // saved once the window rests (a drag sends many of these)
            let n = moves.fetch_add(1, Ordering::SeqCst) + 1;
            let (moves, handle, label) = (moves.clone(), handle.clone(), label.clone());
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(BOUNDS_SAVE_DELAY).await;
                if moves.load(Ordering::SeqCst) == n {
                    save_bounds(&handle, &label);
                }
            });
        }
        _ => {}
    });
    Ok(win)
}

/// Saves where the window `label` is now, unless it is full screen or
/// minimized (then the place it had before is kept for its return).
fn save_bounds<R: Runtime>(app: &AppHandle<R>, label: &str) {
    let Some(win) = app.get_webview_window(label) else {
        return;
    };
    if win.is_fullscreen().unwrap_or(true) || win.is_minimized().unwrap_or(true) {
        return;
    }
    let (Ok(pos), Ok(size), Ok(scale)) =
        (win.outer_position(), win.inner_size(), win.scale_factor())
    else {
        return;
    };
    let pos = pos.to_logical::<f64>(scale);
    let size = size.to_logical::<f64>(scale);
    let Some(bounds) = (WindowBounds {
        x: pos.x.round() as i32,
        y: pos.y.round() as i32,
        width: size.width.round() as u32,
        height: size.height.round() as u32,
    })
    .sane() else {
        return;
    };
    let engine = app.state::<Engine>();
    if let Err(e) = update(&engine, label, |w| w.bounds = Some(bounds)) {
        // closed meanwhile (forgotten): nothing to keep
        tracing::debug!("place of torn-out window {label} not saved: {}", e.message);
    }
}

fn forget<R: Runtime>(
    app: &AppHandle<R>,
    label: &str,
) -> Result<(), vigil_engine::error::EngineError> {
    let engine = app.state::<Engine>();
    let mut list = engine.torn_windows()?;
    list.retain(|w| w.label != label);
    engine.save_torn_windows(&list)
}

/// At start: reopens the saved torn-out windows; closing the main window
/// ends the app (the torn-out windows would otherwise keep it running).
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    if let Some(main) = app.get_webview_window("main") {
        let handle = app.clone();
        main.on_window_event(move |e| {
            if let WindowEvent::CloseRequested { .. } = e {
                handle.exit(0);
            }
        });
    }
    let list = match app.state::<Engine>().torn_windows() {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("saved torn-out windows not read: {e}");
            return;
        }
    };
    for w in &list {
        if let Err(e) = open(app, w) {
            tracing::warn!("torn-out window {} not reopened: {e}", w.label);
        }
    }
}

/// Opens `layout` in a new window; returns its label.
#[tauri::command]
pub async fn tear_out<R: Runtime>(
    app: AppHandle<R>,
    engine: State<'_, Engine>,
    layout: Layout,
) -> Res<String> {
    let layout = layout.normalized().map_err(invalid)?;
    let mut list = engine.torn_windows()?;
    if list.len() >= MAX_TORN_WINDOWS {
        return Err(invalid(format!(
            "at most {MAX_TORN_WINDOWS} torn-out windows"
        )));
    }
    let label = (1..)
        .map(|n| format!("tearout-{n}"))
        .find(|l| !list.iter().any(|w| &w.label == l) && app.get_webview_window(l).is_none())
        .expect("a free label");
    let w = TornWindow {
        label: label.clone(),
        layout,
        fullscreen: false,
        bounds: None,
    };
    list.push(w.clone());
    engine.save_torn_windows(&list)?;
    if let Err(e) = open(&app, &w) {
        list.retain(|x| x.label != label);
        engine.save_torn_windows(&list)?;
        return Err(invalid(format!("the window could not be opened: {e}")));
    }
    Ok(label)
}

/// The calling window's saved state (`None` for the main window).
#[tauri::command]
pub async fn torn_window<R: Runtime>(
    window: WebviewWindow<R>,
    engine: State<'_, Engine>,
) -> Res<Option<TornWindow>> {
    let label = window.label();
    if !is_torn_label(label) {
        return Ok(None);
    }
    Ok(engine
        .torn_windows()?
        .into_iter()
        .find(|w| w.label == label))
}

/// All saved torn-out windows.
#[tauri::command]
pub async fn list_torn_windows(engine: State<'_, Engine>) -> Res<Vec<TornWindow>> {
    Ok(engine.torn_windows()?)
}

/// Saves the calling torn-out window's layout.
#[tauri::command]
pub async fn save_torn_layout<R: Runtime>(
    window: WebviewWindow<R>,
    engine: State<'_, Engine>,
    layout: Layout,
) -> Res<()> {
    let layout = layout.normalized().map_err(invalid)?;
    update(&engine, window.label(), |w| w.layout = layout)
}

fn update(engine: &Engine, label: &str, f: impl FnOnce(&mut TornWindow)) -> Res<()> {
    let mut list = engine.torn_windows()?;
    let Some(w) = list.iter_mut().find(|w| w.label == label) else {
        return Err(invalid(format!("{label:?} is not a torn-out window")));
    };
    f(w);
    Ok(engine.save_torn_windows(&list)?)
}

/// Toggles full screen of the calling window (saved for a torn-out one);
/// returns whether it is full screen now.
#[tauri::command]
pub async fn toggle_window_fullscreen<R: Runtime>(
    window: WebviewWindow<R>,
    engine: State<'_, Engine>,
) -> Res<bool> {
    let err = |e: tauri::Error| invalid(format!("full screen: {e}"));
    let on = !window.is_fullscreen().map_err(err)?;
    window.set_fullscreen(on).map_err(err)?;
    if is_torn_label(window.label()) {
        update(&engine, window.label(), |w| w.fullscreen = on)?;
    }
    Ok(on)
}

/// Closes the calling torn-out window and forgets it.
#[tauri::command]
pub async fn close_torn_window<R: Runtime>(
    window: WebviewWindow<R>,
    engine: State<'_, Engine>,
) -> Res<()> {
    let label = window.label().to_string();
    if !is_torn_label(&label) {
        return Err(invalid("only a torn-out window closes this way".into()));
    }
    let mut list = engine.torn_windows()?;
    list.retain(|w| w.label != label);
    engine.save_torn_windows(&list)?;
    window
        .close()
        .map_err(|e| invalid(format!("the window did not close: {e}")))
}
