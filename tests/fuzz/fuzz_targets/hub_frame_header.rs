//! The hub's binary frame header (what the CLI and tests read off the socket).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::hub::protocol::FrameHeader;

fuzz_target!(|data: &[u8]| {
    if let Ok((h, rest)) = FrameHeader::parse(data) {
        let mut out = Vec::new();
        h.write(&mut out);
        assert!(rest.len() <= data.len());
    }
});
