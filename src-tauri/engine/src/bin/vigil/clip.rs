//! `vigil clip`: a lossless sub-clip of `--from`..`--to` (stream copy, edit
//! list to the in point) with its JSON annotation beside it (`FILE.json`);
//! `vigil snapshot`: the frame at `--at` as PNG or JPEG, optionally with a
//! burned-in caption. Each prints one JSON line; progress goes to stderr.
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use vigil_engine::evidence::clip::{export_clip, ClipRequest};
use vigil_engine::evidence::snapshot::{export_snapshot, Caption, ImageFormat, SnapshotRequest};
use vigil_engine::media::source::StopFlag;
use vigil_engine::playback::day::system_time_zone;

use crate::evidence_src::{engine, progress_printer, resolve, time};
use crate::exit;
use crate::frames_out::CliError;
use crate::recorded::{code_of, SourceCredentials};

#[derive(Args)]
pub struct ClipArgs {
    /// A file (file:PATH[#start=RFC3339] or a path), demo:K, folder:PATH[#camera], mediamtx:URL#path, rtsp-replay:URL or a camera id
    #[arg(long)]
    source: String,
    #[command(flatten)]
    credentials: SourceCredentials,
    /// In point, RFC 3339
    #[arg(long)]
    from: String,
    /// Out point, RFC 3339
    #[arg(long)]
    to: String,
    /// The MP4 to write (its annotation goes beside it as .json)
    #[arg(long)]
    out: PathBuf,
    /// IANA zone of file and folder names; default: this machine's
    #[arg(long)]
    tz: Option<String>,
}

#[derive(Args)]
pub struct SnapshotArgs {
    /// As for `vigil clip`
    #[arg(long)]
    source: String,
    #[command(flatten)]
    credentials: SourceCredentials,
    /// The time of the frame, RFC 3339
    #[arg(long)]
    at: String,
    /// .png or .jpg
    #[arg(long)]
    out: PathBuf,
    /// Burn in the camera name and the frame's time (in --tz)
    #[arg(long)]
    caption: bool,
    #[arg(long)]
    tz: Option<String>,
}

fn fail(code: i32, cmd: &str, msg: &str) -> i32 {
    eprintln!("vigil {cmd}: {msg}");
    code
}

pub async fn run(a: ClipArgs) -> i32 {
    match clip(a).await {
        Ok(()) => exit::OK,
        Err((c, m)) => fail(c, "clip", &m),
    }
}

pub async fn run_snapshot(a: SnapshotArgs) -> i32 {
    match snapshot(a).await {
        Ok(()) => exit::OK,
        Err((c, m)) => fail(c, "snapshot", &m),
    }
}

async fn clip(a: ClipArgs) -> Result<(), CliError> {
    let tz = a.tz.clone().unwrap_or_else(system_time_zone);
    let (from_ms, to_ms) = (time(&a.from)?, time(&a.to)?);
    let creds = a.credentials.resolve(&a.source)?;
    let eng = if vigil_engine::evidence::source::is_file_spec(&a.source) {
        None
    } else {
        Some(engine().await?)
    };
    let (footage, camera, source) = resolve(eng.as_ref(), &a.source, &tz, creds.as_ref())?;
    let req = ClipRequest {
        from_ms,
        to_ms,
        camera,
        source,
        now_ms: vigil_engine::media::source::now_ms(),
    };
    let out = a.out.clone();
    let c = tokio::task::spawn_blocking(move || {
        let mut show = progress_printer();
        let mut p = |x: f64| {
            show(x);
            true
        };
        export_clip(&footage, &req, &out, &mut p, StopFlag::default())
    })
    .await
    .map_err(|e| (exit::FAILED, e.to_string()))?
    .map_err(|e| (code_of(&e), e.to_string()))?;
    println!(
        "{}",
        json!({
            "clip": c.path,
            "annotation": c.annotation_path,
            "sha256": c.sha256,
            "bytes": c.bytes,
            "actualStart": c.annotation.actual_start,
            "actualEnd": c.annotation.actual_end,
            "frames": c.annotation.frames,
            "codec": c.annotation.codec,
            "method": c.annotation.method,
            "sources": c.annotation.source_clips.len(),
        })
    );
    Ok(())
}

async fn snapshot(a: SnapshotArgs) -> Result<(), CliError> {
    let tz = a.tz.clone().unwrap_or_else(system_time_zone);
    let at_ms = time(&a.at)?;
    let format = ImageFormat::of_path(&a.out).ok_or((
        exit::USAGE,
        "--out must end in .png, .jpg or .jpeg".to_string(),
    ))?;
    let creds = a.credentials.resolve(&a.source)?;
    let eng = if vigil_engine::evidence::source::is_file_spec(&a.source) {
        None
    } else {
        Some(engine().await?)
    };
    let (footage, camera, _) = resolve(eng.as_ref(), &a.source, &tz, creds.as_ref())?;
    let req = SnapshotRequest {
        at_ms,
        format,
        caption: a.caption.then(|| Caption {
            camera_name: camera.name.clone(),
            tz: tz.clone(),
        }),
    };
    let out = a.out.clone();
    let s = tokio::task::spawn_blocking(move || {
        export_snapshot(&footage, &req, &out, StopFlag::default())
    })
    .await
    .map_err(|e| (exit::FAILED, e.to_string()))?
    .map_err(|e| (code_of(&e), e.to_string()))?;
    println!("{}", serde_json::to_string(&s).unwrap_or_default());
    Ok(())
}
