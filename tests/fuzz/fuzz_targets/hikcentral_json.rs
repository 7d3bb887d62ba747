//! HikCentral OpenAPI answers: the envelope, camera pages, preview and
//! playback URL answers (segment times), download jobs, presets, and the
//! ISO 8601 times alone (vms::hikcentral::api).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::hikcentral::api;

fuzz_target!(|data: &[u8]| {
    api::parse_any(data);
    if let Ok(env) = api::parse_envelope(data) {
        let zone = jiff::tz::TimeZone::UTC;
        if let Ok(p) = api::parse_playback(&env.data, &zone) {
            for (a, b) in p.segments {
                assert!(a < b, "a segment ends before it starts");
            }
        }
    }
});
