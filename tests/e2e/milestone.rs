//! Milestone XProtect end to end: Vigil's engine and CLI against the Mobile
//! Server simulator (tests/milestone_sim: its own DH, AES and CHAP, JPEG
//! frames carrying VTC1 over the video WebSocket, a synthetic archive with
//! gaps, exports as MKV). Live frames read the wall clock; LiveMessage keeps
//! a short watchdog fed and a simulator restart is survived with the tile
//! up; coverage equals the archive; playback seeks and frame steps land on
//! the exact frame; PTZ calls arrive as logged; wrong password, second-step
//! login, too many sessions, an unknown camera and a TLS pin mismatch are
//! each a clear error; a case clip reads event-5 s .. event+5 s. The CLI
//! test needs a keyring session (bash /work/notes/kr.sh, as CI).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::{ClientMessage, ServerMessage};
use vigil_engine::media::source::now_ms;
use vigil_engine::ptz::Step;
use vigil_engine::vms::site::{SiteProbe, SiteRequest};
use vigil_tests::*;

const USER: &str = "operator";
const PASSWORD: &str = "Xp-m0bile-7731";
/// The simulator's frame interval (10 fps).
const FRAME_MS: i64 = 100;

/// The Mobile Server simulator on a loopback port, logging to a file.
struct Sim {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sim {
    fn start(extra: &[&str]) -> Self {
        Self::start_on(0, extra)
    }

