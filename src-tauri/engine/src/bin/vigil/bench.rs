//! `vigil bench live`: N cameras from the VTC1 RTSP server (one shared
//! encoder) through our whole path (RTSP ingest, decode, scale, hub) to hub
//! consumers that read every frame, as tiles of the given size would. Prints
//! one JSON line per pipeline with the keys of shared/bench/seed_pipeline.py;
//! the engine runs twice, on our RTSP client (`vigil (vigil rtsp)`, capture
//! times from RTCP sender reports) and on FFmpeg's (`vigil (ffmpeg rtsp)`,
//! arrival times), each with latency from the header's time and the
//! header-vs-pixel error; `--compare-seed` also runs the old pipeline and
//! the latency floor on the same URLs in the same run. Figures, never pass/fail.
//! `--milestone` runs the Milestone rows instead (bench_milestone.rs).
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::media::rtsp_input::Transport;
use vigil_engine::media::vtc1;

use crate::exit;
use crate::source::parse_size;

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Live video path: CPU, frame rate, wire bytes and glass-to-consumer latency.
    Live(LiveBench),
    /// Playback: seek-to-first-frame latency and CPU per stream at 1x and 4x.
    Playback(crate::bench_playback::PlaybackBench),
    /// Case footage: available-to-done latency (p50/p99) and clips per second.
    Footage(crate::bench_footage::FootageBench),
    /// Soak: N live tiles while the RTSP server is killed and restarted; RSS,
    /// descriptors, threads, recovery time and frames lost.
    Soak(crate::bench_soak::SoakBench),
    /// Case bus: throughput and event-to-linked latency per number of workers.
    Bus(crate::bench_bus::BusBench),
}

#[derive(Args)]
pub struct LiveBench {
    #[arg(long, default_value_t = 4)]
    streams: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Tile size: decides main or sub stream, as the UI would
    #[arg(long, default_value = "960x540")]
    tile: String,
    /// Also run the old system's pipeline and the latency floor on the same URLs
    #[arg(long)]
    compare_seed: bool,
    /// Folder with vtc1_rtsp_server.py, seed_pipeline.py, floor_latency.py
    #[arg(long)]
    bench_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    #[command(flatten)]
    milestone: crate::bench_milestone::MilestoneArgs,
}

pub async fn run(cmd: BenchCmd) -> i32 {
    match cmd {
        BenchCmd::Footage(a) => match crate::bench_footage::run(a).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("vigil bench footage: {e}");
                exit::FAILED
            }
        },
        BenchCmd::Live(a) => match live(a).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("vigil bench live: {e}");
                exit::FAILED
            }
        },
        BenchCmd::Bus(a) => match crate::bench_bus::run(a).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("vigil bench bus: {e}");
                exit::FAILED
            }
        },
        BenchCmd::Soak(a) => match crate::bench_soak::run(a).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("vigil bench soak: {e}");
                exit::FAILED
            }
        },
        BenchCmd::Playback(a) => match crate::bench_playback::run(a).await {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("vigil bench playback: {e}");
                exit::FAILED
            }
        },
    }
}

pub(crate) fn find_bench_dir(given: Option<PathBuf>) -> Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = given.into_iter().collect();
    if let Some(s) = std::env::var_os("VIGIL_SHARED") {
        candidates.push(PathBuf::from(s).join("bench"));
    }
    let mut dir = std::env::current_dir().ok();
    while let Some(d) = dir {
        candidates.push(d.join("shared/bench"));
        candidates.push(d.join("../shared/bench"));
        dir = d.parent().map(Path::to_path_buf);
    }
    candidates
        .into_iter()
        .find(|c| c.join("vtc1_rtsp_server.py").exists())
        .ok_or_else(|| "cannot find shared/bench (give --bench-dir)".into())
}

pub(crate) struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start_server(dir: &Path, port: u16, cams: usize) -> Result<Server, String> {
    let mut child = Command::new("/usr/bin/python3")
        .arg(dir.join("vtc1_rtsp_server.py"))
        .args([
            "--port",
            &port.to_string(),
            "--cams",
            &cams.to_string(),
            "--size",
            "1920x1080",
            "--fps",
            "15",
            "--one-encoder",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the RTSP server: {e}"))?;
    let out = child.stdout.take().expect("piped");
    for line in BufReader::new(out).lines() {
        if line.map_err(|e| e.to_string())?.trim() == "READY" {
            return Ok(Server(child));
        }
    }
    Err("the RTSP server exited before READY".into())
}

/// CPU seconds a child process has used (Linux /proc), to show what the
/// source itself costs on the same machine.
pub(crate) fn child_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU seconds this process has used (user + system).
pub fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        t(u.ru_utime) + t(u.ru_stime)
    }
    #[cfg(not(unix))]
    {
        f64::NAN
    }
}

#[derive(Default)]
struct Tally {
    frames: u64,
    bytes: u64,
    /// Pixel (VTC1) to consumer: glass-to-consumer latency.
    latency: Vec<f64>,
    /// Header time to consumer: latency as the frame's own time says.
    from_header: Vec<f64>,
    /// |header time - VTC1|: how true the header's time is.
    header_error: Vec<f64>,
    arrival_flagged: u64,
    streams: Vec<String>,
}

pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    Some((sorted[i.min(sorted.len() - 1)] * 10.0).round() / 10.0)
}

