//! Recorded segment file names (seed and MediaMTX patterns), read in a zone.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::playback::segment_name::{parse_stem, segment_start, segment_start_utc};

fuzz_target!(|data: &[u8]| {
    let _ = segment_start_utc(data);
    let Ok(name) = std::str::from_utf8(data) else { return };
    let _ = parse_stem(name);
    for tz in ["UTC", "Europe/Berlin", "America/St_Johns"] {
        let zone = jiff::tz::TimeZone::get(tz).unwrap();
        let _ = segment_start(name, &zone);
    }
});
