//! Paints the demo site's synthetic pictures into I420 planes: a per-camera
//! test pattern, a moving bar and box, the camera name, a readable UTC clock
//! and the VTC1 timecode of the wall clock at generation.
use font8x8::{UnicodeFonts, BASIC_FONTS};

use super::vtc1;

/// Planes of an I420 picture to paint into, with their strides.
pub struct PlanesMut<'a> {
    pub y: &'a mut [u8],
    pub y_stride: usize,
    pub u: &'a mut [u8],
    pub u_stride: usize,
    pub v: &'a mut [u8],
    pub v_stride: usize,
}

/// Paints frames of one demo camera at one size.
pub struct DemoPainter {
    name: String,
    width: usize,
    height: usize,
    bg_y: Vec<u8>,
    bg_u: Vec<u8>,
    bg_v: Vec<u8>,
}

/// (Y, U, V) of the colour bars, limited range BT.601.
const BARS: [(u8, u8, u8); 7] = [
    (180, 128, 128), // grey
    (168, 44, 136),  // yellow
    (145, 147, 44),  // cyan
    (133, 63, 52),   // green
    (63, 193, 204),  // magenta
    (51, 109, 212),  // red
    (28, 212, 120),  // blue
];

impl DemoPainter {
    pub fn new(camera_index: usize, name: &str, width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        let (cw, ch) = (w / 2, h / 2);
        let mut bg_y = vec![0u8; w * h];
        let mut bg_u = vec![0u8; cw * ch];
        let mut bg_v = vec![0u8; cw * ch];
        // Each camera rotates the bars and dims them differently so tiles differ.
        let shift = camera_index % BARS.len();
        let dim = 1.0 - 0.12 * (camera_index % 4) as f32;
        for y in 0..h {
            for x in 0..w {
                let (by, _, _) = BARS[(x * BARS.len() / w + shift) % BARS.len()];
                let lower = y > h * 2 / 3;
                bg_y[y * w + x] = if lower {
                    16 + ((x * 219) / w) as u8
                } else {
                    (16.0 + (by as f32 - 16.0) * dim) as u8
                };
            }
        }
        for y in 0..ch {
            for x in 0..cw {
                let (_, bu, bv) = BARS[(x * BARS.len() / cw + shift) % BARS.len()];
                let lower = y > ch * 2 / 3;
                bg_u[y * cw + x] = if lower { 128 } else { bu };
                bg_v[y * cw + x] = if lower { 128 } else { bv };
            }
        }
        Self {
            name: name.to_string(),
            width: w,
            height: h,
            bg_y,
            bg_u,
            bg_v,
        }
    }

    /// Paints the frame for wall-clock time `ms` (the VTC1 value).
    pub fn paint(&self, ms: u64, p: &mut PlanesMut<'_>) {
        let (w, h) = (self.width, self.height);
        let (cw, ch) = (w / 2, h / 2);
        for row in 0..h {
            p.y[row * p.y_stride..row * p.y_stride + w]
                .copy_from_slice(&self.bg_y[row * w..(row + 1) * w]);
        }
        for row in 0..ch {
            p.u[row * p.u_stride..row * p.u_stride + cw]
                .copy_from_slice(&self.bg_u[row * cw..(row + 1) * cw]);
            p.v[row * p.v_stride..row * p.v_stride + cw]
                .copy_from_slice(&self.bg_v[row * cw..(row + 1) * cw]);
        }
        // a vertical bar sweeping across once every 4 s
        let bar_w = (w / 40).max(2);
        let bar_x = ((ms % 4000) as usize * (w - bar_w)) / 4000;
        self.fill_rect(p, bar_x, 0, bar_w, h * 2 / 3, (235, 128, 128));
        // a box bouncing over the lower third
        let box_s = (h / 8).max(4);
        let period = 6000u64;
        let t = (ms % period) as usize;
        let span = w - box_s;
        let half = period as usize / 2;
        let bx = if t < half {
            t * span / half
        } else {
            (period as usize - t) * span / half
        };
        let by = h * 2 / 3 + (h / 3 - box_s) / 2;
        self.fill_rect(p, bx, by, box_s, box_s, (82, 90, 240));
        // camera name and a readable clock
        let dot = ((h + 100) / 200).max(1);
        let top = vtc1::cell_size(w) + 4 * dot;
        self.text(p, &self.name, 4 * dot, top, dot);
        self.text(p, &clock_text(ms), 4 * dot, top + 12 * dot, dot);
        // the timecode strip, last so nothing covers it
        vtc1::stamp_luma(p.y, w, p.y_stride, ms);
        vtc1::stamp_chroma(p.u, cw, p.u_stride, w);
        vtc1::stamp_chroma(p.v, cw, p.v_stride, w);
    }

