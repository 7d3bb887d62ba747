//! HikCentral Professional end to end: Vigil's engine and CLI against the
//! HikCentral OpenAPI simulator (tests/hikcentral_sim: its own check of the
//! Artemis AK/SK signature, HTTPS with a certificate made here, cameras in
//! pages, token-checked RTSP from GStreamer's server, VTC1 in every frame).
//! Live frames read the wall clock; coverage equals the archive; playback
//! and a case clip (download flow, H.265 kept) read the archive's time; a
//! continuous PTZ move gets exactly one stop; a wrong AppSecret and a TLS
//! pin mismatch are clear errors that store nothing; no token is printed.
//! The CLI test needs a keyring session (bash /work/notes/kr.sh, as CI).
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::vms::site::{SiteProbe, SiteRequest};
use vigil_tests::cli::{ok, text, vigil};
use vigil_tests::hikcentral::{HikCentralSim, APP_KEY, APP_SECRET};
use vigil_tests::hub_wait::frame_after;
use vigil_tests::*;

/// The simulator's frame interval (10 fps).
const FRAME_MS: i64 = 100;
const CAMERAS: &str = "/artemis/api/resource/v1/cameras";

struct Cert {
    pem: String,
    key_pem: String,
    fingerprint: String,
}

fn self_signed() -> Cert {
    let c = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let hex: String = Sha256::digest(c.cert.der())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Cert {
        pem: c.cert.pem(),
        key_pem: c.signing_key.serialize_pem(),
        fingerprint: format!("sha256:{hex}"),
    }
}

fn https_sim(cert: &Cert, extra: &[&str]) -> HikCentralSim {
    HikCentralSim::start(Some((&cert.pem, &cert.key_pem)), extra)
}

fn req(sim: &HikCentralSim, cert: &Cert, secret: &str) -> SiteRequest {
    SiteRequest {
        kind: "hikcentral".into(),
        name: Some("HQ HikCentral".into()),
        address: sim.address(),
        user: Some(APP_KEY.into()),
        password: Some(secret.into()),
        tls_pin: Some(cert.fingerprint.clone()),
        time_zone: Some("Asia/Shanghai".into()),
        ..Default::default()
    }
}

async fn add(engine: &Engine, sim: &HikCentralSim, cert: &Cert) -> SiteProbe {
    engine
        .add_transient_site("hcp", req(sim, cert, APP_SECRET))
        .await
        .expect("the HikCentral site is added")
}

