//! Dahua DSS Pro end to end: Vigil's engine and CLI against the DSS
//! simulator (tests/dss_sim: two-step MD5 login, tokens with a short
//! lifetime, token-checked RTSP from GStreamer's server, VTC1 in every
//! frame). Live frames read the wall clock; a token that expires mid-session
//! is replaced by a fresh login and the tile comes back; coverage equals the
//! archive; playback and a case clip (a stream copy of the playback) read
//! the archive's time; PTZ calls arrive as the simulator logs them; wrong
//! passwords and unreachable servers are clear errors that store nothing;
//! no token is ever printed.
//! The CLI test needs a keyring session (bash /work/notes/kr.sh, as CI).
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use vigil_engine::engine::Engine;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::ptz::engine_ops::MoveRequest;
use vigil_engine::ptz::Step;
use vigil_engine::vms::site::{SiteProbe, SiteRequest};
use vigil_tests::cli::{ok, text};
use vigil_tests::dss::{DssSim, PASSWORD, USER};
use vigil_tests::hub_wait::{frame_after, timed_frame_after};
use vigil_tests::*;

/// The simulator's frame interval (10 fps).
const FRAME_MS: i64 = 100;

fn req(sim: &DssSim, password: &str) -> SiteRequest {
    SiteRequest {
        kind: "dss".into(),
        name: Some("Depot DSS".into()),
        address: sim.address(),
        user: Some(USER.into()),
        password: Some(password.into()),
        time_zone: Some("Europe/Berlin".into()),
        ..Default::default()
    }
}

async fn add(engine: &Engine, sim: &DssSim) -> SiteProbe {
    engine
        .add_transient_site("dss", req(sim, PASSWORD))
        .await
        .expect("the DSS site is added")
}

fn assert_clean(sim: &DssSim, texts: &[String]) {
    let secrets = sim.secrets();
    assert!(!secrets.is_empty());
    for t in texts {
        for s in secrets.iter().map(String::as_str).chain([PASSWORD]) {
            assert!(!t.contains(s), "a secret was printed: {t}");
        }
    }
}

