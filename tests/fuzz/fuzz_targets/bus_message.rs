//! The case bus's outside input: case-created messages (the CMS's shape),
//! media-ready events, the CMS's media list, and broker URLs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::bus::amqp::BusTarget;
use vigil_engine::bus::cms::parse_media_list;
use vigil_engine::bus::{parse_case_created, parse_media_ready};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_case_created(data) {
        // what a worker accepts survives publishing it again
        assert_eq!(parse_case_created(&m.to_json()).as_ref(), Ok(&m));
        assert!(!m.id.is_empty() && !m.equipment_tag.is_empty());
    }
    let _ = parse_media_ready(data);
    let _ = parse_media_list(data);
    if let Ok(s) = std::str::from_utf8(data) {
        // the display never shows the password (unless the URL itself holds that text
        // elsewhere, e.g. in a user or host name: that is not a leak)
        const PW: &str = "fuzz-Secret-9f3a";
        if let Ok(t) = BusTarget::parse(s, PW) {
            assert!(s.contains(PW) || !t.display().contains(PW));
        }
    }
});
