//! Recording sources other than the demo archive, played through the hub as
//! a tile plays them: a segment folder (seed and MediaMTX naming, damaged
//! files), MediaMTX's playback API (against the simulator) and RTSP replay
//! (against GStreamer's RTSP server serving a recorded file). VTC1 decides.
use std::path::Path;
use std::time::{Duration, Instant};

use vigil_engine::engine::Engine;
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::{ClientMessage, ServerMessage};
use vigil_engine::media::file_writer::Container;
use vigil_engine::playback::day::{parse_rfc3339, zone};
use vigil_engine::playback::demo_segments::{write_segment, SegmentSpec};
use vigil_engine::playback::folder::SegmentFolder;
use vigil_engine::playback::source_spec::open_source;
use vigil_engine::playback::Span;
use vigil_tests::mediamtx::MediaMtxSim;
use vigil_tests::*;

const SIZE: (u32, u32) = (320, 180);

fn spec(container: Container) -> SegmentSpec {
    SegmentSpec {
        camera_index: 2,
        width: 320,
        height: 180,
        fps: 10,
        gop: 10,
        container,
    }
}

/// `cam/` in MediaMTX naming: two adjacent 4 s fMP4 segments from t0.
fn mediamtx_recordings() -> (tempfile::TempDir, i64) {
    let dir = tempfile::tempdir().unwrap();
    let cam = dir.path().join("cam");
    std::fs::create_dir_all(&cam).unwrap();
    let t0 = parse_rfc3339("2025-08-29T14:30:10.250Z").unwrap();
    let s = spec(Container::FragmentedMp4);
    write_segment(&cam.join("2025-08-29_14-30-10-250000.mp4"), &s, t0, 4000).unwrap();
    write_segment(
        &cam.join("2025-08-29_14-30-14-250000.mp4"),
        &s,
        t0 + 4000,
        4000,
    )
    .unwrap();
    (dir, t0)
}

/// Frames (the VTC1 of each, checked against the header) and statuses for
/// `wall`, or until `limit` frames came.
/// The recording times of the frames (with the session's picture number,
/// `seq`) and the statuses the tile receives within `wall`, or until `limit`
/// frames.
async fn collect_numbered(
    tile: &mut TileClient,
    wall: Duration,
    limit: Option<usize>,
) -> (Vec<(i64, u32)>, Vec<String>) {
    let deadline = Instant::now() + wall;
    let (mut frames, mut states) = (Vec::new(), Vec::new());
    while limit.is_none_or(|n| frames.len() < n) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Some(ev)) = tokio::time::timeout(left, tile.next()).await else {
            break;
        };
        match ev.expect("hub") {
            HubEvent::Frame {
                header, payload, ..
            } => {
                let (w, h) = (header.width as usize, header.height as usize);
                let tc = vigil_engine::media::vtc1::read_luma(&payload[..w * h], w, h, w)
                    .expect("VTC1") as i64;
                assert_eq!(tc, header.ts_ms, "header carries the recording time");
                frames.push((tc, header.seq));
            }
            HubEvent::Status(ServerMessage::Status { state, reason, .. }) => {
                states.push(format!("{state} {}", reason.unwrap_or_default()))
            }
            HubEvent::Status(_) => {}
        }
    }
    (frames, states)
}

async fn collect_frames(
    tile: &mut TileClient,
    wall: Duration,
    limit: Option<usize>,
) -> (Vec<i64>, Vec<String>) {
    let (frames, states) = collect_numbered(tile, wall, limit).await;
    (frames.into_iter().map(|(t, _)| t).collect(), states)
}

async fn collect(tile: &mut TileClient, wall: Duration) -> (Vec<i64>, Vec<String>) {
    collect_frames(tile, wall, None).await
}

async fn first_frame(tile: &mut TileClient, within: Duration) -> i64 {
    let (f, s) = collect_frames(tile, within, Some(1)).await;
    *f.first()
        .unwrap_or_else(|| panic!("no frame; statuses {s:?}"))
}

