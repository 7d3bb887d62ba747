//! Picks a camera's stream for a tile by its real pixel size: the smallest
//! stream whose resolution covers the picture as the tile shows it, else the
//! main stream. "As shown" is the stream's aspect fitted into the tile (a
//! 16:9 picture in a taller tile is letterboxed; its extra height needs no
//! extra pixels).
use super::{StreamInfo, StreamKind};

/// The size a `w` x `h` picture is drawn at inside a tile (aspect kept).
fn shown_size(w: u32, h: u32, tile_w: u32, tile_h: u32) -> (u64, u64) {
    let (w, h, tw, th) = (
        w.max(1) as u64,
        h.max(1) as u64,
        tile_w as u64,
        tile_h as u64,
    );
    if tw * h <= th * w {
        (tw, (tw * h).div_ceil(w))
    } else {
        ((th * w).div_ceil(h), th)
    }
}

pub fn choose_stream(streams: &[StreamInfo], tile_w: u32, tile_h: u32) -> StreamKind {
    streams
        .iter()
        .filter(|s| {
            let (need_w, need_h) = shown_size(s.width, s.height, tile_w, tile_h);
            s.width as u64 >= need_w && s.height as u64 >= need_h
        })
        .min_by_key(|s| u64::from(s.width) * u64::from(s.height))
        .map(|s| s.kind)
        .unwrap_or(StreamKind::Main)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<StreamInfo> {
        vec![
            StreamInfo {
                kind: StreamKind::Main,
                width: 1920,
                height: 1080,
                codec: "h264".into(),
            },
            StreamInfo {
                kind: StreamKind::Sub,
                width: 640,
                height: 360,
                codec: "h264".into(),
            },
        ]
    }

    #[test]
    fn small_tiles_get_the_sub_stream_large_ones_the_main() {
        assert_eq!(choose_stream(&demo(), 480, 270), StreamKind::Sub);
        assert_eq!(choose_stream(&demo(), 640, 360), StreamKind::Sub);
        assert_eq!(choose_stream(&demo(), 642, 362), StreamKind::Main);
        assert_eq!(choose_stream(&demo(), 960, 540), StreamKind::Main);
        // larger than every stream: the main stream
        assert_eq!(choose_stream(&demo(), 3840, 2160), StreamKind::Main);
        // a taller tile letterboxes a 16:9 picture: the sub stream still covers it
        assert_eq!(choose_stream(&demo(), 576, 408), StreamKind::Sub);
        assert_eq!(choose_stream(&demo(), 1000, 400), StreamKind::Main);
        assert_eq!(choose_stream(&demo(), 700, 300), StreamKind::Sub);
        // a camera with only a main stream
        assert_eq!(choose_stream(&demo()[..1], 100, 100), StreamKind::Main);
    }
}
