//! `vigil bench playback`: on the demo archive and on a segment folder
//! (written for the run: 5 s MP4 segments of a demo camera), the time from a
//! seek to the first frame that shows the sought time (VTC1), p50/p99 over
//! random seeks, and CPU per stream playing at 1x and at 4x. One JSON line
//! per source. Figures, never pass/fail.
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use rand::Rng;
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::ClientMessage;
use vigil_engine::media::file_writer::Container;
use vigil_engine::media::source::now_ms;
use vigil_engine::media::vtc1;
use vigil_engine::playback::day::zone;
use vigil_engine::playback::demo_segments::{write_segment, SegmentSpec};
use vigil_engine::playback::folder::SegmentFolder;
use vigil_engine::playback::Span;

use crate::bench::{cpu_seconds, percentile};
use crate::source::parse_size;

#[derive(Args)]
pub struct PlaybackBench {
    #[arg(long, default_value_t = 50)]
    seeks: usize,
    /// Tile size (decides the demo archive's main or sub picture)
    #[arg(long, default_value = "960x540")]
    tile: String,
    /// Streams playing at once for the CPU figures
    #[arg(long, default_value_t = 4)]
    streams: usize,
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Minutes of segments to write for the folder source
    #[arg(long, default_value_t = 3)]
    folder_minutes: i64,
}

pub async fn run(a: PlaybackBench) -> Result<(), String> {
    let tile = parse_size(&a.tile)?;
    let engine = Engine::start(EngineConfig {
        database: None,
        ..Default::default()
    })
    .await
    .map_err(|e| e.to_string())?;

    // the demo archive: yesterday's recorded spans of demo-1
    let day = now_ms().div_euclid(86_400_000) - 1;
    let demo_spans = engine
        .recordings("demo-1", day * 86_400_000, (day + 1) * 86_400_000)
        .map_err(|e| e.to_string())?;
    report(
        &engine,
        "demo archive",
        &["demo-1", "demo-2", "demo-3", "demo-4"],
        &demo_spans,
        &a,
        tile,
    )
    .await?;

    // a segment folder written now: 1280x720 15 fps, GOP 1 s, 5 s segments
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let t0 = (now_ms() - 86_400_000).div_euclid(1000) * 1000;
    let spec = SegmentSpec {
        camera_index: 1,
        width: 1280,
        height: 720,
        fps: 15,
        gop: 15,
        container: Container::Mp4FastStart,
    };
    let written = Instant::now();
    let n = a.folder_minutes * 12;
    for i in 0..n {
        let start = t0 + i * 5000;
        let name = jiff::Timestamp::from_millisecond(start)
            .map_err(|e| e.to_string())?
            .strftime("cam_%Y%m%d_%H%M%S.mp4")
            .to_string();
        write_segment(&dir.path().join(name), &spec, start, 5000).map_err(|e| e.to_string())?;
    }
    eprintln!(
        "wrote {n} segments in {:.1} s",
        written.elapsed().as_secs_f64()
    );
    let mut ids = Vec::new();
    for _ in 0..a.streams {
        let folder = SegmentFolder::new(dir.path().into(), zone("UTC").map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        ids.push(
            engine
                .add_recording_source("bench folder", Arc::new(folder))
                .map_err(|e| e.to_string())?
                .id,
        );
    }
    let spans = engine
        .recordings(&ids[0], t0, t0 + n * 5000)
        .map_err(|e| e.to_string())?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    report(
        &engine,
        "segment folder (1280x720 H.264, 5 s MP4)",
        &ids,
        &spans,
        &a,
        tile,
    )
    .await
}

async fn report(
    engine: &Engine,
    source: &str,
    cameras: &[&str],
    spans: &[Span],
    a: &PlaybackBench,
    tile: (u32, u32),
) -> Result<(), String> {
    let seeks = seek_latencies(engine, cameras[0], spans, a.seeks, tile).await?;
    let start = spans.first().ok_or("no recordings")?.start_ms + 1000;
    let cpu1 = cpu_per_stream(
        engine,
        &cameras[..a.streams.min(cameras.len())],
        start,
        1.0,
        tile,
        a.seconds,
    )
    .await?;
    let cpu4 = cpu_per_stream(
        engine,
        &cameras[..a.streams.min(cameras.len())],
        start,
        4.0,
        tile,
        a.seconds,
    )
    .await?;
    println!(
        "{}",
        json!({
            "source": source,
            "tile": format!("{}x{}", tile.0, tile.1),
            "seeks": seeks.len(),
            "seek_to_first_frame_ms_p50": percentile(&seeks, 50.0),
            "seek_to_first_frame_ms_p99": percentile(&seeks, 99.0),
            "streams": cameras.len().min(a.streams),
            "cpu_per_stream_1x": (cpu1 * 1000.0).round() / 1000.0,
            "cpu_per_stream_4x": (cpu4 * 1000.0).round() / 1000.0,
            "cpu_4x_over_1x": ((cpu4 / cpu1) * 100.0).round() / 100.0,
        })
    );
    Ok(())
}

/// ms from sending seek(T) to the first frame whose picture shows T.
async fn seek_latencies(
    engine: &Engine,
    camera: &str,
    spans: &[Span],
    n: usize,
    tile: (u32, u32),
) -> Result<Vec<f64>, String> {
    let hub = engine.hub_info();
    let first = spans.first().ok_or("no recordings")?;
    let mut t = TileClient::playback(&hub, camera, tile, first.start_ms + 500, 1.0, "&paused=1")
        .await
        .map_err(|e| e.to_string())?;
    frame_showing(&mut t, first.start_ms + 500).await?;
    let mut rng = rand::thread_rng();
    let mut out = Vec::new();
    for _ in 0..n {
        let s = spans[rng.gen_range(0..spans.len())];
        let target = rng.gen_range(s.start_ms..(s.end_ms - 1000).max(s.start_ms + 1));
        let sent = Instant::now();
        t.send(&ClientMessage::Seek { at: target })
            .await
            .map_err(|e| e.to_string())?;
        frame_showing(&mut t, target).await?;
        out.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    out.sort_by(|a, b| a.total_cmp(b));
    Ok(out)
}

/// Waits for a frame showing a time in `[t, t + 200 ms)`.
async fn frame_showing(tile: &mut TileClient, t: i64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Frame {
                header, payload, ..
            }))) => {
                let (w, h) = (header.width as usize, header.height as usize);
                if let Some(tc) = vtc1::read_luma(&payload[..w * h], w, h, w) {
                    if (t..t + 200).contains(&(tc as i64)) {
                        return Ok(());
                    }
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => return Err(format!("no frame showing {t} within 20 s")),
        }
    }
}

/// CPU seconds per stream per wall second with `cameras` playing at `speed`.
async fn cpu_per_stream(
    engine: &Engine,
    cameras: &[&str],
    start: i64,
    speed: f64,
    tile: (u32, u32),
    seconds: f64,
) -> Result<f64, String> {
    let hub = engine.hub_info();
    let mut tiles = Vec::new();
    for c in cameras {
        tiles.push(
            TileClient::playback(&hub, c, tile, start, speed, "")
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let readers = tiles.into_iter().map(|mut t| {
        tokio::spawn(async move {
            while let Ok(Some(_)) =
                tokio::time::timeout(until.saturating_duration_since(Instant::now()), t.next())
                    .await
            {}
            t.close().await;
        })
    });
    for r in readers.collect::<Vec<_>>() {
        let _ = r.await;
    }
    let cpu = cpu_seconds() - cpu0;
    Ok(cpu / wall0.elapsed().as_secs_f64() / cameras.len() as f64)
}
