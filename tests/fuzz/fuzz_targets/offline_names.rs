//! Offline files: export name schemes, package manifests (the catalog's
//! tolerant read), container creation_time tags and operator start times.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::offline::container::parse_creation_time;
use vigil_engine::offline::manifest::parse_manifest;
use vigil_engine::offline::names::{is_date_folder, parse_path, parse_path_bytes};
use vigil_engine::offline::starts::operator_start;

fuzz_target!(|data: &[u8]| {
    let _ = parse_path_bytes(data);
    let _ = parse_manifest(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_path(text);
    let _ = is_date_folder(text);
    let _ = parse_creation_time(text);
    let (civil, zone) = text.split_once('|').unwrap_or((text, "UTC"));
    let _ = operator_start(civil, zone);
});
