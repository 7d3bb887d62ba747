//! Certificate pins typed by an operator or read from a site row, and the
//! DER certificates a server presents (described for the fingerprint dialog).
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::net::pin::parse;
use vigil_engine::net::probe::describe_certificate;

fuzz_target!(|data: &[u8]| {
    let _ = describe_certificate(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(pin) = parse(s) {
            // what parses prints back as itself
            assert_eq!(parse(&pin.to_string()).unwrap(), pin);
        }
    }
});
