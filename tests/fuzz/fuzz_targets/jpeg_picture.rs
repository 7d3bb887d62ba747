//! JPEG pictures a VMS pushes over its own socket: the header check that
//! runs before FFmpeg's decoder sees them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::media::picture_push::jpeg_info;

fuzz_target!(|data: &[u8]| {
    let _ = jpeg_info(data);
});
