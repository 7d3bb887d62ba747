//! Size-capped HTTP body reads: every answer the engine reads from a device
//! or server goes through here, so a peer that sends an endless or huge
//! body costs at most `limit` bytes of memory and gets a clear error. A
//! declared `Content-Length` over the limit is refused before reading.
use std::io::Read;

/// SOAP answers (ONVIF): a 64-channel NVR's profiles are well under 1 MiB.
pub const SOAP_LIMIT: usize = 4 << 20;
/// Snapshot images.
pub const IMAGE_LIMIT: usize = 16 << 20;
/// JSON listings (MediaMTX `/list`).
pub const JSON_LIMIT: usize = 16 << 20;
/// Error bodies quoted in messages (read up to this much, the rest ignored).
pub const ERROR_TEXT_LIMIT: usize = 4 << 10;

/// Why a capped body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError<E: std::error::Error + 'static> {
    #[error("the answer is larger than {limit} bytes (refused)")]
    TooLarge { limit: usize },
    #[error(transparent)]
    Read(E),
}

/// Reads a reqwest response body, at most `limit` bytes.
pub async fn read_async(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError<reqwest::Error>> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Read)? {
        if out.len().saturating_add(chunk.len()) > limit {
            return Err(BodyError::TooLarge { limit });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// [`read_async`] as text (invalid UTF-8 replaced).
pub async fn text_async(
    resp: reqwest::Response,
    limit: usize,
) -> Result<String, BodyError<reqwest::Error>> {
    let bytes = read_async(resp, limit).await?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Reads a blocking body (e.g. ureq's `into_reader()`), at most `limit` bytes.
pub fn read_sync(reader: impl Read, limit: usize) -> Result<Vec<u8>, BodyError<std::io::Error>> {
    let mut out = Vec::new();
    reader
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(BodyError::Read)?;
    if out.len() > limit {
        return Err(BodyError::TooLarge { limit });
    }
    Ok(out)
}

/// [`read_sync`] as text (invalid UTF-8 replaced).
pub fn text_sync(reader: impl Read, limit: usize) -> Result<String, BodyError<std::io::Error>> {
    read_sync(reader, limit).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The first `limit` bytes of a blocking body as text, for quoting an error
/// answer; read failures give what was read so far.
pub fn prefix_sync(reader: impl Read, limit: usize) -> String {
    let mut out = Vec::new();
    let _ = reader.take(limit as u64).read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An endless body: reading it whole never ends.
    struct Endless;

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            buf.fill(b'x');
            Ok(buf.len())
        }
    }

    #[test]
    fn sync_reads_stop_at_the_limit() {
        let e = read_sync(Endless, 1000).unwrap_err();
        assert!(matches!(e, BodyError::TooLarge { limit: 1000 }), "{e}");
        assert_eq!(
            e.to_string(),
            "the answer is larger than 1000 bytes (refused)"
        );
        assert_eq!(read_sync(&b"abc"[..], 3).unwrap(), b"abc");
        assert!(read_sync(&b"abcd"[..], 3).is_err());
        assert_eq!(text_sync(&b"h\xffi"[..], 10).unwrap(), "h\u{fffd}i");
        assert_eq!(prefix_sync(Endless, 5), "xxxxx");
    }

    /// A one-shot HTTP server on loopback answering `head` then `body_len`
    /// bytes (streamed, or endless when `None`).
    fn serve(head: &'static str, body_len: Option<usize>) -> u16 {
        use std::io::Write;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(head.as_bytes());
            let chunk = [b'x'; 8192];
            let mut left = body_len.unwrap_or(usize::MAX);
            while left > 0 {
                let n = left.min(chunk.len());
                if s.write_all(&chunk[..n]).is_err() {
                    return;
                }
                left -= n;
            }
        });
        port
    }

    #[tokio::test]
    async fn async_reads_stop_at_the_limit_with_or_without_a_length() {
        let client = crate::net::http::client(&Default::default()).unwrap();
        let get = |port: u16| client.get(format!("http://127.0.0.1:{port}/")).send();
        // no Content-Length, endless: stopped by counting
        let port = serve("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", None);
        let e = read_async(get(port).await.unwrap(), 100_000)
            .await
            .unwrap_err();
        assert!(matches!(e, BodyError::TooLarge { limit: 100_000 }), "{e}");
        // a declared length over the limit: refused before reading
        let port = serve(
            "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n",
            Some(10),
        );
        let e = read_async(get(port).await.unwrap(), 1000)
            .await
            .unwrap_err();
        assert!(matches!(e, BodyError::TooLarge { limit: 1000 }), "{e}");
        // within the limit
        let port = serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", Some(5));
        let t = text_async(get(port).await.unwrap(), 5).await.unwrap();
        assert_eq!(t, "xxxxx");
    }
}
