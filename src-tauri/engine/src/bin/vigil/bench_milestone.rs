//! `vigil bench live --milestone`: the Milestone row. Starts the Mobile
//! Server simulator (tests/milestone_sim, one camera per tile), adds it as a
//! `milestone` site on an in-memory engine (the password through the
//! engine's API, never argv), opens 4 and 16 tiles (a 1920x1080 wall split
//! 2x2 and 4x4, so the server scales its JPEG frames to 960x540 and 480x270)
//! and reads every frame at hub clients. Prints one JSON line per tile
//! count: fps per tile, engine CPU per tile (process CPU seconds over the
//! window / tiles), latency from the frame header's `TimeStamp` (the
//! recording server's time, the hub frame's ts) to arrival at the hub
//! client, and, for decoded frames, from the picture's VTC1. Then, on the
//! same simulator, the seed's Milestone path as reproduced by
//! tests/milestone_sim/seed_milestone_pipeline.py (the same tiles and JPEG
//! size, each JPEG as base64 JSON in a WebSocket text frame to a receiver
//! that parses it), whose JSON line goes in the row's `seed` field. Figures,
//! never pass/fail.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::PixelFormat;
use vigil_engine::media::vtc1;
use vigil_engine::vms::site::SiteRequest;

use crate::bench::{child_cpu_seconds, cpu_seconds, percentile};

/// The seed's Milestone path, beside milestone_sim.py.
const SEED_PEER: &str = "seed_milestone_pipeline.py";
/// The simulator's user; the password is made per run.
const USER: &str = "bench";

#[derive(Args)]
pub struct MilestoneArgs {
    /// Run the Milestone rows (simulator JPEG frames over the video
    /// WebSocket) instead of the RTSP ones
    #[arg(long)]
    pub milestone: bool,
    /// Tile counts of the Milestone rows
    #[arg(long, default_value = "4,16", value_delimiter = ',')]
    pub milestone_tiles: Vec<usize>,
    /// Folder with milestone_sim.py (default: tests/milestone_sim of the repo)
    #[arg(long)]
    pub milestone_sim: Option<PathBuf>,
}

/// The Milestone rows: one simulator and one engine per tile count.
pub async fn run(
    m: &MilestoneArgs,
    seconds: f64,
    warmup: f64,
    bench_dir: Option<PathBuf>,
) -> Result<(), String> {
    let sim_dir = find_sim_dir(m.milestone_sim.clone())?;
    // the simulator draws VTC1 with shared/bench/vtc1.py
    let shared = crate::bench::find_bench_dir(bench_dir)
        .ok()
        .and_then(|b| b.parent().map(Path::to_path_buf));
    for &tiles in &m.milestone_tiles {
        if tiles == 0 {
            return Err("--milestone-tiles: a tile count must be at least 1".into());
        }
        let password = format!("bench-{:032x}", rand::random::<u128>());
        let sim = Sim::start(&sim_dir, shared.as_deref(), tiles, &password)?;
        let mut line = row(&sim, tiles, seconds, warmup, &password).await?;
        let peer = SeedPeer {
            script: sim_dir.join(SEED_PEER),
            shared: shared.clone(),
            port: sim.port,
            streams: tiles,
            size: tile_size(tiles),
            seconds,
            warmup,
            password: password.clone(),
        };
        line["seed"] = tokio::task::spawn_blocking(move || peer.run())
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or_else(|e| e.into());
        println!("{line}");
    }
    Ok(())
}

