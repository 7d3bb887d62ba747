//! The media protocol's HTTP Range header, against any file length.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::cases::media_http::parse_range;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let len = u64::from_le_bytes(data[..8].try_into().unwrap());
    let Ok(h) = std::str::from_utf8(&data[8..]) else { return };
    if let Some((start, end)) = parse_range(h, len) {
        assert!(start <= end && end < len, "range {start}-{end} outside a {len}-byte file");
    }
});
