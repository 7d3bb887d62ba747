//! MediaMTX's playback API `/list` answer (JSON spans: start, duration).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::playback::mediamtx::parse_list;

fuzz_target!(|data: &[u8]| {
    if let Ok(spans) = parse_list(data) {
        for s in spans {
            assert!(s.start_ms <= s.end_ms, "span ends before it starts");
        }
    }
});
