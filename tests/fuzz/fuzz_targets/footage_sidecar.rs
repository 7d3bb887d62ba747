//! A clip's JSON sidecar as read back from disk (a file anyone could edit).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::footage::Sidecar;

fuzz_target!(|data: &[u8]| {
    let _ = Sidecar::parse(data);
});