fn logins_ok(sim: &DssSim) -> usize {
    sim.calls_of("login")
        .iter()
        .filter(|c| c["result"] == "ok")
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn cameras_list_and_live_frames_carry_the_wall_clock() {
    let sim = DssSim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let names: Vec<_> = probe
        .cameras
        .iter()
        .map(|c| (c.name.as_str(), c.ptz))
        .collect();
    assert_eq!(
        names,
        [("Gate", false), ("Yard", false), ("Dome PTZ", true)]
    );
    // the probe's own session logged out when it closed
    assert_eq!(sim.calls_of("logout").len(), 1, "{:?}", sim.calls());

    let cam = &probe.cameras[0];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let got = frames(&mut tile, 40, Duration::from_secs(40), &mut statuses).await;
    assert!(got.len() >= 40, "{} frames, {statuses:?}", got.len());
    let tail = &got[got.len() - 15..];
    assert_increasing_timecodes(tail);
    assert_live_lag(tail);
    let rtsp = sim.calls_of("rtsp");
    assert!(rtsp.iter().any(|c| c["result"] == "ok"), "{rtsp:?}");
    assert!(
        rtsp.iter().all(|c| c["result"] == "ok"),
        "a token refused: {rtsp:?}"
    );
    assert_eq!(sim.calls_of("start_video").len(), 1);
    assert_clean(
        &sim,
        &[
            format!("{statuses:?}"),
            format!("{:?}", engine.sites()),
            format!("{probe:?}"),
        ],
    );
    // removing the site logs its serving session out
    engine.remove_site(&probe.site.id).await.unwrap();
    assert_eq!(sim.calls_of("logout").len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn keepalive_holds_the_token_and_an_expired_one_is_replaced_with_the_tile_up() {
    // a 6 s token: the keepalive goes at 2/3 of it, so a busy machine has 2 s
    // of slack (3 s left 1 s, and the simulator draws video in the same process)
    let sim = DssSim::start(&["--token-lifetime", "6"]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let cam = &probe.cameras[1];
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let start = vigil_engine::media::source::now_ms();
    // 13 s of live: more than two token lifetimes, held by keepalives
    assert!(
        frame_after(
            &mut tile,
            start + 13_000,
            Duration::from_secs(40),
            &mut statuses
        )
        .await
        .is_some(),
        "{statuses:?}"
    );
    let before = logins_ok(&sim);
    assert!(
        sim.calls_of("keepalive").len() >= 2,
        "keepalives: {:?}",
        sim.calls()
    );
    assert!(sim.calls_of("refused").is_empty(), "{:?}", sim.calls());

    // the server forgets the token (as if keepalives had stopped) and drops the stream
    sim.expire_tokens();
    let dropped_at = vigil_engine::media::source::now_ms();
    assert!(sim.drop_streams() >= 1);
    assert!(
        frame_after(
            &mut tile,
            dropped_at + 500,
            Duration::from_secs(40),
            &mut statuses
        )
        .await
        .is_some(),
        "the tile came back: {statuses:?} {:?}",
        sim.calls()
    );
    assert_eq!(logins_ok(&sim), before + 1, "{:?}", sim.calls());
    assert!(
        statuses.iter().all(|s| !s.contains("auth")),
        "never an auth failure: {statuses:?}"
    );
    assert_clean(&sim, &statuses);
}

#[tokio::test(flavor = "multi_thread")]
async fn coverage_equals_the_archive_and_playback_reads_its_time() {
    let now = vigil_engine::media::source::now_ms() / 1000;
    let spans = [
        format!("{}:{}", now - 3600, now - 3000),
        // 20 minutes: two records of 10 minutes merge into one span
        format!("{}:{}", now - 2400, now - 1200),
        format!("{}:{}", now - 900, now - 60),
    ];
    let sim = DssSim::start(&[
        "--span", &spans[0], "--span", &spans[1], "--span", &spans[2],
    ]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let id = probe.cameras[0].id.clone();
    let archive = sim.archive();
    let from = archive[0].0 - 60_000;
    let to = now * 1000;
    let got = engine.recordings_async(&id, from, to).await.unwrap();
    let got: Vec<_> = got.iter().map(|s| (s.start_ms, s.end_ms)).collect();
    assert_eq!(got, archive);
    // clipped to the window asked
    let clipped = engine
        .recordings_async(&id, archive[1].0 + 500, archive[1].1 - 500)
        .await
        .unwrap();
    assert_eq!(clipped.len(), 1);
    assert_eq!(
        (clipped[0].start_ms, clipped[0].end_ms),
        (archive[1].0 + 500, archive[1].1 - 500)
    );

    // playback from inside a span (not on a whole second)
    let target = archive[1].0 + 30_250;
    let mut tile = TileClient::playback(&engine.hub_info(), &id, (320, 180), target, 1.0, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    let (first, header) = timed_frame_after(&mut tile, 0, Duration::from_secs(30), &mut statuses)
        .await
        .unwrap_or_else(|| panic!("no playback frame: {statuses:?} {:?}", sim.calls()));
    assert!(
        (target..target + FRAME_MS).contains(&first),
        "first frame {first} for {target}"
    );
    // its time is the one its pixels show (RTP offset from the asked start)
    assert!(
        (header - first).abs() < FRAME_MS,
        "header {header} vs VTC1 {first}"
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
    let pb = sim.calls_of("start_playback");
    // asked from the target's second: our RTSP client keeps the session's
    // first keyframe, so no lead-in is needed (FFmpeg's lost it)
    assert_eq!(pb[0]["startTime"].as_i64(), Some(target / 1000), "{pb:?}");
    assert_eq!(pb[0]["result"], "ok");
    assert_clean(&sim, &statuses);
}

#[tokio::test(flavor = "multi_thread")]
async fn ptz_calls_arrive_as_logged() {
    let sim = DssSim::start(&[]);
    let engine = engine().await;
    let probe = add(&engine, &sim).await;
    let dome = &probe.cameras[2].id;
    let fixed = &probe.cameras[0].id;
    let right = MoveRequest {
        pan: 1.0,
        tilt: 0.0,
        zoom: 0.0,
        speed: 0.5,
    };
    engine.ptz_move(dome, right).await.unwrap();
    engine.ptz_stop(dome).await.unwrap();
    let calls = sim.calls_of("ptz_direct");
    let seen: Vec<_> = calls
        .iter()
        .map(|c| {
            (
                c["direct"].as_str().unwrap().to_string(),
                c["stepX"].as_str().unwrap().to_string(),
                c["command"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen[..2],
        [
            ("4".to_string(), "4".to_string(), "1".to_string()),
            ("4".to_string(), "4".to_string(), "0".to_string())
        ],
        "{calls:?}"
    );
    engine.ptz_step(dome, Step::ZoomIn, 1.0).await.unwrap();
    let zoom: Vec<_> = sim
        .calls_of("ptz_camera")
        .iter()
        .map(|c| (c["direct"].clone(), c["command"].clone()))
        .collect();
    assert_eq!(
        zoom,
        [("1".into(), "1".into()), ("1".into(), "0".into())],
        "zoom in then its stop"
    );
    let e = engine.ptz_move(fixed, right).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(sim
        .calls_of("ptz_direct")
        .iter()
        .all(|c| c["result"] == "ok"));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_refused_login_and_unreachable_are_clear_and_store_nothing() {
    let sim = DssSim::start(&[]);
    let engine = engine().await;
    let e = engine
        .add_site(req(&sim, "not-the-password"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    let text = e.to_string();
    assert!(text.contains("login") && text.contains("refused"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    let refused = sim.calls_of("login");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["result"], "refused");

    let locked = DssSim::start(&["--refuse-login"]);
    let e = engine.add_site(req(&locked, PASSWORD)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");

    let mut down = req(&sim, PASSWORD);
    down.address = format!("http://127.0.0.1:{}", free_port());
    let e = engine.add_site(down).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unreachable, "{e}");
    assert!(!e.to_string().contains(PASSWORD));

    assert!(
        engine.sites().iter().all(|s| s.site.kind != "dss"),
        "nothing stored"
    );
}

/// `vigil` with its temp folder in `data` (to find its stream copies).
fn vigil(data: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let tmp = cli_tmp(data);
    vigil_tests::cli::vigil_env(data, args, stdin, &[("TMPDIR", tmp.as_os_str())])
}

/// The temp folder the CLI runs with (its stream copies go there).
fn cli_tmp(data: &Path) -> std::path::PathBuf {
    let t = data.join("tmp");
    std::fs::create_dir_all(&t).unwrap();
    t
}

#[test]
fn cli_adds_a_dss_site_and_a_case_clip_reads_the_window() {
    let now = vigil_engine::media::source::now_ms() / 1000;
    let span = format!("{}:{}", now - 1800, now - 60);
    let sim = DssSim::start(&["--span", &span]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut outputs = Vec::new();

    let wrong = vigil(
        data,
        &[
            "sites",
            "add",
            "dss",
            "--address",
            &sim.address(),
            "--user",
            USER,
            "--password-stdin",
        ],
        Some("wrong-pass\n"),
    );
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    outputs.push(text(&wrong));

    let added = vigil(
        data,
        &[
            "sites",
            "add",
            "dss",
            "--address",
            &sim.address(),
            "--user",
            USER,
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    outputs.push(text(&added));
    let v: Value = serde_json::from_str(ok(&added).trim()).unwrap();
    let names: Vec<_> = v["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["Gate", "Yard", "Dome PTZ"]);
    let site = v["site"]["id"].as_str().unwrap().to_string();
    let cam = v["cameras"][0]["id"].as_str().unwrap().to_string();
    let listed = vigil(data, &["sites", "list"], None);
    outputs.push(text(&listed));
    assert_eq!(
        ok(&listed)
            .lines()
            .filter(|l| serde_json::from_str::<Value>(l).unwrap()["site"]["kind"] == "dss")
            .count(),
        1,
        "only the good site is stored"
    );

    // a case at a whole second inside the archive: the clip is event-5 s .. event+5 s
    let event = (now - 600) * 1000;
    let at = vigil_engine::cases::rfc3339_ms(event);
    let created = vigil(
        data,
        &[
            "case", "create", "--camera", &cam, "--at", &at, "--title", "DSS case",
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
    // a stream copy of the playback URL, not an encode of decoded frames
    assert_eq!(clip["media"]["method"], "stream_copy", "{clip}");
    let path = Path::new(clip["media"]["path"].as_str().unwrap());
    let p = vigil_engine::footage::probe::probe_clip(path).unwrap();
    let first = p.frames[0].vtc1.unwrap();
    let last = p.frames.last().unwrap().vtc1.unwrap();
    assert!((first - ws).abs() <= FRAME_MS, "first {first} vs {ws}");
    assert!((last - we).abs() <= FRAME_MS, "last {last} vs {we}");
    // the simulator's own stream: x264enc ultrafast (Constrained Baseline),
    // 640x360, a keyframe every second (key-int-max = fps); the worker's
    // encoder makes a keyframe every 2 s (about 6 in this clip, not 10+)
    let s = stream_facts(path);
    assert_eq!(
        (s.codec.as_str(), s.profile.as_str(), s.width, s.height),
        ("h264", "H264(ConstrainedBaseline)", 640, 360),
        "{s:?}"
    );
    assert!(s.keyframes >= 10, "the source's 1 s GOP kept: {s:?}");
    // the stream copy the clip was cut from is gone; its hash is in the sidecar
    let left: Vec<_> = std::fs::read_dir(cli_tmp(data))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("vigil-dss-"))
        .collect();
    assert!(left.is_empty(), "stream copies left behind: {left:?}");
    let side: Value = serde_json::from_slice(
        &std::fs::read(clip["media"]["sidecarPath"].as_str().expect("a sidecar")).unwrap(),
    )
    .unwrap();
    let segs = side["segments"]
        .as_array()
        .expect("segments in the sidecar");
    assert!(
        !segs.is_empty()
            && segs
                .iter()
                .all(|g| g["sha256"].as_str().is_some_and(|h| h.len() == 64)),
        "the copies' hashes: {side}"
    );

    let removed = vigil(data, &["sites", "remove", &site], None);
    outputs.push(text(&removed));
    ok(&removed);
    assert!(!sim.calls_of("logout").is_empty());
    assert_clean(&sim, &outputs);
}

/// What a clip's video stream is: codec, profile, size, keyframe packets.
#[derive(Debug)]
struct StreamFacts {
    codec: String,
    profile: String,
    width: u32,
    height: u32,
    keyframes: usize,
}

fn stream_facts(path: &Path) -> StreamFacts {
    ffmpeg_next::init().unwrap();
    let mut input = ffmpeg_next::format::input(&path).unwrap();
    let stream = input
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .unwrap();
    let idx = stream.index();
    let codec = format!("{:?}", stream.parameters().id()).to_lowercase();
    let dec = ffmpeg_next::codec::context::Context::from_parameters(stream.parameters())
        .unwrap()
        .decoder()
        .video()
        .unwrap();
    let (profile, width, height) = (format!("{:?}", dec.profile()), dec.width(), dec.height());
    let keyframes = input
        .packets()
        .filter(|(s, p)| s.index() == idx && p.is_key())
        .count();
    StreamFacts {
        codec,
        profile,
        width,
        height,
        keyframes,
    }
}
