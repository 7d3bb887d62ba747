//! Serves case media to the webview over the app's `vigil-media://` scheme
//! (see docs/footage.md): `/<job id>` maps to the file the store recorded
//! for that job, never to a path the page names, with HTTP range support
//! so the video element can seek.
use std::io::{Read, Seek, SeekFrom};

use super::CaseService;
use crate::footage::JobKind;

/// A response the shell turns into an HTTP response.
#[derive(Debug)]
pub struct MediaResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// Largest body of one range response (players ask for more as they go).
const MAX_CHUNK: u64 = 4 << 20;

fn error(status: u16, msg: &str) -> MediaResponse {
    MediaResponse {
        status,
        headers: vec![("Content-Type", "text/plain".into())],
        body: msg.as_bytes().to_vec(),
    }
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` against a file of `len` bytes.
pub fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    let spec = h.trim().strip_prefix("bytes=")?.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        (len.saturating_sub(n), len.checked_sub(1)?)
    } else {
        let s: u64 = a.parse().ok()?;
        let e = if b.is_empty() {
            len.checked_sub(1)?
        } else {
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?)
        };
        (s, e)
    };
    (start <= end && end < len).then_some((start, end))
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
    let mut f = match std::fs::File::open(&file) {
        Ok(f) => f,
        Err(_) => return error(404, "the media file is missing"),
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let ctype = match kind {
        JobKind::Clip => "video/mp4",
        JobKind::Snapshot => "image/jpeg",
    };
    let (status, start, end) = match range {
        Some(r) => match parse_range(r, len) {
            Some((s, e)) => (206, s, e.min(s + MAX_CHUNK - 1)),
            None => {
                let mut resp = error(416, "bad range");
                resp.headers
                    .push(("Content-Range", format!("bytes */{len}")));
                return resp;
            }
        },
        None => (200, 0, len.saturating_sub(1)),
    };
    let mut body = vec![
        0u8;
        if len == 0 {
            0
        } else {
            (end - start + 1) as usize
        }
    ];
    if f.seek(SeekFrom::Start(start))
        .and_then(|_| f.read_exact(&mut body))
        .is_err()
    {
        return error(500, "cannot read the media file");
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(parse_range("bytes=900-", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(parse_range("bytes=0-5000", 1000), Some((0, 999)));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
    }
}
