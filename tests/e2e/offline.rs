//! Offline investigation (issue 16, "open anything"): a folder of mixed
//! exported files (MKV H.265 named by seed 003's scheme, MPEG-TS H.264 named
//! by MediaMTX's, an AVI MJPEG with a Vigil sidecar, an MP4 with a container
//! creation_time, an MP4 whose start only the operator knows, a truncated
//! and a garbage file) opens as one offline site with the right cameras and
//! spans; seeks and frame steps land on the exact frame (VTC1 decides); the
//! damaged files are named with their problem and the others still play; the
//! CLI does it all with networking off (a network namespace with no
//! interfaces); every camera lists its files' real size. FFmpeg cannot
//! write Dahua DHAV (it only demuxes it): the DHAV fixture is written at
//! test time by the Dahua simulator's own writer (tests/dahua_sim/frames.py)
//! into a recorder's folder layout and opens with exact spans.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::ClientMessage;
use vigil_engine::media::file_writer::Container;
use vigil_engine::offline::catalog::StartSource;
use vigil_engine::offline::open::OfflineOpen;
use vigil_engine::playback::day::{format_rfc3339, parse_rfc3339};
use vigil_engine::playback::demo_segments::{write_segment, SegmentSpec};
use vigil_engine::playback::Span;
use vigil_tests::vigil_bin;

const SIZE: (u32, u32) = (320, 180);

fn spec() -> SegmentSpec {
    SegmentSpec {
        camera_index: 1,
        width: 320,
        height: 180,
        fps: 10,
        gop: 10,
        container: Container::Mp4FastStart,
    }
}

/// A VTC1 H.264 MP4 of `[start, start + ms)` at 10 fps.
fn vtc1(path: &Path, start: i64, ms: i64) {
    write_segment(path, &spec(), start, ms).unwrap();
}

/// Runs the ffmpeg CLI (no network: file in, file out).
fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Re-muxes or re-encodes a VTC1 file into another container and codec.
fn convert(src: &Path, dst: &Path, codec: &[&str], extra: &[&str]) {
    let (s, d) = (src.to_str().unwrap(), dst.to_str().unwrap());
    let mut a = vec!["-i", s, "-an", "-map_metadata", "-1"];
    a.extend_from_slice(codec);
    a.extend_from_slice(extra);
    a.push(d);
    ffmpeg(&a);
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    t0: i64,
}

/// The mixed folder (see the module doc); every file 4 s at 10 fps.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("usb-export");
    let work = dir.path().join("work");
    for d in [&root, &work, &root.join("north"), &root.join("lobby")] {
        std::fs::create_dir_all(d).unwrap();
    }
    let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
    let src = |name: &str, start: i64| {
        let p = work.join(name);
        vtc1(&p, start, 4000);
        p
    };
    // MKV H.265, named {camera}_{YYYYMMDD}_{HHMMSS}
    convert(
        &src("a.mp4", t0),
        &root.join("gate_20250829_143010.mkv"),
        &["-c:v", "libx265", "-crf", "18", "-g", "10"],
        &["-x265-params", "log-level=none"],
    );
    // MPEG-TS H.264 (stream copy), MediaMTX naming in the camera's folder
    convert(
        &src("b.mp4", t0 + 10_000),
        &root.join("north/2025-08-29_14-30-20-000000.ts"),
        &["-c:v", "copy"],
        &["-f", "mpegts"],
    );
    // AVI MJPEG with a Vigil footage sidecar naming its camera and start
    convert(
        &src("c.mp4", t0 + 20_000),
        &root.join("lobby/export.avi"),
        &["-c:v", "mjpeg", "-q:v", "2"],
        &[],
    );
    std::fs::write(
        root.join("lobby/export.json"),
        sidecar("Lobby", t0 + 20_000),
    )
    .unwrap();
    // MP4 whose container states its creation_time
    convert(
        &src("d.mp4", t0 + 30_000),
        &root.join("desk.mp4"),
        &["-c:v", "copy"],
        &["-metadata", "creation_time=2025-08-29T14:30:40.000000Z"],
    );
    // MP4 with no time anywhere: the operator says when it starts
    convert(
        &src("e.mp4", t0 + 40_000),
        &root.join("mystery.mp4"),
        &["-c:v", "copy"],
        &[],
    );
    // a truncated file and a garbage one of a named camera
    let cut = root.join("gate_20250829_143200.mp4");
    vtc1(&cut, t0 + 110_000, 4000);
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(root.join("dock.mp4"), vec![0x5a; 30_000]).unwrap();
    Fixture {
        _dir: dir,
        root,
        t0,
    }
}

