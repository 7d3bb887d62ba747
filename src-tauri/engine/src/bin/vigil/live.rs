//! `vigil live`: subscribe to one camera over the hub exactly as a tile does
//! and write the first N frames as JPEGs plus `frames.jsonl`.
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::{PixelFormat, ServerMessage};
use vigil_engine::media::picture::i420_to_jpeg;
use vigil_engine::media::rtsp_input::Transport;

use crate::exit;
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
}

impl From<TransportArg> for Transport {
    fn from(t: TransportArg) -> Self {
        match t {
            TransportArg::Tcp => Transport::Tcp,
            TransportArg::Udp => Transport::Udp,
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
    std::fs::create_dir_all(&a.out).map_err(|e| {
        (
            exit::FAILED,
            format!("cannot create {}: {e}", a.out.display()),
        )
    })?;
    let engine = Engine::start(EngineConfig {
        database: None,
        ..Default::default()
    })
    .await
    .map_err(|e| (exit::FAILED, e.to_string()))?;
    let camera =
        resolve(&engine, &a.source, a.user, password, a.transport.into()).map_err(usage)?;
    let mut tile = TileClient::connect(&engine.hub_info(), &camera, w, h, "")
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))?;
    let mut index = std::fs::File::create(a.out.join("frames.jsonl"))
        .map_err(|e| (exit::FAILED, format!("cannot write frames.jsonl: {e}")))?;
    let mut seq = 0u32;
    let mut last_reason = String::from("no frames");
    while seq < a.frames {
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
                    "reconnecting" if seq == 0 => {
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
            } => {
                if header.format != PixelFormat::I420 {
                    return Err((
                        exit::FAILED,
                        format!("unexpected pixel format {:?}", header.format),
                    ));
                }
                seq += 1;
                let jpeg = i420_to_jpeg(&payload, header.width.into(), header.height.into())
                    .map_err(|e| (exit::FAILED, format!("jpeg: {e}")))?;
                let path = a.out.join(format!("{seq:06}.jpg"));
                std::fs::write(&path, &jpeg).map_err(|e| {
                    (
                        exit::FAILED,
                        format!("cannot write {}: {e}", path.display()),
                    )
                })?;
                let line = json!({
                    "seq": seq,
                    "ts_ms": header.ts_ms,
                    "arrived_ms": arrived_ms,
                    "width": header.width,
                    "height": header.height,
                    "bytes": wire_bytes,
                    "stream_id": header.stream_id,
                });
                writeln!(index, "{line}")
                    .map_err(|e| (exit::FAILED, format!("cannot write frames.jsonl: {e}")))?;
            }
        }
    }
    tile.close().await;
    Ok(())
}
