//! `vigil bench soak`: N live tiles from the VTC1 RTSP server, the server
//! killed (SIGKILL) and restarted on the same port every S seconds, for M
//! minutes. Prints one JSON line per restart (how long each tile took to come
//! back) and a summary: RSS, open descriptors and threads at the start, after
//! the first restart and at the end, the longest recovery, and frames lost
//! (gaps in the VTC1 timecode outside the restarts). A command, not a test.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::media::rtsp_input::Transport;
use vigil_engine::media::vtc1;

use crate::bench::{find_bench_dir, start_server, Server};
use crate::source::parse_size;

#[derive(Args)]
pub struct SoakBench {
    #[arg(long, default_value_t = 16)]
    streams: usize,
    #[arg(long, default_value_t = 60.0)]
    minutes: f64,
    /// Seconds between server restarts
    #[arg(long, default_value_t = 30.0)]
    restart_every: f64,
    /// Tile size (decides main or sub stream, as the UI would)
    #[arg(long, default_value = "480x270")]
    tile: String,
    #[arg(long)]
    bench_dir: Option<std::path::PathBuf>,
}

/// What one tile has seen.
#[derive(Default)]
struct TileLog {
    frames: u64,
    last_code: Option<u64>,
    last_arrival: Option<Instant>,
    /// Frames missing between two frames that arrived with no restart between.
    lost: u64,
    /// Arrival of the first frame after each restart (index = restart number).
    back: Vec<Option<Instant>>,
}

/// Process figures read from /proc (Linux); None elsewhere.
#[derive(Clone, Copy, Debug)]
struct Resources {
    rss_kb: u64,
    fds: u64,
    threads: u64,
}

fn resources() -> Option<Resources> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let fds = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    Some(Resources {
        rss_kb: field("VmRSS:")?,
        fds,
        threads: field("Threads:")?,
    })
}