    /// On `port` (0 = any free one) with `--chap` and `extra` arguments.
    fn start_on(port: u16, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("calls.jsonl");
        // VIGIL_MILESTONE_SIM: another copy of the simulator (a local fix under test)
        let script = std::env::var_os("VIGIL_MILESTONE_SIM")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("milestone_sim/milestone_sim.py")
            });
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", &port.to_string(), "--user", USER])
            .args(["--password-env", "MS_SIM_PW", "--chap"])
            .arg("--log")
            .arg(&log)
            .arg("--work-dir")
            .arg(dir.path())
            .args(extra)
            .env("MS_SIM_PW", PASSWORD)
            .env("VIGIL_SHARED", vigil_tests::shared_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 milestone_sim.py");
        let ready =
            vigil_tests::onvif::wait_ready(&mut child, "milestone_sim.py", Duration::from_secs(30));
        let port = ready.split_whitespace().nth(1).unwrap().parse().unwrap();
        Self {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every logged event, oldest first.
    fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The logged commands named `name`.
    fn commands(&self, name: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == "command" && e["name"] == name)
            .collect()
    }

    fn ok_count(&self, name: &str) -> usize {
        self.commands(name)
            .iter()
            .filter(|c| c["result"] == "OK")
            .count()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

fn req(address: &str, password: &str) -> SiteRequest {
    SiteRequest {
        kind: "milestone".into(),
        name: Some("HQ XProtect".into()),
        address: address.into(),
        user: Some(USER.into()),
        password: Some(password.into()),
        time_zone: Some("Europe/Copenhagen".into()),
        ..Default::default()
    }
}

async fn add(engine: &Engine, sim: &Sim) -> SiteProbe {
    engine
        .add_transient_site("milestone", req(&sim.address(), PASSWORD))
        .await
        .expect("the Milestone site is added")
}

fn assert_clean(texts: &[String]) {
    for t in texts {
        assert!(!t.contains(PASSWORD), "the password was printed: {t}");
    }
}

/// The next frame's VTC1 at or after `after_ms`; collects statuses.
async fn frame_after(
    tile: &mut TileClient,
    after_ms: i64,
    within: Duration,
    statuses: &mut Vec<String>,
) -> Option<i64> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Frame {
                header, payload, ..
            }))) => {
                let (w, h) = (header.width as usize, header.height as usize);
                if let Some(tc) = vigil_engine::media::vtc1::read_luma(&payload[..w * h], w, h, w) {
                    if tc as i64 >= after_ms {
                        return Some(tc as i64);
                    }
                }
            }
            Ok(Some(Ok(HubEvent::Status(ServerMessage::Status { state, reason, .. })))) => {
                statuses.push(format!("{state} {reason:?}"))
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => panic!("hub error: {e}"),
            Ok(None) | Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cameras_list_and_live_frames_carry_the_wall_clock() {
    let sim = Sim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let names: Vec<_> = probe
        .cameras
        .iter()
        .map(|c| (c.name.as_str(), c.ptz))
        .collect();
    assert_eq!(
        names,
        [("Camera 1", true), ("Camera 2", false), ("Camera 3", false)]
    );
    let ptz = &probe.cameras[0].capabilities.ptz;
    assert!(ptz.step && !ptz.continuous && ptz.presets, "{ptz:?}");

    let cam = &probe.cameras[1];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 320, 180, "")
        .await
        .unwrap();
    let mut why = Vec::new();
    assert!(
        frame_after(&mut tile, 0, Duration::from_secs(30), &mut why)
            .await
            .is_some(),
        "no live frame: {why:?}"
    );
    let mut statuses = Vec::new();
    let got = frames(&mut tile, 30, Duration::from_secs(40), &mut statuses).await;
    assert!(
        got.len() >= 30,
        "{} frames, {statuses:?} {:?}",
        got.len(),
        sim.events().iter().rev().take(12).collect::<Vec<_>>()
    );
    let tail = &got[got.len() - 15..];
    assert_increasing_timecodes(tail);
    for f in tail {
        assert_eq!((f.header.width, f.header.height), (320, 180));
        let lag = f.arrived_ms - f.vtc1().unwrap() as i64;
        assert!((0..1000).contains(&lag), "live lag {lag} ms");
    }
    let streams = sim.commands("RequestStream");
    assert!(
        streams
            .iter()
            .any(|c| c["params"]["SignalType"][0] == "Live"
                && c["params"]["StreamType"][0] == "Transcoded"),
        "{streams:?}"
    );
    // CHAP was on: every command after LogIn carried a good answer
    assert!(
        sim.events()
            .iter()
            .filter(|e| e["event"] == "command")
            .all(|e| e["result"] == "OK" || e["name"] == "CloseStream"),
        "{:?}",
        sim.events()
    );
    assert_clean(&[format!("{statuses:?}"), format!("{probe:?}")]);
    engine.remove_site(&probe.site.id).await.unwrap();
    assert!(sim.ok_count("Disconnect") >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn keepalive_holds_a_short_watchdog_and_a_restart_is_survived() {
    let mut sim = Sim::start(&["--watchdog", "3"]);
    let port = sim.port;
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let cam = &probe.cameras[2];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let start = now_ms();
    // 10 s of live: more than three watchdogs, held by LiveMessage alone
    assert!(
        frame_after(
            &mut tile,
            start + 10_000,
            Duration::from_secs(40),
            &mut statuses
        )
        .await
        .is_some(),
        "{statuses:?}"
    );
    assert!(
        sim.ok_count("LiveMessage") >= 4,
        "{:?}",
        sim.commands("LiveMessage")
    );
    assert!(
        !sim.events()
            .iter()
            .any(|e| e["event"] == "watchdog_expired"),
        "the watchdog expired: {:?}",
        sim.events()
    );

    // a restart forgets every connection; the tile comes back by itself
    sim.stop();
    let restarted = now_ms();
    let sim = Sim::start_on(port, &["--watchdog", "3"]);
    assert!(
        frame_after(
            &mut tile,
            restarted + 500,
            Duration::from_secs(40),
            &mut statuses
        )
        .await
        .is_some(),
        "the tile came back: {statuses:?} {:?}",
        sim.events()
    );
    assert!(sim.ok_count("LogIn") >= 1);
    assert!(
        statuses.iter().all(|s| !s.contains("auth")),
        "never an auth failure: {statuses:?}"
    );
    assert_clean(&statuses);
}

/// RFC 3339 of whole seconds.
fn rfc(s: i64) -> String {
    vigil_engine::cases::rfc3339_ms(s * 1000)
}

/// The next frame's VTC1 (after a command on a paused tile).
async fn next_frame(tile: &mut TileClient, statuses: &mut Vec<String>) -> i64 {
    // generous: each step or seek opens a stream, and the whole suite's
    // simulators start ffmpeg encoders at once on a busy machine
    frame_after(tile, 0, Duration::from_secs(45), statuses)
        .await
        .unwrap_or_else(|| panic!("no frame: {statuses:?}"))
}

/// [`next_frame`] naming what was asked when none comes.
async fn next_frame_after(what: &str, tile: &mut TileClient, statuses: &mut Vec<String>) -> i64 {
    frame_after(tile, 0, Duration::from_secs(45), statuses)
        .await
        .unwrap_or_else(|| panic!("no frame after {what}: {statuses:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_equals_the_archive_and_seeks_and_steps_land_on_the_frame() {
    let now = now_ms() / 1000;
    let archive = [(now - 3600, 600), (now - 2400, 1200), (now - 900, 840)];
    let spec = archive
        .iter()
        .map(|(s, d)| format!("{}/{d}", rfc(*s)))
        .collect::<Vec<_>>()
        .join(",");
    let sim = Sim::start(&["--archive", &spec]);
    let want: Vec<(i64, i64)> = archive
        .iter()
        .map(|(s, d)| (s * 1000, (s + d) * 1000))
        .collect();
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let id = probe.cameras[1].id.clone();
    let got = engine
        .recordings_async(&id, want[0].0 - 60_000, now * 1000)
        .await
        .unwrap();
    let got: Vec<_> = got.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    assert_eq!(got, want);
    let clipped = engine
        .recordings_async(&id, want[1].0 + 500, want[1].1 - 500)
        .await
        .unwrap();
    assert_eq!(
        clipped
            .iter()
            .map(|s| (s.start_ms, s.end_ms))
            .collect::<Vec<_>>(),
        [(want[1].0 + 500, want[1].1 - 500)]
    );

    // opened paused between two frames: the first frame at or after
    let target = want[1].0 + 30_250;
    let mut tile = TileClient::playback(
        &engine.hub_info(),
        &id,
        (320, 180),
        target,
        1.0,
        "&paused=1",
    )
    .await
    .unwrap();
    let mut statuses = Vec::new();
    let first = frame_after(&mut tile, 0, Duration::from_secs(20), &mut statuses)
        .await
        .unwrap_or_else(|| panic!("no playback frame: {statuses:?} {:?}", sim.events()));
    assert_eq!(first, want[1].0 + 30_300, "{statuses:?}");
    for (step, expect) in [
        (1, first + 100),
        (1, first + 200),
        (-1, first + 100),
        (-1, first),
    ] {
        tile.send(&ClientMessage::Step { frames: step })
            .await
            .unwrap();
        assert_eq!(
            next_frame_after(&format!("step {step}"), &mut tile, &mut statuses).await,
            expect,
            "step {step}"
        );
    }
    // a seek further into the span
    let t2 = want[1].0 + 61_040;
    tile.send(&ClientMessage::Seek { at: t2 }).await.unwrap();
    assert_eq!(
        next_frame_after("the seek within the span", &mut tile, &mut statuses).await,
        want[1].0 + 61_100
    );
    // paused seeks into the other spans, later and earlier: the frame shown
    // is the target's within one frame
    for t in [want[2].0 + 12_340, want[0].0 + 45_000, want[1].0 + 600_050] {
        tile.send(&ClientMessage::Seek { at: t }).await.unwrap();
        let shown = next_frame_after(&format!("the seek to {t}"), &mut tile, &mut statuses).await;
        assert!(
            (shown - t).abs() <= FRAME_MS,
            "seek to {t}: shown {shown} ({statuses:?})"
        );
    }

    // playing: the archive's time advances
    let mut play = TileClient::playback(&engine.hub_info(), &id, (320, 180), target, 1.0, "")
        .await
        .unwrap();
    let a = next_frame(&mut play, &mut statuses).await;
    let b = frame_after(&mut play, a + 2_000, Duration::from_secs(20), &mut statuses)
        .await
        .expect("playback advances");
    assert!(b < a + 3_000, "{a} {b}");

    assert_clean(&statuses);
}

#[tokio::test(flavor = "multi_thread")]
async fn ptz_calls_arrive_as_logged() {
    let sim = Sim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let dome = &probe.cameras[0].id;
    let fixed = &probe.cameras[1].id;
    engine.ptz_step(dome, Step::ZoomIn, 1.0).await.unwrap();
    engine.ptz_step(dome, Step::Left, 0.5).await.unwrap();
    engine.ptz_home(dome, 1.0).await.unwrap();
    let presets: Vec<_> = engine
        .ptz_presets(dome)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(presets, ["Gate", "Yard", "Door"]);
    engine.ptz_goto_preset(dome, "Yard", 1.0).await.unwrap();
    let seen: Vec<(String, String)> = sim
        .commands("ControlPTZ")
        .iter()
        .map(|c| {
            let p = &c["params"];
            match p["PtzMove"][0].as_str() {
                Some(m) => ("move".to_string(), m.to_string()),
                None => (
                    "preset".to_string(),
                    p["PtzPreset"][0].as_str().unwrap_or_default().to_string(),
                ),
            }
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("move", "ZoomIn"),
        ("move", "Left"),
        ("move", "Home"),
        ("preset", "Yard"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(seen, want, "{:?}", sim.commands("ControlPTZ"));
    assert_eq!(sim.ok_count("ControlPTZ"), 4);
    let e = engine.ptz_step(fixed, Step::Up, 1.0).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
}

fn self_signed() -> (String, String, String) {
    let c = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let pin = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(c.cert.der());
        format!(
            "sha256:{}",
            d.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    (c.cert.pem(), c.signing_key.serialize_pem(), pin)
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_clear_errors_that_store_nothing() {
    let engine = engine().await;
    let sim = Sim::start(&[]);
    let e = engine
        .add_site(req(&sim.address(), "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    let text = e.to_string();
    assert!(text.contains("wrong user name or password"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");

    let pin = Sim::start(&["--require-second-step", "424242"]);
    let e = engine
        .add_site(req(&pin.address(), PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    assert!(e.to_string().contains("second login step"), "{e}");

    // one session allowed, held by a live tile of another engine
    let one = Sim::start(&["--max-sessions", "1"]);
    let holder = vigil_tests::engine().await;
    let probe = add(&holder, &one).await;
    let mut tile = TileClient::connect(&holder.hub_info(), &probe.cameras[0].id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    assert!(
        frame_after(&mut tile, 0, Duration::from_secs(30), &mut statuses)
            .await
            .is_some(),
        "{statuses:?}"
    );
    let e = engine
        .add_site(req(&one.address(), PASSWORD))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("too many sessions"), "{e}");

    // a camera the server no longer knows
    let mut gone = Sim::start(&[]);
    let port = gone.port;
    let probe = add(&engine, &gone).await;
    gone.stop();
    let _two = Sim::start_on(port, &["--cameras", "2"]);
    let e = engine
        .onvif_snapshot(&probe.cameras[2].id)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(e.to_string().contains("unknown camera"), "{e}");

    // TLS: a wrong pin is refused naming the certificate; the right one works
    let (cert, key, good_pin) = self_signed();
    let dir = tempfile::tempdir().unwrap();
    let (cp, kp) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cp, cert).unwrap();
    std::fs::write(&kp, key).unwrap();
    let tls = Sim::start(&["--tls", cp.to_str().unwrap(), kp.to_str().unwrap()]);
    let address = format!("https://127.0.0.1:{}", tls.port);
    let mut wrong = req(&address, PASSWORD);
    wrong.tls_pin = Some(format!("sha256:{}", "ab".repeat(32)));
    let e = engine.add_site(wrong).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Untrusted, "{e}");
    let mut right = req(&address, PASSWORD);
    right.tls_pin = Some(good_pin);
    let probe = engine
        .add_transient_site("milestone", right)
        .await
        .expect("pinned TLS works");
    assert_eq!(probe.cameras.len(), 3);
    let mut tile = TileClient::connect(&engine.hub_info(), &probe.cameras[0].id, 320, 180, "")
        .await
        .unwrap();
    assert!(
        frame_after(
            &mut tile,
            now_ms() - 1_000,
            Duration::from_secs(30),
            &mut statuses
        )
        .await
        .is_some(),
        "live over wss with the pin: {statuses:?}"
    );

    assert!(
        engine.sites().iter().all(|s| s.site.kind != "milestone"
            || s.site.address.starts_with("https")
            || s.site.address.ends_with(&port.to_string())),
        "nothing stored for the refusals"
    );
    assert_clean(&[text, format!("{statuses:?}")]);
}

fn vigil(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(vigil_bin())
        .args(args)
        .env("VIGIL_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut w = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            w.write_all(s.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn cli_adds_a_milestone_site_and_a_case_clip_reads_the_window() {
    let now = now_ms() / 1000;
    let spec = format!("{}/1740", rfc(now - 1800));
    let sim = Sim::start(&["--archive", &spec]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut outputs = Vec::new();
    let add_args = [
        "sites",
        "add",
        "milestone",
        "--address",
        &sim.address(),
        "--user",
        USER,
        "--password-stdin",
    ];
    let wrong = vigil(data, &add_args, Some("wrong-pass\n"));
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    outputs.push(text(&wrong));

    let added = vigil(data, &add_args, Some(&format!("{PASSWORD}\n")));
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
    let cam = v["cameras"][1]["id"].as_str().unwrap().to_string();

    let event = (now - 600) * 1000;
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
            "XProtect case",
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
    let path = Path::new(clip["media"]["path"].as_str().unwrap());
    let p = vigil_engine::footage::probe::probe_clip(path).unwrap();
    let first = p.frames[0].vtc1.unwrap();
    let last = p.frames.last().unwrap().vtc1.unwrap();
    assert!(
        (first - ws).abs() <= FRAME_MS,
        "first {first} vs {ws}: {clip}"
    );
    assert!((last - we).abs() <= FRAME_MS, "last {last} vs {we}: {clip}");
    assert!(
        sim.ok_count("StartInvestigationExport") >= 1,
        "the server's export was used: {clip}"
    );

    let removed = vigil(data, &["sites", "remove", &site], None);
    outputs.push(text(&removed));
    ok(&removed);
    assert_clean(&outputs);
}

/// The PIN the simulator's second step wants.
const PIN: &str = "424242";

#[tokio::test(flavor = "multi_thread")]
async fn second_step_pin_wrong_is_clear_and_right_lists_cameras() {
    use vigil_engine::error::EngineError;
    use vigil_engine::vms::milestone::second_step::submit_pin;
    use vigil_engine::vms::VmsError;
    let engine = engine().await;
    let sim = Sim::start(&["--require-second-step", PIN]);
    let address = sim.address();
    let e = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(e, EngineError::Vms(VmsError::PinRequired { .. })),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::AuthFailed);
    assert_eq!(sim.ok_count("RequestSecondStepAuthenticationPin"), 1);
    // asking again before the PIN is submitted sends no second PIN
    let again = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(
        again,
        EngineError::Vms(VmsError::PinRequired { .. })
    ));
    assert_eq!(sim.commands("RequestSecondStepAuthenticationPin").len(), 1);

    submit_pin(&address, USER, "000000").unwrap();
    let wrong = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::AuthFailed, "{wrong}");
    assert!(wrong.to_string().contains("PIN is wrong"), "{wrong}");

    // the same login takes the right PIN
    submit_pin(&address, USER, PIN).unwrap();
    let probe = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .expect("the right PIN logs in");
    let names: Vec<_> = probe.cameras.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["Camera 1", "Camera 2", "Camera 3"]);
    // serving the site reuses the verified login: live frames, no new PIN
    let mut tile = TileClient::connect(&engine.hub_info(), &probe.cameras[0].id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    assert!(
        frame_after(
            &mut tile,
            now_ms() - 1_000,
            Duration::from_secs(30),
            &mut statuses
        )
        .await
        .is_some(),
        "{statuses:?}"
    );
    assert_eq!(sim.commands("RequestSecondStepAuthenticationPin").len(), 1);
    assert_eq!(sim.ok_count("VerifySecondStepAuthenticationPin"), 1);
    assert!(
        submit_pin(&address, USER, PIN).is_err(),
        "nothing waits now"
    );
    let log = std::fs::read_to_string(&sim.log).unwrap();
    assert!(!log.contains(PIN), "the PIN reached the simulator's log");
    assert_clean(&[e.to_string(), wrong.to_string(), format!("{statuses:?}")]);
    for t in [e.to_string(), wrong.to_string(), format!("{statuses:?}")] {
        assert!(!t.contains(PIN) && !t.contains("000000"), "{t}");
    }
}

#[test]
fn cli_reads_the_second_step_pin_from_stdin() {
    let sim = Sim::start(&["--require-second-step", PIN]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let address = sim.address();
    let args = [
        "sites",
        "add",
        "milestone",
        "--address",
        &address,
        "--user",
        USER,
        "--password-stdin",
        "--pin-stdin",
    ];
    let no_pin = vigil(
        data,
        &[
            "sites",
            "add",
            "milestone",
            "--address",
            &address,
            "--user",
            USER,
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(no_pin.status.code(), Some(3), "{}", text(&no_pin));
    assert!(
        text(&no_pin).contains("second login step"),
        "{}",
        text(&no_pin)
    );

    let wrong = vigil(data, &args, Some(&format!("{PASSWORD}\n000000\n")));
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    assert!(text(&wrong).contains("PIN is wrong"), "{}", text(&wrong));

    let right = vigil(data, &args, Some(&format!("{PASSWORD}\n{PIN}\n")));
    let v: Value = serde_json::from_str(ok(&right).trim()).unwrap();
    assert_eq!(v["cameras"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(sim.ok_count("VerifySecondStepAuthenticationPin"), 1);
    let outputs = [text(&no_pin), text(&wrong), text(&right)];
    assert_clean(&outputs);
    for t in &outputs {
        assert!(
            !t.contains(PIN) && !t.contains("000000"),
            "the PIN was printed: {t}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_seek_into_another_span_shows_its_frame_on_a_slow_server() {
    // every new playback stream sends its first frame 6 s late (over the
    // reader's 5 s wait for a next frame, which ended the feed silently)
    let now = now_ms() / 1000;
    let archive = [(now - 3600, 600), (now - 1800, 900)];
    let spec = archive
        .iter()
        .map(|(s, d)| format!("{}/{d}", rfc(*s)))
        .collect::<Vec<_>>()
        .join(",");
    let sim = Sim::start(&["--archive", &spec, "--playback-start-delay", "6"]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let id = probe.cameras[0].id.clone();
    let start = archive[0].0 * 1000 + 20_000;
    let mut tile =
        TileClient::playback(&engine.hub_info(), &id, (320, 180), start, 1.0, "&paused=1")
            .await
            .unwrap();
    let mut statuses = Vec::new();
    let first = frame_after(&mut tile, 0, Duration::from_secs(40), &mut statuses)
        .await
        .unwrap_or_else(|| panic!("no frame: {statuses:?}"));
    assert_eq!(first, start, "{statuses:?}");
    let t = archive[1].0 * 1000 + 100_030;
    tile.send(&ClientMessage::Seek { at: t }).await.unwrap();
    let shown = frame_after(&mut tile, 0, Duration::from_secs(40), &mut statuses)
        .await
        .unwrap_or_else(|| panic!("no frame after the seek: {statuses:?}"));
    assert!(
        (shown - t).abs() <= FRAME_MS,
        "seek to {t}: shown {shown} ({statuses:?})"
    );
    assert!(
        !statuses.iter().any(|s| s.starts_with("ended")),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn server_views_are_layouts() {
    let sim = Sim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let layouts = engine.server_layouts(&probe.site.id).await.unwrap();
    let ids: Vec<_> = probe.cameras.iter().map(|c| Some(c.id.clone())).collect();
    let names: Vec<_> = layouts.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["HQ XProtect / Overview", "HQ XProtect / Entrance"]);
    // Overview: 2x2, the site's three cameras in the view's order
    assert_eq!(layouts[0].layout.grid, 4);
    assert_eq!(
        layouts[0].layout.tiles,
        [ids[0].clone(), ids[1].clone(), ids[2].clone(), None]
    );
    // Entrance: the last camera alone
    assert_eq!(layouts[1].layout.grid, 1);
    assert_eq!(layouts[1].layout.tiles, [ids[2].clone()]);
    // each opens as a layout: the engine takes it as the current one
    engine
        .save_current_layout(layouts[0].layout.clone())
        .unwrap();
    assert_eq!(engine.current_layout().unwrap(), layouts[0].layout);
}

/// The VTC1 of the picture a playback session shows.
fn shown_vtc1(pic: &vigil_engine::media::picture::Picture) -> Option<i64> {
    let (w, h) = (pic.width as usize, pic.height as usize);
    vigil_engine::media::vtc1::read_luma(&pic.data[..w * h], w, h, w).map(|t| t as i64)
}

/// Waits (real time, up to 30 s) until the session shows a frame whose VTC1
/// is within one frame of `want`; the last VTC1 seen otherwise.
async fn shows(
    frames: &mut tokio::sync::watch::Receiver<Option<vigil_engine::media::picture::Picture>>,
    want: i64,
) -> Result<i64, Option<i64>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = None;
    loop {
        if let Some(pic) = frames.borrow_and_update().clone() {
            last = shown_vtc1(&pic);
            if last.is_some_and(|t| (t - want).abs() <= FRAME_MS) {
                return Ok(last.unwrap());
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || tokio::time::timeout(left, frames.changed()).await.is_err() {
            return Err(last);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn playback_advances_at_the_asked_speed_on_the_injected_clock() {
    use std::sync::Arc;
    use vigil_engine::clock::SimClock;
    use vigil_engine::playback::clock::Clock;
    use vigil_engine::playback::group::Group;
    use vigil_engine::playback::session::{PlaybackSession, SessionSpec};
    use vigil_engine::playback::wall_time::WallTime;

    let now = now_ms() / 1000;
    let spec = format!("{}/3000", rfc(now - 3600));
    let sim = Sim::start(&["--archive", &spec]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let cam = probe.cameras[0].clone();
    let span_start = (now - 3600) * 1000;
    // the engine's pacing runs on a simulated wall clock: time moves only
    // when the test moves it, so the rate is exact whatever the machine's load
    let wall = SimClock::leaked(now_ms());
    // reverse is left out: on this clock the reverse feed ran ahead of it
    // after a few seconds (docs/milestone.md, "Not done")
    for (n, speed) in [1.0f64, 4.0].into_iter().enumerate() {
        let start = span_start + 600_000 + n as i64 * 600_000;
        let group = Arc::new(Group::with_clock(
            format!("ms-speed-{n}"),
            Clock::with_wall_time(start, speed, false, WallTime::Simulated(wall)),
        ));
        let registry = engine.playback().registry().clone();
        let camera = cam.id.clone();
        let session = PlaybackSession::start(SessionSpec {
            camera: cam.id.clone(),
            streams: cam.streams.clone(),
            forced_stream: None,
            tile: (320, 180),
            recording_for: Arc::new(move |k| registry.recording(&camera, k)),
            group: group.clone(),
        })
        .unwrap();
        let mut frames = session.frames();
        let first = shows(&mut frames, start)
            .await
            .unwrap_or_else(|last| panic!("{speed}x: no first frame at {start}: {last:?}"));
        // the clock runs from the first frame shown (wait for that state)
        let t0 = Instant::now();
        while group.clock.state().held() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{speed}x: clock held"
            );
            tokio::task::yield_now().await;
        }
        // 40 steps of 250 ms: after each, the frame shown is the clock's.
        // Elapsed time is read from the simulated clock, not counted: a
        // session that hit an error waits out its retry pause on this clock
        // too (a busy machine), and that time counts as played.
        let w0 = wall.elapsed();
        let mut elapsed_ms = 0i64;
        let mut shown = first;
        for _ in 0..40 {
            wall.advance(Duration::from_millis(250));
            elapsed_ms = (wall.elapsed() - w0).as_millis() as i64;
            let want = first + (speed * elapsed_ms as f64).round() as i64;
            shown = shows(&mut frames, want).await.unwrap_or_else(|last| {
                panic!("{speed}x after {elapsed_ms} ms: want {want}, shown {last:?}")
            });
        }
        let rate = (shown - first) as f64 / elapsed_ms as f64;
        assert!(
            (rate - speed).abs() <= 0.02 * speed.abs(),
            "{speed}x: content advanced {} ms in {elapsed_ms} ms ({rate})",
            shown - first
        );
        drop(session);
    }
}

/// POSTs a simulator test endpoint.
fn sim_post(sim: &Sim, path: &str) {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(("127.0.0.1", sim.port)).unwrap();
    write!(
        c,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    assert!(
        out.starts_with("HTTP/1.1 200") || out.starts_with("HTTP/1.0 200"),
        "{out}"
    );
}

/// Waits (real time, up to 30 s) until the camera's live events satisfy `ok`.
async fn events_until(
    engine: &Engine,
    camera: &str,
    ok: impl Fn(&vigil_engine::vms::live_events::LiveEvents) -> bool,
) -> vigil_engine::vms::live_events::LiveEvents {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let e = engine.live_events(camera).unwrap();
        if let Some(e) = e.filter(|e| ok(e)) {
            return e;
        }
        assert!(Instant::now() < deadline, "live events: {e:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn live_event_flags_reach_the_cameras_live_status() {
    let sim = Sim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let cam = probe.cameras[2].id.clone();
    assert_eq!(engine.live_events(&cam).unwrap(), None, "no stream yet");
    let mut tile = TileClient::connect(&engine.hub_info(), &cam, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    assert!(
        frame_after(&mut tile, 0, Duration::from_secs(30), &mut statuses)
            .await
            .is_some()
    );
    // the simulator flags recording always and motion in the first 5 s of
    // every 20 s of its clock
    let e = events_until(&engine, &cam, |e| e.recording && !e.connection_lost).await;
    assert_eq!(e.motion, (e.at_ms / 1000) % 20 < 5, "{e:?}");
    // the camera loses its recording server: header-only messages say so
    sim_post(&sim, "/__sim/lost?camera=3&on=1");
    let lost = events_until(&engine, &cam, |e| e.connection_lost).await;
    assert!(!lost.recording, "{lost:?}");
    sim_post(&sim, "/__sim/lost?camera=3&on=0");
    let back = events_until(&engine, &cam, |e| !e.connection_lost && e.recording).await;
    assert!(back.at_ms > lost.at_ms);
    // another camera's events are its own
    assert_eq!(engine.live_events(&probe.cameras[0].id).unwrap(), None);
}
