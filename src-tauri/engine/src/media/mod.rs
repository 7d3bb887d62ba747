//! Media: ffmpeg-next open, demux, decode and scale; the VTC1 timecode; the
//! demo site's synthetic pictures. Sources produce decoded frames through the
//! [`source::FrameSource`] trait so the ingest can be tested with any of them.
pub mod box_scale;
pub mod decode;
pub mod demo_input;
pub mod demo_painter;
pub mod error;
pub mod file_writer;
pub mod frame_times;
pub mod heap;
pub mod offset_file;
pub mod picture;
pub mod picture_decode;
pub mod picture_push;
pub mod protocols;
pub mod recorded_input;
pub mod resolving_input;
pub mod rtsp_input;
pub mod rtsp_live_input;
pub mod scale;
pub mod source;
pub mod stream_copy;
pub mod vtc1;

pub use error::MediaError;

use std::sync::Once;

/// Initialises FFmpeg once per process. FFmpeg's own log is silenced: it can
/// print URLs with credentials, and every failure reaches us as an error code.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = ffmpeg_next::init();
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Quiet);
    });
}
