//! The snapshot: the frame on screen at the event time (the last frame at
//! or before it; the first after it if the recording starts later, within
//! one frame interval), decoded from the recording and written as JPEG with
//! the `image` crate.
use ffmpeg_next::{format::Pixel, frame, software::scaling};

use super::FootageError;
use crate::media::source::StopFlag;
use crate::playback::{Decimation, ReadEvent, Recording};

/// A JPEG of the frame at `event_ms` and that frame's time.
pub struct Snapshot {
    pub jpeg: Vec<u8>,
    pub frame_ms: i64,
}

pub fn snapshot(
    rec: &dyn Recording,
    camera: &str,
    event_ms: i64,
    stop: StopFlag,
) -> Result<Snapshot, FootageError> {
    let interval = rec.frame_interval_ms().unwrap_or(40.0).max(1.0);
    let pb = |source| FootageError::Playback {
        camera: camera.to_string(),
        source: Box::new(source),
    };
    let lead = (2.0 * interval).ceil() as i64 + 1;
    let mut reader = rec
        .open(event_ms - lead, Decimation::All, stop.clone())
        .map_err(pb)?;
    let mut best: Option<(frame::Video, i64)> = None;
    loop {
        if stop.is_stopped() {
            return Err(FootageError::Stopped);
        }
        match reader.next().map_err(pb)? {
            ReadEvent::Frame(f) if f.ts_ms <= event_ms => best = Some((f.frame, f.ts_ms)),
            ReadEvent::Frame(f) => {
                if best.is_none() && (f.ts_ms - event_ms) as f64 <= interval {
                    best = Some((f.frame, f.ts_ms));
                }
                break;
            }
            ReadEvent::Gap { .. } => {}
            ReadEvent::End => break,
        }
    }
    let (f, ts) = best.ok_or_else(|| FootageError::NoRecording {
        from: crate::cases::rfc3339_ms(event_ms),
        to: crate::cases::rfc3339_ms(event_ms),
    })?;
    let jpeg = to_jpeg(&f)?;
    Ok(Snapshot { jpeg, frame_ms: ts })
}

/// Converts any decoded frame to RGB and encodes it as JPEG (quality 90).
pub fn to_jpeg(f: &frame::Video) -> Result<Vec<u8>, FootageError> {
    let (w, h) = (f.width(), f.height());
    let err = |e: String| FootageError::Write {
        what: "snapshot",
        reason: e,
    };
    let mut sws = scaling::Context::get(
        f.format(),
        w,
        h,
        Pixel::RGB24,
        w,
        h,
        scaling::Flags::BILINEAR | scaling::Flags::ACCURATE_RND,
    )
    .map_err(|e| err(e.to_string()))?;
    let mut rgb = frame::Video::empty();
    sws.run(f, &mut rgb).map_err(|e| err(e.to_string()))?;
    let stride = rgb.stride(0);
    let mut packed = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as usize {
        packed.extend_from_slice(&rgb.data(0)[y * stride..y * stride + w as usize * 3]);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode(&packed, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| err(e.to_string()))?;
    Ok(out)
}