/// No token the simulator issued, and not the AppSecret, in any text.
fn assert_clean(sim: &HikCentralSim, texts: &[String]) {
    let tokens = sim.tokens();
    for t in texts {
        for s in tokens.iter().map(String::as_str).chain([APP_SECRET]) {
            assert!(!t.contains(s), "a secret was printed: {t}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cameras_come_in_pages_and_live_frames_carry_the_wall_clock() {
    let cert = self_signed();
    let sim = https_sim(&cert, &["--cameras", "5", "--max-page", "2"]);
    let engine = engine().await;
    let probe = add(&engine, &sim, &cert).await;
    let names: Vec<_> = probe
        .cameras
        .iter()
        .map(|c| (c.name.as_str(), c.ptz))
        .collect();
    assert_eq!(
        names,
        [
            ("Camera 1", true),
            ("Camera 2", false),
            ("Camera 3", false),
            ("Camera 4", false),
            ("Camera 5", false)
        ]
    );
    // pages of 2: three calls, every one signed over its body's Content-MD5
    let pages = sim.calls_of(CAMERAS);
    assert_eq!(pages.len(), 3, "{pages:?}");
    for c in &pages {
        assert_eq!(c["ok"], true, "{c}");
        assert_eq!(c["body_signed"], true, "{c}");
        let signed: Vec<_> = c["signed"].as_array().unwrap().iter().collect();
        assert_eq!(signed, ["x-ca-key", "x-ca-nonce", "x-ca-timestamp"], "{c}");
    }

    let cam = &probe.cameras[0];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let got = frames(&mut tile, 30, Duration::from_secs(40), &mut statuses).await;
    assert!(got.len() >= 30, "{} frames, {statuses:?}", got.len());
    let tail = &got[got.len() - 10..];
    assert_increasing_timecodes(tail);
    assert_live_lag(tail);
    let previews = sim.calls_of("/artemis/api/video/v1/cameras/previewURLs");
    assert!(!previews.is_empty() && previews.iter().all(|c| c["ok"] == true));
    assert_eq!(previews[0]["body"]["protocol"], "rtsp");
    assert_clean(
        &sim,
        &[
            format!("{statuses:?}"),
            format!("{:?}", engine.sites()),
            format!("{probe:?}"),
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_equals_the_archive_and_playback_reads_its_time() {
    let now = vigil_engine::media::source::now_ms() / 1000 * 1000;
    // 20 minutes in 10-minute segments merge into one span; then a gap
    let archive = format!(
        "{}:{},{}:{}",
        now - 3_000_000,
        now - 1_800_000,
        now - 1_200_000,
        now - 60_000
    );
    let cert = self_signed();
    let sim = https_sim(&cert, &["--archive", &archive]);
    let engine = engine().await;
    let probe = add(&engine, &sim, &cert).await;
    let id = probe.cameras[0].id.clone();
    let want = sim.archive();
    let got = engine
        .recordings_async(&id, want[0].0 - 60_000, now)
        .await
        .unwrap();
    let got: Vec<_> = got.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    assert_eq!(got, want);
    let pb = sim.calls_of("/artemis/api/video/v1/cameras/playbackURLs");
    let listed = pb.last().unwrap();
    assert!(
        listed["body"]["beginTime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00"),
        "times in the site's zone with an offset: {listed}"
    );

    let target = want[1].0 + 30_250;
    let mut tile = TileClient::playback(&engine.hub_info(), &id, (320, 180), target, 1.0, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let first = frame_after(&mut tile, 0, Duration::from_secs(30), &mut statuses)
        .await
        .unwrap_or_else(|| panic!("no playback frame: {statuses:?} {:?}", sim.calls()));
    assert!(
        (target..target + FRAME_MS).contains(&first),
        "first frame {first} for {target}: {:?}",
        sim.calls_of("/artemis/api/video/v1/cameras/playbackURLs")
            .iter()
            .map(|c| (
                c["body"]["beginTime"].clone(),
                c["body"]["endTime"].clone(),
                c["t"].clone()
            ))
            .collect::<Vec<_>>()
    );
    let later = frame_after(
        &mut tile,
        first + 2_000,
        Duration::from_secs(20),
        &mut statuses,
    )
    .await
    .expect("playback advances");
    assert!(later < first + 3_000, "{later}");
    assert_clean(&sim, &statuses);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_continuous_move_gets_exactly_one_stop_and_presets_work() {
    let cert = self_signed();
    let sim = https_sim(&cert, &[]);
    // the move deadline runs on a simulated clock only this test moves, so a
    // slow request on a busy machine never lets it pass early
    let clock = vigil_engine::clock::SimClock::new(vigil_engine::media::source::now_ms());
    let engine = engine_on(clock.shared()).await;
    let probe = add(&engine, &sim, &cert).await;
    let dome = &probe.cameras[0].id;
    let right = MoveRequest {
        pan: 1.0,
        tilt: 0.0,
        zoom: 0.0,
        speed: 0.5,
    };
    let deadline = vigil_engine::ptz::safety::MOVE_DEADLINE;
    let r = |cmd: &str, action: i64| (action, cmd.to_string());
    // the operator's stop: exactly one, and the disarmed deadline adds none
    engine.ptz_move(dome, right).await.unwrap();
    engine.ptz_stop(dome).await.unwrap();
    clock.advance(deadline * 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.ptz(), [r("RIGHT", 0), r("RIGHT", 1)]);
    // no keepalive and no stop from the operator: the engine's safety stop,
    // and not before the deadline
    let up = MoveRequest {
        pan: 0.0,
        tilt: 1.0,
        ..right
    };
    engine.ptz_move(dome, up).await.unwrap();
    clock.advance(deadline - Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.ptz().len(), 3, "no stop before the deadline");
    clock.advance(Duration::from_millis(100));
    let until = Instant::now() + Duration::from_secs(10);
    while sim.ptz().len() < 4 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    clock.advance(deadline * 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sim.ptz(),
        [r("RIGHT", 0), r("RIGHT", 1), r("UP", 0), r("UP", 1)],
        "one safety stop"
    );

    let presets = engine.ptz_presets(dome).await.unwrap();
    let names: Vec<_> = presets.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Gate", "Yard"]);
    engine
        .ptz_goto_preset(dome, &presets[1].token, 0.5)
        .await
        .unwrap();
    assert_eq!(sim.ptz().last().unwrap(), &(0, "GOTO_PRESET".to_string()));
    let fixed = &probe.cameras[1].id;
    let e = engine.ptz_move(fixed, right).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_and_pin_mismatch_are_clear_and_store_nothing() {
    let cert = self_signed();
    let sim = https_sim(&cert, &[]);
    let engine = engine().await;

    let e = engine
        .add_site(req(&sim, &cert, "not-the-app-secret"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("0x02401003") && text.contains("signature"),
        "{text}"
    );
    assert!(!text.contains("not-the-app-secret"), "{text}");
    let refused = sim.calls_of(CAMERAS);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["code"], "0x02401003");

    // another certificate's pin: refused before anything is sent
    let other = self_signed();
    let before = sim.calls().len();
    let mut wrong_pin = req(&sim, &cert, APP_SECRET);
    wrong_pin.tls_pin = Some(other.fingerprint.clone());
    let e = engine.add_site(wrong_pin).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Untrusted, "{e}");
    assert_eq!(e.certificate().as_deref(), Some(cert.fingerprint.as_str()));
    let mut no_pin = req(&sim, &cert, APP_SECRET);
    no_pin.tls_pin = None;
    let e = engine.add_site(no_pin).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Untrusted, "{e}");
    assert!(
        sim.calls()[before..].iter().all(|c| c["method"] == "TLS"),
        "no API call without a trusted certificate: {:?}",
        &sim.calls()[before..]
    );

    let mut plain = req(&sim, &cert, APP_SECRET);
    plain.address = format!("http://127.0.0.1:{}", sim.plain_port);
    let e = engine.add_site(plain).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");

    assert!(
        engine.sites().iter().all(|s| s.site.kind != "hikcentral"),
        "nothing stored"
    );
}

#[test]
fn cli_adds_a_hikcentral_site_and_an_h265_case_clip_reads_the_window() {
    let (sim, clip, outputs) = cli_case_clip(&[]);
    // the download flow made it
    let dl = sim.calls_of("/artemis/api/video/v1/download");
    assert_eq!(dl.len(), 1, "{dl:?}");
    assert_eq!(dl[0]["ok"], true);
    assert_eq!(clip["media"]["method"], "server_export", "{clip}");
    assert_clean(&sim, &outputs);
}

#[test]
fn without_a_download_flow_the_clip_is_the_playback_stream_copied() {
    let (sim, clip, outputs) = cli_case_clip(&["--no-download"]);
    let dl = sim.calls_of("/artemis/api/video/v1/download");
    assert_eq!(dl.len(), 1, "{dl:?}");
    assert_eq!(dl[0]["code"], "8", "answered as unsupported: {dl:?}");
    assert_eq!(clip["media"]["method"], "stream_copy", "{clip}");
    assert_clean(&sim, &outputs);
}

/// Adds an H.265 HikCentral site with the CLI (a wrong secret and a wrong pin
/// first), makes a case at now-10 min and runs the footage worker; checks
/// the clip reads event-5 s .. event+5 s within a frame and is H.265 in MP4.
/// Returns the simulator, the clip job and every output printed.
fn cli_case_clip(extra: &[&str]) -> (HikCentralSim, Value, Vec<String>) {
    let now = vigil_engine::media::source::now_ms() / 1000 * 1000;
    let archive = format!("{}:{}", now - 1_800_000, now - 60_000);
    let cert = self_signed();
    let args = [&["--archive", &archive, "--codec", "h265"][..], extra].concat();
    let sim = https_sim(&cert, &args);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut outputs = Vec::new();
    let add = |secret: &str, pin: &str| {
        vigil(
            data,
            &[
                "sites",
                "add",
                "hikcentral",
                "--address",
                &sim.address(),
                "--user",
                APP_KEY,
                "--password-stdin",
                "--tls-pin",
                pin,
            ],
            Some(&format!("{secret}\n")),
        )
    };

    let wrong = add("wrong-secret", &cert.fingerprint);
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    assert!(text(&wrong).contains("0x02401003"), "{}", text(&wrong));
    outputs.push(text(&wrong));
    let other = self_signed();
    let mismatch = add(APP_SECRET, &other.fingerprint);
    assert_eq!(mismatch.status.code(), Some(6), "{}", text(&mismatch));
    outputs.push(text(&mismatch));

    let added = add(APP_SECRET, &cert.fingerprint);
    outputs.push(text(&added));
    let v: Value = serde_json::from_str(ok(&added).trim()).unwrap();
    let names: Vec<_> = v["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Camera 1", "Camera 2", "Camera 3"]);
    let site = v["site"]["id"].as_str().unwrap().to_string();
    let cam = v["cameras"][0]["id"].as_str().unwrap().to_string();
    let listed = vigil(data, &["sites", "list"], None);
    outputs.push(text(&listed));
    let stored: Vec<String> = ok(&listed)
        .lines()
        .filter(|l| l.contains("\"kind\":\"hikcentral\""))
        .map(str::to_string)
        .collect();
    assert_eq!(stored.len(), 1, "only the good site is stored: {stored:?}");

    let event = now - 600_000;
    let at = vigil_engine::cases::rfc3339_ms(event);
    let created = vigil(
        data,
        &[
            "case", "create", "--camera", &cam, "--at", &at, "--title", "HCP case",
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
    let (ws, we) = (
        clip["windowStartMs"].as_i64().unwrap(),
        clip["windowEndMs"].as_i64().unwrap(),
    );
    assert_eq!((ws, we), (event - 5_000, event + 5_000));
    let path = clip["media"]["path"].as_str().unwrap();
    assert!(path.ends_with(".mp4"), "{path}");
    let p = vigil_engine::footage::probe::probe_clip(Path::new(path)).unwrap();
    let first = p.frames[0].vtc1.unwrap();
    let last = p.frames.last().unwrap().vtc1.unwrap();
    assert!((first - ws).abs() <= FRAME_MS, "first {first} vs {ws}");
    assert!((last - we).abs() <= FRAME_MS, "last {last} vs {we}");
    assert_eq!(
        ffprobe_codec(Path::new(path)),
        "hevc",
        "H.265 stays H.265 in the MP4"
    );

    let removed = vigil(data, &["sites", "remove", &site], None);
    outputs.push(text(&removed));
    ok(&removed);
    (sim, clip, outputs)
}

/// The first video stream's codec, as FFmpeg names it.
fn ffprobe_codec(path: &Path) -> String {
    ffmpeg_next::init().unwrap();
    let input = ffmpeg_next::format::input(&path).unwrap();
    let stream = input
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .unwrap();
    format!("{:?}", stream.parameters().id()).to_lowercase()
}

/// The JSON lines a PyPI client script printed.
fn run_pypi(venv: &str, args: &[&str]) -> Vec<Value> {
    let py = vigil_tests::onvif::venv_python(venv);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hikcentral_sim/pypi_signers.py");
    let out = Command::new(py).arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The independent PyPI signers sign different header sets (PROTOCOLS.md
/// 4.1): hikvision-openapi-signer every header it sends (Accept,
/// Content-MD5, Content-Type, Date lines; X-Ca-Key/-Nonce/-Timestamp and a
/// custom header listed), hikcentral-openapi a fixed string over Accept,
/// Content-Type and x-ca-key alone. The simulator, following the SDK rule
/// (the plain lines of the headers sent, the headers listed in
/// X-Ca-Signature-Headers), accepts both, and refuses both with a wrong
/// secret.
#[test]
fn pypi_signers_are_accepted_and_a_wrong_secret_is_refused() {
    let cert = self_signed();
    let sim = https_sim(&cert, &["--no-rtsp"]);
    let port = sim.port.to_string();
    let accurio = run_pypi(
        "venv-hikvision-openapi-signer",
        &["accurio", &sim.address(), APP_KEY, APP_SECRET],
    );
    let hcp = run_pypi(
        "venv-hikcentral-openapi",
        &[
            "hikcentral-openapi",
            "127.0.0.1",
            &port,
            APP_KEY,
            APP_SECRET,
        ],
    );
    assert_eq!((accurio.len(), hcp.len()), (4, 2));
    for r in accurio.iter().chain(&hcp) {
        let good = r["secret_ok"].as_bool().unwrap();
        assert_eq!(r["status"], if good { 200 } else { 401 }, "{r}");
    }
    let calls = sim.calls();
    let signed = |c: &Value| -> Vec<String> {
        c["signed"]
            .as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let accepted: Vec<_> = calls.iter().filter(|c| c["ok"] == true).collect();
    assert_eq!(accepted.len(), 3, "{calls:?}");
    // hikvision-openapi-signer: everything it sends, the body through Content-MD5
    for c in &accepted[..2] {
        assert_eq!(
            signed(c),
            ["tagid", "x-ca-key", "x-ca-nonce", "x-ca-timestamp"]
        );
        assert_eq!(c["body_signed"], true);
        let sent: Vec<_> = c["sent"].as_array().unwrap().iter().collect();
        assert!(sent.contains(&&Value::from("date")), "{c}");
    }
    // hikcentral-openapi: x-ca-key only, no Content-MD5 (the body is not protected)
    assert_eq!(signed(accepted[2]), ["x-ca-key"]);
    assert_eq!(accepted[2]["body_signed"], false);
    let refused: Vec<_> = calls.iter().filter(|c| c["ok"] == false).collect();
    assert_eq!(refused.len(), 3);
    assert!(refused.iter().all(|c| c["code"] == "0x02401003"));
}
