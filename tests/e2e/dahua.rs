//! The `dahua` site kind against the Dahua device simulator
//! (tests/dahua_sim): channels of an NVR, live RTSP within a second of the
//! wall clock (VTC1), coverage of a device in Tokyo for a site in Berlin,
//! UTC-exact, paged past 100 files, finder handles always released (also
//! after an error), a case clip by loadfile.cgi that reads event-5 s ..
//! event+5 s, PTZ start then exactly one stop, presets, clear errors that
//! store nothing, `vigil sites add dahua`, and the independent PyPI clients
//! aiodahua, dahua-rpc-api and amcrest against the same simulator.
//! The CLI test stores a password: it needs a keyring session (as .ci/test
//! runs it); the PyPI clients come from the .ci/setup venvs.
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::footage::durable::Unguarded;
use vigil_engine::footage::probe::probe_clip;
use vigil_engine::footage::server_export::{download_export_to, DownloadOptions};
use vigil_engine::hub::client::TileClient;
use vigil_engine::ingest::Policy;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::secrets::SecretStore;
use vigil_engine::store::Store;
use vigil_engine::vms::export::ExportRequest;
use vigil_engine::vms::kinds::{self, SiteConfig, SiteContext};
use vigil_engine::vms::site::{SiteCamera, SiteInfo, SiteRequest, SiteSecret};
use vigil_engine::vms::VmsAdapter;
use vigil_tests::dahua::DahuaSim;
use vigil_tests::onvif::{venv_python, vigil_bin};
use vigil_tests::*;

const USER: &str = "admin";
const SECRET: &str = "Dahua-s3cret-8812";
/// 2026-01-01T00:00:00Z: the simulated archive starts here.
const T0: i64 = 1_767_225_600_000;
/// Two spans: 1300 s, a gap, 60 s (130 + 6 files of 10 s).
const ARCHIVE: &str = "2026-01-01T00:00:00Z/1300,2026-01-01T00:30:00Z/60";
const FPS: i64 = 10;

fn sim(extra: &[&str]) -> DahuaSim {
    DahuaSim::start(&[&["--user", USER, "--password", SECRET][..], extra].concat())
}

