//! What a hub client sends: the live and playback socket queries and the
//! JSON control messages (resize, seek, pause, play, speed, step).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::hub::playback_query::parse_playback_query;
use vigil_engine::hub::protocol::{parse_client_message, parse_live_query};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_client_message(text);
    let _ = parse_live_query(text);
    let _ = parse_playback_query(text);
});
