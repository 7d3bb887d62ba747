//! Footage named by `--source` for evidence commands: a file (`file:PATH`
//! or a path; start time from `#start=`, its annotation or its name) or any
//! recording source `vigil recordings` takes, resolved on an engine.
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::HasKind;
use vigil_engine::evidence::package::{CameraRef, SourceRef};
use vigil_engine::evidence::source::{is_file_spec, open_file, Footage};
use vigil_engine::playback::source_spec::Credentials;

use crate::exit;
use crate::frames_out::CliError;
use crate::recorded::{code_of, resolve_recording};

/// Footage with its camera and source references.
pub type Resolved = (Footage, CameraRef, SourceRef);

/// Starts the engine (the persistent database: stored cameras and cases).
pub async fn engine() -> Result<Engine, CliError> {
    Engine::start(EngineConfig::default())
        .await
        .map_err(|e| (exit::FAILED, e.to_ui().message))
}

/// Resolves one `--source`; a file needs no engine.
pub fn resolve(
    engine: Option<&Engine>,
    source: &str,
    tz: &str,
    creds: Option<&Credentials>,
) -> Result<Resolved, CliError> {
    if is_file_spec(source) {
        let f = open_file(source, tz).map_err(|e| (code_of(&e), e.to_string()))?;
        let stem = f
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let src = SourceRef {
            site: None,
            vms: None,
            file: Some(f.path.display().to_string()),
        };
        let cam = CameraRef {
            id: stem.clone(),
            name: stem,
        };
        return Ok((Footage::File(f), cam, src));
    }
    let engine = engine.ok_or((exit::FAILED, "no engine".to_string()))?;
    let camera = resolve_recording(engine, source, tz, creds)?;
    engine
        .evidence_footage(&camera)
        .map_err(|e| (code_of(&e), e.to_string()))
}

/// `user@host` of this process, for "exported by".
pub fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

/// Progress as JSON lines on stderr, every 5 % at most.
pub fn progress_printer() -> impl FnMut(f64) {
    let mut last = -1i64;
    move |p: f64| {
        let pct = (p * 100.0).floor() as i64;
        if pct >= last + 5 || (pct == 100 && last != 100) {
            last = pct;
            eprintln!("{{\"progress\":{:.2}}}", p);
        }
    }
}

pub fn time(s: &str) -> Result<i64, CliError> {
    vigil_engine::cases::parse_rfc3339(s).map_err(|e| (exit::USAGE, e.to_string()))
}
