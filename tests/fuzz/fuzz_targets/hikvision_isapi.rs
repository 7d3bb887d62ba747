//! Hikvision ISAPI answers: every reader of vms::hikvision::xml on the same
//! bytes (device info and time, channels, ResponseStatus in XML or JSON,
//! search pages, the calendar, presets, PTZ capabilities), plus the time
//! and device-zone readers of vms::hikvision::time.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::hikvision::time::{
    detect_local_z, format_time, parse_device_zone, parse_time, TimeMode,
};
use vigil_engine::vms::hikvision::xml;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = xml::parse_device_info(&text);
    let _ = xml::parse_device_time(&text);
    if let Ok(ch) = xml::parse_channels(&text) {
        for c in ch {
            assert!((100..=99_999).contains(&c.id));
        }
    }
    let _ = xml::parse_response_status(&text);
    let _ = xml::parse_search_result(&text);
    if let Ok(days) = xml::parse_daily_distribution(&text) {
        assert!(days.iter().all(|d| (1..=31).contains(d)));
    }
    let _ = xml::parse_presets(&text);
    let _ = xml::parse_ptz_caps(&text);
    let zone = parse_device_zone(&text).unwrap_or(jiff::tz::TimeZone::UTC);
    for mode in [TimeMode::Utc, TimeMode::LocalZ] {
        if let Ok(ms) = parse_time(&text, mode, &zone) {
            let _ = format_time(ms, mode, &zone);
        }
    }
    let _ = detect_local_z(&text, &zone, 1_767_225_600_000);
});
