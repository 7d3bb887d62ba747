//! Serves case media to the webview over the app's `vigil-media://` scheme
//! (see docs/footage.md): `/<job id>` maps to the file the store recorded
//! for that job, never to a path the page names, with HTTP range support
//! so the video element can seek. Every response body is at most
//! `MAX_BODY` bytes, read in `READ_CHUNK` pieces: a larger file is served as
//! 206 ranges (players ask for the rest as they go), even without a Range.
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::CaseService;
use crate::footage::JobKind;

/// A response the shell turns into an HTTP response.
#[derive(Debug)]
pub struct MediaResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Largest body of one response.
pub const MAX_BODY: u64 = 4 << 20;
/// Size of one read from the media file.
pub const READ_CHUNK: usize = 1 << 20;
/// Longest Range header read (a real one is a few dozen bytes).
const MAX_RANGE_HEADER: usize = 256;

fn error(status: u16, msg: &str) -> MediaResponse {
    MediaResponse {
        status,
        headers: vec![("Content-Type", "text/plain".into())],
        body: msg.as_bytes().to_vec(),
    }
}

/// The "server busy" answer when every media worker is taken.
pub fn busy() -> MediaResponse {
    let mut r = error(503, "busy: try again");
    r.headers.push(("Retry-After", "1".into()));
    r
}

/// A non-empty run of ASCII digits; values past u64 saturate (they only
/// ever mean "past the end").
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

/// Parses one `bytes=a-b`, `bytes=a-` or `bytes=-n` range against a file of
/// `len` bytes into inclusive `(start, end)` with `start <= end < len`.
/// `None` (answered with 416) for anything else: another unit, several
/// ranges, a reversed range, a range that starts at or past the end, a zero
/// suffix, signs, spaces inside numbers, or an over-long header.
pub fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    if h.len() > MAX_RANGE_HEADER || len == 0 {
        return None;
    }
    let h = h.trim();
    let (unit, set) = h.split_once('=')?;
    if !unit.eq_ignore_ascii_case("bytes") || set.contains(',') {
        return None;
    }
    let (a, b) = set.trim().split_once('-')?;
    let last = len - 1;
    let (start, end) = match (a.is_empty(), b.is_empty()) {
        (true, true) => return None,
        (true, false) => {
            let n = digits(b)?;
            if n == 0 {
                return None;
            }
            (len.saturating_sub(n), last)
        }
        (false, true) => (digits(a)?, last),
        (false, false) => {
            let (s, e) = (digits(a)?, digits(b)?);
            if s > e {
                return None;
            }
            (s, e.min(last))
        }
    };
    (start <= end && end <= last).then_some((start, end))
}

/// Answers a request for `path` (`/<job id>`) with an optional Range header.
pub fn serve(cases: &CaseService, path: &str, range: Option<&str>) -> MediaResponse {
    let Some(id) = path
        .trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return error(400, "expected /<job id>");
    };
    let (file, kind) = match cases.media_file(id) {
        Ok(x) => x,
        Err(e) => return error(404, &crate::error::HasKind::to_ui(&e).message),
    };
    let ctype = match kind {
        JobKind::Clip => "video/mp4",
        JobKind::Snapshot => "image/jpeg",
    };
    serve_file(&file, ctype, range)
}

/// Answers a request for a whole file of type `ctype`: the range asked for
/// (at most `MAX_BODY` of it), or without a Range the file itself when it
/// fits in one body, else its first `MAX_BODY` bytes as a 206.
pub fn serve_file(file: &Path, ctype: &str, range: Option<&str>) -> MediaResponse {
    let mut f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(_) => return error(404, "the media file is missing"),
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let (status, start, end) = match range {
        Some(r) => match parse_range(r, len) {
            Some((s, e)) => (206, s, e.min(s.saturating_add(MAX_BODY - 1))),
            None => {
                let mut resp = error(416, "bad range");
                resp.headers
                    .push(("Content-Range", format!("bytes */{len}")));
                return resp;
            }
        },
        None if len <= MAX_BODY => (200, 0, len.saturating_sub(1)),
        None => (206, 0, MAX_BODY - 1),
    };
    let want = if len == 0 { 0 } else { end - start + 1 };
    let body = match read_span(&mut f, start, want) {
        Ok(b) => b,
        Err(_) => return error(500, "cannot read the media file"),
    };
    let mut headers = vec![
        ("Content-Type", ctype.to_string()),
        ("Accept-Ranges", "bytes".to_string()),
        ("Cache-Control", "no-store".to_string()),
    ];
    if status == 206 {
        headers.push(("Content-Range", format!("bytes {start}-{end}/{len}")));
    }
    MediaResponse {
        status,
        headers,
        body,
    }
}

