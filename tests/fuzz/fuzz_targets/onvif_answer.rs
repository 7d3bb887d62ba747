//! A whole ONVIF HTTP answer: status, SOAP envelope, fault or body.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::onvif::soap::read_answer;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 200 + u16::from(data[0] % 4) * 100;
    let Ok(text) = std::str::from_utf8(&data[1..]) else { return };
    let _ = read_answer("GetProfiles", status, text);
});
