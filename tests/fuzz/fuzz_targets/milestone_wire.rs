//! Every Mobile Server input the engine parses (answer documents with their
//! item trees and sequences, binary video frame headers, DH public keys):
//! never a panic, and what comes out holds its promises.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::milestone::{crypto, wire};

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = wire::parse_answer(data, "Fuzz") {
        let (cams, _views) = wire::parse_cameras(&a);
        assert!(cams.iter().all(|c| !c.id.is_empty()));
        let seqs = wire::parse_sequences(&a);
        assert!(seqs.iter().all(|s| s.start_ms < s.end_ms));
        assert!(seqs.windows(2).all(|w| w[0].start_ms <= w[1].start_ms));
    }
    if let Ok(f) = wire::parse_frame(data) {
        assert!(f.payload_start >= wire::MAIN_HEADER);
        assert!(f.payload_start + f.payload_len <= data.len());
        let _ = f.payload(data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crypto::decode_key(text);
        let keys = crypto::KeyPair::from_private(crypto::Group::Bits1024, 12345u32.into());
        let _ = keys.shared_key_hex(text);
        let _ = crypto::decrypt(&"ab".repeat(48), text);
    }
});
