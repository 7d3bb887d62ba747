//! Hostile ONVIF devices (issue 12): the simulator's `--hostile` modes
//! (deep or huge answers, stream URIs on another host, with `file:` or with
//! user info, a clock stuck at 9999-12-31, LocalDateTime-only clocks)
//! against the engine. Each test shows the engine stays up (a normal device
//! still works after), gives a clear typed error, and leaks no password: not
//! in the error text, and nothing connects to a host the device names (a
//! trap listener on another loopback address sees no connection).
use std::net::TcpListener;
use std::time::Duration;

use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::EngineError;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::ingest::Policy;
use vigil_engine::vms::onvif::AddOnvifDevice;
use vigil_tests::onvif::OnvifSim;
use vigil_tests::*;

const USER: &str = "operator";
const SECRET: &str = "Hostile-s3cret-4471";
/// The password a userinfo-stream device puts into its URI (onvif_sim.py).
const DEVICE_PASSWORD: &str = "Dev1ce-pw-7731";

fn add(addr: &str) -> AddOnvifDevice {
    AddOnvifDevice {
        name: None,
        address: addr.to_string(),
        username: Some(USER.into()),
        password: Some(SECRET.into()),
    }
}

async fn engine() -> Engine {
    Engine::start(EngineConfig {
        database: None,
        policy: Policy {
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(2),
            auth_attempts: 1,
        },
        onvif_timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// The simulator with our credentials, the hostile `modes` and `extra` arguments.
fn sim(modes: &[&str], extra: &[&str]) -> OnvifSim {
    let mut args = vec!["--user", USER, "--password", SECRET];
    for m in modes {
        args.extend(["--hostile", m]);
    }
    args.extend(extra);
    OnvifSim::start(&args)
}

/// Adding the device fails: returns the error after checking it is typed
/// `kind`, says `needles`, and carries no password.
async fn refused(
    engine: &Engine,
    sim: &OnvifSim,
    kind: ErrorKind,
    needles: &[&str],
) -> EngineError {
    let e = engine
        .add_adhoc_onvif(add(&sim.address()))
        .await
        .unwrap_err();
    let (ui, text) = (e.to_ui().message, e.to_string());
    assert_eq!(e.kind(), kind, "{text}");
    for n in needles {
        assert!(ui.contains(n), "{n:?} not in {ui:?}");
    }
    for t in [&ui, &text, &format!("{e:?}")] {
        assert!(!t.contains(SECRET) && !t.contains(DEVICE_PASSWORD), "{t}");
    }
    e
}

/// The engine still adds and lists a well-behaved device.
async fn still_works(engine: &Engine) {
    let good = sim(&[], &[]);
    let cams = engine.add_adhoc_onvif(add(&good.address())).await.unwrap();
    assert_eq!(cams.len(), 1);
    assert!(engine.cameras().unwrap().iter().any(|c| c.id == cams[0].id));
}

/// A listener on another loopback address (another host to the engine).
struct Trap {
    listener: TcpListener,
}

impl Trap {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2 (loopback)");
        listener.set_nonblocking(true).unwrap();
        Self { listener }
    }

    fn host(&self) -> String {
        self.listener.local_addr().unwrap().to_string()
    }

    /// Whether anything connected so far (a finished handshake waits in the
    /// backlog even when the peer already left).
    fn was_contacted(&self) -> bool {
        self.listener.accept().is_ok()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_answers_are_refused_even_before_login() {
    let engine = engine().await;
    let deep = sim(&["deep"], &[]);
    refused(
        &engine,
        &deep,
        ErrorKind::Protocol,
        &["nested deeper than 64 elements"],
    )
    .await;
    // the unauthenticated clock read got the deep answer first
    assert_eq!(deep.calls()[0]["op"], "GetSystemDateAndTime");
    still_works(&engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_answers_are_cut_at_the_cap() {
    let engine = engine().await;
    let huge = sim(&["huge"], &["--huge-mb", "24"]);
    refused(
        &engine,
        &huge,
        ErrorKind::Protocol,
        &["larger than 4194304 bytes"],
    )
    .await;
    still_works(&engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_uri_on_another_host_is_refused_and_never_contacted() {
    let engine = engine().await;
    let trap = Trap::start();
    let dev = sim(&["foreign-stream"], &["--foreign-host", &trap.host()]);
    refused(
        &engine,
        &dev,
        ErrorKind::Protocol,
        &[
            "GetStreamUri",
            "127.0.0.2",
            "not its own host \"127.0.0.1\"",
        ],
    )
    .await;
    assert!(!trap.was_contacted());
    still_works(&engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_that_turns_after_it_was_added_gets_nothing() {
    let rtsp = RtspServer::start(free_port(), &[]);
    let trap = Trap::start();
    // honest for the two GetStreamUri calls of the probe, then foreign
    let dev = sim(
        &["foreign-stream"],
        &[
            "--foreign-host",
            &trap.host(),
            "--hostile-after",
            "2",
            "--rtsp-main",
            &rtsp.url("/cam1"),
            "--rtsp-sub",
            &rtsp.url("/cam1/sub"),
        ],
    );
    let engine = engine().await;
    let cam = engine.add_adhoc_onvif(add(&dev.address())).await.unwrap()[0].clone();
    // live: the fresh (foreign) URI is refused, the stored one plays
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 3, Duration::from_secs(25), &mut st).await;
    assert_eq!(got.len(), 3, "{st:?}");
    drop(tile);
    let turned: Vec<_> = dev
        .calls_of("GetStreamUri")
        .into_iter()
        .filter(|c| c["uri"].as_str().unwrap_or("").contains("127.0.0.2"))
        .collect();
    assert!(!turned.is_empty(), "the device never turned");
    // the snapshot URI names the other host too: refused
    let e = engine.onvif_snapshot(&cam.id).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_ui().message.contains("GetSnapshotUri"), "{e}");
    assert!(!e.to_ui().message.contains(SECRET));
    assert!(!trap.was_contacted(), "the other host was contacted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_stream_uri_is_refused() {
    let engine = engine().await;
    let dev = sim(&["file-stream"], &["--file-uri", "file:///etc/passwd"]);
    refused(
        &engine,
        &dev,
        ErrorKind::Protocol,
        &["GetStreamUri", "file: URI", "only rtsp or rtsps"],
    )
    .await;
    still_works(&engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn user_info_in_a_stream_uri_is_not_stored() {
    let rtsp = RtspServer::start(free_port(), &[]);
    let dev = sim(
        &["userinfo-stream"],
        &[
            "--rtsp-main",
            &rtsp.url("/cam1"),
            "--rtsp-sub",
            &rtsp.url("/cam1/sub"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::start(EngineConfig {
        database: Some(dir.path().join("vigil.sqlite3")),
        keyring_service: format!("vigil-onvif-hostile-{}", std::process::id()),
        onvif_timeout: Duration::from_secs(5),
        ..Default::default()
    })
    .await
    .unwrap();
    let cam = engine.add_onvif_device(add(&dev.address())).await.unwrap()[0].clone();
    assert!(
        dev.calls_of("GetStreamUri")
            .iter()
            .all(|c| c["uri"].as_str().unwrap().contains(DEVICE_PASSWORD)),
        "the device sent its user info"
    );
    // the stored URI plays with our credentials
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    assert_eq!(
        frames(&mut tile, 3, Duration::from_secs(25), &mut st)
            .await
            .len(),
        3,
        "{st:?}"
    );
    drop(tile);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        let bytes = std::fs::read(&p).unwrap();
        for needle in [DEVICE_PASSWORD, "devuser", SECRET] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in {}",
                p.display()
            );
        }
    }
    engine.remove_camera(&cam.id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_stuck_at_year_9999_is_a_clear_error_not_a_panic() {
    let engine = engine().await;
    let dev = sim(&["far-future"], &[]);
    // the device checks tokens against its own (broken) clock: ours are refused
    refused(
        &engine,
        &dev,
        ErrorKind::AuthFailed,
        &[
            "the device clock could not be used",
            "9999-12-31T23:59:59",
            "set the device's clock",
        ],
    )
    .await;
    still_works(&engine).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_time_only_clock_is_read_in_the_device_zone() {
    let engine = engine().await;
    // an hour fast, in UTC+5:30, telling only its local time and TZ; 5 s window
    let dev = sim(&["local-time"], &["--skew", "3600"]);
    engine.add_adhoc_onvif(add(&dev.address())).await.unwrap();
    let rejected: Vec<_> = dev
        .calls()
        .into_iter()
        .filter(|c| c["auth"].as_str().unwrap_or("").starts_with("rejected"))
        .collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    // without a TimeZone its UTC time is unknown: said so when tokens fail
    let no_tz = sim(&["local-time-no-tz"], &["--skew", "3600"]);
    refused(
        &engine,
        &no_tz,
        ErrorKind::AuthFailed,
        &["only a LocalDateTime and no TimeZone"],
    )
    .await;
}

/// A TCP relay from another loopback address to `target` (a recorder that
/// streams from an address other than the one the operator typed).
struct Relay {
    host: String,
    used: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Relay {
    fn start(target: std::net::SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.2:0").expect("bind 127.0.0.2 (loopback)");
        let host = listener.local_addr().unwrap().to_string();
        let used = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = used.clone();
        std::thread::spawn(move || {
            for inbound in listener.incoming().map_while(Result::ok) {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Ok(outbound) = std::net::TcpStream::connect(target) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (inbound.try_clone().unwrap(), outbound.try_clone().unwrap()),
                    (outbound, inbound),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Self { host, used }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allowed_other_host_streams_and_others_stay_refused() {
    use std::collections::BTreeMap;
    use vigil_engine::vms::site::SiteRequest;
    let rtsp = RtspServer::start(free_port(), &[]);
    let relay = Relay::start(format!("127.0.0.1:{}", rtsp.port).parse().unwrap());
    let dev = sim(
        &["foreign-stream"],
        &[
            "--foreign-host",
            &relay.host,
            "--rtsp-main",
            &rtsp.url("/cam1"),
            "--rtsp-sub",
            &rtsp.url("/cam1/sub"),
        ],
    );
    let request = |allowed: &str| SiteRequest {
        kind: "onvif".into(),
        name: Some("relayed".into()),
        address: dev.address(),
        user: Some(USER.into()),
        password: Some(SECRET.into()),
        tls_pin: None,
        time_zone: None,
        options: BTreeMap::from([("allowed_hosts".to_string(), allowed.to_string())]),
    };
    let engine = engine().await;
    // a malformed entry is refused before anything is contacted
    let e = engine
        .add_site(request("rtsp://127.0.0.2/x"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.to_ui().message.contains("other stream hosts"), "{e}");
    // another host than the one allowed: still refused
    let e = engine.add_site(request("127.0.0.3")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol, "{e}");
    assert!(e.to_ui().message.contains("127.0.0.2"), "{e}");
    assert_eq!(relay.used.load(std::sync::atomic::Ordering::SeqCst), 0);
    // allowed: the site adds, stores the option normalised, and live plays
    // through the other host
    let probe = engine
        .add_site(request(" 127.0.0.2 ,127.0.0.2"))
        .await
        .unwrap();
    assert_eq!(
        probe.site.options.get("allowed_hosts").map(String::as_str),
        Some("127.0.0.2")
    );
    let cam = probe.cameras[0].id.clone();
    let mut tile = TileClient::connect(&engine.hub_info(), &cam, 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 3, Duration::from_secs(25), &mut st).await;
    assert_eq!(got.len(), 3, "{st:?}");
    assert!(relay.used.load(std::sync::atomic::Ordering::SeqCst) > 0);
}
