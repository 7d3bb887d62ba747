//! Turns a `--source` argument (`demo:K` or an RTSP URL) into a camera of a
//! running engine, with credentials from the URL, `--user` and stdin.
use std::io::Read;

use vigil_engine::engine::Engine;
use vigil_engine::media::rtsp_input::Transport;

pub fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or("size is WxH, e.g. 640x360")?;
    let w: u32 = w.parse().map_err(|_| format!("bad width {w}"))?;
    let h: u32 = h.parse().map_err(|_| format!("bad height {h}"))?;
    if !(2..=8192).contains(&w) || !(2..=8192).contains(&h) {
        return Err("width and height must be 2..8192".into());
    }
    Ok((w, h))
}

/// Reads a password from standard input (one line, trailing newline dropped).
pub fn password_from_stdin() -> Result<String, String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| format!("reading the password from stdin: {e}"))?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

/// The engine a CLI command runs on for `source`: a stored camera id (no
/// `:`, e.g. `hikvision-1-1`) needs the persistent database, where its site
/// is, and the keyring entry of that site; ad-hoc sources (`demo:K`,
/// `folder:`, `mediamtx:`, `rtsp://`, ...) run on an in-memory one, so a look
/// at a URL stores nothing.
pub fn engine_config_for(source: &str) -> vigil_engine::engine::EngineConfig {
    if source.contains(':') {
        vigil_engine::engine::EngineConfig {
            database: None,
            ..Default::default()
        }
    } else {
        vigil_engine::engine::EngineConfig::default()
    }
}

/// The camera id for a source on this engine.
pub async fn resolve(
    engine: &Engine,
    source: &str,
    user: Option<String>,
    password: Option<String>,
    transport: Transport,
) -> Result<String, String> {
    if let Some(k) = source.strip_prefix("demo:") {
        let id = format!("demo-{k}");
        engine
            .camera(&id)
            .map_err(|_| format!("no demo camera {k} (the demo site has demo:1..demo:4)"))?;
        return Ok(id);
    }
    if source.contains("://") {
        return engine
            .add_adhoc_rtsp(source, user, password, transport)
            .await
            .map(|c| c.id)
            .map_err(|e| vigil_engine::secrets::redact::redact_text(&e.to_string()));
    }
    // a stored camera id
    engine
        .camera(source)
        .map(|c| c.id)
        .map_err(|e| e.to_string())
}
