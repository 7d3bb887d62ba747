//! An owned I420 picture (tightly packed planes) with its UTC timestamp: what
//! a rendition hands to the hub, and what the CLI turns into JPEG.
use std::sync::Arc;

/// One frame at one output size, planes packed without padding: Y (w*h),
/// U ((w/2)*(h/2)), V ((w/2)*(h/2)). Width and height are even.
#[derive(Debug, Clone)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// Capture (live) or recording (playback) time, ms since the Unix epoch, UTC.
    pub ts_ms: i64,
    pub keyframe: bool,
    /// `ts_ms` is the workstation's arrival time, not the camera's capture
    /// time (live sources without a sane sender-report clock).
    pub arrival_time: bool,
    /// Sequence number of the decoded frame within its ingest.
    pub seq: u32,
    pub data: Arc<Vec<u8>>,
}

impl Picture {
    /// Bytes an I420 picture of this size takes.
    pub fn i420_len(width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        w * h + 2 * (w / 2) * (h / 2)
    }

    pub fn luma(&self) -> &[u8] {
        &self.data[..(self.width * self.height) as usize]
    }

    /// The VTC1 timecode the pixels carry, if any.
    pub fn read_vtc1(&self) -> Option<u64> {
        super::vtc1::read_luma(
            self.luma(),
            self.width as usize,
            self.height as usize,
            self.width as usize,
        )
    }
}

/// Converts packed I420 to packed RGB8 (BT.601, limited range).
pub fn i420_to_rgb(data: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w / 2, h / 2);
    let (y_plane, rest) = data.split_at(w * h);
    let (u_plane, v_plane) = rest.split_at(cw * ch);
    let mut rgb = vec![0u8; w * h * 3];
    for y in 0..h {
        let crow = (y / 2).min(ch.saturating_sub(1)) * cw;
        for x in 0..w {
            let c = crow + (x / 2).min(cw.saturating_sub(1));
            let yy = (y_plane[y * w + x] as i32 - 16) * 298;
            let u = u_plane[c] as i32 - 128;
            let v = v_plane[c] as i32 - 128;
            let p = (y * w + x) * 3;
            rgb[p] = ((yy + 409 * v + 128) >> 8).clamp(0, 255) as u8;
            rgb[p + 1] = ((yy - 100 * u - 208 * v + 128) >> 8).clamp(0, 255) as u8;
            rgb[p + 2] = ((yy + 516 * u + 128) >> 8).clamp(0, 255) as u8;
        }
    }
    rgb
}

/// Encodes packed I420 as a JPEG file (quality 85) with the `image` crate.
pub fn i420_to_jpeg(data: &[u8], width: u32, height: u32) -> Result<Vec<u8>, image::ImageError> {
    let rgb = i420_to_rgb(data, width, height);
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    enc.encode(&rgb, width, height, image::ExtendedColorType::Rgb8)?;
    Ok(out)
}

/// The output size that fits `src` inside the `box_` keeping the aspect
/// ratio, never larger than the source, with even dimensions (>= 2).
pub fn fit_size(src: (u32, u32), box_: (u32, u32)) -> (u32, u32) {
    let (sw, sh) = (src.0.max(2) as u64, src.1.max(2) as u64);
    let (bw, bh) = (
        box_.0.max(2).min(src.0) as u64,
        box_.1.max(2).min(src.1) as u64,
    );
    let (w, h) = if bw * sh <= bh * sw {
        (bw, (bw * sh + sw / 2) / sw)
    } else {
        ((bh * sw + sh / 2) / sh, bh)
    };
    ((w as u32 & !1).max(2), (h as u32 & !1).max(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_evenness() {
        assert_eq!(fit_size((1920, 1080), (960, 540)), (960, 540));
        assert_eq!(fit_size((1920, 1080), (480, 400)), (480, 270));
        assert_eq!(fit_size((640, 360), (1000, 1000)), (640, 360));
        assert_eq!(fit_size((1920, 1080), (301, 1000)), (300, 168));
        assert_eq!(fit_size((1920, 1080), (0, 0)), (2, 2));
    }

    #[test]
    fn grey_converts_to_grey_and_white_to_white() {
        let (w, h) = (4u32, 2u32);
        let mut d = vec![0u8; Picture::i420_len(w, h)];
        d[..8].copy_from_slice(&[235, 235, 16, 16, 126, 126, 126, 126]);
        d[8..].fill(128);
        let rgb = i420_to_rgb(&d, w, h);
        assert_eq!(&rgb[0..3], &[255, 255, 255]);
        assert_eq!(&rgb[6..9], &[0, 0, 0]);
        assert!(rgb[12..15].iter().all(|&c| (126..=130).contains(&c)));
        let jpeg = i420_to_jpeg(&d, w, h).unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    }
}
