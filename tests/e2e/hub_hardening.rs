//! The frame hub under hostile local peers (issue 12, item 4): idle sockets
//! that never upgrade are closed after the handshake timeout and do not
//! starve real subscribers; connections over the cap are refused at once;
//! browser pages from other origins get 403 even with the token; and an
//! `accept()` that fails (EMFILE) backs off instead of spinning.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::TileClient;
use vigil_engine::hub::HubConfig;
use vigil_tests::frames;

async fn engine_with(hub: HubConfig) -> Engine {
    Engine::start(EngineConfig {
        database: None,
        hub,
        ..Default::default()
    })
    .await
    .expect("engine starts")
}

fn addr_of(engine: &Engine) -> SocketAddr {
    engine
        .hub_info()
        .url
        .trim_start_matches("ws://")
        .parse()
        .unwrap()
}

/// Sends an upgrade request with the given Origin headers on `s`; returns
/// the HTTP status (0 when the hub closed without one).
async fn upgrade_on(s: &mut TcpStream, addr: SocketAddr, path: &str, origins: &[&str]) -> u16 {
    let mut req = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    );
    for o in origins {
        req.push_str(&format!("Origin: {o}\r\n"));
    }
    req.push_str("\r\n");
    if s.write_all(req.as_bytes()).await.is_err() {
        return 0;
    }
    status_of(s).await
}

async fn status_of(s: &mut TcpStream) -> u16 {
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf))
        .await
        .expect("an answer within 20 s")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

async fn upgrade(addr: SocketAddr, path: &str, origins: &[&str]) -> u16 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    upgrade_on(&mut s, addr, path, origins).await
}

