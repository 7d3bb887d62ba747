//! The case bus's outside input: case-created messages (the CMS's shape),
//! media-ready events (and where a console finds their files), the CMS's
//! media list, and broker URLs.
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
    if let Ok(r) = parse_media_ready(data) {
        // a console records only files right under its media root's day folders
        let root = std::path::Path::new("/media-root");
        for f in &r.files {
            if let Some(p) = vigil_engine::bus::mirror::media_path_of(root, f) {
                assert!(p.starts_with(root) && p.components().count() == 5, "{p:?}");
                assert!(!p
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir)));
                assert_eq!(
                    p.file_name().map(|n| n.to_string_lossy().into_owned()),
                    Some(f.file_name.clone())
                );
            }
        }
    }
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
