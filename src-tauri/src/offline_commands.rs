//! Tauri commands for offline investigation: open files and folders as an
//! offline site, give a file's start when nobody knows it, the recent list,
//! and the paths given on the command line (`vigil-app PATH...`), which the
//! UI asks for once at start.
use std::path::PathBuf;
use std::sync::Mutex;

use tauri::State;

use vigil_engine::engine::Engine;
use vigil_engine::error::UiError;
use vigil_engine::offline::open::OfflineOpen;
use vigil_engine::offline::starts::{OperatorStart, RecentOpen};

type Res<T> = Result<T, UiError>;

/// The paths given on the command line, handed to the UI once.
pub struct StartupPaths(pub Mutex<Vec<PathBuf>>);

impl StartupPaths {
    /// The non-option arguments after the program name.
    pub fn from_args(args: impl Iterator<Item = String>) -> Self {
        let paths = args
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .map(PathBuf::from)
            .collect();
        Self(Mutex::new(paths))
    }
}

#[tauri::command]
pub async fn open_offline(
    engine: State<'_, Engine>,
    paths: Vec<String>,
    time_zone: Option<String>,
) -> Res<OfflineOpen> {
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    Ok(engine.open_offline(&paths, time_zone.as_deref()).await?)
}

#[tauri::command]
pub async fn set_offline_file_start(
    engine: State<'_, Engine>,
    path: String,
    civil: String,
    zone: String,
) -> Res<OperatorStart> {
    Ok(engine
        .set_offline_file_start(&PathBuf::from(path), &civil, &zone)
        .await?)
}

#[tauri::command]
pub async fn offline_recent(engine: State<'_, Engine>) -> Res<Vec<RecentOpen>> {
    Ok(engine.offline_recent())
}

/// The command line's paths, once (later calls get none).
#[tauri::command]
pub fn startup_paths(paths: State<'_, StartupPaths>) -> Vec<String> {
    let mut list = paths.0.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *list)
        .into_iter()
        .map(|p| p.display().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::StartupPaths;

    #[test]
    fn startup_paths_skip_the_program_and_options() {
        let args = ["vigil-app", "/a/b.mp4", "--verbose", "/c"].map(String::from);
        let p = StartupPaths::from_args(args.into_iter());
        let got: Vec<String> =
            p.0.lock()
                .unwrap()
                .iter()
                .map(|p| p.display().to_string())
                .collect();
        assert_eq!(got, ["/a/b.mp4", "/c"]);
    }
}
