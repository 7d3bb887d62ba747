//! The native file chooser (GTK on Linux, the common item dialog on Windows)
//! for "Open…": the operator picks files or a folder the usual way, and the
//! chosen paths go to `open_offline` like typed or dropped ones.
use std::path::{Path, PathBuf};

use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::{DialogExt, FilePath};

use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, UiError};

/// What the chooser picks.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChooseKind {
    /// One or many files.
    Files,
    /// One folder (its whole tree is opened).
    Folder,
}

/// Video containers the offline reader opens (the chooser's filter; "All
/// files" stays available for anything else FFmpeg reads).
const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "mov", "m4v", "mkv", "ts", "mts", "m2ts", "avi", "dav", "h264", "h265", "zip",
];

/// Shows the native chooser and returns the chosen paths (empty when the
/// operator cancels). Runs the dialog off the main thread's event loop and
/// waits for its answer.
#[tauri::command]
pub async fn choose_open_paths(
    app: AppHandle,
    engine: State<'_, Engine>,
    kind: ChooseKind,
) -> Result<Vec<String>, UiError> {
    let (tx, rx) = tokio::sync::oneshot::channel::<Vec<FilePath>>();
    let mut dialog = app.dialog().file();
    if let Some(dir) = start_dir(&engine, &app) {
        dialog = dialog.set_directory(dir);
    }
    match kind {
        ChooseKind::Files => dialog
            .set_title("Open video files")
            .add_filter("Video and packages", VIDEO_EXTENSIONS)
            .add_filter("All files", &["*"])
            .pick_files(move |chosen| {
                let _ = tx.send(chosen.unwrap_or_default());
            }),
        ChooseKind::Folder => {
            dialog
                .set_title("Open a folder of video")
                .pick_folder(move |chosen| {
                    let _ = tx.send(chosen.into_iter().collect());
                })
        }
    }
    let chosen = rx.await.map_err(|_| UiError {
        kind: ErrorKind::Internal,
        message: "the file chooser closed without an answer".into(),
        certificate: None,
    })?;
    Ok(chosen.into_iter().filter_map(local_path).collect())
}

/// A chosen entry as a local path (the desktop choosers give paths; a URL
/// entry, which only mobile platforms produce, is skipped).
fn local_path(p: FilePath) -> Option<String> {
    p.into_path().ok().map(|p: PathBuf| p.display().to_string())
}

/// Where the chooser starts: the folder of the most recently opened path that
/// still exists (the stick or share the investigator works from), else the
/// home folder.
fn start_dir(engine: &Engine, app: &AppHandle) -> Option<PathBuf> {
    let recent = engine.offline_recent();
    recent
        .iter()
        .flat_map(|r| r.paths.iter())
        .filter_map(|p| Path::new(p).parent())
        .find(|d| d.is_dir())
        .map(Path::to_path_buf)
        .or_else(|| app.path().home_dir().ok())
}