async fn live(a: LiveBench) -> Result<(), String> {
    if a.milestone.milestone {
        return crate::bench_milestone::run(&a.milestone, a.seconds, a.warmup, a.bench_dir).await;
    }
    let (tw, th) = parse_size(&a.tile)?;
    let dir = find_bench_dir(a.bench_dir.clone())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let server = start_server(&dir, port, a.streams)?;
    let server_pid = server.0.id();
    let main_urls: Vec<String> = (1..=a.streams)
        .map(|i| format!("rtsp://127.0.0.1:{port}/cam{i}"))
        .collect();
    // our RTSP client (capture times from sender reports), then FFmpeg's
    for client in ["vigil", "ffmpeg"] {
        std::env::set_var("VIGIL_RTSP_CLIENT", client);
        engine_pipeline(&a, (tw, th), server_pid, &main_urls, client).await?;
    }
    std::env::remove_var("VIGIL_RTSP_CLIENT");
    if a.compare_seed {
        compare_seed(&a, &dir, &main_urls)?;
    }
    Ok(())
}

/// One run of the engine's live path with `client` as the RTSP client.
async fn engine_pipeline(
    a: &LiveBench,
    (tw, th): (u32, u32),
    server_pid: u32,
    main_urls: &[String],
    client: &str,
) -> Result<(), String> {
    let engine = Engine::start(EngineConfig {
        database: None,
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let measuring = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut tasks = Vec::new();
    for url in main_urls {
        let cam = engine
            .add_adhoc_rtsp_with_sub(url, Some(&format!("{url}/sub")), None, None, Transport::Tcp)
            .await
            .map_err(|e| e.to_string())?;
        let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, tw, th, "")
            .await
            .map_err(|e| e.to_string())?;
        let (measuring, tally) = (measuring.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(ev)) = tile.next().await {
                match ev {
                    HubEvent::Frame {
                        header,
                        payload,
                        arrived_ms,
                        wire_bytes,
                    } => {
                        if !measuring.load(Ordering::Relaxed) {
                            continue;
                        }
                        let (w, h) = (header.width as usize, header.height as usize);
                        let code = vtc1::read_luma(&payload[..w * h], w, h, w);
                        let mut t = tally.lock().expect("tally");
                        t.frames += 1;
                        t.bytes += wire_bytes as u64;
                        t.arrival_flagged += u64::from(header.arrival_time);
                        t.from_header.push((arrived_ms - header.ts_ms) as f64);
                        if let Some(code) = code {
                            t.latency.push((arrived_ms - code as i64) as f64);
                            t.header_error
                                .push((header.ts_ms - code as i64).abs() as f64);
                        }
                    }
                    HubEvent::Status(vigil_engine::hub::protocol::ServerMessage::Status {
                        stream: Some(s),
                        ..
                    }) => {
                        tally.lock().expect("tally").streams.push(s);
                    }
                    HubEvent::Status(_) => {}
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(a.warmup)).await;
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    let src0 = child_cpu_seconds(server_pid);
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs_f64(a.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let (cpu, secs) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    let source_cpu = src0
        .zip(child_cpu_seconds(server_pid))
        .map(|(a, b)| ((b - a) / secs * 100.0).round() / 100.0);
    for t in tasks {
        t.abort();
    }
    let mut t = std::mem::take(&mut *tally.lock().expect("tally"));
    for v in [&mut t.latency, &mut t.from_header, &mut t.header_error] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let n = a.streams as f64;
    let mut kinds = t.streams.clone();
    kinds.sort();
    kinds.dedup();
    println!(
        "{}",
        json!({
            "pipeline": format!("vigil ({client} rtsp)"),
            "streams": a.streams,
            "tile": format!("{tw}x{th}"),
            "stream_kind": kinds.join(","),
            "fps_per_stream": ((t.frames as f64 / secs / n) * 100.0).round() / 100.0,
            "cpu_per_stream": ((cpu / secs / n) * 1000.0).round() / 1000.0,
            "wire_bytes_per_frame": t.bytes.checked_div(t.frames).unwrap_or(0),
            "latency_ms_p50": percentile(&t.latency, 50.0),
            "latency_ms_p99": percentile(&t.latency, 99.0),
            "latency_samples": t.latency.len(),
            "latency_from_header_ms_p50": percentile(&t.from_header, 50.0),
            "latency_from_header_ms_p99": percentile(&t.from_header, 99.0),
            "header_vs_pixel_ms_p50": percentile(&t.header_error, 50.0),
            "header_vs_pixel_ms_p99": percentile(&t.header_error, 99.0),
            "arrival_time_frames": t.arrival_flagged,
            "source_server_cpu_cores": source_cpu,
        })
    );
    drop(engine);
    Ok(())
}

/// The old system's pipeline and the latency floor on the same URLs.
fn compare_seed(a: &LiveBench, dir: &Path, main_urls: &[String]) -> Result<(), String> {
    {
        let secs = a.seconds.to_string();
        let seed = Command::new("python3")
            .arg(dir.join("seed_pipeline.py"))
            .args(["--seconds", &secs])
            .args(main_urls)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("seed_pipeline.py: {e}"))?;
        print!("{}", String::from_utf8_lossy(&seed.stdout));
        let floor = Command::new("python3")
            .arg(dir.join("floor_latency.py"))
            .args(["--seconds", &secs, &main_urls[0]])
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("floor_latency.py: {e}"))?;
        print!("{}", String::from_utf8_lossy(&floor.stdout));
    }
    Ok(())
}
