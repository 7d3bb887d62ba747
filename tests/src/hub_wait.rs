//! Waiting on a hub tile in the e2e tests: the next frame whose VTC1 (read
//! from its pixels) is at or after a time, with the statuses seen meanwhile.
use std::time::{Duration, Instant};

use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::ServerMessage;

/// The next frame's VTC1 at or after `after_ms`; collects statuses.
pub async fn frame_after(
    tile: &mut TileClient,
    after_ms: i64,
    within: Duration,
    statuses: &mut Vec<String>,
) -> Option<i64> {
    timed_frame_after(tile, after_ms, within, statuses)
        .await
        .map(|(tc, _)| tc)
}

/// As [`frame_after`], with the time the frame's header carries:
/// `(VTC1, header time)`.
pub async fn timed_frame_after(
    tile: &mut TileClient,
    after_ms: i64,
    within: Duration,
    statuses: &mut Vec<String>,
) -> Option<(i64, i64)> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Frame {
                header, payload, ..
            }))) => {
                let (w, h) = (header.width as usize, header.height as usize);
                match vigil_engine::media::vtc1::read_luma(&payload[..w * h], w, h, w) {
                    Some(tc) if tc as i64 >= after_ms => return Some((tc as i64, header.ts_ms)),
                    Some(_) => {}
                    // said, so a wait that ends with no frame tells a frame
                    // without a timecode from no frame at all
                    None => statuses.push(format!(
                        "frame {} without VTC1 (header time {})",
                        header.seq, header.ts_ms
                    )),
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