async fn register(engine: &Engine, spec: &str, tz: &str) -> String {
    let (name, rec) = open_source(spec, tz)
        .expect("a recording source")
        .expect("opens");
    engine.add_recording_source(&name, rec).unwrap().id
}

/// camera1/camera1_YYYYMMDD_HHMMSS.mp4 x3 (15 s), a hole, a truncated file, one more.
fn seed_folder(root: &Path, t0: i64) {
    let cam = root.join("camera1");
    std::fs::create_dir_all(&cam).unwrap();
    let s = spec(Container::Mp4FastStart);
    for (i, name) in ["143010", "143015", "143020"].iter().enumerate() {
        write_segment(
            &cam.join(format!("camera1_20250829_{name}.mp4")),
            &s,
            t0 + i as i64 * 5000,
            5000,
        )
        .unwrap();
    }
    let bad = cam.join("camera1_20250829_143100.mp4");
    write_segment(&bad, &s, t0 + 50_000, 5000).unwrap();
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 3]).unwrap();
    write_segment(
        &cam.join("camera1_20250829_143200.mp4"),
        &s,
        t0 + 110_000,
        5000,
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn segment_folder_seeks_exactly_and_plays_across_segments_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
    seed_folder(dir.path(), t0);
    let engine = engine().await;
    let src = format!("folder:{}#camera1", dir.path().display());
    let cam = register(&engine, &src, "UTC").await;
    let spans = engine
        .recordings(&cam, t0 - 3_600_000, t0 + 3_600_000)
        .unwrap();
    assert_eq!(spans.len(), 3, "{spans:?}");
    assert_eq!(
        spans[0],
        Span::new(t0, t0 + 15_000),
        "three files, one span"
    );

    let hub = engine.hub_info();
    let mut tile = TileClient::playback(&hub, &cam, SIZE, t0 + 4_250, 1.0, "&paused=1")
        .await
        .unwrap();
    assert_eq!(
        first_frame(&mut tile, Duration::from_secs(10)).await,
        t0 + 4_300
    );
    for target in [t0 + 9_960, t0 + 111_111, t0 + 100] {
        tile.send(&ClientMessage::Seek { at: target })
            .await
            .unwrap();
        let got = first_frame(&mut tile, Duration::from_secs(10)).await;
        assert!(
            (target..target + 100).contains(&got),
            "seek {target}: {got}"
        );
    }
    // across two segment boundaries at 4x, then the hole is skipped
    tile.send(&ClientMessage::Seek { at: t0 + 3_000 })
        .await
        .unwrap();
    tile.send(&ClientMessage::Speed { speed: 4.0 })
        .await
        .unwrap();
    tile.send(&ClientMessage::Play).await.unwrap();
    let (numbered, states) = collect_numbered(&mut tile, Duration::from_secs(5), None).await;
    let frames: Vec<i64> = numbered.iter().map(|(t, _)| *t).collect();
    assert!(
        frames.windows(2).all(|w| w[1] > w[0]),
        "forward only: {frames:?}"
    );
    // 4x at 10 fps shows every frame the decoder keeps (the demo segments
    // have no non-reference frames to skip), 100 ms of recording apart. The
    // socket forwards a tile's latest picture, so a test reader held up on a
    // busy machine misses some; the session numbers every picture it shows
    // (`seq`), so those are told apart from a hole at a segment boundary,
    // which is a jump between two pictures shown one after the other.
    let steps: Vec<(i64, u32)> = numbered
        .windows(2)
        .filter(|w| (t0 + 3_300..t0 + 14_700).contains(&w[0].0))
        .filter(|w| (t0 + 3_300..t0 + 14_700).contains(&w[1].0))
        .map(|w| (w[1].0 - w[0].0, w[1].1.wrapping_sub(w[0].1)))
        .collect();
    let per_picture: Vec<i64> = steps
        .iter()
        .map(|(rec, n)| rec / i64::from((*n).max(1)))
        .collect();
    assert!(
        steps.len() > 10 && per_picture.iter().all(|d| *d <= 300),
        "no hole at the segment boundaries: (recording ms, pictures) {steps:?}"
    );
    let mut sorted = per_picture.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted[sorted.len() / 2],
        100,
        "4x shows every frame: {steps:?}"
    );
    assert!(
        frames.iter().any(|t| *t >= t0 + 50_000),
        "played past the hole: {states:?}"
    );
    assert!(
        states.iter().any(|s| s.starts_with("gap_skipped")),
        "{states:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn damaged_segments_are_reported_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
    seed_folder(dir.path(), t0);
    std::fs::write(
        dir.path().join("camera1/camera1_20250829_143130.mp4"),
        vec![0x47; 50_000],
    )
    .unwrap();
    let folder = SegmentFolder::new(dir.path().join("camera1"), zone("UTC").unwrap()).unwrap();
    use vigil_engine::playback::Recording;
    let spans = folder.spans(t0, t0 + 600_000).unwrap();
    assert!(
        spans.iter().all(|s| !s.contains(t0 + 80_000)),
        "the corrupt file's time is a gap"
    );
    let problems = folder.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems
        .iter()
        .any(|p| p.contains("143130") && !p.contains("truncated")));
    assert!(problems
        .iter()
        .any(|p| p.contains("143100") && p.contains("truncated")));
}

