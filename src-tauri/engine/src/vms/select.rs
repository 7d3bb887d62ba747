//! Picks a camera's stream for a tile by its real pixel size: the smallest
//! stream whose resolution covers the tile, else the main stream.
use super::{StreamInfo, StreamKind};

pub fn choose_stream(streams: &[StreamInfo], tile_w: u32, tile_h: u32) -> StreamKind {
    streams
        .iter()
        .filter(|s| s.width >= tile_w && s.height >= tile_h)
        .min_by_key(|s| u64::from(s.width) * u64::from(s.height))
        .map(|s| s.kind)
        .unwrap_or(StreamKind::Main)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Vec<StreamInfo> {
        vec![
            StreamInfo { kind: StreamKind::Main, width: 1920, height: 1080, codec: "h264".into() },
            StreamInfo { kind: StreamKind::Sub, width: 640, height: 360, codec: "h264".into() },
        ]
    }

    #[test]
    fn small_tiles_get_the_sub_stream_large_ones_the_main() {
        assert_eq!(choose_stream(&demo(), 480, 270), StreamKind::Sub);
        assert_eq!(choose_stream(&demo(), 640, 360), StreamKind::Sub);
        assert_eq!(choose_stream(&demo(), 641, 360), StreamKind::Main);
        assert_eq!(choose_stream(&demo(), 960, 540), StreamKind::Main);
        // larger than every stream: the main stream
        assert_eq!(choose_stream(&demo(), 3840, 2160), StreamKind::Main);
        // a camera with only a main stream
        assert_eq!(choose_stream(&demo()[..1], 100, 100), StreamKind::Main);
    }
}
