//! Scales decoded frames to the sizes tiles ask for, as packed I420, with one
//! cached swscale context per (source format/size, output size).
use std::collections::HashMap;
use std::sync::Arc;

use ffmpeg_next::{format::Pixel, frame, software::scaling};

use super::box_scale::{downscale_plane, integer_factor};
use super::picture::{fit_size, Picture};
use super::MediaError;

type Key = (i32, u32, u32, u32, u32);

/// Holds the swscale contexts of one ingest.
#[derive(Default)]
pub struct Scaler {
    contexts: HashMap<Key, scaling::Context>,
}

// SAFETY: a swscale context is used by one thread at a time (the ingest's).
unsafe impl Send for Scaler {}

impl Scaler {
    /// The frame scaled to fit `box_` (aspect kept, even size), packed I420.
    pub fn scale(
        &mut self,
        src: &frame::Video,
        box_: (u32, u32),
        ts_ms: i64,
        keyframe: bool,
        seq: u32,
    ) -> Result<Picture, MediaError> {
        let (sw, sh) = (src.width(), src.height());
        let (dw, dh) = fit_size((sw, sh), box_);
        let mut data = vec![0u8; Picture::i420_len(dw, dh)];
        let (yl, cl) = ((dw * dh) as usize, ((dw / 2) * (dh / 2)) as usize);
        if src.format() == Pixel::YUV420P && (sw, sh) == (dw, dh) {
            copy_plane(src, 0, dw as usize, dh as usize, &mut data[..yl]);
            copy_plane(
                src,
                1,
                dw as usize / 2,
                dh as usize / 2,
                &mut data[yl..yl + cl],
            );
            copy_plane(
                src,
                2,
                dw as usize / 2,
                dh as usize / 2,
                &mut data[yl + cl..],
            );
        } else if let Some(k) = box_factor(src, (dw, dh)) {
            let (w, h, k) = (dw as usize, dh as usize, k as usize);
            let (y, rest) = data.split_at_mut(yl);
            let (u, v) = rest.split_at_mut(cl);
            downscale_plane(src.data(0), src.stride(0), k, w, h, y);
            downscale_plane(src.data(1), src.stride(1), k, w / 2, h / 2, u);
            downscale_plane(src.data(2), src.stride(2), k, w / 2, h / 2, v);
        } else {
            let key = (
                ffmpeg_next::ffi::AVPixelFormat::from(src.format()) as i32,
                sw,
                sh,
                dw,
                dh,
            );
            if !self.contexts.contains_key(&key) {
                if self.contexts.len() > 8 {
                    self.contexts.clear();
                }
                let ctx = scaling::Context::get(
                    src.format(),
                    sw,
                    sh,
                    Pixel::YUV420P,
                    dw,
                    dh,
                    scaling::Flags::FAST_BILINEAR,
                )
                .map_err(MediaError::Scale)?;
                self.contexts.insert(key, ctx);
            }
            let ctx = self.contexts.get_mut(&key).expect("inserted above");
            let (y, rest) = data.split_at_mut(yl);
            let (u, v) = rest.split_at_mut(cl);
            let dst = [
                y.as_mut_ptr(),
                u.as_mut_ptr(),
                v.as_mut_ptr(),
                std::ptr::null_mut(),
            ];
            let strides = [dw as i32, (dw / 2) as i32, (dw / 2) as i32, 0];
            // SAFETY: the source frame and the destination planes are valid for
            // the sizes the context was made for; swscale writes only inside them.
            let r = unsafe {
                let s = src.as_ptr();
                ffmpeg_next::ffi::sws_scale(
                    ctx.as_mut_ptr(),
                    (*s).data.as_ptr() as *const *const u8,
                    (*s).linesize.as_ptr(),
                    0,
                    sh as i32,
                    dst.as_ptr(),
                    strides.as_ptr(),
                )
            };
            if r < 0 {
                return Err(MediaError::Scale(ffmpeg_next::Error::from(r)));
            }
        }
        Ok(Picture {
            width: dw,
            height: dh,
            ts_ms,
            keyframe,
            arrival_time: false,
            seq,
            data: Arc::new(data),
        })
    }
}

/// The box factor when the source is 4:2:0 planar and the output an exact
/// integer fraction of it (chroma included).
fn box_factor(src: &frame::Video, dst: (u32, u32)) -> Option<u32> {
    if !matches!(src.format(), Pixel::YUV420P | Pixel::YUVJ420P) {
        return None;
    }
    let k = integer_factor((src.width(), src.height()), dst)?;
    (src.width().is_multiple_of(2 * k) && src.height().is_multiple_of(2 * k)).then_some(k)
}

fn copy_plane(src: &frame::Video, index: usize, w: usize, h: usize, out: &mut [u8]) {
    let stride = src.stride(index);
    let plane = src.data(index);
    for row in 0..h {
        out[row * w..(row + 1) * w].copy_from_slice(&plane[row * stride..row * stride + w]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::vtc1;

    #[test]
    fn scaled_frame_keeps_its_timecode() {
        crate::media::init();
        let (w, h) = (1920u32, 1080u32);
        let mut f = frame::Video::new(Pixel::YUV420P, w, h);
        let stride = f.stride(0);
        f.data_mut(0).fill(100);
        vtc1::stamp_luma(f.data_mut(0), w as usize, stride, 1_700_000_000_123);
        f.data_mut(1).fill(128);
        f.data_mut(2).fill(128);
        let mut s = Scaler::default();
        for box_ in [(480, 270), (960, 540), (320, 180), (1920, 1080)] {
            let p = s.scale(&f, box_, 5, true, 1).unwrap();
            assert_eq!((p.width, p.height), box_);
            assert_eq!(p.data.len(), Picture::i420_len(p.width, p.height));
            assert_eq!(p.read_vtc1(), Some(1_700_000_000_123), "at {box_:?}");
        }
    }
}
