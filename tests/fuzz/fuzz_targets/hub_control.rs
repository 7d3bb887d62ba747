//! What a hub client sends: the live and playback socket queries and the
//! JSON control messages (resize, seek, pause, play, speed, step).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::hub::playback_query::parse_playback_query;
use vigil_engine::hub::protocol::{parse_live_query, ClientMessage};

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<ClientMessage>(data);
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = parse_live_query(q);
        let _ = parse_playback_query(q);
    }
});
