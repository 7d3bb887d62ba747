//! VTC1 pixel timecode (shared/TIMECODE.md): a 64-cell strip at the top of a
//! frame carrying a sync byte, 48-bit UTC milliseconds and a CRC-8/SMBUS.
//! Written by every synthetic source, read back by tests and benchmarks.

/// Cells in the strip.
pub const CELLS: usize = 64;
/// The sync byte in cells 0-7.
pub const SYNC: u8 = 0b1011_0010;
/// Luma of a 1 cell (white, limited range).
pub const LUMA_ONE: u8 = 235;
/// Luma of a 0 cell (black, limited range).
pub const LUMA_ZERO: u8 = 16;

/// CRC-8/SMBUS: polynomial 0x07, init 0, no reflection, no final xor.
pub fn crc8(data: &[u8]) -> u8 {
    let mut crc = 0u8;
    for &byte in data {
        crc ^= byte;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The 64-bit word (cell 0 = most significant bit) for a timestamp.
pub fn word(ms: u64) -> u64 {
    let ts = ms & ((1 << 48) - 1);
    let bytes = &ts.to_be_bytes()[2..];
    ((SYNC as u64) << 56) | (ts << 8) | crc8(bytes) as u64
}

/// Width (and height) in pixels of one cell for a frame `width` wide.
pub fn cell_size(width: usize) -> usize {
    width / CELLS
}

/// Writes the strip into a luma plane (`stride` bytes per row).
pub fn stamp_luma(luma: &mut [u8], width: usize, stride: usize, ms: u64) {
    let cell = cell_size(width);
    let w = word(ms);
    for row in 0..cell {
        let line = &mut luma[row * stride..row * stride + width];
        for i in 0..CELLS {
            let bit = (w >> (63 - i)) & 1;
            let v = if bit == 1 { LUMA_ONE } else { LUMA_ZERO };
            line[i * cell..(i + 1) * cell].fill(v);
        }
        line[CELLS * cell..].fill(LUMA_ZERO);
    }
}

/// Neutralises the chroma under the strip (so cells stay grey, not coloured).
pub fn stamp_chroma(plane: &mut [u8], chroma_width: usize, stride: usize, luma_width: usize) {
    let rows = cell_size(luma_width).div_ceil(2);
    for row in 0..rows {
        plane[row * stride..row * stride + chroma_width].fill(128);
    }
}

/// Decodes 64 cell samples (luma or RGB mean); `None` if sync or CRC fail.
pub fn decode_cells(cells: &[u8]) -> Option<u64> {
    if cells.len() != CELLS {
        return None;
    }
    let w = cells
        .iter()
        .fold(0u64, |acc, &v| (acc << 1) | u64::from(v >= 128));
    if (w >> 56) as u8 != SYNC {
        return None;
    }
    let ts = (w >> 8) & ((1 << 48) - 1);
    (crc8(&ts.to_be_bytes()[2..]) == (w & 0xFF) as u8).then_some(ts)
}

/// Cell widths to try: first the integer cell width TIMECODE.md defines
/// (frames generated at this size), then width / 64 exactly (frames scaled
/// from a size that was a multiple of 64, e.g. 1920 -> 480 gives 7.5 px).
fn cell_widths(width: usize, height: usize) -> Vec<f64> {
    let cell = cell_size(width);
    if cell == 0 || cell > height {
        return Vec::new();
    }
    let mut out = vec![cell as f64];
    if !width.is_multiple_of(CELLS) {
        out.push(width as f64 / CELLS as f64);
    }
    out
}

/// Reads the 64 cells with cell width `f`, sampling each cell at its centre
/// and a quarter cell either side. A wrong width drifts across cell edges,
/// so the three samples of some cell disagree and the guess is rejected;
/// sync and CRC then check what is left. Never a guessed timecode.
fn read_cells(f: f64, sample: &impl Fn(usize, usize) -> u8) -> Option<u64> {
    let y = (f / 2.0) as usize;
    let mut cells = [0u8; CELLS];
    for (i, cell) in cells.iter_mut().enumerate() {
        let c = (i as f64 + 0.5) * f;
        let probes = [
            sample((c - f / 4.0) as usize, y),
            sample(c as usize, y),
            sample((c + f / 4.0) as usize, y),
        ];
        let bit = probes[1] >= 128;
        if probes.iter().any(|&p| (p >= 128) != bit) {
            return None;
        }
        *cell = probes[1];
    }
    decode_cells(&cells)
}

fn read_with(width: usize, height: usize, sample: impl Fn(usize, usize) -> u8) -> Option<u64> {
    cell_widths(width, height)
        .into_iter()
        .find_map(|f| read_cells(f, &sample))
}

/// Reads the timecode from a luma plane of a frame at any delivered size.
pub fn read_luma(luma: &[u8], width: usize, height: usize, stride: usize) -> Option<u64> {
    read_with(width, height, |x, y| luma[y * stride + x])
}

/// Reads the timecode from packed RGB8 pixels (mean of R, G, B per cell).
pub fn read_rgb(rgb: &[u8], width: usize, height: usize) -> Option<u64> {
    read_with(width, height, |x, y| {
        let p = (y * width + x) * 3;
        ((rgb[p] as u16 + rgb[p + 1] as u16 + rgb[p + 2] as u16) / 3) as u8
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_smbus_check_value() {
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

    #[test]
    fn check_values_from_timecode_md() {
        for (ms, bytes, crc) in [
            (0u64, [0u8, 0, 0, 0, 0, 0], 0x00u8),
            (
                1_767_225_600_000,
                [0x01, 0x9B, 0x76, 0xDA, 0xA8, 0x00],
                0x6D,
            ),
            (
                1_700_000_000_123,
                [0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B],
                0x4C,
            ),
        ] {
            assert_eq!(&ms.to_be_bytes()[2..], &bytes);
            assert_eq!(crc8(&bytes), crc, "crc of {ms}");
            assert_eq!(word(ms) & 0xFF, crc as u64);
            assert_eq!(word(ms) >> 56, SYNC as u64);
        }
    }

    #[test]
    fn stamp_then_read_at_full_and_scaled_size() {
        let (w, h) = (1920usize, 1080usize);
        let mut luma = vec![90u8; w * h];
        stamp_luma(&mut luma, w, w, 1_767_225_600_000);
        assert_eq!(read_luma(&luma, w, h, w), Some(1_767_225_600_000));
        // nearest-neighbour downscale to 320 px wide: cells are 5 px there
        let (sw, sh) = (320usize, 180usize);
        let small: Vec<u8> = (0..sh)
            .flat_map(|y| {
                let luma = &luma;
                (0..sw).map(move |x| luma[(y * h / sh) * w + x * w / sw])
            })
            .collect();
        assert_eq!(read_luma(&small, sw, sh, sw), Some(1_767_225_600_000));
    }

    #[test]
    fn non_integer_cells_read_exactly_over_many_timestamps() {
        // 1920 -> 480 nearest-neighbour: 7.5 px cells; the integer (7 px)
        // geometry drifts and must never yield a wrong value
        let (w, h, sw) = (1920usize, 120usize, 480usize);
        for k in 0..2000u64 {
            let ms = 1_767_225_600_000 + k * 67;
            let mut luma = vec![16u8; w * h];
            stamp_luma(&mut luma, w, w, ms);
            let small: Vec<u8> = (0..h / 4)
                .flat_map(|y| (0..sw).map(move |x| (y * 4, x * 4)))
                .map(|(y, x)| luma[y * w + x])
                .collect();
            assert_eq!(read_luma(&small, sw, h / 4, sw), Some(ms), "at {ms}");
        }
    }

    #[test]
    fn corrupt_strip_has_no_timecode() {
        let (w, h) = (640usize, 360usize);
        let mut luma = vec![0u8; w * h];
        stamp_luma(&mut luma, w, w, 1_700_000_000_123);
        let cell = cell_size(w);
        // flip one timestamp cell: the CRC must catch it
        let x = 20 * cell + cell / 2;
        let y = cell / 2;
        luma[y * w + x] = if luma[y * w + x] > 128 { 16 } else { 235 };
        assert_eq!(read_luma(&luma, w, h, w), None);
        // a plain picture has no sync byte
        assert_eq!(read_luma(&vec![200u8; w * h], w, h, w), None);
        // a frame too small for cells
        assert_eq!(read_luma(&[0u8; 32], 32, 1, 32), None);
    }
}
