//! Milestone XProtect playback end to end (see milestone.rs for the rest):
//! coverage equals the simulator's archive; paused seeks and frame steps land
//! on the exact frame, also into other spans on a slow server; playback
//! advances at the asked speed on the injected clock.
use std::time::{Duration, Instant};

use vigil_engine::hub::client::TileClient;
use vigil_engine::hub::protocol::ClientMessage;
use vigil_engine::media::source::now_ms;
use vigil_tests::milestone::*;
use vigil_tests::*;

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
    // the engine's pacing runs on a simulated wall clock only the test moves
    // (`WallTime::Driven`: the session's waits never move it), so the rate is
    // exact whatever the machine's load. On a self-moving clock
    // (`WallTime::Simulated`) the session ran on by itself: reverse hands a
    // 1 s window's frames out from memory, so it went past the frame asked
    // for before the test looked and on for a minute of recording.
    let wall = SimClock::leaked(now_ms());
    for (n, speed) in [1.0f64, 4.0, -1.0].into_iter().enumerate() {
        let start = span_start + 600_000 + n as i64 * 600_000;
        let group = Arc::new(Group::with_clock(
            format!("ms-speed-{n}"),
            Clock::with_wall_time(start, speed, false, WallTime::Driven(wall)),
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
        // Elapsed time is read from the simulated clock (only this test
        // moves it).
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
