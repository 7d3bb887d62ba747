//! Hikvision (ISAPI) end to end: Vigil's engine and CLI against the ISAPI
//! simulator (tests/hikvision_sim: digest auth, a device time zone and three
//! time modes, search paging with a repeated page, ContentMgmt/download,
//! PTZ log, GStreamer RTSP live and playback with digest, VTC1 in every
//! frame). Live frames read the wall clock; coverage equals the archive in
//! UTC whatever the device's time mode; playback reads the archive's time
//! and stops at a span's end though the device goes on; a case clip from
//! ContentMgmt/download reads event-5 s .. event+5 s; a continuous PTZ move
//! gets exactly one stop; a wrong password and notSupport are clear errors
//! that store nothing; hikload (PyPI) speaks to the simulator. The CLI test
//! needs a keyring session (bash /work/notes/kr.sh, as CI).
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::ptz::Step;
use vigil_engine::vms::site::{SiteProbe, SiteRequest};
use vigil_tests::cli::{ok, text, vigil};
use vigil_tests::hikvision::{HikSim, PASSWORD, USER};
use vigil_tests::hub_wait::timed_frame_after;
use vigil_tests::onvif::venv_python;
use vigil_tests::*;

/// The simulator's frame interval (10 fps).
const FRAME_MS: i64 = 100;

fn req(sim: &HikSim, password: &str, time_mode: Option<&str>) -> SiteRequest {
    SiteRequest {
        kind: "hikvision".into(),
        name: Some("Depot NVR".into()),
        address: sim.address(),
        user: Some(USER.into()),
        password: Some(password.into()),
        time_zone: Some("UTC".into()),
        options: time_mode
            .map(|m| [("time_mode".to_string(), m.to_string())].into())
            .unwrap_or_default(),
        ..Default::default()
    }
}

async fn add(engine: &Engine, sim: &HikSim, time_mode: Option<&str>) -> SiteProbe {
    engine
        .add_transient_site("hik", req(sim, PASSWORD, time_mode))
        .await
        .expect("the Hikvision site is added")
}

