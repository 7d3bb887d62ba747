//! Dahua CGI answers (key=value lines): every parser of vms::dahua::kv on
//! the same bytes (tables, finder pages, presets, times, PTZ caps).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::dahua::kv;

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
});
