//! `vigil`: the headless CLI of the engine (no WebKit). `live` and `playback`
//! write frames taken from the hub exactly as a tile receives them;
//! `recordings` lists recorded spans; `serve` runs the engine
//! and hub for other programs; `cameras` manages stored RTSP cameras;
//! `bench live` measures the video path against the old pipeline.
mod bench;
mod bench_bus;
mod bench_footage;
mod bench_milestone;
mod bench_playback;
mod bench_soak;
mod bookmark;
mod bus_cli;
mod bus_ops;
mod bus_site;
mod cameras;
mod case;
mod clip;
mod evidence_src;
mod footage;
mod frames_out;
mod live;
mod onvif;
mod open;
mod package;
mod pin;
mod playback;
mod ptz;
mod recorded;
mod recordings;
mod serve;
mod sites;
mod source;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "vigil",
    version,
    about = "Vigil operator console: headless engine CLI"
)]
struct Cli {
    /// When a server asks for a second login step (Milestone's PIN), read
    /// the PIN from standard input (after the password when that is read
    /// from stdin too)
    #[arg(long, global = true)]
    pin_stdin: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the first N live frames of a source as JPEGs plus frames.jsonl.
    Live(live::LiveArgs),
    /// Print the recorded spans of a source over one day as JSON lines.
    Recordings(recordings::RecordingsArgs),
    /// Play a recording from a time at a speed; write N frames as JPEGs plus frames.jsonl.
    Playback(playback::PlaybackArgs),
    /// Run the engine and frame hub; print the hub address, token and cameras as one JSON line.
    Serve(serve::ServeArgs),
    /// Manage stored cameras (passwords go to the OS keyring).
    #[command(subcommand)]
    Cameras(cameras::CamerasCmd),
    /// ONVIF devices: probe.
    #[command(subcommand)]
    Onvif(onvif::OnvifCmd),
    /// Pan, tilt, zoom a camera.
    Ptz(ptz::PtzArgs),
    /// Benchmarks (figures, not pass/fail).
    #[command(subcommand)]
    Bench(bench::BenchCmd),
    /// Bookmarks: add, list or search, export one's range as a clip.
    #[command(subcommand)]
    Bookmark(bookmark::BookmarkCmd),
    /// Cases: create, show, list; equipment and nearest cameras.
    #[command(subcommand)]
    Case(case::CaseCmd),
    /// The footage worker (clips and snapshots of cases).
    #[command(subcommand)]
    Footage(footage::FootageCmd),
    /// Sites of any kind: add, probe, list, show cameras, remove
    #[command(subcommand)]
    Sites(sites::SitesCmd),
    /// A lossless sub-clip of a source (stream copy) with its JSON annotation.
    Clip(clip::ClipArgs),
    /// The frame of a source at a time as PNG or JPEG (optional caption).
    Snapshot(clip::SnapshotArgs),
    /// Signed incident packages: create (from a case or ranges), verify.
    #[command(subcommand)]
    Package(package::PackageCmd),
    /// Open files or folders offline; print the site, cameras, spans and files as JSON lines.
    Open(open::OpenArgs),
    /// A footage worker on the case bus (RabbitMQ); JSON lines on stdout.
    Worker(bus_cli::WorkerArgs),
    /// Case bus operations: dead letters, the broker password in the keyring.
    #[command(subcommand)]
    Bus(bus_ops::BusCmd),
}

fn main() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("VIGIL_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    pin::install(cli.pin_stdin);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = rt.block_on(async {
        match cli.command {
            Command::Live(a) => live::run(a).await,
            Command::Recordings(a) => recordings::run(a).await,
            Command::Playback(a) => playback::run(a).await,
            Command::Serve(a) => serve::run(a).await,
            Command::Cameras(c) => cameras::run(c).await,
            Command::Bench(b) => bench::run(b).await,
            Command::Onvif(c) => onvif::run(c).await,
            Command::Ptz(a) => ptz::run(a).await,
            Command::Bookmark(c) => bookmark::run(c).await,
            Command::Case(c) => case::run(c).await,
            Command::Footage(f) => footage::run(f).await,
            Command::Sites(c) => sites::run(c).await,
            Command::Open(a) => open::run(a).await,
            Command::Worker(a) => bus_cli::run_worker(a).await,
            Command::Bus(c) => bus_ops::run(c).await,
            Command::Clip(a) => clip::run(a).await,
            Command::Snapshot(a) => clip::run_snapshot(a).await,
            Command::Package(c) => package::run(c).await,
        }
    });
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}

/// Exit codes the CLI documents.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const AUTH_FAILED: i32 = 3;
    pub const UNREACHABLE: i32 = 4;
    pub const NO_FRAMES: i32 = 5;
    pub const UNTRUSTED: i32 = 6;
}
