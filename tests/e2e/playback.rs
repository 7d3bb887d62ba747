//! Playback of the demo archive through the hub, as a tile sees it: seek
//! accuracy, speeds (forward and reverse), frame steps, gap skips, a group
//! clock shared by tiles, and refusals. The VTC1 timecode in the delivered
//! pixels decides, never the engine's own bookkeeping.
use std::time::{Duration, Instant};

use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::{ClientMessage, ServerMessage};
use vigil_engine::media::source::now_ms;
use vigil_engine::playback::demo_archive::{frame_at_or_after, frame_ts, holes};
use vigil_tests::*;

const INTERVAL: i64 = 67; // one frame at 15 fps, rounded up
const DAY: i64 = 86_400_000;
const SIZE: (u32, u32) = (320, 180);

/// A recorded instant well inside yesterday's coverage of camera `cam`.
fn recorded_instant(cam: usize, offset_ms: i64) -> i64 {
    let day = now_ms().div_euclid(DAY) - 1;
    let hole = holes(cam, day)[0];
    hole.end_ms + 10 * 60_000 + offset_ms
}

/// Frames (with their VTC1 and arrival) and statuses for `wall` of wall time.
async fn collect(tile: &mut TileClient, wall: Duration) -> (Vec<(i64, i64)>, Vec<String>) {
    let deadline = Instant::now() + wall;
    let (mut frames, mut states) = (Vec::new(), Vec::new());
    while let Ok(Some(ev)) = tokio::time::timeout(
        deadline.saturating_duration_since(Instant::now()),
        tile.next(),
    )
    .await
    {
        match ev.expect("hub") {
            HubEvent::Frame {
                header,
                payload,
                arrived_ms,
                ..
            } => {
                let (w, h) = (header.width as usize, header.height as usize);
                let tc = vigil_engine::media::vtc1::read_luma(&payload[..w * h], w, h, w)
                    .expect("VTC1 readable") as i64;
                assert_eq!(tc, header.ts_ms, "header carries the recording time");
                frames.push((tc, arrived_ms));
            }
            HubEvent::Status(ServerMessage::Status { state, reason, .. }) => states.push(format!(
                "{state}{}",
                reason.map(|r| format!(" {r}")).unwrap_or_default()
            )),
            HubEvent::Status(_) => {}
        }
    }
    (frames, states)
}

/// The first frame to arrive.
async fn first_frame(tile: &mut TileClient) -> i64 {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), tile.next()).await {
            Ok(Some(Ok(HubEvent::Frame {
                header, payload, ..
            }))) => {
                let (w, h) = (header.width as usize, header.height as usize);
                return vigil_engine::media::vtc1::read_luma(&payload[..w * h], w, h, w)
                    .expect("VTC1") as i64;
            }
            Ok(Some(Ok(HubEvent::Status(ServerMessage::Status { state, reason, .. }))))
                if state == "error" =>
            {
                panic!("error: {reason:?}")
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no frame: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn seek_lands_within_one_frame() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let t = recorded_instant(1, 12_345);
    let mut tile = TileClient::playback(&hub, "demo-1", SIZE, t, 1.0, "&paused=1")
        .await
        .unwrap();
    let got = first_frame(&mut tile).await;
    assert!(
        (t..t + INTERVAL).contains(&got),
        "opened at {t}, first frame {got}"
    );
    for offset in [-3_600_000, 7_777, 250_001] {
        let target = t + offset;
        tile.send(&ClientMessage::Seek { at: target })
            .await
            .unwrap();
        let got = first_frame(&mut tile).await;
        assert!(
            (target..target + INTERVAL).contains(&got),
            "seek to {target}: first frame {got} ({} ms off)",
            got - target
        );
    }
}

async fn measured_speed(hub: &vigil_engine::hub::HubInfo, cam: &str, speed: f64) -> f64 {
    let t = recorded_instant(2, 0) + if speed < 0.0 { 120_000 } else { 0 };
    let mut tile = TileClient::playback(hub, cam, SIZE, t, speed, "")
        .await
        .unwrap();
    let (frames, states) = collect(&mut tile, Duration::from_secs(5)).await;
    assert!(
        frames.len() >= 10,
        "speed {speed}: {} frames, {states:?}",
        frames.len()
    );
    // skip the first frame (shown at once on open), measure over the rest:
    // the least-squares slope of recording time over arrival time, so one
    // frame held up on a busy machine does not decide the rate
    let a = frames[1];
    if std::env::var("DEBUG_SPEED").is_ok() {
        eprintln!(
            "{speed}: {:?}",
            frames
                .iter()
                .map(|f| (f.0 - a.0, f.1 - a.1))
                .collect::<Vec<_>>()
        );
    }
    let points: Vec<(f64, f64)> = frames[1..]
        .iter()
        .map(|f| ((f.1 - a.1) as f64, (f.0 - a.0) as f64))
        .collect();
    slope(&points)
}

/// The least-squares slope of `y` over `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (x, y)| (sx + x / n, sy + y / n));
    let (cov, var) = points.iter().fold((0.0, 0.0), |(c, v), (x, y)| {
        (c + (x - mx) * (y - my), v + (x - mx) * (x - mx))
    });
    cov / var
}