/// `given`, else `VIGIL_MILESTONE_SIM` (the script or its folder), else
/// tests/milestone_sim above the working directory or the binary, else the
/// one beside the engine crate this binary was built from.
fn find_sim_dir(given: Option<PathBuf>) -> Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = given.into_iter().collect();
    if let Some(s) = std::env::var_os("VIGIL_MILESTONE_SIM").map(PathBuf::from) {
        candidates.extend(s.parent().map(Path::to_path_buf));
        candidates.push(s);
    }
    let starts = [
        std::env::current_dir().ok(),
        std::env::current_exe().ok(),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()),
    ];
    for start in starts.into_iter().flatten() {
        let mut dir = Some(start);
        while let Some(d) = dir {
            candidates.push(d.join("tests/milestone_sim"));
            candidates.push(d.join("main/tests/milestone_sim"));
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    candidates
        .into_iter()
        .find(|c| c.join("milestone_sim.py").is_file())
        .ok_or_else(|| "cannot find tests/milestone_sim (give --milestone-sim)".into())
}

/// The simulator process, killed on drop.
struct Sim {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Sim {
    fn start(
        dir: &Path,
        shared: Option<&Path>,
        cameras: usize,
        password: &str,
    ) -> Result<Self, String> {
        let work = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut cmd = Command::new("python3");
        cmd.arg(dir.join("milestone_sim.py"))
            .args(["--port", "0", "--user", USER, "--chap"])
            .args(["--password-env", "VIGIL_BENCH_MS_PW"])
            .args(["--cameras", &cameras.to_string()])
            .arg("--work-dir")
            .arg(work.path())
            .arg("--log")
            .arg(work.path().join("calls.jsonl"))
            .env("VIGIL_BENCH_MS_PW", password)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(s) = shared {
            cmd.env("VIGIL_SHARED", s);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start the Milestone simulator: {e}"))?;
        let out = child.stdout.take().expect("piped");
        let mut sim = Self {
            child,
            port: 0,
            dir: work,
        };
        for line in BufReader::new(out).lines() {
            let line = line.map_err(|e| e.to_string())?;
            if let Some(port) = line.trim().strip_prefix("READY ") {
                sim.port = port
                    .parse()
                    .map_err(|_| format!("simulator said {line:?}"))?;
                return Ok(sim);
            }
        }
        Err("the Milestone simulator exited before READY".into())
    }

    /// CPU seconds of the simulator and its children (its JPEG encoders).
    fn cpu_seconds(&self) -> Option<f64> {
        let pid = self.child.id();
        let mut total = child_cpu_seconds(pid)?;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            if parent_pid(child) == Some(pid) {
                total += child_cpu_seconds(child).unwrap_or(0.0);
            }
        }
        Some(total)
    }
}

impl Sim {
    /// The JPEG sizes the engine asked the server for (`RequestStream`
    /// DestWidth x DestHeight in the simulator's call log, then those of
    /// `ChangeStream`).
    fn requested_sizes(&self) -> Vec<String> {
        let mut sizes = self.sizes_of("RequestStream");
        let changed = self.sizes_of("ChangeStream");
        if !changed.is_empty() {
            sizes.push(format!("then {}", changed.join(",")));
        }
        sizes
    }

    /// DestWidth x DestHeight of the `command` calls in the call log.
    fn sizes_of(&self, command: &str) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.path().join("calls.jsonl")).unwrap_or_default();
        let mut sizes: Vec<String> = log
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["event"] == "command" && e["name"] == command)
            .filter_map(|e| {
                let p = &e["params"];
                Some(format!(
                    "{}x{}",
                    p["DestWidth"][0].as_str()?,
                    p["DestHeight"][0].as_str()?
                ))
            })
            .collect();
        sizes.sort();
        sizes.dedup();
        sizes
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 2..]
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The tile size of `tiles` tiles on a 1920x1080 wall (even, as I420 wants).
fn tile_size(tiles: usize) -> (u32, u32) {
    let cols = (1..).find(|c| c * c >= tiles).unwrap_or(1);
    let rows = tiles.div_ceil(cols);
    ((1920 / cols as u32) & !1, (1080 / rows as u32) & !1)
}

#[derive(Default)]
struct Tally {
    frames: Vec<u64>,
    first: Vec<bool>,
    bytes: u64,
    /// Header `TimeStamp` (hub ts) to the hub client.
    from_header: Vec<f64>,
    /// Picture (VTC1) to the hub client, for decoded frames.
    from_pixel: Vec<f64>,
    formats: Vec<&'static str>,
}

