//! Every DSS answer the engine parses (login challenge and result, tree,
//! media URL, records): never a panic, and what comes out holds its promises.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::dss::wire;

fuzz_target!(|data: &[u8]| {
    let _ = wire::parse_challenge(data);
    let _ = wire::parse_login(data);
    let _ = wire::parse_reply(data);
    if let Ok(chans) = wire::parse_tree(data) {
        assert!(chans.len() <= wire::MAX_CHANNELS);
        assert!(chans.iter().all(|c| !c.id.is_empty()));
    }
    if let Ok(m) = wire::parse_media(data, "127.0.0.1") {
        assert!(m.url.starts_with("rtsp://"), "{}", m.url);
    }
    if let Ok(recs) = wire::parse_records(data) {
        assert!(recs.iter().all(|r| r.start_s < r.end_s));
        assert!(recs.windows(2).all(|w| w[0].start_s <= w[1].start_s));
    }
});
