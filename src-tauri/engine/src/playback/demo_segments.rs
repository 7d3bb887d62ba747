//! Writes demo-camera footage to real segment files (H.264 in MP4, fMP4 or
//! MPEG-TS), every frame carrying the VTC1 timecode of its recording time:
//! the fixtures of segment-folder and MediaMTX tests and of the benchmark.
use std::path::Path;

use ffmpeg_next::{format::Pixel, frame};

use crate::media::demo_painter::{DemoPainter, PlanesMut};
use crate::media::file_writer::{Container, FileWriter};
use crate::media::MediaError;

/// What to write.
#[derive(Debug, Clone)]
pub struct SegmentSpec {
    pub camera_index: usize,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Keyframe interval in frames.
    pub gop: u32,
    pub container: Container,
}

/// Writes `[start_ms, start_ms + duration_ms)` to `path`; frame `i` is
/// recorded at `start_ms + i * 1000 / fps` and shows that time.
pub fn write_segment(
    path: &Path,
    spec: &SegmentSpec,
    start_ms: i64,
    duration_ms: i64,
) -> Result<(), MediaError> {
    let painter = DemoPainter::new(spec.camera_index, "Demo", spec.width, spec.height);
    let mut w = FileWriter::create(
        path,
        spec.container,
        spec.width,
        spec.height,
        spec.fps,
        spec.gop,
    )?;
    let frames = duration_ms * spec.fps as i64 / 1000;
    let mut f = frame::Video::new(Pixel::YUV420P, spec.width, spec.height);
    for i in 0..frames {
        let offset = i * 1000 / spec.fps as i64;
        paint(&painter, &mut f, (start_ms + offset) as u64);
        w.write(&mut f, offset)?;
    }
    w.finish()
}

fn paint(painter: &DemoPainter, f: &mut frame::Video, ms: u64) {
    // SAFETY: a writable frame we own; the encoder copied the last one.
    unsafe { ffmpeg_next::ffi::av_frame_make_writable(f.as_mut_ptr()) };
    let h = f.height() as usize;
    let (ys, us, vs) = (f.stride(0), f.stride(1), f.stride(2));
    // SAFETY: the three planes are distinct buffers owned by `f`.
    let (y, u, v) = unsafe {
        let p = f.as_mut_ptr();
        (
            std::slice::from_raw_parts_mut((*p).data[0], ys * h),
            std::slice::from_raw_parts_mut((*p).data[1], us * h.div_ceil(2)),
            std::slice::from_raw_parts_mut((*p).data[2], vs * h.div_ceil(2)),
        )
    };
    painter.paint(
        ms,
        &mut PlanesMut {
            y,
            y_stride: ys,
            u,
            u_stride: us,
            v,
            v_stride: vs,
        },
    );
}
