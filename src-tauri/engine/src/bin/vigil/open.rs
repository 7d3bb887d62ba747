//! `vigil open PATH...`: opens files and folders as an offline site (kept,
//! and reused when the same paths are opened again) and prints it as JSON
//! lines: the site, each camera with its spans, each file with its start,
//! where the start came from and any problem, the files whose start is
//! unknown, and an incident package's verification. `--set-start FILE --at
//! CIVIL --zone ZONE` first remembers a file's start. Needs no network.
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::{EngineError, ErrorKind, HasKind};
use vigil_engine::playback::day::format_rfc3339;
use vigil_engine::playback::Span;

use crate::exit;

#[derive(Args)]
pub struct OpenArgs {
    /// Files and folders to open (one site)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The zone file names are written in (default: the machine's)
    #[arg(long, value_name = "Area/City")]
    tz: Option<String>,
    /// Remember this file's start first (with --at and --zone)
    #[arg(long, value_name = "FILE", requires_all = ["at", "zone"])]
    set_start: Option<PathBuf>,
    /// The file's start: local civil time YYYY-MM-DDTHH:MM:SS[.fff]
    #[arg(long, value_name = "CIVIL")]
    at: Option<String>,
    /// The zone of --at
    #[arg(long, value_name = "Area/City")]
    zone: Option<String>,
}

fn span_json(s: &Span) -> serde_json::Value {
    json!({
        "start": format_rfc3339(s.start_ms),
        "end": format_rfc3339(s.end_ms),
        "start_ms": s.start_ms,
        "end_ms": s.end_ms,
    })
}

fn fail(e: &EngineError) -> i32 {
    eprintln!("vigil open: {}", e.to_ui().message);
    match e.kind() {
        ErrorKind::InvalidInput | ErrorKind::NotFound => exit::USAGE,
        _ => exit::FAILED,
    }
}

pub async fn run(a: OpenArgs) -> i32 {
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => return fail(&e),
    };
    if let (Some(file), Some(at), Some(zone)) = (&a.set_start, &a.at, &a.zone) {
        if let Err(e) = engine.set_offline_file_start(file, at, zone).await {
            return fail(&e);
        }
    }
    let open = match engine.open_offline(&a.paths, a.tz.as_deref()).await {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let s = &open.site;
    let mut lines = vec![json!({
        "type": "site",
        "id": s.id,
        "name": s.name,
        "address": s.address,
        "time_zone": s.time_zone,
        "left_out": open.left_out,
    })];
    for c in &open.cameras {
        lines.push(json!({
            "type": "camera",
            "id": c.id,
            "name": c.name,
            "spans": c.spans.iter().map(span_json).collect::<Vec<_>>(),
        }));
    }
    for c in &open.cameras {
        for sp in &c.spans {
            let mut v = span_json(sp);
            v["type"] = json!("span");
            v["camera"] = json!(c.id);
            lines.push(v);
        }
    }
    for f in &open.files {
        lines.push(json!({
            "type": "file",
            "path": f.path,
            "camera": f.camera_id,
            "start": f.start_ms.map(format_rfc3339),
            "start_ms": f.start_ms,
            "source": f.source,
            "problem": f.problem,
        }));
    }
    for p in &open.needs_start {
        lines.push(json!({"type": "needs_start", "path": p}));
    }
    if let Some(p) = &open.package {
        let mut v = serde_json::to_value(p).expect("json");
        v["type"] = json!("package");
        lines.push(v);
    }
    for l in lines {
        println!("{l}");
    }
    exit::OK
}
