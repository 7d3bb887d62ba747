//! `vigil playback`: plays a recording source from a time at a speed over
//! the hub exactly as a playback tile does and writes the first N frames
//! like `vigil live` (`ts_ms` is each frame's recording time). With
//! `--step-after K`, frames after the K-th come from single steps forward.
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use vigil_engine::engine::Engine;
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::{ClientMessage, ServerMessage};
use vigil_engine::playback::day::{parse_rfc3339, system_time_zone};

use crate::exit;
use crate::frames_out::{CliError, FrameWriter};
use crate::recorded::{resolve_recording, SourceCredentials};
use crate::source::parse_size;

#[derive(Args)]
pub struct PlaybackArgs {
    /// demo:K, folder:PATH[#camera], rtsp-replay:URL[#start=RFC3339], mediamtx:URL#path, or a camera id
    #[arg(long)]
    source: String,
    #[command(flatten)]
    credentials: SourceCredentials,
    /// Where to start, RFC 3339 (years 1970..=2200)
    #[arg(long)]
    from: String,
    /// -4..-1 (reverse), 0.5, 1, 2, 3, 4, 8 or 16
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    speed: f64,
    #[arg(long, default_value_t = 10)]
    frames: u32,
    #[arg(long, default_value = "640x360")]
    size: String,
    #[arg(long)]
    out: PathBuf,
    /// After this many frames, pause and take each further frame by a single step forward
    #[arg(long)]
    step_after: Option<u32>,
    /// IANA zone of folder file names; default: this machine's
    #[arg(long)]
    tz: Option<String>,
    /// Give up when no frame came for this many seconds
    #[arg(long, default_value_t = 20)]
    timeout: u64,
}

pub async fn run(a: PlaybackArgs) -> i32 {
    match playback(a).await {
        Ok(()) => exit::OK,
        Err((code, msg)) => {
            eprintln!("vigil playback: {msg}");
            code
        }
    }
}

async fn playback(a: PlaybackArgs) -> Result<(), CliError> {
    let usage = |m: String| (exit::USAGE, m);
    let size = parse_size(&a.size).map_err(usage)?;
    let from = parse_rfc3339(&a.from).map_err(|e| usage(e.to_string()))?;
    let tz = a.tz.clone().unwrap_or_else(system_time_zone);
    let creds = a.credentials.resolve(&a.source)?;
    let mut out = FrameWriter::create(&a.out)?;
    let engine = Engine::start(crate::source::engine_config_for(&a.source))
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))?;
    let source = a.source.clone();
    let camera =
        tokio::task::block_in_place(|| resolve_recording(&engine, &source, &tz, creds.as_ref()))?;
    let mut tile = TileClient::playback(&engine.hub_info(), &camera, size, from, a.speed, "")
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))?;
    let mut stepping = false;
    while out.count < a.frames {
        if !stepping && a.step_after.is_some_and(|k| out.count >= k) {
            stepping = true;
            send(&mut tile, ClientMessage::Pause).await?;
        }
        if stepping {
            send(&mut tile, ClientMessage::Step { frames: 1 }).await?;
        }
        let ev = tokio::time::timeout(Duration::from_secs(a.timeout), next_frame(&mut tile))
            .await
            .map_err(|_| (exit::NO_FRAMES, format!("no frame within {} s", a.timeout)))??;
        let (header, payload, arrived_ms, wire_bytes) = ev;
        out.write(&header, &payload, arrived_ms, wire_bytes)?;
    }
    tile.close().await;
    Ok(())
}

async fn send(tile: &mut TileClient, m: ClientMessage) -> Result<(), CliError> {
    tile.send(&m)
        .await
        .map_err(|e| (exit::FAILED, e.to_string()))
}

type Frame = (
    vigil_engine::hub::protocol::FrameHeader,
    Vec<u8>,
    i64,
    usize,
);

/// The next frame; an error or the end of the recordings ends the run.
async fn next_frame(tile: &mut TileClient) -> Result<Frame, CliError> {
    loop {
        match tile.next().await {
            None => return Err((exit::FAILED, "the hub closed the stream".into())),
            Some(Err(e)) => return Err((exit::FAILED, e.to_string())),
            Some(Ok(HubEvent::Frame {
                header,
                payload,
                arrived_ms,
                wire_bytes,
            })) => return Ok((header, payload, arrived_ms, wire_bytes)),
            Some(Ok(HubEvent::Status(ServerMessage::Status { state, reason, .. }))) => {
                let reason = reason.unwrap_or_default();
                match state.as_str() {
                    "error" => return Err((exit::FAILED, reason)),
                    "ended" => return Err((exit::NO_FRAMES, "the recordings ended".into())),
                    _ => {}
                }
            }
            Some(Ok(HubEvent::Status(_))) => {}
        }
    }
}
