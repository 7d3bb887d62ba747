//! Live RTSP end to end against a real RTSP server (GStreamer's, via
//! shared/bench/vtc1_rtsp_server.py): frames at the tile size with readable,
//! increasing VTC1 timecodes; TCP and UDP; H.264 and H.265; reconnect after
//! the server restarts; stall detection; wrong password reported once.
use std::time::Duration;

use vigil_engine::media::rtsp_input::Transport;
use vigil_engine::vms::StreamKind;
use vigil_tests::*;

async fn play(transport: Transport, extra: &[&str], path: &str, size: (u32, u32)) {
    let server = RtspServer::start(free_port(), extra);
    let engine = engine().await;
    let (_, mut tile) = rtsp_tile(
        &engine,
        &server.url(path),
        None,
        transport,
        (size.0, size.1),
    )
    .await;
    let mut statuses = Vec::new();
    let got = frames(&mut tile, 20, Duration::from_secs(20), &mut statuses).await;
    assert_eq!(got.len(), 20, "frames within 20 s; statuses {statuses:?}");
    assert!(statuses.iter().any(|(s, _)| s == "live"), "{statuses:?}");
    for f in &got {
        assert_eq!(
            (f.header.width as u32, f.header.height as u32),
            size,
            "frame at the tile size"
        );
    }
    assert_increasing_timecodes(&got);
    // loopback latency from the picture's own clock stays sane
    let last = got.last().unwrap();
    let latency = last.arrived_ms - last.vtc1().unwrap() as i64;
    assert!((0..3000).contains(&latency), "latency {latency} ms");
}

#[tokio::test(flavor = "multi_thread")]
async fn tcp_h264_frames_at_tile_size() {
    play(Transport::Tcp, &[], "/cam1", (480, 270)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn udp_transport() {
    play(Transport::Udp, &[], "/cam2", (640, 360)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn h265_stream() {
    play(Transport::Tcp, &["--codec", "h265"], "/cam1", (320, 180)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reconnects_after_server_restart() {
    let port = free_port();
    let server = RtspServer::start(port, &[]);
    let engine = engine().await;
    let (_, mut tile) = rtsp_tile(
        &engine,
        &server.url("/cam1"),
        None,
        Transport::Tcp,
        (320, 180),
    )
    .await;
    let mut st = Vec::new();
    assert_eq!(
        frames(&mut tile, 5, Duration::from_secs(20), &mut st)
            .await
            .len(),
        5
    );
    server.stop();
    let seen = wait_state(&mut tile, "reconnecting", Duration::from_secs(15))
        .await
        .expect("reconnecting after the server stopped");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restarted_at = vigil_engine::media::source::now_ms();
    let _server = RtspServer::start(port, &[]);
    wait_state(&mut tile, "live", Duration::from_secs(30))
        .await
        .unwrap_or_else(|s| panic!("live again; saw {seen:?} then {s:?}"));
    let got = frames(&mut tile, 10, Duration::from_secs(10), &mut st).await;
    assert_eq!(got.len(), 10, "frames resume");
    assert_increasing_timecodes(&got);
    assert!(
        got.iter().find_map(|f| f.vtc1()).unwrap() as i64 >= restarted_at,
        "frames are new pictures, not stale ones"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stalled_stream_counts_as_lost() {
    let server = RtspServer::start(free_port(), &[]);
    let engine = engine().await;
    let (_, mut tile) = rtsp_tile(
        &engine,
        &server.url("/cam1"),
        None,
        Transport::Tcp,
        (320, 180),
    )
    .await;
    let mut st = Vec::new();
    assert_eq!(
        frames(&mut tile, 5, Duration::from_secs(20), &mut st)
            .await
            .len(),
        5
    );
    server.freeze();
    let seen = wait_state(&mut tile, "reconnecting", Duration::from_secs(12))
        .await
        .expect("a stall is detected");
    assert!(
        seen.last().unwrap().contains("stalled"),
        "reason names the stall: {seen:?}"
    );
    server.thaw();
    wait_state(&mut tile, "live", Duration::from_secs(30))
        .await
        .expect("live after the server resumes");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_auth_failed_once_and_not_retried() {
    let server = RtspServer::start(free_port(), &["--user", "admin", "--password", "right"]);
    let engine = engine().await;
    let (cam_id, mut tile) = rtsp_tile(
        &engine,
        &server.url("/cam1"),
        Some(("admin", "Zq7-bad-pw")),
        Transport::Tcp,
        (320, 180),
    )
    .await;
    let seen = wait_state(&mut tile, "auth_failed", Duration::from_secs(15))
        .await
        .expect("auth failed reported");
    assert!(
        !seen.iter().any(|s| s.contains("Zq7-bad-pw")),
        "no password in status: {seen:?}"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let ingest = engine.ingests().acquire(&cam_id, StreamKind::Main).unwrap();
    assert_eq!(
        ingest.attempts(),
        1,
        "wrong credentials are not retried in a storm"
    );
    // and no further status flood reached the tile
    let more = wait_state(&mut tile, "live", Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(more.is_empty(), "status repeated: {more:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn right_password_plays_with_digest_auth() {
    let server = RtspServer::start(free_port(), &["--user", "admin", "--password", "p@ss:w/rd"]);
    let engine = engine().await;
    let (_, mut tile) = rtsp_tile(
        &engine,
        &server.url("/cam1/sub"),
        Some(("admin", "p@ss:w/rd")),
        Transport::Tcp,
        (640, 360),
    )
    .await;
    let mut st = Vec::new();
    let got = frames(&mut tile, 5, Duration::from_secs(20), &mut st).await;
    assert_eq!(got.len(), 5, "{st:?}");
    assert_increasing_timecodes(&got);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_host_reports_reconnecting_with_reason() {
    let engine = engine().await;
    let port = free_port();
    let (_, mut tile) = rtsp_tile(
        &engine,
        &format!("rtsp://127.0.0.1:{port}/cam1"),
        None,
        Transport::Tcp,
        (320, 180),
    )
    .await;
    let seen = wait_state(&mut tile, "reconnecting", Duration::from_secs(10))
        .await
        .expect("reconnecting");
    assert!(
        seen.last().unwrap().contains("Connection refused"),
        "{seen:?}"
    );
}