#[tokio::test(flavor = "multi_thread")]
async fn mediamtx_playback_api_lists_and_plays() {
    let (dir, t0) = mediamtx_recordings();
    let cam = dir.path().join("cam");
    // and one more after a gap
    write_segment(
        &cam.join("2025-08-29_14-30-30-000000.mp4"),
        &spec(Container::FragmentedMp4),
        t0 + 19_750,
        4000,
    )
    .unwrap();
    let sim = MediaMtxSim::start(dir.path(), "UTC", Some(("viewer", "s3cret")));
    let engine = engine().await;

    let bad = format!("mediamtx:http://viewer:hunter2x@127.0.0.1:{}#cam", sim.port);
    let (_, rec) = open_source(&bad, "UTC").unwrap().unwrap();
    let err = rec.spans(t0, t0 + 60_000).unwrap_err().to_string();
    assert!(err.contains("authentication failed"), "{err}");
    assert!(!err.contains("hunter2x"), "no password in errors: {err}");

    let id = register(
        &engine,
        &format!("mediamtx:http://viewer:s3cret@127.0.0.1:{}#cam", sim.port),
        "UTC",
    )
    .await;
    let spans = engine.recordings(&id, t0 - 60_000, t0 + 60_000).unwrap();
    assert_eq!(
        spans,
        vec![
            Span::new(t0, t0 + 8000),
            Span::new(t0 + 19_750, t0 + 23_750)
        ]
    );

    let hub = engine.hub_info();
    let mut tile = TileClient::playback(&hub, &id, SIZE, t0 + 1_550, 1.0, "&paused=1")
        .await
        .unwrap();
    assert_eq!(
        first_frame(&mut tile, Duration::from_secs(10)).await,
        t0 + 1_600,
        "mid-GOP seek"
    );
    tile.send(&ClientMessage::Seek { at: t0 + 6_500 })
        .await
        .unwrap();
    assert_eq!(
        first_frame(&mut tile, Duration::from_secs(10)).await,
        t0 + 6_500
    );
    tile.send(&ClientMessage::Speed { speed: 8.0 })
        .await
        .unwrap();
    tile.send(&ClientMessage::Play).await.unwrap();
    let (frames, states) = collect(&mut tile, Duration::from_secs(4)).await;
    assert!(
        frames.iter().any(|t| *t >= t0 + 19_750),
        "gap crossed: {frames:?} {states:?}"
    );
    assert!(frames
        .iter()
        .all(|t| !(t0 + 8_000..t0 + 19_750).contains(t)));
}