/// The password never appears in a text the operator can see.
fn assert_clean(texts: &[String]) {
    for t in texts {
        assert!(!t.contains(PASSWORD), "the password was printed: {t}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn channels_list_and_live_frames_carry_the_wall_clock_over_digest_rtsp() {
    let sim = HikSim::start(&["--channels", "2"]);
    let engine = engine().await;
    let probe = add(&engine, &sim, None).await;
    let cams: Vec<_> = probe
        .cameras
        .iter()
        .map(|c| (c.name.as_str(), c.ptz, c.streams.len()))
        .collect();
    assert_eq!(cams, [("Camera 01", true, 2), ("Camera 02", false, 2)]);
    let main = &probe.cameras[0].streams[0];
    assert_eq!(
        (main.width, main.height, main.codec.as_str()),
        (640, 360, "h264")
    );
    assert!(probe.cameras[0].capabilities.export && probe.cameras[0].capabilities.playback);
    assert!(probe.cameras[0].capabilities.ptz.presets);

    let cam = &probe.cameras[0];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 640, 360, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let got = frames(&mut tile, 30, Duration::from_secs(40), &mut statuses).await;
    assert!(got.len() >= 30, "{} frames, {statuses:?}", got.len());
    let tail = &got[got.len() - 10..];
    assert_increasing_timecodes(tail);
    assert_live_lag(tail);
    // the RTSP server asked for digest: the URL had the credentials, never printed
    assert_clean(&[
        format!("{statuses:?}"),
        format!("{:?}", engine.sites()),
        format!("{probe:?}"),
    ]);
}

/// Coverage equals the archive (±1 s) in UTC, with the device in `mode`
/// and the site's time option `option`.
async fn coverage_in(mode: &str, option: Option<&str>) {
    let sim = HikSim::start(&[
        "--time-mode",
        mode,
        "--tz",
        "Asia/Shanghai",
        "--posix-tz",
        "CST-8:00:00",
        "--segments",
        "4",
        "--seg-len",
        "120",
        "--gap",
        "30",
    ]);
    let engine = engine().await;
    let probe = add(&engine, &sim, option).await;
    let id = &probe.cameras[0].id;
    let want = sim.archive();
    let got = engine
        .recordings_async(id, want[0].0 - 600_000, want[3].1 + 600_000)
        .await
        .unwrap_or_else(|e| panic!("{mode}: {e}"));
    assert_eq!(got.len(), want.len(), "{mode}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g.start_ms - w.0).abs() <= 1000 && (g.end_ms - w.1).abs() <= 1000,
            "{mode}: {g:?} vs {w:?}"
        );
    }
    // the request spoke the device's language: local times with Z on such firmware
    let search = sim.calls_of("/ISAPI/ContentMgmt/search");
    let body = search[0]["body"].as_str().unwrap();
    let asked = vigil_engine::playback::day::format_rfc3339(want[0].0 - 600_000);
    let utc_form = format!("{}Z", &asked[..19]);
    assert_eq!(
        body.contains(&utc_form),
        mode != "local-z",
        "{mode}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_equals_the_archive_in_utc_in_every_time_mode() {
    coverage_in("utc", None).await;
    coverage_in("offset", None).await;
    // local time with Z: detected from /ISAPI/System/time, and forced by the site option
    coverage_in("local-z", None).await;
    coverage_in("local-z", Some("local_z")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn search_pages_150_matches_with_a_repeated_page() {
    let sim = HikSim::start(&[
        "--segments",
        "150",
        "--seg-len",
        "20",
        "--gap",
        "10",
        "--repeat-page",
    ]);
    let engine = engine().await;
    let probe = add(&engine, &sim, None).await;
    let want = sim.archive();
    let got = engine
        .recordings_async(
            &probe.cameras[0].id,
            want[0].0 - 60_000,
            want[149].1 + 60_000,
        )
        .await
        .unwrap();
    let got: Vec<_> = got.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    assert_eq!(got, want, "all 150 matches, none twice");
    let pages: Vec<(i64, i64)> = sim
        .calls_of("search.page")
        .iter()
        .map(|c| {
            (
                c["position"].as_i64().unwrap(),
                c["served_from"].as_i64().unwrap(),
            )
        })
        .collect();
    // page 2 came back as page 1 once; the same position was asked again
    assert_eq!(pages, [(0, 0), (100, 0), (100, 100)]);
    for c in sim.calls_of("/ISAPI/ContentMgmt/search") {
        let b = c["body"].as_str().unwrap();
        assert!(b.contains("<searchResultPostion>"), "{b}");
        assert!(!b.contains("searchResultPosition"), "{b}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn playback_reads_the_archive_and_stops_at_the_span_end_the_device_ignores() {
    let sim = HikSim::start(&[
        "--segments",
        "2",
        "--seg-len",
        "60",
        "--gap",
        "30",
        "--ignore-endtime",
        "--time-mode",
        "local-z",
    ]);
    let engine = engine().await;
    let probe = add(&engine, &sim, None).await;
    let id = &probe.cameras[0].id;
    let want = sim.archive();
    // 4.25 s before the first span ends: frames to its end, then the next span
    let target = want[0].1 - 4_250;
    let mut tile = TileClient::playback(&engine.hub_info(), id, (320, 180), target, 1.0, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let (first, first_header) =
        timed_frame_after(&mut tile, 0, Duration::from_secs(30), &mut statuses)
            .await
            .unwrap_or_else(|| panic!("no playback frame: {statuses:?} {:?}", sim.calls()));
    assert!(
        (target..target + FRAME_MS).contains(&first),
        "first frame {first} for {target}"
    );
    // the frame's time is the one its pixels show (RTP offset from the URL's start)
    assert!(
        (first_header - first).abs() < FRAME_MS,
        "header {first_header} vs VTC1 {first}"
    );
    let (next, next_header) =
        timed_frame_after(&mut tile, want[0].1, Duration::from_secs(30), &mut statuses)
            .await
            .unwrap_or_else(|| panic!("no frame after the span: {statuses:?}"));
    // the device sent past endtime (into the gap); we never showed it. The
    // next span starts with its first frame: our RTSP client keeps the
    // session's first packet (FFmpeg's lost it and its GOP)
    assert!(
        (want[1].0..want[1].0 + FRAME_MS).contains(&next),
        "after the span end came {next}, want the next span's start {}",
        want[1].0
    );
    assert!(
        (next_header - next).abs() < FRAME_MS,
        "header {next_header} vs VTC1 {next}"
    );
    let pb = sim.calls_of("rtsp.playback");
    assert!(pb.len() >= 2, "{pb:?}");
    assert!(
        pb[0]["end"].as_i64().unwrap() > want[0].1,
        "the simulator ran past endtime: {pb:?}"
    );
    assert_clean(&[format!("{statuses:?}")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_continuous_move_gets_exactly_one_stop_and_steps_presets_home_work() {
    let sim = HikSim::start(&[]);
    // the move deadline runs on a simulated clock only this test moves, so a
    // slow request on a busy machine never lets it pass early
    let clock = vigil_engine::clock::SimClock::new(vigil_engine::media::source::now_ms());
    let engine = engine_on(clock.shared()).await;
    let probe = add(&engine, &sim, None).await;
    let dome = &probe.cameras[0].id;
    let moves = || -> Vec<(i64, i64, i64)> {
        sim.calls_of("ptz.continuous")
            .iter()
            .map(|c| {
                (
                    c["pan"].as_i64().unwrap(),
                    c["tilt"].as_i64().unwrap(),
                    c["zoom"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let right = MoveRequest {
        pan: 1.0,
        tilt: 0.0,
        zoom: 0.0,
        speed: 0.5,
    };
    let deadline = vigil_engine::ptz::safety::MOVE_DEADLINE;
    engine.ptz_move(dome, right).await.unwrap();
    engine.ptz_stop(dome).await.unwrap();
    clock.advance(deadline * 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        moves(),
        [(50, 0, 0), (0, 0, 0)],
        "the operator's stop, once"
    );
    // silence after a move: the engine's safety stop, exactly one, and not
    // before the deadline
    let up = MoveRequest {
        pan: 0.0,
        tilt: 1.0,
        ..right
    };
    engine.ptz_move(dome, up).await.unwrap();
    clock.advance(deadline - Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(moves().len(), 3, "no stop before the deadline");
    clock.advance(Duration::from_millis(100));
    let until = Instant::now() + Duration::from_secs(10);
    while moves().len() < 4 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    clock.advance(deadline * 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        moves(),
        [(50, 0, 0), (0, 0, 0), (0, 50, 0), (0, 0, 0)],
        "one safety stop"
    );

    engine.ptz_step(dome, Step::ZoomIn, 0.8).await.unwrap();
    let m = sim.calls_of("ptz.momentary");
    assert_eq!(
        (m[0]["zoom"].as_i64(), m[0]["duration"].as_i64()),
        (Some(80), Some(500))
    );
    let presets = engine.ptz_presets(dome).await.unwrap();
    let names: Vec<_> = presets.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Gate", "Yard"]);
    engine
        .ptz_goto_preset(dome, &presets[1].token, 0.5)
        .await
        .unwrap();
    assert_eq!(sim.calls_of("ptz.goto")[0]["preset"], 2);
    let saved = engine.ptz_save_preset(dome, "Dock & Ramp").await.unwrap();
    assert_eq!(saved.token, "3");
    assert_eq!(sim.calls_of("ptz.set_preset")[0]["name"], "Dock & Ramp");
    engine.ptz_home(dome, 1.0).await.unwrap();
    assert_eq!(sim.calls_of("ptz.home").len(), 1);
    let fixed = &probe.cameras[1].id;
    let e = engine.ptz_move(fixed, right).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    let jpeg = engine.onvif_snapshot(dome).await.unwrap();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_not_support_are_clear_and_store_nothing() {
    let sim = HikSim::start(&[]);
    let engine = engine().await;
    let e = engine
        .add_site(req(&sim, "not-the-password", None))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("refused") && !text.contains("not-the-password"),
        "{text}"
    );
    let refused = sim.calls_of("auth");
    assert!(
        refused.iter().any(|c| c["result"] == "wrong password"),
        "{refused:?}"
    );
    // a refused login is not retried (one challenge answered, once)
    assert!(
        refused
            .iter()
            .filter(|c| c["result"] == "wrong password")
            .count()
            <= 1
    );

    let bare = HikSim::start(&["--not-support", "/ISAPI/Streaming/channels"]);
    let e = engine
        .add_site(req(&bare, PASSWORD, None))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("notSupport"), "{e}");

    let mut bad = req(&sim, PASSWORD, Some("sometimes"));
    let e = engine.add_site(bad.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    bad.options.clear();
    bad.address = format!("http://{USER}:{PASSWORD}@127.0.0.1:{}", sim.port);
    let e = engine.add_site(bad).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(
        engine.sites().iter().all(|s| s.site.kind != "hikvision"),
        "nothing stored"
    );

    // search not supported: recordings say so, typed
    let nosearch = HikSim::start(&["--not-support", "/ISAPI/ContentMgmt/search"]);
    let probe = add(&engine, &nosearch, None).await;
    let now = vigil_engine::media::source::now_ms();
    let e = engine
        .recordings_async(&probe.cameras[0].id, now - 3_600_000, now)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
}

/// Needs a keyring session (bash /work/notes/kr.sh cargo test ...).
#[test]
fn cli_adds_a_hikvision_site_and_a_case_clip_from_isapi_download_reads_the_window() {
    let sim = HikSim::start(&["--segments", "2", "--seg-len", "300", "--gap", "60"]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut outputs = Vec::new();
    let add = |password: &str| {
        vigil(
            data,
            &[
                "sites",
                "add",
                "hikvision",
                "--address",
                &sim.address(),
                "--user",
                USER,
                "--password-stdin",
            ],
            Some(&format!("{password}\n")),
        )
    };
    let wrong = add("wrong-password");
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    outputs.push(text(&wrong));

    let added = add(PASSWORD);
    outputs.push(text(&added));
    let v: Value = serde_json::from_str(ok(&added).trim()).unwrap();
    let names: Vec<_> = v["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Camera 01", "Camera 02"]);
    let site = v["site"]["id"].as_str().unwrap().to_string();
    let cam = v["cameras"][0]["id"].as_str().unwrap().to_string();
    let listed = vigil(data, &["sites", "list"], None);
    outputs.push(text(&listed));
    assert_eq!(
        ok(&listed)
            .lines()
            .filter(|l| l.contains(r#""kind":"hikvision""#))
            .count(),
        1,
        "only the good site is stored"
    );

    let want = sim.archive();
    let event = want[1].0 + 120_000;
    let at = vigil_engine::cases::rfc3339_ms(event);
    let created = vigil(
        data,
        &[
            "case",
            "create",
            "--camera",
            &cam,
            "--at",
            &at,
            "--title",
            "Gate alarm",
        ],
        None,
    );
    outputs.push(text(&created));
    let case = ok(&created).trim().to_string();
    let run = vigil(data, &["footage", "run", "--until-idle"], None);
    outputs.push(text(&run));
    ok(&run);
    let shown = vigil(data, &["case", "show", &case, "--json"], None);
    outputs.push(text(&shown));
    let v: Value = serde_json::from_str(&ok(&shown)).unwrap();
    let clip = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "clip")
        .expect("a clip job")
        .clone();
    assert_eq!(clip["status"], "done", "{clip}");
    assert_eq!(clip["media"]["method"], "server_export", "{clip}");
    let (ws, we) = (
        clip["windowStartMs"].as_i64().unwrap(),
        clip["windowEndMs"].as_i64().unwrap(),
    );
    assert_eq!((ws, we), (event - 5_000, event + 5_000));
    let path = clip["media"]["path"].as_str().unwrap();
    let p = vigil_engine::footage::probe::probe_clip(Path::new(path)).unwrap();
    let first = p.frames[0].vtc1.unwrap();
    let last = p.frames.last().unwrap().vtc1.unwrap();
    assert!((first - ws).abs() <= FRAME_MS, "first {first} vs {ws}");
    assert!((last - we).abs() <= FRAME_MS, "last {last} vs {we}");
    // the download request: POST, the playbackURI's & escaped exactly once
    let dl = sim.calls_of("/ISAPI/ContentMgmt/download");
    assert_eq!(dl.len(), 1, "{dl:?}");
    assert_eq!(dl[0]["method"], "POST");
    let body = dl[0]["body"].as_str().unwrap();
    assert!(
        body.contains("&amp;endtime=") && !body.contains("&amp;amp;"),
        "{body}"
    );
    let served = sim.calls_of("download.served");
    assert_eq!(
        (served[0]["start"].as_i64(), served[0]["end"].as_i64()),
        (Some(ws), Some(we))
    );

    let removed = vigil(data, &["sites", "remove", &site], None);
    outputs.push(text(&removed));
    ok(&removed);
    assert_clean(&outputs);
}

/// hikload (PyPI, an independent ISAPI client) against the simulator:
/// digest login, search with its paging, and a download (GET with a body).
#[test]
fn hikload_searches_and_downloads_from_the_simulator() {
    let py = venv_python("venv-hikload");
    let sim = HikSim::start(&["--segments", "150", "--seg-len", "20", "--gap", "10"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hikvision_sim/hikload_check.py");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(py)
        .arg(&script)
        .args([&sim.address(), USER, PASSWORD])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let want = sim.archive();
    // hikload pages by searching again from the last match's start (a new
    // searchID each time): 64 + 64 + 24 matches, two of them seen twice
    assert_eq!(
        v["distinct_matches"].as_u64(),
        Some(want.len() as u64),
        "{v}"
    );
    assert_eq!(v["matches"].as_u64(), Some(152), "{v}");
    assert_eq!(
        v["channels"],
        serde_json::json!(["101", "102", "201", "202"])
    );
    assert!(v["downloaded_bytes"].as_u64().unwrap() > 1000, "{v}");
    assert_eq!(v["first_vtc1"].as_i64(), Some(want[0].0), "{v}");
    let dl = sim.calls_of("/ISAPI/ContentMgmt/download");
    assert_eq!(dl[0]["method"], "GET", "hikload sends a GET with a body");
}

/// The month calendar (dailyDistribution) counts days in the device's zone.
#[tokio::test(flavor = "multi_thread")]
async fn the_month_calendar_uses_the_device_zone() {
    use std::sync::Arc;
    use vigil_engine::vms::hikvision::HikvisionSite;
    use vigil_engine::vms::kinds::{SiteConfig, SiteContext};
    use vigil_engine::vms::site::{SiteCamera, SiteInfo, SiteSecret};
    use vigil_engine::vms::VmsAdapter;

    // 30 March 22:00-23:00 UTC, 31 March 00:00-01:00 and 02:00-03:00 UTC
    let arch = ["--archive-start", "2026-03-30T22:00:00Z", "--segments", "3"];
    let arch = [&arch[..], &["--seg-len", "3600", "--gap", "3600"]].concat();
    for (tz, posix, want) in [
        ("UTC", "UTC0:00:00", vec![30u8, 31]),
        ("Asia/Shanghai", "CST-8:00:00", vec![31]),
    ] {
        let sim = HikSim::start(&[&arch[..], &["--tz", tz, "--posix-tz", posix]].concat());
        let ctx = SiteContext {
            store: Arc::new(vigil_engine::store::Store::open_in_memory().unwrap()),
            secrets: vigil_engine::secrets::SecretStore::new("vigil-hik-calendar-unused"),
            rt: tokio::runtime::Handle::current(),
            request_timeout: Duration::from_secs(10),
            demo_cameras: 0,
        };
        let cfg = SiteConfig {
            info: SiteInfo {
                id: "hik-cal".into(),
                kind: "hikvision".into(),
                name: "Calendar".into(),
                address: sim.address(),
                time_zone: "UTC".into(),
                user: Some(USER.into()),
                tls_pin: None,
                options: Default::default(),
                created_ms: 0,
            },
            secret: SiteSecret::Memory(Some(PASSWORD.into())),
        };
        let site = HikvisionSite::open(&ctx, cfg).unwrap();
        let rec = site.list_cameras().await.unwrap().remove(0);
        let cam = SiteCamera {
            id: "hik-cal-1".into(),
            site_id: "hik-cal".into(),
            record: rec,
        };
        assert_eq!(site.month_days(&cam, 2026, 3).await.unwrap(), want, "{tz}");
        assert!(site.month_days(&cam, 2026, 4).await.unwrap().is_empty());
        let asked = sim.calls_of("/ISAPI/ContentMgmt/record/tracks/101/dailyDistribution");
        assert!(
            asked[0]["body"]
                .as_str()
                .unwrap()
                .contains("<monthOfYear>03</monthOfYear>"),
            "{asked:?}"
        );
    }
}
