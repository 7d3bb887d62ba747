//! Opens a recorded file from disk for playback. A Dahua `.dav` saved with
//! a firmware preamble before its first `DHAV` frame (PROTOCOLS.md 5.3) is
//! opened as if it began at that frame: FFmpeg probes from the first byte it
//! sees, takes such a file for raw H.264 (no timestamps) and, even forced to
//! `dhav`, resynchronises past the first GOP. Its own `skip_initial_bytes`
//! applies only after probing, so the preamble is hidden from it instead.
use std::io::Read;
use std::path::Path;

use ffmpeg_next::Dictionary;

use crate::media::recorded_input::RecordedInput;
use crate::media::source::StopFlag;
use crate::media::MediaError;
use crate::vms::dahua::dhav::{dhav_start, SCAN_LIMIT};

/// Opens the recorded file `path` (past a `.dav` preamble if it has one).
pub fn open_recorded_file(path: &Path, stop: StopFlag) -> Result<RecordedInput, MediaError> {
    match dhav_preamble_len(path).filter(|n| *n > 0) {
        Some(skip) => RecordedInput::open_file_from(path, skip as u64, stop),
        None => RecordedInput::open(&path.to_string_lossy(), Dictionary::new(), stop),
    }
}

/// The length of the preamble before the first `DHAV` of a `.dav` file, or
/// `None` for other files, unreadable ones and ones with no marker in their
/// first MiB (FFmpeg then says what they are).
pub fn dhav_preamble_len(path: &Path) -> Option<usize> {
    let dav = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("dav"));
    if !dav {
        return None;
    }
    let mut head = Vec::with_capacity(64 * 1024);
    std::fs::File::open(path)
        .ok()?
        .take(SCAN_LIMIT as u64)
        .read_to_end(&mut head)
        .ok()?;
    dhav_start(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dav_with_a_preamble_is_opened_past_it() {
        let dir = tempfile::tempdir().unwrap();
        let dav = dir.path().join("09.00.00-09.00.20[R][0@0][0].dav");
        let mut bytes = vec![0x5Au8; 3000];
        bytes.extend_from_slice(b"DHAV\xfd\x00\x00\x00");
        std::fs::write(&dav, &bytes).unwrap();
        assert_eq!(dhav_preamble_len(&dav), Some(3000));
        // a clean DHAV file, another container, a file named otherwise: no skip
        std::fs::write(&dav, b"DHAV\xfd\x00\x00\x00").unwrap();
        assert_eq!(dhav_preamble_len(&dav), Some(0));
        let mp4 = dir.path().join("clip.mp4");
        std::fs::write(&mp4, &bytes).unwrap();
        assert_eq!(dhav_preamble_len(&mp4), None);
        assert_eq!(dhav_preamble_len(&dir.path().join("missing.dav")), None);
    }
}
