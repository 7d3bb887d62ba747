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

/// Cell centres to sample: first with the integer cell width TIMECODE.md
/// defines (frames generated at this size), then with width / 64 exactly
/// (frames scaled from a size that was a multiple of 64, e.g. 1920 -> 480,
/// where cells are 7.5 px). Sync and CRC reject a wrong guess.
fn sample_positions(width: usize, height: usize) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    let cell = cell_size(width);
    if cell == 0 || cell > height {
        return out;
    }
    out.push((cell / 2, (0..CELLS).map(|i| i * cell + cell / 2).collect()));
    if !width.is_multiple_of(CELLS) {
        let f = width as f64 / CELLS as f64;
        out.push((
            (f / 2.0) as usize,
            (0..CELLS)
                .map(|i| ((i as f64 + 0.5) * f) as usize)
                .collect(),
        ));
    }
    out
}

/// Reads the timecode from a luma plane of a frame at any delivered size.
pub fn read_luma(luma: &[u8], width: usize, height: usize, stride: usize) -> Option<u64> {
    sample_positions(width, height)
        .into_iter()
        .find_map(|(y, xs)| {
            let cells: Vec<u8> = xs.iter().map(|&x| luma[y * stride + x]).collect();
            decode_cells(&cells)
        })
}

/// Reads the timecode from packed RGB8 pixels (mean of R, G, B per cell).
pub fn read_rgb(rgb: &[u8], width: usize, height: usize) -> Option<u64> {
    sample_positions(width, height)
        .into_iter()
        .find_map(|(y, xs)| {
            let cells: Vec<u8> = xs
                .iter()
                .map(|&x| {
                    let p = (y * width + x) * 3;
                    ((rgb[p] as u16 + rgb[p + 1] as u16 + rgb[p + 2] as u16) / 3) as u8
                })
                .collect();
            decode_cells(&cells)
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
