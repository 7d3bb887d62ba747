//! Tauri commands for app settings the engine keeps: the media root (where
//! case footage and bookmark clips are written) and the Playback view's
//! layout and position.
use tauri::State;

use vigil_engine::engine::Engine;
use vigil_engine::error::{HasKind, UiError};

type Res<T> = Result<T, UiError>;

fn ui<E: HasKind>(e: E) -> UiError {
    e.to_ui()
}

#[tauri::command]
pub async fn get_media_root(engine: State<'_, Engine>) -> Res<Option<String>> {
    Ok(engine
        .cases()
        .media_root()
        .map_err(ui)?
        .map(|p| p.display().to_string()))
}

#[tauri::command]
pub async fn set_media_root(engine: State<'_, Engine>, root: String) -> Res<()> {
    engine.cases().set_media_root(root.trim()).map_err(ui)
}

#[tauri::command]
pub async fn get_playback_state(
    engine: State<'_, Engine>,
) -> Res<Option<vigil_engine::ui_state::PlaybackState>> {
    engine.playback_state().map_err(ui)
}

#[tauri::command]
pub async fn save_playback_state(
    engine: State<'_, Engine>,
    state: vigil_engine::ui_state::PlaybackState,
) -> Res<()> {
    engine.save_playback_state(state).map_err(ui)
}
