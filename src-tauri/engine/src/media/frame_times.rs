//! The presentation times of a video file's frames, read from its packets
//! (no decoding): what the clip player steps through frame by frame and
//! labels with, so a step lands on a real frame whatever the recording's
//! rate (15, 25 or 30 fps cameras, variable rate, dropped frames).
use std::path::Path;

use ffmpeg_next::{media, Rational, Rescale};

use super::{protocols, MediaError};

/// At most this many frames are listed (an hour at 30 fps is 108 000).
pub const MAX_FRAMES: usize = 250_000;

/// Frame presentation times in microseconds on the file's media timeline
/// (edit lists applied, as players show `currentTime`), ascending, each
/// once; at most [`MAX_FRAMES`]. Packets without a time are skipped; a
/// read error ends the list where it stands (a truncated file lists the
/// frames it has).
pub fn frame_times_us(path: &Path) -> Result<Vec<i64>, MediaError> {
    super::init();
    let url = path.display().to_string();
    let mut input = protocols::open_local_file(path).map_err(|source| MediaError::Open {
        url: url.clone(),
        source,
    })?;
    let stream = input
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| MediaError::NoVideo { url: url.clone() })?;
    let (index, tb) = (stream.index(), stream.time_base());
    if tb.numerator() <= 0 || tb.denominator() <= 0 {
        return Err(MediaError::NoVideo { url });
    }
    let mut out = Vec::new();
    for (s, packet) in input.packets() {
        if s.index() != index {
            continue;
        }
        if let Some(pts) = packet.pts() {
            out.push(pts.rescale(tb, Rational(1, 1_000_000)));
            if out.len() >= MAX_FRAMES {
                break;
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::file_writer::Container;
    use crate::playback::demo_segments::{write_segment, SegmentSpec};

    /// `frames` frames of a 160x90 demo picture at `fps`, MP4 with fast start.
    fn write_test_clip(path: &Path, fps: u32, frames: i64) {
        let spec = SegmentSpec {
            camera_index: 1,
            width: 160,
            height: 90,
            fps,
            gop: fps,
            container: Container::Mp4FastStart,
        };
        write_segment(path, &spec, 1_767_225_600_000, frames * 1000 / fps as i64).unwrap();
    }

    #[test]
    fn lists_each_frame_once_in_order_from_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.mp4");
        // 25 fps: not the demo's 15, so a fixed 1/15 s step would miss frames
        write_test_clip(&path, 25, 40);
        let t = frame_times_us(&path).unwrap();
        assert_eq!(t.len(), 40, "{t:?}");
        assert_eq!(t[0], 0);
        for w in t.windows(2) {
            assert!((39_000..=41_000).contains(&(w[1] - w[0])), "{t:?}");
        }
    }

    #[test]
    fn a_truncated_file_lists_what_it_has_or_fails_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.mp4");
        write_test_clip(&path, 15, 30);
        let bytes = std::fs::read(&path).unwrap();
        for cut in [0, 8, 100, bytes.len() / 2] {
            let p = dir.path().join(format!("cut{cut}.mp4"));
            std::fs::write(&p, &bytes[..cut]).unwrap();
            if let Ok(t) = frame_times_us(&p) {
                assert!(t.len() <= 30);
                assert!(t.windows(2).all(|w| w[0] < w[1]));
            }
        }
        let missing = frame_times_us(&dir.path().join("none.mp4")).unwrap_err();
        assert!(missing.to_string().contains("none.mp4"), "{missing}");
    }
}
