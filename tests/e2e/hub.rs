//! The frame hub: token and loopback enforcement, the documented frame
//! header, stream choice by tile size (and on resize), one shared ingest per
//! (camera, stream), and latest-frame-wins backpressure.
use std::time::Duration;

use tokio_tungstenite_free::*;
use vigil_engine::hub::client::TileClient;
use vigil_tests::*;

mod tokio_tungstenite_free {
    /// HTTP status of a raw upgrade request (a real client, no WebSocket library).
    pub async fn upgrade_status(addr: std::net::SocketAddr, path: &str) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 512];
        let n = s.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]);
        head.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
}

fn addr_of(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("ws://").parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_without_the_token() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let addr = addr_of(&hub.url);
    assert!(addr.ip().is_loopback(), "listens on loopback only");
    assert_eq!(
        upgrade_status(addr, "/v1/live?camera=demo-1&w=320&h=180").await,
        401
    );
    assert_eq!(
        upgrade_status(addr, "/v1/live?token=0000&camera=demo-1&w=320&h=180").await,
        401
    );
    let wrong = format!("/v1/live?token={}x&camera=demo-1&w=320&h=180", hub.token);
    assert_eq!(upgrade_status(addr, &wrong).await, 401);
    let right = format!("/v1/live?token={}&camera=demo-1&w=320&h=180", hub.token);
    assert_eq!(upgrade_status(addr, &right).await, 101);
    assert_eq!(
        upgrade_status(addr, &format!("/v2/x?token={}", hub.token)).await,
        404
    );
    assert_eq!(
        upgrade_status(addr, &format!("/v1/live?token={}&camera=demo-1", hub.token)).await,
        400
    );
    assert_ne!(
        hub.token,
        vigil_tests::engine().await.hub_info().token,
        "a new token per launch"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn not_reachable_from_other_interfaces() {
    let engine = engine().await;
    let port = addr_of(&engine.hub_info().url).port();
    // this machine's address on its default route, if it has one
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    if probe.connect("10.255.255.255:9").is_ok() {
        let ip = probe.local_addr().unwrap().ip();
        if !ip.is_loopback() && !ip.is_unspecified() {
            let r = tokio::net::TcpStream::connect((ip, port)).await;
            assert!(r.is_err(), "hub answered on {ip}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn small_tile_gets_sub_stream_and_resize_switches_to_main() {
    let engine = engine().await;
    let mut tile = TileClient::connect(&engine.hub_info(), "demo-1", 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 5, Duration::from_secs(10), &mut st).await;
    assert_eq!(got.len(), 5);
    assert!(
        st.iter().any(|(_, s)| s.as_deref() == Some("sub")),
        "480x270 -> sub: {st:?}"
    );
    assert!(got
        .iter()
        .all(|f| (f.header.width, f.header.height) == (480, 270)));
    assert_increasing_timecodes(&got);
    // demo frames: the header time is the time the picture shows
    assert!(got.iter().all(|f| f.vtc1() == Some(f.header.ts_ms as u64)));
    tile.resize(960, 540).await.unwrap();
    let mut st2 = Vec::new();
    let mut got = frames(&mut tile, 30, Duration::from_secs(10), &mut st2).await;
    got.retain(|f| f.header.width == 960);
    assert!(got.len() >= 5, "frames at 960x540 after resize");
    assert!(
        st2.iter().any(|(_, s)| s.as_deref() == Some("main")),
        "960x540 -> main: {st2:?}"
    );
    assert_increasing_timecodes(&got);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_ingest_shared_by_tiles_of_a_stream() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let mut a = TileClient::connect(&hub, "demo-2", 320, 180, "")
        .await
        .unwrap();
    let mut b = TileClient::connect(&hub, "demo-2", 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let fa = frames(&mut a, 3, Duration::from_secs(10), &mut st).await;
    let fb = frames(&mut b, 3, Duration::from_secs(10), &mut st).await;
    assert_eq!(
        fa[0].header.stream_id, fb[0].header.stream_id,
        "same ingest"
    );
    assert_eq!(engine.ingests().running(), 1);
    drop(a);
    drop(b);
    // the hub notices the closed sockets on its own tasks: poll, up to 10 s
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while engine.ingests().running() != 0 && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        engine.ingests().running(),
        0,
        "the ingest stops with its last consumer"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_consumer_that_never_reads_does_not_slow_another() {
    let engine = engine().await;
    let hub = engine.hub_info();
    // full-size 1080p I420 frames (3.1 MB each): the stuck one fills its socket quickly
    let _stuck = TileClient::connect(&hub, "demo-3", 1920, 1080, "")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut reader = TileClient::connect(&hub, "demo-3", 1920, 1080, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let start = std::time::Instant::now();
    let got = frames(&mut reader, 45, Duration::from_secs(8), &mut st).await;
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(got.len(), 45, "the reader keeps receiving ({:.1} s)", secs);
    assert_eq!(got[0].header.stream_id, got[44].header.stream_id);
    let mut lat: Vec<i64> = got.iter().map(|f| f.arrived_ms - f.header.ts_ms).collect();
    lat.sort();
    assert!(
        lat[lat.len() / 2] < 1000,
        "the reader's frames stay fresh: {lat:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_camera_is_an_error_status() {
    let engine = engine().await;
    let mut tile = TileClient::connect(&engine.hub_info(), "nope-9", 320, 180, "")
        .await
        .unwrap();
    let seen = wait_state(&mut tile, "error", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(seen[0].contains("unknown camera"), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn jpeg_for_remote_consumers() {
    let engine = engine().await;
    let mut tile = TileClient::connect(&engine.hub_info(), "demo-4", 640, 360, "&fmt=jpeg")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 2, Duration::from_secs(10), &mut st).await;
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header.format,
        vigil_engine::hub::protocol::PixelFormat::Jpeg
    );
    assert_eq!(&got[0].payload[..2], &[0xFF, 0xD8]);
}