/// One row: `tiles` tiles of `tiles` cameras for `seconds`; its JSON line.
async fn row(
    sim: &Sim,
    tiles: usize,
    seconds: f64,
    warmup: f64,
    password: &str,
) -> Result<serde_json::Value, String> {
    let (tw, th) = tile_size(tiles);
    let engine = Engine::start(EngineConfig {
        database: None,
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let probe = engine
        .add_transient_site(
            "milestone",
            SiteRequest {
                kind: "milestone".into(),
                name: Some("bench".into()),
                address: format!("http://127.0.0.1:{}", sim.port),
                user: Some(USER.into()),
                password: Some(password.into()),
                time_zone: Some("UTC".into()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("adding the simulator as a site: {e}"))?;
    if probe.cameras.len() < tiles {
        return Err(format!(
            "the simulator lists {} cameras, {tiles} wanted",
            probe.cameras.len()
        ));
    }
    let measuring = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally {
        frames: vec![0; tiles],
        first: vec![false; tiles],
        ..Default::default()
    }));
    let mut tasks = Vec::new();
    for (i, cam) in probe.cameras.iter().take(tiles).enumerate() {
        let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, tw, th, "")
            .await
            .map_err(|e| e.to_string())?;
        let (measuring, tally) = (measuring.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(ev)) = tile.next().await {
                let HubEvent::Frame {
                    header,
                    payload,
                    arrived_ms,
                    wire_bytes,
                } = ev
                else {
                    continue;
                };
                if !measuring.load(Ordering::Relaxed) {
                    tally.lock().expect("tally").first[i] = true;
                    continue;
                }
                let (w, h) = (header.width as usize, header.height as usize);
                let luma = !matches!(header.format, PixelFormat::Jpeg) && payload.len() >= w * h;
                let code = luma.then(|| vtc1::read_luma(&payload[..w * h], w, h, w));
                let mut t = tally.lock().expect("tally");
                t.frames[i] += 1;
                t.bytes += wire_bytes as u64;
                t.from_header.push((arrived_ms - header.ts_ms) as f64);
                if let Some(Some(code)) = code {
                    t.from_pixel.push((arrived_ms - code as i64) as f64);
                }
                let f = format_name(header.format);
                if !t.formats.contains(&f) {
                    t.formats.push(f);
                }
            }
        }));
    }
    // every tile live (or 60 s), then the warm-up, then the window
    let up_by = Instant::now() + Duration::from_secs(60);
    while Instant::now() < up_by && !tally.lock().expect("tally").first.iter().all(|f| *f) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
    let (cpu0, src0, t0) = (cpu_seconds(), sim.cpu_seconds(), Instant::now());
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let (cpu, secs) = (cpu_seconds() - cpu0, t0.elapsed().as_secs_f64());
    let source_cpu = src0
        .zip(sim.cpu_seconds())
        .map(|(a, b)| ((b - a) / secs * 100.0).round() / 100.0);
    for t in tasks {
        t.abort();
    }
    let mut t = std::mem::take(&mut *tally.lock().expect("tally"));
    for v in [&mut t.from_header, &mut t.from_pixel] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let n = tiles as f64;
    let total: u64 = t.frames.iter().sum();
    let fps = |f: f64| ((f / secs) * 100.0).round() / 100.0;
    let line = json!({
            "pipeline": "vigil (milestone)",
            "tiles": tiles,
            "tile": format!("{tw}x{th}"),
            "hub_format": t.formats.join(","),
            "server_jpeg": sim.requested_sizes().join(","),
            "tiles_with_frames": t.frames.iter().filter(|f| **f > 0).count(),
            "fps_per_tile": fps(total as f64 / n),
            "fps_per_tile_min": t.frames.iter().min().map(|f| fps(*f as f64)),
            "cpu_per_tile": ((cpu / secs / n) * 1000.0).round() / 1000.0,
            "wire_bytes_per_frame": t.bytes.checked_div(total).unwrap_or(0),
            "latency_from_timestamp_ms_p50": percentile(&t.from_header, 50.0),
            "latency_from_timestamp_ms_p99": percentile(&t.from_header, 99.0),
            "latency_samples": t.from_header.len(),
            "latency_from_pixel_ms_p50": percentile(&t.from_pixel, 50.0),
            "latency_from_pixel_ms_p99": percentile(&t.from_pixel, 99.0),
            "source_server_cpu_cores": source_cpu,
            "seed": null,
    });
    drop(engine);
    Ok(line)
}

/// The seed-style peer run on the row's simulator once the engine is gone.
struct SeedPeer {
    script: PathBuf,
    shared: Option<PathBuf>,
    port: u16,
    streams: usize,
    size: (u32, u32),
    seconds: f64,
    warmup: f64,
    password: String,
}

impl SeedPeer {
    /// Runs the peer (password in its environment) and returns its JSON line.
    fn run(self) -> Result<serde_json::Value, String> {
        let mut cmd = Command::new("python3");
        cmd.arg(&self.script)
            .args(["--port", &self.port.to_string(), "--user", USER])
            .args(["--password-env", "VIGIL_BENCH_MS_PW"])
            .args(["--streams", &self.streams.to_string()])
            .args(["--width", &self.size.0.to_string()])
            .args(["--height", &self.size.1.to_string()])
            .args(["--seconds", &self.seconds.to_string()])
            .args(["--warmup", &self.warmup.to_string()])
            .env("VIGIL_BENCH_MS_PW", &self.password)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(s) = &self.shared {
            cmd.env("VIGIL_SHARED", s);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot start {SEED_PEER}: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        stdout
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l.trim()).ok())
            .ok_or_else(|| format!("{SEED_PEER} failed ({}), no figures", out.status))
    }
}

fn format_name(f: PixelFormat) -> &'static str {
    match f {
        PixelFormat::I420 => "i420",
        PixelFormat::Nv12 => "nv12",
        PixelFormat::Jpeg => "jpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::tile_size;

    #[test]
    fn tiles_split_a_1080p_wall() {
        assert_eq!(tile_size(1), (1920, 1080));
        assert_eq!(tile_size(4), (960, 540));
        assert_eq!(tile_size(9), (640, 360));
        assert_eq!(tile_size(16), (480, 270));
    }
}
