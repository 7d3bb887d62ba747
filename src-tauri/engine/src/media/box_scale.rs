//! Integer-factor box downscaling of 8-bit planes (each output pixel is the
//! mean of a k x k block). Tiles very often ask for an exact half, third or
//! quarter of a camera's size (1920x1080 -> 960x540, 640x360 -> 320x180);
//! there this is an area filter at a fraction of swscale's cost.

/// The factor `k` if `dst` is exactly `src / k` in both dimensions (2..=8).
pub fn integer_factor(src: (u32, u32), dst: (u32, u32)) -> Option<u32> {
    (2..=8).find(|&k| dst.0 * k == src.0 && dst.1 * k == src.1)
}

/// Downscales one plane by `k` into a tightly packed `out` (dw x dh).
pub fn downscale_plane(src: &[u8], stride: usize, k: usize, dw: usize, dh: usize, out: &mut [u8]) {
    if k == 2 {
        return halve_plane(src, stride, dw, dh, out);
    }
    let area = (k * k) as u32;
    let mut sums = vec![0u32; dw];
    for y in 0..dh {
        sums.fill(0);
        for r in 0..k {
            let row = &src[(y * k + r) * stride..][..dw * k];
            for (s, block) in sums.iter_mut().zip(row.chunks_exact(k)) {
                *s += block.iter().map(|&v| v as u32).sum::<u32>();
            }
        }
        for (o, s) in out[y * dw..(y + 1) * dw].iter_mut().zip(&sums) {
            *o = ((s + area / 2) / area) as u8;
        }
    }
}

/// The k = 2 case, in fixed blocks of 16 outputs so the compiler emits
/// vector code (SSE2 is enough), then a scalar tail.
fn halve_plane(src: &[u8], stride: usize, dw: usize, dh: usize, out: &mut [u8]) {
    #[inline(always)]
    fn px(a: &[u8], b: &[u8], i: usize) -> u8 {
        ((a[2 * i] as u16 + a[2 * i + 1] as u16 + b[2 * i] as u16 + b[2 * i + 1] as u16 + 2) >> 2)
            as u8
    }
    for y in 0..dh {
        let a = &src[2 * y * stride..][..2 * dw];
        let b = &src[(2 * y + 1) * stride..][..2 * dw];
        let o = &mut out[y * dw..(y + 1) * dw];
        let blocks = dw / 16;
        for (j, o16) in o.chunks_exact_mut(16).enumerate() {
            let a32: &[u8; 32] = a[j * 32..j * 32 + 32].try_into().expect("32 bytes");
            let b32: &[u8; 32] = b[j * 32..j * 32 + 32].try_into().expect("32 bytes");
            for (i, o) in o16.iter_mut().enumerate() {
                *o = px(a32, b32, i);
            }
        }
        for (i, o) in o.iter_mut().enumerate().skip(blocks * 16) {
            *o = px(a, b, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factors() {
        assert_eq!(integer_factor((1920, 1080), (960, 540)), Some(2));
        assert_eq!(integer_factor((1920, 1080), (480, 270)), Some(4));
        assert_eq!(integer_factor((1920, 1080), (640, 360)), Some(3));
        assert_eq!(integer_factor((1920, 1080), (594, 334)), None);
        assert_eq!(integer_factor((640, 360), (640, 360)), None);
    }

    #[test]
    fn box_means_with_stride_padding() {
        // 4x2 plane with a stride of 6 (2 bytes of padding per row)
        let src = [10, 20, 30, 50, 99, 99, 30, 40, 70, 90, 99, 99];
        let mut out = [0u8; 2];
        downscale_plane(&src, 6, 2, 2, 1, &mut out);
        assert_eq!(out, [25, 60]);
        // a row long enough for the vector blocks plus a tail
        let w = 37usize;
        let src: Vec<u8> = (0..4 * w).map(|i| (i * 7 % 251) as u8).collect();
        let mut out = vec![0u8; (w / 2) * 2];
        downscale_plane(&src, 2 * w, 2, w / 2, 1, &mut out[..w / 2]);
        for (x, o) in out[..w / 2].iter().enumerate() {
            let s = src[2 * x] as u16
                + src[2 * x + 1] as u16
                + src[2 * w + 2 * x] as u16
                + src[2 * w + 2 * x + 1] as u16;
            assert_eq!(*o as u16, (s + 2) / 4, "x = {x}");
        }
        let src3: Vec<u8> = (0..9).map(|v| v * 10).collect();
        let mut one = [0u8; 1];
        downscale_plane(&src3, 3, 3, 1, 1, &mut one);
        assert_eq!(one, [40]);
    }
}
