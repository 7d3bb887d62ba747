//! `vigil recordings`: the recorded spans of a source over one site-local
//! day, as JSON lines `{"start": RFC3339, "end": RFC3339}` (UTC); damaged
//! segment files are reported on stderr.
use clap::Args;
use serde_json::json;
use vigil_engine::engine::Engine;
use vigil_engine::error::HasKind;
use vigil_engine::playback::day::{day_bounds, format_rfc3339, system_time_zone};
use vigil_engine::vms::StreamKind;

use crate::exit;
use crate::recorded::{code_of, resolve_recording, SourceCredentials};

#[derive(Args)]
pub struct RecordingsArgs {
    /// demo:K, folder:PATH[#camera], rtsp-replay:URL[#start=RFC3339], mediamtx:URL#path, or a camera id
    #[arg(long)]
    source: String,
    #[command(flatten)]
    credentials: SourceCredentials,
    /// The day, YYYY-MM-DD, in --tz
    #[arg(long)]
    day: String,
    /// IANA time zone of the day (and of folder file names); default: this machine's
    #[arg(long)]
    tz: Option<String>,
}

pub async fn run(a: RecordingsArgs) -> i32 {
    match recordings(a).await {
        Ok(()) => exit::OK,
        Err((code, msg)) => {
            eprintln!("vigil recordings: {msg}");
            code
        }
    }
}

async fn recordings(a: RecordingsArgs) -> Result<(), (i32, String)> {
    let tz = a.tz.unwrap_or_else(system_time_zone);
    let day = day_bounds(&a.day, &tz).map_err(|e| (code_of(&e), e.to_string()))?;
    let creds = a.credentials.resolve(&a.source)?;
    let engine = Engine::start(crate::source::engine_config_for(&a.source))
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))?;
    let camera = resolve_recording(&engine, &a.source, &tz, creds.as_ref())?;
    let (spans, problems) = tokio::task::spawn_blocking(move || {
        let spans = engine.recordings(&camera, day.start, day.end)?;
        let problems = engine
            .playback()
            .registry()
            .recording(&camera, StreamKind::Main)
            .map(|r| r.problems())
            .unwrap_or_default();
        Ok::<_, vigil_engine::error::EngineError>((spans, problems))
    })
    .await
    .map_err(|e| (exit::FAILED, e.to_string()))?
    .map_err(|e| (code_of(&e), e.to_ui().message))?;
    for p in problems {
        eprintln!("{}", json!({ "skipped": p }));
    }
    for s in spans {
        // start before end, as people read them
        println!(
            r#"{{"start":"{}","end":"{}"}}"#,
            format_rfc3339(s.start_ms),
            format_rfc3339(s.end_ms)
        );
    }
    Ok(())
}
