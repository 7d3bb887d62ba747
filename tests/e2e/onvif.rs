//! ONVIF end to end: Vigil's engine against its ONVIF simulator (skewed
//! clock, XAddrs naming another host, UsernameToken or HTTP digest, faults,
//! malformed XML, Profile G), against ipycam (a real ONVIF camera emulator
//! with its own RTSP server), and onvif-zeep (an independent client) against
//! the simulator. Live video is checked by decoded frames (VTC1 timecodes
//! where the peer stamps them). Needs the venvs from .ci/setup and a keyring
//! session for the stored-device test (as .ci/test runs it).
use std::time::{Duration, Instant};

use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::ingest::Policy;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::ptz::Step;
use vigil_engine::secrets::SecretStore;
use vigil_engine::vms::onvif::AddOnvifDevice;
use vigil_engine::vms::site::site_account;
use vigil_tests::onvif::{venv_python, vigil_bin, Ipycam, OnvifSim};
use vigil_tests::*;

const USER: &str = "operator";
const SECRET: &str = "Onvif-s3cret-8812";

fn add(addr: &str, password: &str) -> AddOnvifDevice {
    AddOnvifDevice {
        name: None,
        address: addr.to_string(),
        username: Some(USER.into()),
        password: Some(password.into()),
    }
}

async fn engine_with(deadline: Duration) -> Engine {
    engine_with_clock(deadline, vigil_engine::clock::system()).await
}

