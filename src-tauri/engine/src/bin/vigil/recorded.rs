//! Turns a recording `--source` into a camera of a running engine: `demo:K`,
//! `folder:`, `rtsp-replay:`, `mediamtx:` or a stored camera id.
use vigil_engine::engine::Engine;
use vigil_engine::error::HasKind;
use vigil_engine::playback::source_spec::open_source;

use crate::exit;
use crate::frames_out::CliError;

pub fn resolve_recording(engine: &Engine, source: &str, tz: &str) -> Result<String, CliError> {
    if let Some(k) = source.strip_prefix("demo:") {
        let id = format!("demo-{k}");
        engine.camera(&id).map_err(|_| {
            (
                exit::USAGE,
                format!("no demo camera {k} (the demo site has demo:1..demo:4)"),
            )
        })?;
        return Ok(id);
    }
    if let Some(opened) = open_source(source, tz) {
        let (name, rec) = opened.map_err(|e| (code_of(&e), redacted(&e)))?;
        return engine
            .add_recording_source(&name, rec)
            .map(|c| c.id)
            .map_err(|e| (exit::FAILED, e.to_string()));
    }
    engine
        .camera(source)
        .map(|c| c.id)
        .map_err(|e| (exit::USAGE, e.to_string()))
}

fn redacted(e: &dyn std::fmt::Display) -> String {
    vigil_engine::secrets::redact::redact_text(&e.to_string())
}

/// The exit code for an engine error.
pub fn code_of(e: &dyn HasKind) -> i32 {
    use vigil_engine::error::ErrorKind::*;
    match e.kind() {
        InvalidInput | NotFound => exit::USAGE,
        AuthFailed => exit::AUTH_FAILED,
        Unreachable => exit::UNREACHABLE,
        _ => exit::FAILED,
    }
}
