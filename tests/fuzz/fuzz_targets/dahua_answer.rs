//! Dahua CGI answers (key=value lines): every parser of vms::dahua::kv on
//! the same bytes (tables, finder pages, presets, times, PTZ caps), the
//! zone from NTP + Locales (vms::dahua::zone), and the DHAV download
//! preamble scan (vms::dahua::dhav) on the raw bytes, whole and in chunks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::dahua::{dhav, kv, zone};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = kv::parse_kv(&text);
    let _ = kv::channel_titles(&text);
    for slot in kv::remote_devices(&text).values() {
        let _ = slot.wired();
    }
    let _ = kv::encode_sizes(&text);
    if let Some(m) = kv::ntp_offset_minutes(&text) {
        assert!(m.abs() <= 14 * 60);
    }
    let _ = kv::rtsp_port(&text);
    let _ = kv::current_time(&text);
    if let Some((_, files)) = kv::find_page(&text) {
        assert!(files.len() <= 1001);
    }
    let _ = kv::presets(&text);
    let _ = kv::ptz_caps_move(&text);
    let _ = kv::is_ok(&text);
    let _ = zone::locales_dst(&text);
    if let Some(tz) = zone::configured_zone(&text, Some(&text)) {
        let _ = tz.to_offset(jiff::Timestamp::UNIX_EPOCH);
    }
    // the preamble scan: only a prefix is ever dropped, and only up to a DHAV
    let whole = dhav::strip_preamble(data);
    assert!(data.ends_with(whole));
    let mut s = dhav::PreambleStripper::new();
    let mut out = Vec::new();
    for c in data.chunks(7) {
        out.extend(s.push(c));
    }
    out.extend(s.finish());
    assert!(data.ends_with(&out));
    assert!(out.len() == data.len() || out.starts_with(b"DHAV"));
});
