//! `vigil live`: subscribe to one camera over the hub exactly as a tile does
//! and write the first N frames as JPEGs plus `frames.jsonl`.
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use vigil_engine::engine::Engine;
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::ServerMessage;
use vigil_engine::media::rtsp_input::Transport;

use crate::exit;
use crate::frames_out::FrameWriter;
use crate::source::{parse_size, password_from_stdin, resolve};

#[derive(Args)]
pub struct LiveArgs {
    /// demo:K, an RTSP URL (credentials may be in it), or a stored camera id
    #[arg(long)]
    source: String,
    #[arg(long, default_value_t = 10)]
    frames: u32,
    /// The tile size in pixels, WxH: it decides main or sub stream and the output size
    #[arg(long, default_value = "640x360")]
    size: String,
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    user: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    password_stdin: bool,
    #[arg(long, value_enum, default_value = "tcp")]
    transport: TransportArg,
    /// Give up when no frame came for this many seconds
    #[arg(long, default_value_t = 20)]
    timeout: u64,
}

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum TransportArg {
    Tcp,
    Udp,
    /// UDP, else TCP when the camera refuses UDP or nothing arrives
    Auto,
}

impl From<TransportArg> for Transport {
    fn from(t: TransportArg) -> Self {
        match t {
            TransportArg::Tcp => Transport::Tcp,
            TransportArg::Udp => Transport::Udp,
            TransportArg::Auto => Transport::Auto,
        }
    }
}

pub async fn run(a: LiveArgs) -> i32 {
    match live(a).await {
        Ok(()) => exit::OK,
        Err((code, msg)) => {
            eprintln!("vigil live: {msg}");
            code
        }
    }
}

async fn live(a: LiveArgs) -> Result<(), (i32, String)> {
    let usage = |m: String| (exit::USAGE, m);
    let (w, h) = parse_size(&a.size).map_err(usage)?;
    let password = if a.password_stdin {
        Some(password_from_stdin().map_err(usage)?)
    } else {
        None
    };
    let engine = Engine::start(crate::source::engine_config_for(&a.source))
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))?;
    let camera = resolve(&engine, &a.source, a.user, password, a.transport.into())
        .await
        .map_err(usage)?;
    let mut tile = TileClient::connect(&engine.hub_info(), &camera, w, h, "")
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))?;
    let mut out = FrameWriter::create(&a.out)?;
    let mut last_reason = String::from("no frames");
    while out.count < a.frames {
        let ev = match tokio::time::timeout(Duration::from_secs(a.timeout), tile.next()).await {
            Err(_) => {
                return Err((
                    exit::NO_FRAMES,
                    format!("no frame within {} s ({last_reason})", a.timeout),
                ))
            }
            Ok(None) => return Err((exit::FAILED, "the hub closed the stream".into())),
            Ok(Some(Err(e))) => return Err((exit::FAILED, e.to_string())),
            Ok(Some(Ok(ev))) => ev,
        };
        match ev {
            HubEvent::Status(ServerMessage::Status { state, reason, .. }) => {
                let reason = reason.unwrap_or_default();
                match state.as_str() {
                    "auth_failed" => {
                        return Err((exit::AUTH_FAILED, format!("auth failed: {reason}")))
                    }
                    "error" => return Err((exit::FAILED, reason)),
                    // before the first frame, a failed connection is the answer
                    "reconnecting" if out.count == 0 => {
                        return Err((exit::UNREACHABLE, format!("cannot connect: {reason}")))
                    }
                    _ => last_reason = format!("last state {state}"),
                }
            }
            HubEvent::Frame {
                header,
                payload,
                arrived_ms,
                wire_bytes,
            } => out.write(&header, &payload, arrived_ms, wire_bytes)?,
            HubEvent::Status(_) => {}
        }
    }
    tile.close().await;
    Ok(())
}