async fn engine_with(ptz_deadline: Duration) -> Engine {
    Engine::start(EngineConfig {
        database: None,
        policy: Policy {
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(2),
            auth_attempts: 1,
        },
        ptz_deadline,
        onvif_timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn request(address: &str, password: &str, tz: &str) -> SiteRequest {
    SiteRequest {
        kind: "dahua".into(),
        address: address.into(),
        user: Some(USER.into()),
        password: Some(password.into()),
        time_zone: Some(tz.into()),
        ..Default::default()
    }
}

/// The adapter of a site on `address`, opened as the registry opens it,
/// and its cameras.
async fn adapter(address: &str, tz: &str) -> (Arc<dyn VmsAdapter>, Vec<SiteCamera>) {
    let ctx = SiteContext {
        store: Arc::new(Store::open_in_memory().unwrap()),
        secrets: SecretStore::new(format!("vigil-dahua-e2e-{}", std::process::id())),
        rt: tokio::runtime::Handle::current(),
        request_timeout: Duration::from_secs(5),
        demo_cameras: 0,
    };
    let mut info = SiteInfo {
        id: "dahua-1".into(),
        kind: "dahua".into(),
        name: "Depot NVR".into(),
        address: address.into(),
        time_zone: tz.into(),
        user: Some(USER.into()),
        tls_pin: None,
        options: Default::default(),
        created_ms: 0,
    };
    let kind = kinds::kind("dahua").unwrap();
    kind.prepare(&mut info).unwrap();
    let a = kind
        .open(
            &ctx,
            SiteConfig {
                info,
                secret: SiteSecret::Memory(Some(SECRET.into())),
            },
        )
        .unwrap();
    let cams = a
        .list_cameras()
        .await
        .unwrap()
        .into_iter()
        .map(|r| SiteCamera {
            id: format!("dahua-1-{}", r.vms_ref),
            site_id: "dahua-1".into(),
            record: r,
        })
        .collect();
    (a, cams)
}

#[tokio::test(flavor = "multi_thread")]
async fn nvr_channels_list_and_live_is_within_a_second_of_the_wall_clock() {
    let sim = sim(&[
        "--kind",
        "nvr",
        "--channels",
        "4",
        "--wired",
        "1,2,4",
        "--titles",
        "Gate,Yard,,Dock",
        "--size",
        "640x360",
        "--sub-size",
        "320x180",
        "--ptz",
        "1",
    ]);
    let engine = engine_with(Duration::from_secs(2)).await;
    let probe = engine
        .add_transient_site("dahua", request(&sim.address(), SECRET, "Europe/Berlin"))
        .await
        .unwrap();
    let cams = &probe.cameras;
    let names: Vec<_> = cams.iter().map(|c| c.name.as_str()).collect();
    // slot 2 (channel 3) is unwired: skipped
    assert_eq!(names, ["Gate", "Yard", "Dock"], "{cams:?}");
    assert_eq!(cams.iter().filter(|c| c.ptz).count(), 1);
    let sizes: Vec<_> = cams[0]
        .streams
        .iter()
        .map(|s| (s.width, s.height, s.codec.as_str()))
        .collect();
    assert_eq!(sizes, [(640, 360, "H264"), (320, 180, "H264")]);
    let mut tile = TileClient::connect(&engine.hub_info(), &cams[2].id, 320, 180, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 20, Duration::from_secs(30), &mut st).await;
    assert_eq!(got.len(), 20, "{st:?}");
    assert_increasing_timecodes(&got);
    // latency = arrival - timecode, loopback; the last 10 (past start-up)
    assert_live_lag(&got[10..]);
    let describes = sim.calls("rtsp:/cam/realmonitor", "DESCRIBE");
    assert!(
        describes.iter().any(|c| c["query"]["channel"] == "4"),
        "channel 4 asked: {describes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tokyo_device_gives_utc_exact_spans_paged_past_100_files_and_releases_its_finder() {
    let sim = sim(&[
        "--tz",
        "Asia/Tokyo",
        "--archive",
        ARCHIVE,
        "--file-seconds",
        "10",
        "--no-rtsp",
    ]);
    let engine = engine_with(Duration::from_secs(2)).await;
    let cams = engine
        .add_transient_site("dahua", request(&sim.address(), SECRET, "Europe/Berlin"))
        .await
        .unwrap()
        .cameras;
    let spans = engine
        .recordings_async(&cams[0].id, T0 - 3_600_000, T0 + 3_600_000)
        .await
        .unwrap();
    let got: Vec<_> = spans.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    let want = [(T0, T0 + 1_300_000), (T0 + 1_800_000, T0 + 1_860_000)];
    assert_eq!(got.len(), 2, "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.0 - w.0).abs() <= 1000 && (g.1 - w.1).abs() <= 1000,
            "{got:?} vs {want:?}"
        );
    }
    // the query was in Tokyo's civil time: 00:00Z - 1 h = 08:00 local
    let find = sim.calls("mediaFileFind.cgi", "findFile");
    assert_eq!(
        find[0]["query"]["condition.StartTime"],
        "2026-01-01 08:00:00"
    );
    let pages = sim.calls("mediaFileFind.cgi", "findNextFile");
    assert_eq!(pages.len(), 3, "136 files: 100, 36, then found=0");
    let st = sim.state();
    assert_eq!(st["open_finders"], 0, "finder released");
    assert_eq!(sim.calls("mediaFileFind.cgi", "close").len(), 1);
    assert_eq!(sim.calls("mediaFileFind.cgi", "destroy").len(), 1);
}

/// 2026-03-29 in Berlin: 23 hours from 2026-03-28T23:00Z (CET to CEST at 01:00Z).
const BERLIN_SHORT_DAY: i64 = 1_774_738_800_000;
/// 2026-10-25 in Berlin: 25 hours from 2026-10-24T22:00Z (CEST to CET at 01:00Z).
const BERLIN_LONG_DAY: i64 = 1_792_879_200_000;

#[tokio::test(flavor = "multi_thread")]
async fn a_berlin_device_without_a_zone_option_gives_exact_spans_on_its_dst_days() {
    // the device's zone comes from its NTP and Locales configuration: no
    // device_time_zone option, and a site in UTC
    let sim = sim(&[
        "--tz",
        "Europe/Berlin",
        "--archive",
        "2026-03-28T23:00:00Z/82800,2026-10-24T22:00:00Z/90000",
        "--file-seconds",
        "3600",
        "--no-rtsp",
    ]);
    let engine = engine_with(Duration::from_secs(2)).await;
    let cams = engine
        .add_transient_site("dahua", request(&sim.address(), SECRET, "UTC"))
        .await
        .unwrap()
        .cameras;
    for (day, hours) in [(BERLIN_SHORT_DAY, 23), (BERLIN_LONG_DAY, 25)] {
        let end = day + hours * 3_600_000;
        let spans = engine
            .recordings_async(&cams[0].id, day - 3_600_000, end + 3_600_000)
            .await
            .unwrap();
        let got: Vec<_> = spans.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(got.len(), 1, "one span for the whole day: {got:?}");
        assert!(
            (got[0].0 - day).abs() <= 1000 && (got[0].1 - end).abs() <= 1000,
            "{hours} h day: {got:?} vs {:?}",
            (day, end)
        );
    }
    // both searches were asked in Berlin's civil time of their season
    let starts: Vec<String> = sim
        .calls("mediaFileFind.cgi", "findFile")
        .iter()
        .map(|c| {
            c["query"]["condition.StartTime"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        starts.contains(&"2026-03-28 23:00:00".to_string()),
        "{starts:?}"
    );
    assert!(
        starts.contains(&"2026-10-24 23:00:00".to_string()),
        "{starts:?}"
    );
    assert_eq!(sim.state()["open_finders"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_search_still_closes_and_destroys_its_finder() {
    let sim = sim(&[
        "--archive",
        ARCHIVE,
        "--file-seconds",
        "10",
        "--fail-next-file",
        "2",
        "--no-rtsp",
    ]);
    let engine = engine_with(Duration::from_secs(2)).await;
    let cams = engine
        .add_transient_site("dahua", request(&sim.address(), SECRET, "UTC"))
        .await
        .unwrap()
        .cameras;
    let e = engine
        .recordings_async(&cams[0].id, T0, T0 + 3_600_000)
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("findNextFile") && text.contains("500"),
        "{text}"
    );
    assert!(!text.contains(SECRET));
    assert_eq!(sim.state()["open_finders"], 0, "released after the error");
    assert_eq!(sim.calls("mediaFileFind.cgi", "destroy").len(), 1);
}

/// The case clip event-5 s .. event+5 s of the first camera, downloaded by
/// the footage worker's server export; the VTC1 of every frame.
async fn case_clip_codes(a: &Arc<dyn VmsAdapter>, cam: &SiteCamera, event: i64) -> Vec<i64> {
    let exporter = a.clip_exporter(cam).unwrap();
    let req = ExportRequest {
        camera: cam.record.vms_ref.clone(),
        from_ms: event - 5000,
        to_ms: event + 5000,
    };
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("clip.mp4");
    let rt = tokio::runtime::Handle::current();
    let (clip, _) = tokio::task::spawn_blocking({
        let dest = dest.clone();
        move || {
            download_export_to(
                exporter.as_ref(),
                &req,
                &dest,
                "1",
                &Unguarded,
                &rt,
                &DownloadOptions::default(),
            )
        }
    })
    .await
    .unwrap()
    .unwrap();
    assert!(clip.frames > 0);
    let p = probe_clip(&dest).unwrap();
    let codes: Vec<i64> = p.frames.iter().filter_map(|f| f.vtc1).collect();
    assert_eq!(codes.len(), p.frames.len(), "every frame has its timecode");
    codes
}

/// The clip's first and last frames are event-5 s and event+5 s (one frame).
fn assert_event_window(codes: &[i64], event: i64) {
    let frame = 1000 / FPS;
    assert!(
        (codes[0] - (event - 5000)).abs() <= frame,
        "first {}",
        codes[0]
    );
    let last = *codes.last().unwrap();
    assert!((last - (event + 5000)).abs() <= frame, "last {last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_clip_by_loadfile_reads_event_minus_5_to_plus_5() {
    let sim = sim(&["--tz", "Asia/Tokyo", "--archive", ARCHIVE, "--no-rtsp"]);
    let (a, cams) = adapter(&sim.address(), "Europe/Berlin").await;
    let event = T0 + 600_000;
    let codes = case_clip_codes(&a, &cams[0], event).await;
    assert_event_window(&codes, event);
    let loads = sim.calls("loadfile.cgi", "startLoad");
    assert_eq!(loads[0]["query"]["startTime"], "2026-01-01 09:09:55");
    // a snapshot now is a JPEG
    let jpeg = a.snapshot(&cams[0], None).await.unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_clip_after_a_firmware_preamble_still_reads_event_minus_5_to_plus_5() {
    // 4 KB of binary before the first DHAV frame (PROTOCOLS.md 5.3)
    let sim = sim(&[
        "--tz",
        "Asia/Tokyo",
        "--archive",
        ARCHIVE,
        "--dhav-preamble",
        "4096",
        "--no-rtsp",
    ]);
    let (a, cams) = adapter(&sim.address(), "Europe/Berlin").await;
    let event = T0 + 600_000;
    let codes = case_clip_codes(&a, &cams[0], event).await;
    assert_event_window(&codes, event);
    let frame = 1000 / FPS;
    assert!(
        codes.windows(2).all(|w| w[1] - w[0] == frame),
        "no frame lost: {codes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ptz_start_gets_exactly_one_stop_and_presets_work() {
    let sim = sim(&["--ptz", "1", "--no-rtsp"]);
    let engine = engine_with(Duration::from_millis(700)).await;
    let cams = engine
        .add_transient_site("dahua", request(&sim.address(), SECRET, "UTC"))
        .await
        .unwrap()
        .cameras;
    let id = &cams[0].id;
    assert!(cams[0].ptz);
    let m = MoveRequest {
        pan: -1.0,
        tilt: 0.0,
        zoom: 0.0,
        speed: 0.5,
    };
    engine.ptz_move(id, m).await.unwrap();
    // the UI falls silent: the engine's deadline stops it
    let t0 = Instant::now();
    while sim.calls("ptz.cgi", "stop").is_empty() && t0.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // a late release from the UI sends nothing more
    engine.ptz_stop(id).await.unwrap();
    let starts = sim.calls("ptz.cgi", "start");
    let stops = sim.calls("ptz.cgi", "stop");
    assert_eq!((starts.len(), stops.len()), (1, 1), "{starts:?} {stops:?}");
    assert_eq!(starts[0]["query"]["code"], "Left");
    assert_eq!(starts[0]["query"]["arg2"], "4");
    assert_eq!(stops[0]["query"]["code"], "Left");
    let presets = engine.ptz_presets(id).await.unwrap();
    assert_eq!(presets.len(), 2, "{presets:?}");
    engine
        .ptz_goto_preset(id, &presets[1].token, 0.5)
        .await
        .unwrap();
    let saved = engine.ptz_save_preset(id, "Dock").await.unwrap();
    assert_eq!(saved.token, "3");
    let codes: Vec<String> = sim
        .calls("ptz.cgi", "start")
        .iter()
        .map(|c| c["query"]["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["Left", "GotoPreset", "SetPreset"]);
    // no ONVIF on this device: home is a clear Unsupported
    let e = engine.ptz_home(id, 0.5).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(e.to_string().contains("ONVIF"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ptz_home_is_onvif_goto_home_position_on_the_same_device() {
    let sim = sim(&[
        "--kind",
        "nvr",
        "--channels",
        "2",
        "--ptz",
        "2",
        "--onvif",
        "--no-rtsp",
    ]);
    let engine = engine_with(Duration::from_secs(2)).await;
    let cams = engine
        .add_transient_site("dahua", request(&sim.address(), SECRET, "UTC"))
        .await
        .unwrap()
        .cameras;
    let dome = cams.iter().find(|c| c.ptz).expect("channel 2 has PTZ");
    engine.ptz_home(&dome.id, 0.5).await.unwrap();
    let homes = sim.calls("/onvif/ptz_service", "GotoHomePosition");
    assert_eq!(homes.len(), 1, "{homes:?}");
    assert_eq!(homes[0]["query"]["ProfileToken"], "MediaProfile00100");
    // no ptz.cgi move was sent for it
    assert!(sim.calls("ptz.cgi", "start").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_unknown_channel_and_unreachable_are_clear_and_store_nothing() {
    let sim = sim(&["--no-rtsp"]);
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::start(EngineConfig {
        database: Some(dir.path().join("v.db")),
        keyring_service: format!("vigil-dahua-bad-{}", std::process::id()),
        onvif_timeout: Duration::from_secs(3),
        ..Default::default()
    })
    .await
    .unwrap();
    let before = engine.sites().len();
    let wrong = "not-the-Password-77";
    let e = engine
        .add_site(request(&sim.address(), wrong, "UTC"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains(wrong) && !text.contains(SECRET), "{text}");
    // one refused login costs at most two attempts (the device locks at five)
    assert!(sim.state()["calls"].as_array().unwrap().len() <= 3);
    let e = engine
        .add_site(request(
            &format!("http://127.0.0.1:{}", free_port()),
            SECRET,
            "UTC",
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unreachable, "{e}");
    assert_eq!(engine.sites().len(), before, "nothing stored");
    // a channel the device does not have
    let (a, cams) = adapter(&sim.address(), "UTC").await;
    let mut ghost = cams[0].clone();
    let mut extra = ghost.record.extra.clone();
    extra["channel"] = 9.into();
    ghost.record.extra = extra;
    let e = a.snapshot(&ghost, None).await.unwrap_err();
    let text = e.to_string();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{text}");
    assert!(
        text.contains("snapshot.cgi") && text.contains("400"),
        "{text}"
    );
}

#[test]
fn the_cli_adds_a_dahua_site_and_lists_its_cameras() {
    let sim = sim(&[
        "--kind",
        "nvr",
        "--channels",
        "2",
        "--titles",
        "Gate,Yard",
        "--no-rtsp",
    ]);
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(vigil_bin())
        .args([
            "sites",
            "add",
            "dahua",
            "--address",
            &sim.address(),
            "--user",
            USER,
            "--password-stdin",
        ])
        .env("VIGIL_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(SECRET.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout} {stderr}");
    assert!(
        stdout.contains("\"Gate\"") && stdout.contains("\"Yard\""),
        "{stdout}"
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
}

/// Runs `script` with a venv's Python against the simulator; prints its report.
fn pypi_client(venv: &str, script: &str, sim: &DahuaSim) -> serde_json::Value {
    let py = venv_python(venv);
    let out = Command::new(py)
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("dahua_sim")
                .join(script),
        )
        .args(["127.0.0.1", &sim.port.to_string(), USER, SECRET])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script}: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{script}: {stdout}");
    serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap()
}

#[test]
fn pypi_clients_speak_to_the_simulator() {
    let sim = sim(&[
        "--archive",
        ARCHIVE,
        "--file-seconds",
        "10",
        "--ptz",
        "1",
        "--no-rtsp",
    ]);
    for (venv, script) in [
        ("venv-aiodahua", "check_aiodahua.py"),
        ("venv-dahua-rpc-api", "check_dahua_rpc.py"),
        ("venv-amcrest", "check_amcrest.py"),
    ] {
        let r = pypi_client(venv, script, &sim);
        assert_eq!(r["ok"], true, "{script}: {r}");
    }
    assert_eq!(
        sim.state()["open_finders"],
        0,
        "the clients released their finders"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rtsp_playback_frames_carry_their_archive_time_across_the_gap() {
    let sim = sim(&["--tz", "Asia/Tokyo", "--archive", ARCHIVE]);
    let (a, cams) = adapter(&sim.address(), "Europe/Berlin").await;
    let rec = a
        .recording(&cams[0], vigil_engine::vms::StreamKind::Main)
        .unwrap();
    assert!(rec.paced_by_server());
    // 2 s before the first span ends: its last frames, a gap, the next span
    let t = T0 + 1_298_000;
    let events = tokio::task::spawn_blocking(move || {
        use vigil_engine::playback::{Decimation, ReadEvent};
        let mut r = rec
            .open(
                t,
                Decimation::All,
                vigil_engine::media::source::StopFlag::default(),
            )
            .unwrap();
        let mut out = Vec::new();
        while out.len() < 30 {
            match r.next().unwrap() {
                ReadEvent::Frame(f) => {
                    let (w, h) = (f.frame.width() as usize, f.frame.height() as usize);
                    let code = vigil_engine::media::vtc1::read_luma(
                        f.frame.data(0),
                        w,
                        h,
                        f.frame.stride(0),
                    );
                    out.push(Some((f.ts_ms, code.map(|c| c as i64))));
                }
                ReadEvent::Gap { .. } => out.push(None),
                ReadEvent::End => break,
            }
        }
        out
    })
    .await
    .unwrap();
    let gap = events.iter().position(Option::is_none).expect("a gap");
    let frame = 1000 / FPS;
    for (ts, code) in events.iter().flatten() {
        let code = code.expect("VTC1 on every frame");
        assert!((ts - code).abs() <= frame, "frame time {ts} vs VTC1 {code}");
    }
    let first = events[0].unwrap().1.unwrap();
    assert!((first - t).abs() <= frame, "first {first} vs {t}");
    let after = events[gap + 1].unwrap().1.unwrap();
    assert!(
        (after - (T0 + 1_800_000)).abs() <= frame,
        "after the gap {after}"
    );
    let plays = sim.calls("rtsp:/cam/playback", "DESCRIBE");
    assert_eq!(plays[0]["query"]["starttime"], "2026_01_01_09_21_38");
}