/// A footage sidecar (vigil-footage-sidecar/1) for a clip of `camera` from `start`.
fn sidecar(camera: &str, start: i64) -> String {
    let range = serde_json::json!({
        "start": format_rfc3339(start), "end": format_rfc3339(start + 4000),
        "startMs": start, "endMs": start + 4000,
    });
    serde_json::json!({
        "format": "vigil-footage-sidecar/1", "caseId": "c1", "caseLabel": "test",
        "cameraId": "site-1", "cameraName": camera, "siteId": "site",
        "event": format_rfc3339(start + 2000), "requested": range, "actual": range,
        "frames": 40, "method": "stream_copy", "source": "test", "codec": "mjpeg",
        "gaps": [], "segments": [], "files": [], "created": format_rfc3339(start),
    })
    .to_string()
}

async fn engine(db: &Path) -> Engine {
    Engine::start(EngineConfig {
        database: Some(db.to_path_buf()),
        ..Default::default()
    })
    .await
    .expect("engine")
}

fn camera<'a>(o: &'a OfflineOpen, name: &str) -> &'a vigil_engine::offline::open::OfflineCamera {
    o.cameras
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("camera {name} in {:?}", o.cameras))
}

fn file<'a>(o: &'a OfflineOpen, end: &str) -> &'a vigil_engine::offline::open::OfflineFile {
    o.files
        .iter()
        .find(|f| f.path.ends_with(end))
        .unwrap_or_else(|| panic!("file {end} in {:?}", o.files))
}

