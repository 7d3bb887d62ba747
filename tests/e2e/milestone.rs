//! Milestone XProtect end to end: Vigil's engine and CLI against the Mobile
//! Server simulator (tests/milestone_sim: its own DH, AES and CHAP, JPEG
//! frames carrying VTC1 over the video WebSocket, a synthetic archive with
//! gaps, exports as MKV). Live frames read the wall clock; LiveMessage keeps
//! a short watchdog fed and a simulator restart is survived with the tile
//! up; PTZ calls arrive as logged; server views are layouts; live event
//! flags reach the camera's status (playback: milestone_playback.rs; the
//! second login step: milestone_second_step.rs); wrong password, too many
//! sessions, an unknown camera and a TLS pin mismatch are each a clear
//! error; a case clip reads event-5 s .. event+5 s. The CLI test needs a
//! keyring session (`bash .ci/with-keyring`, as CI).
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::media::source::now_ms;
use vigil_engine::ptz::Step;
use vigil_tests::milestone::*;
use vigil_tests::*;

/// How many ChangeStream commands resized a stream to `w`x`h`.
fn resized_to(sim: &Sim, w: u32, h: u32) -> usize {
    sim.commands("ChangeStream")
        .iter()
        .filter(|c| {
            let n = |k: &str| {
                c["params"][k][0]
                    .as_str()
                    .and_then(|v| v.parse::<u32>().ok())
            };
            c["result"] == "OK" && n("DestWidth") == Some(w) && n("DestHeight") == Some(h)
        })
        .count()
}

/// Waits (20 s at most) for the `n`th resize of a stream to `w`x`h`.
async fn wait_resized(sim: &Sim, w: u32, h: u32, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while resized_to(sim, w, h) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        resized_to(sim, w, h) >= n,
        "no ChangeStream to {w}x{h}: {:?}",
        sim.commands("ChangeStream")
    );
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
    }
    assert_live_lag(tail);
    let streams = sim.commands("RequestStream");
    assert!(
        streams
            .iter()
            .any(|c| c["params"]["SignalType"][0] == "Live"
                && c["params"]["StreamType"][0] == "Transcoded"),
        "{streams:?}"
    );
    // The server scales: the live stream is resized on the same stream
    // (ChangeStream DestWidth/DestHeight) to the largest tile watching it,
    // a second, bigger tile on the camera moves it up, and it comes back
    // down when that tile closes; still one RequestStream for them all.
    wait_resized(&sim, 320, 180, 1).await;
    let live_requests = sim.commands("RequestStream").len();
    let mut big = TileClient::connect(&engine.hub_info(), &cam.id, 480, 270, "")
        .await
        .unwrap();
    let mut why = Vec::new();
    frame_after(&mut big, now_ms(), Duration::from_secs(30), &mut why)
        .await
        .unwrap_or_else(|| panic!("no frame on the bigger tile: {why:?}"));
    wait_resized(&sim, 480, 270, 1).await;
    // and pictures keep coming after the resize
    let after = now_ms() + 1_000;
    frame_after(&mut big, after, Duration::from_secs(30), &mut why)
        .await
        .unwrap_or_else(|| panic!("no frame after the resize: {why:?}"));
    drop(big);
    wait_resized(&sim, 320, 180, 2).await;
    assert_eq!(
        sim.commands("RequestStream").len(),
        live_requests,
        "one stream for both tiles"
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
    let mut sim = Sim::start(&["--watchdog", "9"]);
    let port = sim.port;
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let cam = &probe.cameras[2];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let start = now_ms();
    // 60 s of live against a 9 s watchdog (as issue 13 asks), held by
    // LiveMessage (every 3 s) alone, with no reconnect on the way
    assert!(
        frame_after(
            &mut tile,
            start + 60_000,
            Duration::from_secs(90),
            &mut statuses
        )
        .await
        .is_some(),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| !s.starts_with("reconnecting")),
        "live throughout: {statuses:?}"
    );
    assert!(
        sim.ok_count("LiveMessage") >= 15,
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
    let sim = Sim::start_on(port, &["--watchdog", "9"]);
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
    // live over wss with the pin
    let _tile = live_tile(&engine, &probe.cameras[0].id).await;

    assert!(
        engine.sites().iter().all(|s| s.site.kind != "milestone"
            || s.site.address.starts_with("https")
            || s.site.address.ends_with(&port.to_string())),
        "nothing stored for the refusals"
    );
    assert_clean(&[text, format!("{statuses:?}")]);
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

/// Reads the tile's hub messages (real time, up to 30 s) until a `status`
/// carries live events satisfying `ok`; frames are skipped.
async fn status_events_until(
    tile: &mut TileClient,
    ok: impl Fn(&vigil_engine::vms::live_events::LiveEvents) -> bool,
    seen: &mut Vec<String>,
) -> vigil_engine::vms::live_events::LiveEvents {
    use vigil_engine::hub::client::HubEvent;
    use vigil_engine::hub::protocol::ServerMessage;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Status(ServerMessage::Status { state, events, .. })))) => {
                seen.push(format!("{state} {events:?}"));
                if let Some(e) = events.filter(|e| ok(e)) {
                    return e;
                }
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no status with the events asked for: {other:?}; statuses: {seen:?}"),
        }
    }
}

/// The tile's own status (the hub's `status` message) carries the live
/// events: recording (and motion as the simulator's clock says), then the
/// camera losing its recording server, then back; one status per change
/// of the flags, not one per message.
#[tokio::test(flavor = "multi_thread")]
async fn live_events_reach_the_tiles_hub_status() {
    let sim = Sim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let cam = probe.cameras[2].id.clone();
    let mut tile = TileClient::connect(&engine.hub_info(), &cam, 320, 180, "")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let e = status_events_until(&mut tile, |e| e.recording && !e.connection_lost, &mut seen).await;
    // the simulator flags motion in the first 5 s of every 20 s of its clock
    assert_eq!(e.motion, (e.at_ms / 1000) % 20 < 5, "{e:?}");
    sim_post(&sim, "/__sim/lost?camera=3&on=1");
    let lost = status_events_until(&mut tile, |e| e.connection_lost, &mut seen).await;
    assert!(!lost.recording, "{lost:?}");
    sim_post(&sim, "/__sim/lost?camera=3&on=0");
    let back =
        status_events_until(&mut tile, |e| !e.connection_lost && e.recording, &mut seen).await;
    assert!(back.at_ms > lost.at_ms, "{seen:?}");
    // a status is sent when a flag changes, not at every message
    assert!(seen.len() < 40, "{seen:?}");
}
