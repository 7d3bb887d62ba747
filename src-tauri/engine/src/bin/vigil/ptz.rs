//! `vigil ptz --source SRC ...`: drives a PTZ camera from the command line.
//! SRC is a stored camera id, or `onvif://USER@HOST:PORT[#N]` (camera N of
//! the device, password from stdin, nothing stored). A `move` is kept alive
//! for `--for` ms and then stopped, as the UI does while a button is held.
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::HasKind;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::ptz::Step;
use vigil_engine::vms::onvif::AddOnvifDevice;

use crate::exit;
use crate::onvif::exit_code;
use crate::source::password_from_stdin;

#[derive(Args)]
pub struct PtzArgs {
    /// A stored camera id, or onvif://USER@HOST:PORT[#N]
    #[arg(long)]
    source: String,
    /// Read the ONVIF password from standard input (onvif:// sources)
    #[arg(long)]
    password_stdin: bool,
    /// Speed 0..1
    #[arg(long, default_value_t = 0.5)]
    speed: f64,
    #[command(subcommand)]
    cmd: PtzCmd,
}

#[derive(Subcommand)]
enum PtzCmd {
    /// Continuous move for a while, then stop.
    Move {
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        pan: f64,
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        tilt: f64,
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        zoom: f64,
        /// How long to hold the move, ms
        #[arg(long = "for", default_value_t = 1000)]
        for_ms: u64,
    },
    /// One step.
    Step {
        #[arg(value_enum)]
        direction: StepArg,
    },
    Stop,
    Home,
    /// Presets: list, goto TOKEN, save NAME.
    #[command(subcommand)]
    Preset(PresetCmd),
}

#[derive(Subcommand)]
enum PresetCmd {
    List,
    Goto { token: String },
    Save { name: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum StepArg {
    Up,
    Down,
    Left,
    Right,
    ZoomIn,
    ZoomOut,
}

impl From<StepArg> for Step {
    fn from(s: StepArg) -> Self {
        match s {
            StepArg::Up => Step::Up,
            StepArg::Down => Step::Down,
            StepArg::Left => Step::Left,
            StepArg::Right => Step::Right,
            StepArg::ZoomIn => Step::ZoomIn,
            StepArg::ZoomOut => Step::ZoomOut,
        }
    }
}

/// `onvif://user@host:port#n` → (address, user, camera index).
fn parse_onvif(src: &str) -> Result<(String, Option<String>, usize), String> {
    let u = url::Url::parse(src).map_err(|e| format!("bad source {src:?}: {e}"))?;
    let host = u.host_str().ok_or("the source has no host")?;
    let address = match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let user = (!u.username().is_empty()).then(|| u.username().to_string());
    let n = u
        .fragment()
        .map(str::parse)
        .transpose()
        .map_err(|_| "camera index after # is a number")?;
    Ok((address, user, n.unwrap_or(1)))
}

async fn camera(engine: &Engine, a: &PtzArgs) -> Result<String, (i32, String)> {
    if !a.source.starts_with("onvif://") {
        return engine
            .camera(&a.source)
            .map(|c| c.id)
            .map_err(|e| (exit::USAGE, e.to_ui().message));
    }
    let (address, username, n) = parse_onvif(&a.source).map_err(|e| (exit::USAGE, e))?;
    let password = if a.password_stdin {
        Some(password_from_stdin().map_err(|e| (exit::USAGE, e))?)
    } else {
        None
    };
    let cams = engine
        .add_adhoc_onvif(AddOnvifDevice {
            name: None,
            address,
            username,
            password,
        })
        .await
        .map_err(|e| (exit_code(e.kind()), e.to_ui().message))?;
    cams.get(n.saturating_sub(1))
        .map(|c| c.id.clone())
        .ok_or_else(|| {
            (
                exit::USAGE,
                format!("the device has {} camera(s)", cams.len()),
            )
        })
}

pub async fn run(a: PtzArgs) -> i32 {
    let cfg = if a.source.starts_with("onvif://") {
        EngineConfig {
            database: None,
            ..Default::default()
        }
    } else {
        EngineConfig::default()
    };
    let engine = match Engine::start(cfg).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil ptz: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let id = match camera(&engine, &a).await {
        Ok(id) => id,
        Err((code, msg)) => {
            eprintln!("vigil ptz: {msg}");
            return code;
        }
    };
    let r = match &a.cmd {
        PtzCmd::Move {
            pan,
            tilt,
            zoom,
            for_ms,
        } => {
            let m = MoveRequest {
                pan: *pan,
                tilt: *tilt,
                zoom: *zoom,
                speed: a.speed,
            };
            let until = tokio::time::Instant::now() + Duration::from_millis(*for_ms);
            let mut r = Ok(());
            while r.is_ok() && tokio::time::Instant::now() < until {
                r = engine.ptz_move(&id, m).await;
                tokio::time::sleep_until(
                    until.min(tokio::time::Instant::now() + Duration::from_millis(300)),
                )
                .await;
            }
            let stop = engine.ptz_stop(&id).await;
            r.and(stop)
                .map(|()| serde_json::json!({"moved": id, "ms": for_ms}))
        }
        PtzCmd::Step { direction } => engine
            .ptz_step(&id, (*direction).into(), a.speed)
            .await
            .map(|()| serde_json::json!({"stepped": id})),
        PtzCmd::Stop => engine
            .ptz_stop(&id)
            .await
            .map(|()| serde_json::json!({"stopped": id})),
        PtzCmd::Home => engine
            .ptz_home(&id, a.speed)
            .await
            .map(|()| serde_json::json!({"home": id})),
        PtzCmd::Preset(PresetCmd::List) => engine
            .ptz_presets(&id)
            .await
            .map(|p| serde_json::to_value(p).expect("json")),
        PtzCmd::Preset(PresetCmd::Goto { token }) => engine
            .ptz_goto_preset(&id, token, a.speed)
            .await
            .map(|()| serde_json::json!({"preset": token})),
        PtzCmd::Preset(PresetCmd::Save { name }) => engine
            .ptz_save_preset(&id, name)
            .await
            .map(|p| serde_json::to_value(p).expect("json")),
    };
    match r {
        Ok(v) => {
            println!("{v}");
            exit::OK
        }
        Err(e) => {
            eprintln!("vigil ptz: {}", e.to_ui().message);
            exit_code(e.kind())
        }
    }
}