/// The VTC1 time of the next frame the tile gets (the header agrees).
async fn next_vtc1(tile: &mut TileClient) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut states = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = tokio::time::timeout(left, tile.next())
            .await
            .unwrap_or_else(|_| panic!("no frame in time; statuses {states:?}"))
            .expect("hub open")
            .expect("hub");
        match ev {
            HubEvent::Frame {
                header, payload, ..
            } => {
                let (w, h) = (header.width as usize, header.height as usize);
                let tc = vigil_engine::media::vtc1::read_luma(&payload[..w * h], w, h, w)
                    .expect("VTC1 in the frame") as i64;
                assert_eq!(tc, header.ts_ms, "the header carries the frame's time");
                return tc;
            }
            HubEvent::Status(s) => states.push(format!("{s:?}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_of_mixed_files_opens_plays_and_steps_exactly() {
    let fx = fixture();
    let t0 = fx.t0;
    let data = tempfile::tempdir().unwrap();
    let db = data.path().join("vigil.db");
    let engine = engine(&db).await;
    let open = engine
        .open_offline(std::slice::from_ref(&fx.root), Some("UTC"))
        .await
        .unwrap();

    // the cameras: by name, by folder, by sidecar, and the root's own
    let mut names: Vec<&str> = open.cameras.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Lobby", "gate", "north", "usb-export"], "{open:#?}");
    assert_eq!(
        file(&open, "gate_20250829_143010.mkv").source,
        Some(StartSource::Name)
    );
    assert_eq!(
        file(&open, "2025-08-29_14-30-20-000000.ts").source,
        Some(StartSource::Name)
    );
    assert_eq!(file(&open, "export.avi").source, Some(StartSource::Sidecar));
    assert_eq!(file(&open, "desk.mp4").source, Some(StartSource::Container));
    // the spans: each file's start plus its duration, from the container
    assert_eq!(
        camera(&open, "north").spans,
        vec![Span::new(t0 + 10_000, t0 + 14_000)]
    );
    assert_eq!(
        camera(&open, "Lobby").spans,
        vec![Span::new(t0 + 20_000, t0 + 24_000)]
    );
    assert_eq!(
        camera(&open, "usb-export").spans,
        vec![Span::new(t0 + 30_000, t0 + 34_000)]
    );
    let gate = camera(&open, "gate");
    assert_eq!(gate.spans[0], Span::new(t0, t0 + 4000), "{:?}", gate.spans);
    // the truncated file keeps what is readable and says so; garbage is named
    let cut = file(&open, "gate_20250829_143200.mp4");
    assert!(
        cut.problem
            .as_deref()
            .is_some_and(|p| p.starts_with("truncated")),
        "{cut:?}"
    );
    let junk = file(&open, "dock.mp4");
    assert!(
        junk.problem.is_some() && junk.start_ms.is_none(),
        "{junk:?}"
    );
    // nothing says when mystery.mp4 starts: the operator is asked
    let mystery = fx.root.join("mystery.mp4");
    assert_eq!(open.needs_start, vec![mystery.display().to_string()]);
    assert!(open.package.is_none());
    // every camera lists its files' real size, not an assumed 1920x1080
    let listed: Vec<_> = engine
        .cameras()
        .unwrap()
        .into_iter()
        .filter(|c| c.site == open.site.id)
        .collect();
    assert_eq!(listed.len(), 4, "{listed:#?}");
    for c in &listed {
        let s = &c.streams[0];
        assert_eq!((s.width, s.height), SIZE, "{}: {s:?}", c.name);
    }
    let gate = listed.iter().find(|c| c.name == "gate").unwrap();
    assert_eq!(gate.streams[0].codec, "HEVC");

    // the operator's start (Berlin local time) is remembered per file
    engine
        .set_offline_file_start(&mystery, "2025-08-29T16:30:50", "Europe/Berlin")
        .await
        .unwrap();
    let again = engine
        .open_offline(std::slice::from_ref(&fx.root), None)
        .await
        .unwrap();
    assert_eq!(
        again.site.id, open.site.id,
        "the same paths reuse their site"
    );
    assert!(again.needs_start.is_empty());
    assert_eq!(
        file(&again, "mystery.mp4").source,
        Some(StartSource::Operator)
    );
    assert_eq!(
        camera(&again, "usb-export").spans,
        vec![
            Span::new(t0 + 30_000, t0 + 34_000),
            Span::new(t0 + 40_000, t0 + 44_000)
        ]
    );
    let ids: Vec<&str> = open.cameras.iter().map(|c| c.id.as_str()).collect();
    for c in &again.cameras {
        assert!(
            ids.contains(&c.id.as_str()),
            "stable ids: {} in {ids:?}",
            c.id
        );
    }
    let recent = engine.offline_recent();
    assert_eq!(recent[0].paths, vec![fx.root.display().to_string()]);

    // every camera: a seek lands on the frame at or after the target, steps
    // go one frame each way (10 fps: frames every 100 ms)
    let hub = engine.hub_info();
    for (name, start) in [
        ("gate", t0),
        ("north", t0 + 10_000),
        ("Lobby", t0 + 20_000),
        ("usb-export", t0 + 40_000),
    ] {
        let cam = &camera(&again, name).id;
        eprintln!("playing {name} ({cam})");
        let at = start + 1_250;
        let mut tile = TileClient::playback(&hub, cam, SIZE, at, 1.0, "&paused=1")
            .await
            .unwrap();
        assert_eq!(next_vtc1(&mut tile).await, start + 1_300, "{name}: seek");
        for (step, expect) in [
            (1, 1_400),
            (1, 1_500),
            (-1, 1_400),
            (-1, 1_300),
            (-1, 1_200),
        ] {
            tile.send(&ClientMessage::Step { frames: step })
                .await
                .unwrap();
            assert_eq!(
                next_vtc1(&mut tile).await,
                start + expect,
                "{name}: step {step}"
            );
        }
        tile.close().await;
        // the last frame, from a fresh tile: a seek sent right after a
        // reverse step can be overtaken by that step under load (reported
        // to the session's owner), which is not what this test is about
        let mut tile = TileClient::playback(&hub, cam, SIZE, start + 3_850, 1.0, "&paused=1")
            .await
            .unwrap();
        assert_eq!(
            next_vtc1(&mut tile).await,
            start + 3_900,
            "{name}: last frame"
        );
        tile.close().await;
    }
    // the first segment of the truncated camera still plays around the bad file
    let gate_id = camera(&again, "gate").id.clone();
    let mut tile = TileClient::playback(&hub, &gate_id, SIZE, t0 + 3_000, 1.0, "&paused=1")
        .await
        .unwrap();
    assert_eq!(next_vtc1(&mut tile).await, t0 + 3_000);
    tile.close().await;
}

/// The CLI in a network namespace with no interfaces up.
#[test]
fn vigil_open_works_with_networking_off() {
    let fx = fixture();
    let data = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = Command::new("unshare");
        cmd.args(["-rn", "--"]).arg(vigil_bin()).arg("open");
        cmd.arg(&fx.root).args(["--tz", "UTC"]).args(extra);
        cmd.env("VIGIL_DATA_DIR", data.path());
        let out = cmd.output().expect("unshare");
        assert!(
            out.status.success(),
            "vigil open: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>()
    };
    // no interface but loopback, and that one down
    let ip = Command::new("unshare")
        .args(["-rn", "cat", "/proc/net/dev"])
        .output()
        .unwrap();
    let dev = String::from_utf8_lossy(&ip.stdout);
    assert!(
        dev.lines()
            .skip(2)
            .all(|l| l.trim_start().starts_with("lo:")),
        "{dev}"
    );

    let lines = run(&[]);
    let kind = |t: &'static str| lines.iter().filter(move |l| l["type"] == t);
    assert_eq!(kind("site").count(), 1);
    let mut cams: Vec<String> = kind("camera")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    cams.sort();
    assert_eq!(cams, ["Lobby", "gate", "north", "usb-export"]);
    let north = kind("camera").find(|c| c["name"] == "north").unwrap();
    assert_eq!(north["spans"][0]["start"], "2025-08-29T14:30:20.000Z");
    assert_eq!(north["spans"][0]["end"], "2025-08-29T14:30:24.000Z");
    assert!(kind("span").count() >= 4);
    let needs: Vec<&serde_json::Value> = kind("needs_start").collect();
    assert_eq!(needs.len(), 1);
    assert!(needs[0]["path"].as_str().unwrap().ends_with("mystery.mp4"));
    let cut = kind("file")
        .find(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .ends_with("gate_20250829_143200.mp4")
        })
        .unwrap();
    assert!(
        cut["problem"].as_str().unwrap().starts_with("truncated"),
        "{cut}"
    );

    // the operator's start from the CLI, then it plays on the root's camera
    let mystery = fx.root.join("mystery.mp4");
    let lines = run(&[
        "--set-start",
        mystery.to_str().unwrap(),
        "--at",
        "2025-08-29T14:30:50",
        "--zone",
        "UTC",
    ]);
    let f = lines
        .iter()
        .find(|l| l["type"] == "file" && l["path"].as_str().unwrap().ends_with("mystery.mp4"))
        .unwrap();
    assert_eq!(f["source"], "operator");
    assert_eq!(f["start"], "2025-08-29T14:30:50.000Z");
    assert!(!lines.iter().any(|l| l["type"] == "needs_start"));
}

/// Writes `secs` seconds of DHAV (10 fps, VTC1 from `start` UTC, the
/// device's civil time = UTC) with the simulator's writer.
fn dhav(path: &Path, start: i64, secs: i64) {
    let frames = Path::new(env!("CARGO_MANIFEST_DIR")).join("dahua_sim");
    let script = format!(
        "import sys, datetime as dt; sys.path.insert(0, {frames:?}); import frames\n\
         times = [{start} + i * 100 for i in range({n})]\n\
         data = frames.dhav_clip({w}, {h}, 10, times, 1, lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc))\n\
         open({out:?}, 'wb').write(data)\n",
        frames = frames.display().to_string(),
        n = secs * 10,
        w = SIZE.0,
        h = SIZE.1,
        out = path.display().to_string(),
    );
    let out = Command::new("/usr/bin/python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dahua_recorder_folder_of_dav_files_opens_with_exact_spans() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nvr-export");
    let hour = root.join("2026-01-01/001/dav/09");
    std::fs::create_dir_all(&hour).unwrap();
    let t0 = parse_rfc3339("2026-01-01T09:00:00Z").unwrap();
    dhav(&hour.join("09.00.00-09.00.20[R][0@0][0].dav"), t0, 20);
    dhav(
        &hour.join("09.00.30-09.00.40[R][0@0][0].dav"),
        t0 + 30_000,
        10,
    );
    let data = tempfile::tempdir().unwrap();
    let engine = engine(&data.path().join("vigil.db")).await;
    let open = engine
        .open_offline(std::slice::from_ref(&root), Some("UTC"))
        .await
        .unwrap();
    let cam = camera(&open, "001");
    assert_eq!(
        cam.spans,
        vec![
            Span::new(t0, t0 + 20_000),
            Span::new(t0 + 30_000, t0 + 40_000)
        ],
        "{open:#?}"
    );
    for f in &open.files {
        assert_eq!(f.source, Some(StartSource::Name), "{f:?}");
        assert!(f.problem.is_none(), "{f:?}");
    }
    // FFmpeg's dhav demuxer reads every frame, VTC1 from the first
    let p =
        vigil_engine::footage::probe::probe_clip(&hour.join("09.00.00-09.00.20[R][0@0][0].dav"))
            .unwrap();
    assert_eq!(p.frames.len(), 200);
    assert_eq!(p.frames[0].vtc1, Some(t0));
    // the camera lists the files' real size
    let listed = engine.cameras().unwrap();
    let c = listed.iter().find(|c| c.site == open.site.id).unwrap();
    assert_eq!((c.streams[0].width, c.streams[0].height), SIZE);
}

/// A `.dav` saved with a firmware preamble (a few KB before the first
/// `DHAV`, PROTOCOLS.md 5.3) reads from its first frame: FFmpeg is handed the
/// file from the first `DHAV` on. Without that it probes the file as raw
/// H.264 with no timestamps ("no video frames"), or forced to `dhav` drops
/// the first GOP.
#[tokio::test(flavor = "multi_thread")]
async fn a_dav_saved_with_a_firmware_preamble_reads_from_its_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let hour = dir.path().join("stick/2026-01-01/001/dav/09");
    std::fs::create_dir_all(&hour).unwrap();
    let t0 = parse_rfc3339("2026-01-01T09:00:00Z").unwrap();
    let path = hour.join("09.00.00-09.00.10[R][0@0][0].dav");
    dhav(&path, t0, 10);
    let mut bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    bytes.extend(std::fs::read(&path).unwrap());
    std::fs::write(&path, bytes).unwrap();
    let data = tempfile::tempdir().unwrap();
    let engine = engine(&data.path().join("vigil.db")).await;
    let root = dir.path().join("stick");
    let open = engine
        .open_offline(std::slice::from_ref(&root), Some("UTC"))
        .await
        .unwrap();
    assert!(open.files[0].problem.is_none(), "{open:#?}");
    // every frame is read (10 s at 10 fps: the span ends one frame step
    // after the last frame's start)
    assert_eq!(
        camera(&open, "001").spans,
        vec![Span::new(t0, t0 + 10_000)],
        "{open:#?}"
    );
    // the reader's first frame is the file's first, VTC1 says so
    let mut input = vigil_engine::playback::file_input::open_recorded_file(
        &path,
        vigil_engine::media::source::StopFlag::default(),
    )
    .unwrap();
    let first = input.next_frame().unwrap().expect("a frame");
    assert_eq!(first.offset_ms, 0);
    assert!(first.keyframe);
    let f = &first.frame;
    let tc = vigil_engine::media::vtc1::read_luma(
        f.data(0),
        f.width() as usize,
        f.height() as usize,
        f.stride(0),
    )
    .expect("VTC1 in the first frame") as i64;
    assert_eq!(tc, t0, "the first frame after the preamble");
    // and it plays like any file: a paused tile inside the first GOP shows
    // the frame at or after its time, steps go one frame each way
    let hub = engine.hub_info();
    let cam = &camera(&open, "001").id;
    for (at, expect) in [(t0 + 250, t0 + 300), (t0 + 5_250, t0 + 5_300)] {
        let mut tile = TileClient::playback(&hub, cam, SIZE, at, 1.0, "&paused=1")
            .await
            .unwrap();
        assert_eq!(next_vtc1(&mut tile).await, expect, "seek to {at}");
        tile.send(&ClientMessage::Step { frames: 1 }).await.unwrap();
        assert_eq!(next_vtc1(&mut tile).await, expect + 100);
        tile.send(&ClientMessage::Step { frames: -1 })
            .await
            .unwrap();
        assert_eq!(next_vtc1(&mut tile).await, expect);
        tile.close().await;
    }
}