    fn fill_rect(
        &self,
        p: &mut PlanesMut<'_>,
        x: usize,
        y: usize,
        rw: usize,
        rh: usize,
        c: (u8, u8, u8),
    ) {
        let x1 = (x + rw).min(self.width);
        let y1 = (y + rh).min(self.height);
        for row in y..y1 {
            p.y[row * p.y_stride + x..row * p.y_stride + x1].fill(c.0);
        }
        for row in y / 2..y1 / 2 {
            p.u[row * p.u_stride + x / 2..row * p.u_stride + x1 / 2].fill(c.1);
            p.v[row * p.v_stride + x / 2..row * p.v_stride + x1 / 2].fill(c.2);
        }
    }

    /// Draws white 8x8-font text with a black shadow box, `scale` px per dot.
    fn text(&self, p: &mut PlanesMut<'_>, s: &str, x0: usize, y0: usize, scale: usize) {
        let glyph = 8 * scale;
        let len = s.chars().count();
        self.fill_rect(
            p,
            x0.saturating_sub(scale * 2),
            y0.saturating_sub(scale * 2),
            len * glyph + scale * 4,
            glyph + scale * 4,
            (16, 128, 128),
        );
        for (i, ch) in s.chars().enumerate() {
            let Some(rows) = BASIC_FONTS.get(ch) else {
                continue;
            };
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..8 {
                    if bits & (1 << rx) != 0 {
                        let (px, py) = (x0 + i * glyph + rx * scale, y0 + ry * scale);
                        if px + scale <= self.width && py + scale <= self.height {
                            for yy in py..py + scale {
                                p.y[yy * p.y_stride + px..yy * p.y_stride + px + scale].fill(235);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS.mmm UTC` for the picture.
pub fn clock_text(ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3] UTC"
    );
    t.format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn painted_frame_carries_its_timecode_and_moves() {
        let (w, h) = (640usize, 360usize);
        let painter = DemoPainter::new(1, "Demo 1", w as u32, h as u32);
        let mut y = vec![0u8; w * h];
        let mut u = vec![0u8; w * h / 4];
        let mut v = vec![0u8; w * h / 4];
        let mut paint = |ms| {
            let mut planes = PlanesMut {
                y: &mut y,
                y_stride: w,
                u: &mut u,
                u_stride: w / 2,
                v: &mut v,
                v_stride: w / 2,
            };
            painter.paint(ms, &mut planes);
            y.clone()
        };
        let a = paint(1_767_225_600_000);
        let b = paint(1_767_225_601_000);
        assert_eq!(vtc1::read_luma(&a, w, h, w), Some(1_767_225_600_000));
        assert_eq!(vtc1::read_luma(&b, w, h, w), Some(1_767_225_601_000));
        let below_strip = vtc1::cell_size(w) * w;
        assert_ne!(a[below_strip..], b[below_strip..], "the picture must move");
        assert_eq!(clock_text(1_767_225_600_000), "2026-01-01 00:00:00.000 UTC");
    }
}
