//! Where Vigil keeps its data: the OS data directory (XDG on Linux,
//! %APPDATA% on Windows), overridable with VIGIL_DATA_DIR.
use std::path::PathBuf;

/// The data directory, or `None` if the OS has no home for it.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("VIGIL_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("org", "Vigil", "Vigil").map(|p| p.data_dir().to_path_buf())
}

/// The database file inside a data directory.
pub fn database_path(dir: &std::path::Path) -> PathBuf {
    dir.join("vigil.sqlite3")
}
