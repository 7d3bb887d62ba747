//! The loopback media server's request head (any bytes a local peer sends).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::cases::media_server::{parse_request, MAX_HEAD};

fuzz_target!(|data: &[u8]| {
    if data.len() > MAX_HEAD {
        return;
    }
    if let Ok(r) = parse_request(data) {
        assert!(
            r.path.starts_with('/') && r.path[1..].bytes().all(|b| b.is_ascii_digit()),
            "path {:?}",
            r.path
        );
        assert!(!r.path.contains(".."), "path {:?}", r.path);
    }
});