fn res_json(r: Option<Resources>) -> serde_json::Value {
    match r {
        Some(r) => {
            json!({"rss_mb": (r.rss_kb as f64 / 1024.0 * 10.0).round() / 10.0, "fds": r.fds, "threads": r.threads})
        }
        None => serde_json::Value::Null,
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if a == 0 {
        return 0.0;
    }
    ((b as f64 - a as f64) / a as f64 * 1000.0).round() / 10.0
}

pub async fn run(a: SoakBench) -> Result<(), String> {
    let (tw, th) = parse_size(&a.tile)?;
    if a.streams == 0 || a.restart_every < 5.0 || a.minutes <= 0.0 {
        return Err("need --streams >= 1, --restart-every >= 5 and --minutes > 0".into());
    }
    let dir = find_bench_dir(a.bench_dir.clone())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut server: Option<Server> = Some(start_server(&dir, port, a.streams)?);
    let engine = Engine::start(EngineConfig {
        database: None,
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let logs: Vec<Arc<Mutex<TileLog>>> = (0..a.streams).map(|_| Arc::default()).collect();
    // Set while the server is down or coming back: gaps spanning it are outage, not loss.
    let restart_no = Arc::new(Mutex::new(0usize));
    let outage = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, log) in logs.iter().enumerate() {
        let url = format!("rtsp://127.0.0.1:{port}/cam{}", i + 1);
        let cam = engine
            .add_adhoc_rtsp_with_sub(
                &url,
                Some(&format!("{url}/sub")),
                None,
                None,
                Transport::Tcp,
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, tw, th, "")
            .await
            .map_err(|e| e.to_string())?;
        let (log, restart_no, outage) = (log.clone(), restart_no.clone(), outage.clone());
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(ev)) = tile.next().await {
                let HubEvent::Frame {
                    header, payload, ..
                } = ev
                else {
                    continue;
                };
                let now = Instant::now();
                let (w, h) = (header.width as usize, header.height as usize);
                let code = payload
                    .get(..w * h)
                    .and_then(|y| vtc1::read_luma(y, w, h, w));
                let n = *restart_no.lock().expect("restart no");
                let mut l = log.lock().expect("tile log");
                l.frames += 1;
                if l.back.len() < n {
                    l.back.resize(n, None);
                }
                if n > 0 && l.back[n - 1].is_none() {
                    // first frame since restart n: a gap here is the outage
                    l.back[n - 1] = Some(now);
                } else if let (Some(prev), Some(code)) = (l.last_code, code) {
                    if !outage.load(Ordering::Relaxed) && code > prev {
                        // 15 fps: one frame every 66.7 ms of capture time
                        let missing = ((code - prev) as f64 / (1000.0 / 15.0)).round() as u64;
                        l.lost += missing.saturating_sub(1);
                    }
                }
                if code.is_some() {
                    l.last_code = code;
                }
                l.last_arrival = Some(now);
            }
        }));
    }
    // Warm up: every tile has frames.
    let t_start = Instant::now();
    while logs.iter().any(|l| l.lock().expect("log").frames < 5) {
        if t_start.elapsed() > Duration::from_secs(60) {
            return Err("tiles did not start within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for l in &logs {
        let mut l = l.lock().expect("log");
        l.lost = 0;
    }
    let start_res = resources();
    let deadline = Instant::now() + Duration::from_secs_f64(a.minutes * 60.0);
    let mut first_restart_res = None;
    let mut max_recovery_ms = 0u128;
    let mut restarts = 0usize;
    let mut never_back = 0usize;
    while Instant::now() + Duration::from_secs_f64(a.restart_every) <= deadline {
        tokio::time::sleep(Duration::from_secs_f64(a.restart_every)).await;
        outage.store(true, Ordering::Relaxed);
        let killed = Instant::now();
        drop(server.take()); // SIGKILL + wait
        server = Some(start_server(&dir, port, a.streams)?);
        let ready = Instant::now();
        restarts += 1;
        *restart_no.lock().expect("restart no") = restarts;
        // Wait for every tile's first frame after the restart (give up after 60 s).
        let mut back = vec![None; logs.len()];
        while back.iter().any(Option::is_none) && ready.elapsed() < Duration::from_secs(60) {
            for (i, l) in logs.iter().enumerate() {
                if back[i].is_none() {
                    back[i] = l
                        .lock()
                        .expect("log")
                        .back
                        .get(restarts - 1)
                        .copied()
                        .flatten();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        outage.store(false, Ordering::Relaxed);
        let from_ready: Vec<Option<u128>> = back
            .iter()
            .map(|b| b.map(|t| t.saturating_duration_since(ready).as_millis()))
            .collect();
        let worst = from_ready.iter().flatten().max().copied().unwrap_or(0);
        never_back += from_ready.iter().filter(|b| b.is_none()).count();
        max_recovery_ms = max_recovery_ms.max(worst);
        if first_restart_res.is_none() {
            first_restart_res = resources();
        }
        println!(
            "{}",
            json!({
                "restart": restarts,
                "server_down_ms": ready.duration_since(killed).as_millis(),
                "tiles_back": from_ready.iter().flatten().count(),
                "slowest_tile_back_ms": worst,
                "resources": res_json(resources()),
            })
        );
    }
    let end_res = resources();
    for t in tasks {
        t.abort();
    }
    let (frames, lost) = logs.iter().fold((0, 0), |(f, lo), l| {
        let l = l.lock().expect("log");
        (f + l.frames, lo + l.lost)
    });
    let growth = match (first_restart_res, end_res) {
        (Some(a), Some(b)) => {
            json!({"rss_pct": pct(a.rss_kb, b.rss_kb), "fds_pct": pct(a.fds, b.fds), "threads_pct": pct(a.threads, b.threads)})
        }
        _ => serde_json::Value::Null,
    };
    println!(
        "{}",
        json!({
            "bench": "soak",
            "streams": a.streams,
            "tile": format!("{tw}x{th}"),
            "minutes": (t_start.elapsed().as_secs_f64() / 6.0).round() / 10.0,
            "restarts": restarts,
            "start": res_json(start_res),
            "after_first_restart": res_json(first_restart_res),
            "end": res_json(end_res),
            "growth_since_first_restart": growth,
            "max_tile_recovery_ms": max_recovery_ms,
            "tiles_never_back": never_back,
            "frames": frames,
            "frames_lost_outside_restarts": lost,
        })
    );
    drop(engine);
    Ok(())
}