/// Reads `want` (at most `MAX_BODY`) bytes at `start`, `READ_CHUNK` at a time.
fn read_span(f: &mut std::fs::File, start: u64, want: u64) -> std::io::Result<Vec<u8>> {
    let want = want.min(MAX_BODY) as usize;
    f.seek(SeekFrom::Start(start))?;
    let mut body = Vec::with_capacity(want);
    let mut chunk = vec![0u8; READ_CHUNK.min(want)];
    while body.len() < want {
        let n = (want - body.len()).min(READ_CHUNK);
        f.read_exact(&mut chunk[..n])?;
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(parse_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=-5000", 1000), Some((0, 999)));
        assert_eq!(parse_range("bytes=0-5000", 1000), Some((0, 999)));
        assert_eq!(parse_range("bytes=999-999", 1000), Some((999, 999)));
        assert_eq!(parse_range(" Bytes=0-0 ", 1000), Some((0, 0)));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
    }

    #[test]
    fn hostile_ranges() {
        let max = u64::MAX;
        // numbers past u64: an end clamps, a start or suffix is past/whole
        assert_eq!(
            parse_range("bytes=0-99999999999999999999999999", 1000),
            Some((0, 999))
        );
        assert_eq!(parse_range("bytes=99999999999999999999999999-", 1000), None);
        assert_eq!(
            parse_range("bytes=-99999999999999999999999999", 1000),
            Some((0, 999))
        );
        assert_eq!(
            parse_range("bytes=18446744073709551615-", max),
            None,
            "start past the last byte"
        );
        assert_eq!(
            parse_range("bytes=18446744073709551614-", max),
            Some((max - 1, max - 1))
        );
        for bad in [
            "bytes=0-1,5-6",
            "bytes=0-1,",
            "bytes=,0-1",
            "bytes=5-3",
            "bytes=-0",
            "bytes=-",
            "bytes=",
            "bytes",
            "bytes=+5-6",
            "bytes=5-+6",
            "bytes=-+5",
            "bytes=0x10-",
            "bytes=1 0-20",
            "bytes=1--2",
            "bytes=a-b",
            "bytes==0-1",
            "bytes=0-1=2",
            "bytes=٣-٤",
            "",
            "=",
            "-",
            "0-1",
        ] {
            assert_eq!(parse_range(bad, 1000), None, "{bad:?}");
        }
        assert_eq!(parse_range("bytes=0-0", 0), None, "empty file");
        let long = format!("bytes=0-{}", "0".repeat(300));
        assert_eq!(parse_range(&long, 1000), None);
    }

    fn file_of(len: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("clip.mp4");
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, data).unwrap();
        (dir, p)
    }

    fn header<'a>(r: &'a MediaResponse, k: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(h, _)| *h == k)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn no_range_on_a_big_file_is_one_bounded_206() {
        let len = 10 << 20;
        let (_d, p) = file_of(len);
        let r = serve_file(&p, "video/mp4", None);
        assert_eq!(r.status, 206);
        assert_eq!(r.body.len() as u64, MAX_BODY);
        assert_eq!(
            header(&r, "Content-Range"),
            Some(format!("bytes 0-{}/{len}", MAX_BODY - 1).as_str())
        );
        assert!(r
            .body
            .iter()
            .enumerate()
            .all(|(i, b)| *b == (i % 251) as u8));
        // the rest follows by range, each body capped
        let r = serve_file(&p, "video/mp4", Some("bytes=4194304-"));
        assert_eq!((r.status, r.body.len() as u64), (206, MAX_BODY));
        assert_eq!(r.body[0], (4194304 % 251) as u8);
        let r = serve_file(&p, "video/mp4", Some("bytes=-10"));
        assert_eq!(r.body.len(), 10);
        assert_eq!(
            header(&r, "Content-Range"),
            Some(format!("bytes {}-{}/{len}", len - 10, len - 1).as_str())
        );
    }

    #[test]
    fn small_files_whole_and_bad_ranges_416() {
        let (_d, p) = file_of(3000);
        let r = serve_file(&p, "image/jpeg", None);
        assert_eq!((r.status, r.body.len()), (200, 3000));
        assert_eq!(header(&r, "Content-Range"), None);
        let r = serve_file(&p, "image/jpeg", Some("bytes=0-1,4-5"));
        assert_eq!(r.status, 416);
        assert_eq!(header(&r, "Content-Range"), Some("bytes */3000"));
        let (_d, empty) = file_of(0);
        let r = serve_file(&empty, "image/jpeg", None);
        assert_eq!((r.status, r.body.len()), (200, 0));
        let r = serve_file(std::path::Path::new("/nonexistent/x"), "image/jpeg", None);
        assert_eq!(r.status, 404);
    }
}
