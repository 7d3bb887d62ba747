//! Dahua's DHAV downloads: some firmware sends a few KB of binary before
//! the first `DHAV` frame (PROTOCOLS.md 5.3), and FFmpeg's `dhav` demuxer
//! then refuses the file (or, by extension, drops the first GOP). The
//! [`PreambleStripper`] drops those bytes from a download as it streams:
//! it holds back at most [`SCAN_LIMIT`] bytes looking for the marker, lets
//! anything that already starts like a known container (DHAV, MP4, MPEG-TS,
//! Matroska, AVI) through untouched, and passes everything through when no
//! marker shows up within the limit (FFmpeg then says what it is).

/// How far into a download the first `DHAV` is looked for.
pub const SCAN_LIMIT: usize = 1 << 20;

const MARKER: &[u8] = b"DHAV";

/// Where the DHAV stream starts in `head` (the first bytes of a download):
/// `Some(0)` when it starts there or `head` is another known container,
/// `Some(n)` for a preamble of `n` bytes, `None` when no marker is in
/// `head` (yet).
pub fn dhav_start(head: &[u8]) -> Option<usize> {
    if head.starts_with(MARKER) || known_container(head) {
        return Some(0);
    }
    head.windows(MARKER.len()).position(|w| w == MARKER)
}

/// Whether `head` starts like a container that is not DHAV.
fn known_container(head: &[u8]) -> bool {
    let mp4 = head.len() >= 8 && matches!(&head[4..8], b"ftyp" | b"moov" | b"mdat" | b"free");
    let ts = head.len() > 188 && head[0] == 0x47 && head[188] == 0x47;
    let mkv = head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]);
    let avi = head.starts_with(b"RIFF");
    mp4 || ts || mkv || avi
}

/// Strips a preamble from a download fed to it chunk by chunk.
#[derive(Debug, Default)]
pub struct PreambleStripper {
    held: Vec<u8>,
    decided: bool,
    skipped: usize,
}

impl PreambleStripper {
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes to pass on for `chunk` (possibly none while scanning).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.decided {
            return chunk.to_vec();
        }
        self.held.extend_from_slice(chunk);
        match dhav_start(&self.held) {
            Some(n) => {
                self.decided = true;
                self.skipped = n;
                let rest = self.held.split_off(n);
                self.held = Vec::new();
                rest
            }
            None if self.held.len() >= SCAN_LIMIT => {
                self.decided = true;
                std::mem::take(&mut self.held)
            }
            None => Vec::new(),
        }
    }

    /// What is still held at the end of the download (no marker found).
    pub fn finish(&mut self) -> Vec<u8> {
        self.decided = true;
        std::mem::take(&mut self.held)
    }

    /// How many preamble bytes were dropped.
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

/// The whole of `data` without its preamble (what the stripper gives).
pub fn strip_preamble(data: &[u8]) -> &[u8] {
    match dhav_start(&data[..data.len().min(SCAN_LIMIT)]) {
        Some(n) => &data[n..],
        None => data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (Vec<u8>, usize) {
        let mut s = PreambleStripper::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(s.push(c));
        }
        out.extend(s.finish());
        (out, s.skipped())
    }

    #[test]
    fn a_preamble_is_dropped_even_when_the_marker_spans_chunks() {
        let (out, skipped) = run(&[b"\x00\x01junkDH", b"AV\xfd\x00rest", b"more"]);
        assert_eq!(out, b"DHAV\xfd\x00restmore");
        assert_eq!(skipped, 6);
        assert_eq!(strip_preamble(b"xxDHAVyy"), b"DHAVyy");
    }

    #[test]
    fn other_containers_and_clean_streams_pass_untouched() {
        let mp4 = b"\x00\x00\x00\x18ftypisomDHAV";
        assert_eq!(run(&[mp4]).0, mp4);
        assert_eq!(run(&[b"DHAV1", b"DHAV2"]).0, b"DHAV1DHAV2");
        assert_eq!(run(&[b"no marker at all"]).0, b"no marker at all");
        assert_eq!(run(&[]).0, b"");
    }

    #[test]
    fn a_stream_with_no_marker_within_the_limit_passes_whole() {
        let big = vec![7u8; SCAN_LIMIT + 10];
        let (out, skipped) = run(&[&big[..SCAN_LIMIT / 2], &big[SCAN_LIMIT / 2..], b"DHAV"]);
        assert_eq!(out.len(), big.len() + 4);
        assert_eq!(skipped, 0);
    }
}
