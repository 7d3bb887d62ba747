//! ONVIF answers: the XML tree parser, SOAP faults and the tree walks the
//! adapters do on any answer (a device is outside input, even before login).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::vms::onvif::{soap, xml};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(root) = xml::parse(text) {
        let _ = root.find("Fault").map(|f| soap::parse_fault("Fuzz", f));
        let _ = root.text_at(&["Body", "GetSystemDateAndTimeResponse"]);
        let mut all = Vec::new();
        root.find_all("Profiles", &mut all);
    }
});