async fn engine_with_clock(deadline: Duration, clock: vigil_engine::clock::SharedClock) -> Engine {
    Engine::start(EngineConfig {
        clock,
        database: None,
        policy: Policy {
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(2),
            auth_attempts: 1,
        },
        ptz_deadline: deadline,
        onvif_timeout: Duration::from_secs(3),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn creds() -> [&'static str; 4] {
    ["--user", USER, "--password", SECRET]
}

fn file_contains(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_device_plays_live_with_skewed_clock_and_foreign_xaddrs() {
    let rtsp = RtspServer::start(free_port(), &[]);
    let (main, sub) = (rtsp.url("/cam1"), rtsp.url("/cam1/sub"));
    // the device clock is an hour ahead, its window is 5 s, its XAddrs name an unroutable host
    let sim = OnvifSim::start(
        &[
            creds().as_slice(),
            &["--skew", "3600", "--xaddr-host", "192.0.2.77:8999"],
            &["--rtsp-main", &main, "--rtsp-sub", &sub],
        ]
        .concat(),
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vigil.sqlite3");
    let service = format!("vigil-onvif-e2e-{}", std::process::id());
    let engine = Engine::start(EngineConfig {
        database: Some(db.clone()),
        keyring_service: service.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let cams = engine
        .add_onvif_device(add(&sim.address(), SECRET))
        .await
        .unwrap();
    assert_eq!(cams.len(), 1, "{cams:?}");
    let cam = &cams[0];
    assert!(cam.ptz);
    let sizes: Vec<_> = cam
        .streams
        .iter()
        .map(|s| (s.kind, s.width, s.height, s.codec.as_str()))
        .collect();
    assert_eq!(
        sizes,
        [
            (vigil_engine::vms::StreamKind::Main, 1920, 1080, "H264"),
            (vigil_engine::vms::StreamKind::Sub, 640, 360, "H264")
        ]
    );
    let rejected: Vec<_> = sim
        .calls()
        .into_iter()
        .filter(|c| c["auth"].as_str().unwrap_or("").starts_with("rejected"))
        .collect();
    assert!(
        rejected.is_empty(),
        "tokens were not corrected for the skew: {rejected:?}"
    );
    // the password is in the keyring, not in the database
    let keyring = SecretStore::new(service);
    let device = cam.site.clone();
    assert_eq!(
        keyring.get(&site_account(&device)).unwrap().as_deref(),
        Some(SECRET)
    );
    // live: the sub stream (small tile) through the ONVIF stream URI, frames decode
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 5, Duration::from_secs(25), &mut st).await;
    assert_eq!(got.len(), 5, "{st:?}");
    assert_increasing_timecodes(&got);
    drop(tile);
    // the stream URI was asked again at open time
    assert!(sim.calls_of("GetStreamUri").len() >= 3);
    let jpeg = engine.onvif_snapshot(&cam.id).await.unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]));
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        assert!(!file_contains(&p, SECRET), "secret in {}", p.display());
    }
    // removing the last camera removes the device and its keyring entry
    engine.remove_camera(&cam.id).await.unwrap();
    assert_eq!(keyring.get(&site_account(&device)).unwrap(), None);
    assert_eq!(
        engine.camera(&cam.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ptz_commands_map_to_onvif_operations() {
    let sim = OnvifSim::start(&creds());
    let engine = engine_with(Duration::from_secs(1)).await;
    let id = engine
        .add_adhoc_onvif(add(&sim.address(), SECRET))
        .await
        .unwrap()[0]
        .id
        .clone();
    let m = MoveRequest {
        pan: 1.0,
        tilt: -0.5,
        zoom: 0.0,
        speed: 0.5,
    };
    engine.ptz_move(&id, m).await.unwrap();
    engine.ptz_stop(&id).await.unwrap();
    engine.ptz_step(&id, Step::Left, 0.5).await.unwrap();
    engine.ptz_home(&id, 1.0).await.unwrap();
    let saved = engine.ptz_save_preset(&id, "Loading bay").await.unwrap();
    let presets = engine.ptz_presets(&id).await.unwrap();
    assert!(
        presets
            .iter()
            .any(|p| p.token == saved.token && p.name == "Loading bay"),
        "{presets:?}"
    );
    assert!(presets.iter().any(|p| p.name == "Gate"));
    engine
        .ptz_goto_preset(&id, &saved.token, 0.5)
        .await
        .unwrap();
    let e = engine.ptz_goto_preset(&id, "nope", 0.5).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(
        e.to_ui().message.contains("NoToken"),
        "{}",
        e.to_ui().message
    );

    let mv = &sim.calls_of("ContinuousMove")[0];
    assert_eq!(
        (mv["pan"].as_f64(), mv["tilt"].as_f64(), mv["zoom"].as_f64()),
        (Some(0.5), Some(-0.25), Some(0.0))
    );
    assert_eq!(mv["timeout"], "PT1S");
    assert_eq!(sim.calls_of("Stop").len(), 1);
    let rel = &sim.calls_of("RelativeMove")[0];
    assert!(rel["pan"].as_f64().unwrap() < 0.0, "{rel}");
    assert_eq!(sim.calls_of("GotoHomePosition").len(), 1);
    assert_eq!(sim.calls_of("SetPreset")[0]["name"], "Loading bay");
    assert_eq!(sim.calls_of("GotoPreset")[0]["token"], saved.token.as_str());
    // bad input never reaches the device
    let bad = MoveRequest { pan: f64::NAN, ..m };
    assert_eq!(
        engine.ptz_move(&id, bad).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        engine.ptz_save_preset(&id, "  ").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // a camera without PTZ says so
    assert_eq!(
        engine.ptz_stop("demo-1").await.unwrap_err().kind(),
        ErrorKind::Unsupported
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn devices_without_relative_move_or_move_timeout_still_step_and_move() {
    let sim = OnvifSim::start(&[creds().as_slice(), &["--no-relative", "--no-timeout"]].concat());
    let engine = engine_with(Duration::from_secs(1)).await;
    let id = engine
        .add_adhoc_onvif(add(&sim.address(), SECRET))
        .await
        .unwrap()[0]
        .id
        .clone();
    engine.ptz_step(&id, Step::ZoomIn, 0.8).await.unwrap();
    let names: Vec<String> = sim
        .calls()
        .iter()
        .filter(|c| ["RelativeMove", "ContinuousMove", "Stop"].contains(&c["op"].as_str().unwrap()))
        .map(|c| {
            format!(
                "{}{}",
                c["op"].as_str().unwrap(),
                if c["fault"].is_null() { "" } else { "!" }
            )
        })
        .collect();
    // RelativeMove refused; a timed continuous move (its Timeout refused too) and a Stop
    assert_eq!(
        names,
        ["RelativeMove!", "ContinuousMove!", "ContinuousMove", "Stop"]
    );
    let moves = sim.calls_of("ContinuousMove");
    assert_eq!(moves[1]["zoom"].as_f64(), Some(0.8));
    assert!(moves[1]["timeout"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_stops_a_move_when_the_ui_falls_silent() {
    let sim = OnvifSim::start(&creds());
    // the deadline runs on a simulated clock only this test moves: a slow
    // request on a busy machine never lets it pass between two keepalives
    let clock = vigil_engine::clock::SimClock::new(vigil_engine::media::source::now_ms());
    let deadline = Duration::from_millis(700);
    let engine = engine_with_clock(deadline, clock.shared()).await;
    let id = engine
        .add_adhoc_onvif(add(&sim.address(), SECRET))
        .await
        .unwrap()[0]
        .id
        .clone();
    let m = MoveRequest {
        pan: 0.0,
        tilt: 1.0,
        zoom: 0.0,
        speed: 1.0,
    };
    // three keepalives 300 ms apart, then silence
    for i in 0..3 {
        engine.ptz_move(&id, m).await.unwrap();
        if i < 2 {
            clock.advance(Duration::from_millis(300));
        }
    }
    // just short of the deadline after the last move: no stop yet
    clock.advance(deadline - Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sim.calls_of("Stop").is_empty(), "{:?}", sim.calls());
    // past it: exactly one
    clock.advance(Duration::from_millis(100));
    let t0 = Instant::now();
    while sim.calls_of("Stop").is_empty() && t0.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    clock.advance(deadline * 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let moves = sim.calls_of("ContinuousMove");
    let stops = sim.calls_of("Stop");
    assert_eq!((moves.len(), stops.len()), (3, 1), "{:?}", sim.calls());
    // the device was told the same deadline
    assert_eq!(moves[0]["timeout"], "PT0.700S");
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_g_coverage_has_the_gap_and_a_replay_uri() {
    let sim = OnvifSim::start(&[creds().as_slice(), &["--replay-port", "8554"]].concat());
    let engine = engine_with(Duration::from_secs(1)).await;
    let id = engine
        .add_adhoc_onvif(add(&sim.address(), SECRET))
        .await
        .unwrap()[0]
        .id
        .clone();
    let now = vigil_engine::media::source::now_ms();
    let h = 3_600_000;
    let recording = engine.onvif_recording(&id).unwrap();
    let spans = tokio::task::spawn_blocking(move || recording.spans(now - 3 * h, now + 60_000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spans.len(), 2, "{spans:?}");
    let near = |a: i64, b: i64| (a - b).abs() < 10_000;
    assert!(
        near(spans[0].start_ms, now - 2 * h) && near(spans[0].end_ms, now - h),
        "{spans:?}"
    );
    assert!(
        near(spans[1].start_ms, now - h / 2) && spans[1].end_ms == now + 60_000,
        "{spans:?}"
    );
    assert_eq!(
        sim.calls_of("GetRecordingSearchResults").len(),
        2,
        "paged to Completed"
    );
    assert_eq!(
        engine.onvif_replay_uri(&id).await.unwrap(),
        "rtsp://127.0.0.1:8554/replay/rec0"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gives_clear_typed_errors_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::start(EngineConfig {
        database: Some(dir.path().join("v.db")),
        keyring_service: format!("vigil-onvif-bad-{}", std::process::id()),
        onvif_timeout: Duration::from_secs(3),
        ..Default::default()
    })
    .await
    .unwrap();
    let before = engine.cameras().unwrap().len();
    let sim = OnvifSim::start(&creds());
    let e = engine
        .add_onvif_device(add(&sim.address(), "Nope-9931"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed);
    assert!(
        e.to_ui().message.contains("auth failed"),
        "{}",
        e.to_ui().message
    );
    assert!(
        !e.to_ui().message.contains("Nope-9931"),
        "{}",
        e.to_ui().message
    );

    let e = engine
        .add_onvif_device(add(&format!("127.0.0.1:{}", free_port()), SECRET))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unreachable, "{e}");

    let malformed = OnvifSim::start(&[creds().as_slice(), &["--malformed"]].concat());
    let e = engine
        .add_onvif_device(add(&malformed.address(), SECRET))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");

    let faulty = OnvifSim::start(&[creds().as_slice(), &["--fault-all"]].concat());
    let e = engine
        .add_onvif_device(add(&faulty.address(), SECRET))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(
        e.to_ui().message.contains("ter:SimulatedFailure"),
        "{}",
        e.to_ui().message
    );

    let e = engine.add_onvif_device(add("", SECRET)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = engine
        .add_onvif_device(add("http://u:p@127.0.0.1:1", SECRET))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(engine.cameras().unwrap().len(), before, "nothing stored");

    // HTTP digest only: the client answers the challenge
    let digest = OnvifSim::start(&[creds().as_slice(), &["--auth", "digest"]].concat());
    let cams = engine
        .add_adhoc_onvif(add(&digest.address(), SECRET))
        .await
        .unwrap();
    assert_eq!(cams.len(), 1);
    assert!(digest.calls().iter().any(|c| c["auth"] == "digest"));
    let e = engine
        .add_adhoc_onvif(add(&digest.address(), "wrong"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed);
}

#[tokio::test(flavor = "multi_thread")]
async fn onvif_zeep_speaks_to_the_simulator() {
    let sim = OnvifSim::start(&[creds().as_slice(), &["--skew", "-1800"]].concat());
    let out = std::process::Command::new(venv_python("venv-onvif-zeep"))
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/onvif_sim/zeep_check.py"
        ))
        .args(["127.0.0.1", &sim.port.to_string(), USER, SECRET])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zeep_check failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["manufacturer"], "Vigil");
    assert_eq!(v["profiles"][0]["width"], 1920);
    assert_eq!(v["profiles"][1]["ptz"], true);
    assert_eq!(v["found"], serde_json::json!([["rec0", "vs0"]]));
    assert_eq!(v["replay_uri"], "rtsp://127.0.0.1:8554/replay/rec0");
    assert_eq!(
        v["presets"].as_array().unwrap().last().unwrap()[1],
        "zeep preset"
    );
    let mv = &sim.calls_of("ContinuousMove")[0];
    assert_eq!(
        (mv["pan"].as_f64(), mv["timeout"].as_str()),
        (Some(0.5), Some("PT1S"))
    );
    assert!(sim
        .calls()
        .iter()
        .all(|c| !c["auth"].as_str().unwrap().starts_with("rejected")));
}

#[tokio::test(flavor = "multi_thread")]
async fn ipycam_profiles_live_video_and_ptz() {
    let cam = Ipycam::start(USER, SECRET);
    let engine = engine_with(Duration::from_secs(1)).await;
    let cams = engine
        .add_adhoc_onvif(add(&cam.address(), SECRET))
        .await
        .unwrap();
    assert_eq!(cams.len(), 1, "{cams:?}");
    let c = &cams[0];
    assert!(c.ptz);
    assert_eq!((c.streams[0].width, c.streams[0].height), (640, 360));
    assert_eq!(c.streams.len(), 2);
    // live through ipycam's own RTSP server
    let mut tile = TileClient::connect(&engine.hub_info(), &c.id, 640, 360, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 5, Duration::from_secs(40), &mut st).await;
    assert_eq!(got.len(), 5, "{st:?}");
    assert!(got
        .iter()
        .all(|f| f.header.width > 0 && f.payload.iter().any(|&b| b > 40)));
    drop(tile);
    // PTZ: its responses use an undeclared ptz: prefix
    engine
        .ptz_move(
            &c.id,
            MoveRequest {
                pan: 1.0,
                tilt: 0.0,
                zoom: 0.0,
                speed: 0.5,
            },
        )
        .await
        .unwrap();
    engine.ptz_stop(&c.id).await.unwrap();
    let p = engine.ptz_save_preset(&c.id, "Door").await.unwrap();
    let list = engine.ptz_presets(&c.id).await.unwrap();
    assert!(
        list.iter().any(|x| x.token == p.token && x.name == "Door"),
        "{list:?}"
    );
    engine.ptz_goto_preset(&c.id, &p.token, 0.5).await.unwrap();
    engine.ptz_home(&c.id, 0.5).await.unwrap();
    engine.ptz_step(&c.id, Step::Right, 0.5).await.unwrap();
    // no Profile G there: a typed "unsupported"
    let e = engine.onvif_replay_uri(&c.id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    // the CLI probe prints the profiles as JSON; a wrong password exits 3
    let probe = |pw: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(vigil_bin())
            .args([
                "onvif",
                "probe",
                "--address",
                &cam.address(),
                "--user",
                USER,
                "--password-stdin",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(pw.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = probe(SECRET);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profiles"].as_array().unwrap().len(), 2);
    assert!(v["profiles"][0]["streamUri"]
        .as_str()
        .unwrap()
        .starts_with("rtsp://"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
    assert_eq!(probe("wrong").status.code(), Some(3));
}

/// The site's RTSP transport option reaches the ONVIF camera's live stream:
/// on a path that drops RTP over UDP (a proxy sends the server's datagrams
/// to a port nobody reads), `udp` plays nothing and reconnects, `tcp` (the
/// default) plays with VTC1 advancing. The stream URIs name the proxy.
#[tokio::test(flavor = "multi_thread")]
async fn the_sites_transport_option_reaches_live_video() {
    vigil_engine::media::rtsp_live_input::force_our_client();
    let rtsp = RtspServer::start(free_port(), &["--fps", "15", "--size", "640x360"]);
    let (proxy, _sink) = vigil_tests::udp_blackhole::udp_blackhole_proxy(rtsp.port);
    let url = |path: &str| format!("rtsp://127.0.0.1:{proxy}{path}");
    let sim = OnvifSim::start(
        &[
            creds().as_slice(),
            &[
                "--rtsp-main",
                &url("/cam1"),
                "--rtsp-sub",
                &url("/cam1/sub"),
            ],
        ]
        .concat(),
    );
    let engine = engine().await;
    for (transport, plays) in [("udp", false), ("tcp", true)] {
        let probe = engine
            .add_site(vigil_engine::vms::site::SiteRequest {
                kind: "onvif".into(),
                name: Some(format!("Gate over {transport}")),
                address: sim.address(),
                user: Some(USER.into()),
                password: Some(SECRET.into()),
                tls_pin: None,
                time_zone: Some("UTC".into()),
                options: [("transport".to_string(), transport.to_string())].into(),
            })
            .await
            .unwrap_or_else(|e| panic!("add the {transport} site: {e}"));
        assert_eq!(probe.site.option("transport"), Some(transport));
        let cam = &probe.cameras[0];
        let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 640, 360, "")
            .await
            .unwrap();
        let mut frames = Vec::new();
        let mut states = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, tile.next()).await {
                Ok(Some(Ok(vigil_engine::hub::client::HubEvent::Frame {
                    header,
                    payload,
                    ..
                }))) => {
                    let (w, h) = (header.width as usize, header.height as usize);
                    frames.push(vigil_engine::media::vtc1::read_luma(
                        &payload[..w * h],
                        w,
                        h,
                        w,
                    ));
                    if plays && frames.len() >= 10 {
                        break;
                    }
                }
                Ok(Some(Ok(vigil_engine::hub::client::HubEvent::Status(
                    vigil_engine::hub::protocol::ServerMessage::Status { state, .. },
                )))) => {
                    let done = !plays && state == "reconnecting";
                    states.push(state);
                    if done {
                        break;
                    }
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => panic!("hub error: {e}"),
                Ok(None) | Err(_) => panic!(
                    "{transport}: timed out: {states:?}, {} frames",
                    frames.len()
                ),
            }
        }
        println!("{transport}: states {states:?}, {} frames", frames.len());
        if plays {
            let codes: Vec<u64> = vigil_tests::after_peer_start(&frames, Option::is_some)
                .iter()
                .map(|f| f.expect("VTC1 in every frame after the start-up ones"))
                .collect();
            assert!(
                codes.last() > codes.first(),
                "{transport}: VTC1 advances: {codes:?}"
            );
        } else {
            assert!(
                frames.is_empty(),
                "{transport}: no frame can cross the path"
            );
        }
        drop(tile);
        engine.remove_site(&probe.site.id).await.unwrap();
    }
}