#[tokio::test(flavor = "multi_thread")]
async fn speeds_advance_the_timecode_by_speed_times_wall_time() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let speeds = [1.0, 2.0, 4.0, 16.0, -2.0, 0.5];
    let runs = speeds.map(|s| {
        let hub = hub.clone();
        tokio::spawn(async move { (s, measured_speed(&hub, "demo-2", s).await) })
    });
    for r in runs {
        let (speed, got) = r.await.unwrap();
        let err = (got - speed).abs() / speed.abs();
        assert!(
            err < 0.02,
            "speed {speed}: timecodes advanced {got:.3}x wall time"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn steps_move_exactly_one_frame() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let t = frame_ts(frame_at_or_after(recorded_instant(3, 5_000)));
    let mut tile = TileClient::playback(&hub, "demo-3", SIZE, t, 1.0, "&paused=1")
        .await
        .unwrap();
    assert_eq!(first_frame(&mut tile).await, t);
    let k = frame_at_or_after(t);
    for (step, expect) in [(1, k + 1), (1, k + 2), (-1, k + 1), (-1, k), (-1, k - 1)] {
        tile.send(&ClientMessage::Step { frames: step })
            .await
            .unwrap();
        assert_eq!(
            first_frame(&mut tile).await,
            frame_ts(expect),
            "step {step}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gap_is_skipped_and_reported() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let day = now_ms().div_euclid(DAY) - 2;
    let hole = holes(4, day)[1];
    let mut tile = TileClient::playback(&hub, "demo-4", SIZE, hole.start_ms - 3_000, 16.0, "")
        .await
        .unwrap();
    let (frames, states) = collect(&mut tile, Duration::from_secs(2)).await;
    assert!(
        states.iter().any(|s| s.starts_with("gap_skipped")),
        "statuses: {states:?}"
    );
    assert!(
        frames.iter().all(|(tc, _)| !hole.contains(*tc)),
        "no frame inside the hole"
    );
    assert!(frames.iter().any(|(tc, _)| *tc < hole.start_ms));
    assert!(
        frames.iter().any(|(tc, _)| *tc >= hole.end_ms),
        "played on after the hole"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_seek_into_a_hole_says_no_recording_and_shows_no_old_frame() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let day = now_ms().div_euclid(DAY) - 2;
    let hole = holes(3, day)[0];
    let before = hole.start_ms - 60_000;
    let mut tile = TileClient::playback(&hub, "demo-3", SIZE, before, 1.0, "&paused=1")
        .await
        .unwrap();
    let shown = first_frame(&mut tile).await;
    assert!((before..before + INTERVAL).contains(&shown));
    // paused, into the middle of the hole: the tile says so
    let mid = hole.start_ms + (hole.end_ms - hole.start_ms) / 2;
    tile.send(&ClientMessage::Seek { at: mid }).await.unwrap();
    let (frames, states) = collect(&mut tile, Duration::from_secs(4)).await;
    assert!(
        states.iter().any(|s| s.starts_with("no_recording")),
        "statuses: {states:?}"
    );
    assert!(
        frames.is_empty(),
        "no frame from after the hole: {frames:?}"
    );
    // and a paused seek back into coverage shows its frame, paused
    tile.send(&ClientMessage::Seek { at: before })
        .await
        .unwrap();
    assert_eq!(first_frame(&mut tile).await, shown);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_shares_one_clock() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let t = recorded_instant(1, 0).max(recorded_instant(2, 0)) + 60_000;
    let mut a = TileClient::playback(&hub, "demo-1", SIZE, t, 1.0, "&group=g")
        .await
        .unwrap();
    let mut b = TileClient::playback(&hub, "demo-2", SIZE, 0, 1.0, "&group=g")
        .await
        .unwrap();
    first_frame(&mut a).await;
    let target = t + 30_000;
    a.send(&ClientMessage::Seek { at: target }).await.unwrap();
    a.send(&ClientMessage::Speed { speed: 4.0 }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let ((fa, _), (fb, _)) = tokio::join!(
        collect(&mut a, Duration::from_millis(600)),
        collect(&mut b, Duration::from_millis(600))
    );
    let (la, lb) = (fa.last().unwrap().0, fb.last().unwrap().0);
    assert!(
        la > target + 4_000 && lb > target + 4_000,
        "both sped up: {la} {lb}"
    );
    assert!((la - lb).abs() < 1_000, "tiles in step: {la} vs {lb}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_clear() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let mut future = TileClient::playback(&hub, "demo-1", SIZE, now_ms() + 3_600_000, 1.0, "")
        .await
        .unwrap();
    let seen = wait_state(&mut future, "error", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(seen.last().unwrap().contains("future"), "{seen:?}");
    let mut unknown = TileClient::playback(&hub, "nope", SIZE, now_ms() - 60_000, 1.0, "")
        .await
        .unwrap();
    let seen = wait_state(&mut unknown, "error", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(seen.last().unwrap().contains("unknown camera"), "{seen:?}");
    let err = engine.playback_day("2999-01-01").unwrap_err();
    assert!(err.to_string().contains("future"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_group_a_camera_in_its_gap_shows_no_recording_while_others_play() {
    let engine = engine().await;
    let hub = engine.hub_info();
    let day = now_ms().div_euclid(DAY) - 1;
    // the middle of a hole of demo-1 where demo-2 is recording
    let t = holes(1, day)
        .iter()
        .map(|h| h.start_ms + h.duration_ms() / 2)
        .find(|t| {
            (day - 1..=day)
                .flat_map(|d| holes(2, d))
                .all(|h| !h.contains(*t))
        })
        .expect("holes differ per camera");
    // the recorded camera first: a group whose only tile waits skips the gap
    let mut b = TileClient::playback(&hub, "demo-2", SIZE, t, 1.0, "&group=mixed")
        .await
        .unwrap();
    first_frame(&mut b).await;
    let mut a = TileClient::playback(&hub, "demo-1", SIZE, 0, 1.0, "&group=mixed")
        .await
        .unwrap();
    let ((fa, sa), (fb, _)) = tokio::join!(
        collect(&mut a, Duration::from_secs(2)),
        collect(&mut b, Duration::from_secs(2))
    );
    assert!(
        sa.iter().any(|s| s == "no_recording"),
        "demo-1 statuses {sa:?}"
    );
    assert!(
        fa.iter().all(|(tc, _)| (*tc - t).abs() > 60_000),
        "no picture from inside the hole"
    );
    assert!(fb.len() > 10, "demo-2 plays on: {} frames", fb.len());
    assert!(
        fb.iter().all(|(tc, _)| (*tc - t).abs() < 5_000),
        "at the group's time"
    );
}