#[tokio::test(flavor = "multi_thread")]
async fn rtsp_replay_seeks_with_range_and_plays_in_real_time() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rec.mp4");
    let t0 = parse_rfc3339("2025-08-29T14:30:00Z").unwrap();
    let mut s = spec(Container::Mp4FastStart);
    s.fps = 15;
    s.gop = 15;
    write_segment(&file, &s, t0, 20_000).unwrap();
    let server = RtspServer::start(free_port(), &["--file", file.to_str().unwrap()]);
    let engine = engine().await;
    let src = format!(
        "rtsp-replay:{}#start=2025-08-29T14:30:00Z",
        server.url("/rec")
    );
    let id = tokio::task::block_in_place(|| {
        let (name, rec) = open_source(&src, "UTC").unwrap().unwrap();
        engine.add_recording_source(&name, rec).unwrap().id
    });
    let spans =
        tokio::task::block_in_place(|| engine.recordings(&id, t0 - 1000, t0 + 60_000)).unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].start_ms, t0);
    assert!((spans[0].end_ms - (t0 + 20_000)).abs() <= 100, "{spans:?}");

    let hub = engine.hub_info();
    let target = t0 + 7_300;
    let mut tile = TileClient::playback(&hub, &id, SIZE, target, 1.0, "")
        .await
        .unwrap();
    let first = first_frame(&mut tile, Duration::from_secs(15)).await;
    // keyframe-accurate: the server starts at the keyframe at or after the npt
    assert!(
        (target..target + 1000).contains(&first),
        "first frame {first} for {target}"
    );
    let started = Instant::now();
    let (frames, _) = collect(&mut tile, Duration::from_secs(3)).await;
    let advanced = frames.last().unwrap() - first;
    let wall = started.elapsed().as_millis() as i64;
    assert!(
        (advanced - wall).abs() < 700,
        "1x: {advanced} ms of recording in {wall} ms"
    );
    assert!(frames.windows(2).all(|w| w[1] > w[0]));

    // without #start=, npt 0 is dated by the server's sender report (the
    // GStreamer server's wall clock: the replay's start is now)
    let before = vigil_engine::media::source::now_ms();
    let bare = format!("rtsp-replay:{}", server.url("/rec"));
    let (_, rec) = tokio::task::block_in_place(|| open_source(&bare, "UTC").unwrap().unwrap());
    let after = vigil_engine::media::source::now_ms();
    let spans = rec.spans(0, i64::MAX).unwrap();
    assert_eq!(spans.len(), 1, "{spans:?}");
    assert!(
        (before - 2_000..after + 2_000).contains(&spans[0].start_ms),
        "dated by the sender report: {} not within {before}..{after}",
        spans[0].start_ms
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mediamtx_reader_is_exact_at_every_decimation() {
    use vigil_engine::playback::{Decimation, ReadEvent};
    let (dir, t0) = mediamtx_recordings();
    let sim = MediaMtxSim::start(dir.path(), "UTC", None);
    let (_, rec) = open_source(
        &format!("mediamtx:http://127.0.0.1:{}#cam", sim.port),
        "UTC",
    )
    .unwrap()
    .unwrap();
    for d in [Decimation::All, Decimation::KeyframesOnly] {
        let mut r =
            tokio::task::block_in_place(|| rec.open(t0 + 6_500, d, Default::default())).unwrap();
        let mut out = vec![];
        for _ in 0..12 {
            match tokio::task::block_in_place(|| r.next()).unwrap() {
                ReadEvent::Frame(f) => {
                    let tc = vigil_engine::media::vtc1::read_luma(
                        f.frame.data(0),
                        320,
                        180,
                        f.frame.stride(0),
                    )
                    .unwrap() as i64;
                    out.push((f.ts_ms - t0, tc - t0));
                }
                ReadEvent::Gap { .. } => out.push((-1, -1)),
                ReadEvent::End => break,
            }
        }
        assert!(
            out.iter().all(|(ts, tc)| ts == tc),
            "{d:?}: picture = time: {out:?}"
        );
        let expected: Vec<(i64, i64)> = match d {
            Decimation::All => (0..12)
                .map(|i| (6_500 + i * 100, 6_500 + i * 100))
                .collect(),
            // the first visible frame, then keyframes only
            _ => [6_500, 7_000].iter().map(|t| (*t, *t)).collect(),
        };
        assert_eq!(out, expected, "{d:?}: the recording ends at 8 s");
    }
}