/// Waits until the hub closes `s` (EOF or reset); fails after `limit`.
async fn closed_by_hub(s: &mut TcpStream, limit: Duration) {
    let mut buf = [0u8; 64];
    loop {
        match tokio::time::timeout(limit, s.read(&mut buf)).await {
            Err(_) => panic!("the hub kept an idle socket open past {limit:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_sockets_do_not_starve_subscribers_and_are_closed_after_the_timeout() {
    let timeout = Duration::from_secs(2);
    let engine = engine_with(HubConfig {
        handshake_timeout: timeout,
        ..Default::default()
    })
    .await;
    let hub = engine.hub_info();
    let addr = addr_of(&engine);
    let mut first = TileClient::connect(&hub, "demo-1", 320, 180, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    assert_eq!(
        frames(&mut first, 3, Duration::from_secs(10), &mut st)
            .await
            .len(),
        3
    );
    // 200 sockets that connect and never send a byte
    let opened = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // a new subscriber still gets in, and both keep receiving frames
    let mut second = TileClient::connect(&hub, "demo-2", 320, 180, "")
        .await
        .expect("a subscriber connects while 200 idle sockets are open");
    assert_eq!(
        frames(&mut second, 10, Duration::from_secs(10), &mut st)
            .await
            .len(),
        10
    );
    assert_eq!(
        frames(&mut first, 10, Duration::from_secs(10), &mut st)
            .await
            .len(),
        10
    );
    // every idle socket is closed by the hub, not before the timeout
    for s in &mut idle {
        closed_by_hub(s, Duration::from_secs(30)).await;
    }
    assert!(
        opened.elapsed() >= timeout,
        "closed after the handshake timeout"
    );
    // the upgraded subscribers are not subject to the handshake timeout
    assert_eq!(
        frames(&mut first, 5, Duration::from_secs(10), &mut st)
            .await
            .len(),
        5
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_over_the_cap_are_refused_at_once() {
    let engine = engine_with(HubConfig {
        max_connections: 8,
        handshake_timeout: Duration::from_secs(600),
        ..Default::default()
    })
    .await;
    let hub = engine.hub_info();
    let addr = addr_of(&engine);
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // the hub accepts in order: the ninth is over the cap, answered 503 and
    // closed long before the (600 s) handshake timeout of the eight
    let mut ninth = TcpStream::connect(addr).await.unwrap();
    assert_eq!(status_of(&mut ninth).await, 503);
    closed_by_hub(&mut ninth, Duration::from_secs(20)).await;
    let live = format!("/v1/live?token={}&camera=demo-1&w=320&h=180", hub.token);
    assert_eq!(upgrade(addr, &live, &[]).await, 503);
    assert!(TileClient::connect(&hub, "demo-1", 320, 180, "")
        .await
        .is_err());
    // a closed idle socket frees its place
    drop(idle.pop());
    let mut tile = None;
    for _ in 0..100 {
        match TileClient::connect(&hub, "demo-1", 320, 180, "").await {
            Ok(t) => {
                tile = Some(t);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let mut tile = tile.expect("a place frees when an idle socket closes");
    let mut st = Vec::new();
    assert_eq!(
        frames(&mut tile, 2, Duration::from_secs(10), &mut st)
            .await
            .len(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_app_and_configured_origins_may_connect() {
    let mut cfg = HubConfig::default();
    cfg.allow_origin("http://127.0.0.1:5173");
    let engine = engine_with(cfg).await;
    let hub = engine.hub_info();
    let addr = addr_of(&engine);
    let live = format!("/v1/live?token={}&camera=demo-1&w=320&h=180", hub.token);
    for ok in [
        &[][..],
        &["tauri://localhost"][..],
        &["http://tauri.localhost"][..],
        &["https://tauri.localhost"][..],
        &["http://127.0.0.1:5173"][..],
    ] {
        assert_eq!(upgrade(addr, &live, ok).await, 101, "{ok:?}");
    }
    for bad in [
        &["http://evil.example"][..],
        &["null"][..],
        &["http://127.0.0.1:5174"][..],
        &["http://localhost:1420"][..],
        &["tauri://localhost", "http://evil.example"][..],
    ] {
        assert_eq!(upgrade(addr, &live, bad).await, 403, "{bad:?}");
    }
    // the Origin is checked first: a wrong origin learns nothing of the token
    let wrong_token = "/v1/live?token=00&camera=demo-1&w=320&h=180";
    assert_eq!(
        upgrade(addr, wrong_token, &["http://evil.example"]).await,
        403
    );
    assert_eq!(
        upgrade(addr, wrong_token, &["tauri://localhost"]).await,
        401
    );
    // the CLI's client sends no Origin
    let mut tile = TileClient::connect(&hub, "demo-1", 320, 180, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    assert_eq!(
        frames(&mut tile, 1, Duration::from_secs(10), &mut st)
            .await
            .len(),
        1
    );
}

const EMFILE_CHILD: &str = "VIGIL_HUB_EMFILE_CHILD";

/// CPU time (user + system) this process has used.
fn cpu_time() -> Duration {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) }, 0);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// Run by `accept_errors_back_off_instead_of_spinning` in a child process:
/// starts a hub, uses up every descriptor, leaves one connection waiting in
/// the hub's backlog (its accept fails with EMFILE), and reports the CPU
/// used meanwhile and whether the hub serves it once descriptors are free.
#[test]
#[ignore = "run in a child process by accept_errors_back_off_instead_of_spinning"]
fn emfile_child() {
    if std::env::var_os(EMFILE_CHILD).is_none() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = rt.block_on(engine_with(HubConfig::default()));
    let addr = addr_of(&engine);
    let open_now = std::fs::read_dir("/proc/self/fd").unwrap().count() as u64;
    let lim = libc::rlimit {
        rlim_cur: open_now + 64,
        rlim_max: libc::RLIM_INFINITY,
    };
    let mut old: libc::rlimit = unsafe { std::mem::zeroed() };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) };
    let lim = libc::rlimit {
        rlim_max: old.rlim_max,
        ..lim
    };
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    let null = std::fs::File::open("/dev/null").unwrap();
    let mut fillers = Vec::new();
    while let Ok(f) = null.try_clone() {
        fillers.push(f);
    }
    assert!(fillers.len() > 8, "filled {} descriptors", fillers.len());
    drop(fillers.pop());
    // the last free descriptor: the kernel completes this connection, the
    // hub's accept() cannot take it
    let client = std::net::TcpStream::connect(addr).unwrap();
    assert!(null.try_clone().is_err(), "no descriptor left");
    let before = cpu_time();
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_time() - before;
    println!("CPU_MS={}", used.as_millis());
    fillers.truncate(fillers.len() - 16);
    let path = format!("/v2/x?token={}", engine.hub_info().token);
    let status = rt.block_on(async {
        let mut s = TcpStream::from_std({
            client.set_nonblocking(true).unwrap();
            client
        })
        .unwrap();
        upgrade_on(&mut s, addr, &path, &[]).await
    });
    println!("RECOVERED={status}");
}

#[test]
fn accept_errors_back_off_instead_of_spinning() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "emfile_child", "--ignored", "--nocapture"])
        .env(EMFILE_CHILD, "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |k: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in:\n{text}"))
            .trim()
            .parse()
            .unwrap()
    };
    // a spinning accept loop burns a whole core: ~2000 ms in 2 s
    let cpu = value("CPU_MS=");
    eprintln!("while accept() failed: {cpu} ms of CPU in 2 s");
    assert!(cpu < 400, "{cpu} ms of CPU in 2 s while accept() fails");
    // once descriptors are free again, the waiting connection is served
    assert_eq!(value("RECOVERED="), 404);
}
