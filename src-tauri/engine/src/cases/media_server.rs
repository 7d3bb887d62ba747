//! Case media over loopback HTTP, for the one webview that cannot play
//! video from the app's `vigil-media://` scheme: WebKitGTK (Linux) hands a
//! `<video>` source straight to GStreamer, which has no element for a custom
//! scheme, so the clip fails with MEDIA_ERR_SRC_NOT_SUPPORTED. This server
//! answers `GET`/`HEAD /media/<job id>?token=<hex>` on 127.0.0.1 only, with
//! the same responses as the scheme (`media_http::serve`: the job's file,
//! never a path the request names, ranges, bounded bodies). The token is
//! 32 random bytes compared in constant time; peers off loopback, other
//! methods and paths are refused; a request head is read up to 8 KiB within
//! 5 s. One request per connection.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use serde::Serialize;
use subtle::ConstantTimeEq;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::media_http::MediaResponse;

/// Largest request head read.
pub const MAX_HEAD: usize = 8 * 1024;
const HEAD_DEADLINE: Duration = Duration::from_secs(5);

/// Where the media server is and its token. Give it only to our own UI.
#[derive(Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct MediaServerInfo {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub token: String,
}

impl std::fmt::Debug for MediaServerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaServerInfo")
            .field("base", &self.base)
            .field("token", &"***")
            .finish()
    }
}

/// What answers a media path (`/<job id>`) and an optional Range header.
pub type ServeMedia = Arc<dyn Fn(&str, Option<&str>) -> MediaResponse + Send + Sync>;

/// A running media server; dropping it stops accepting.
pub struct MediaServer {
    pub info: MediaServerInfo,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A request the server takes.
#[derive(Debug, PartialEq, Eq)]
pub struct MediaRequest {
    pub head_only: bool,
    /// The media path after `/media`, as `media_http::serve` takes it.
    pub path: String,
    pub token: String,
    pub range: Option<String>,
}

/// Why a request head is refused, with its HTTP status.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal(pub u16, pub &'static str);

/// Reads a complete request head (outside input: any bytes).
pub fn parse_request(head: &[u8]) -> Result<MediaRequest, Refusal> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(Refusal(400, "incomplete request")),
        Err(_) => return Err(Refusal(400, "malformed request")),
    }
    let head_only = match req.method {
        Some("GET") => false,
        Some("HEAD") => true,
        _ => return Err(Refusal(405, "only GET and HEAD")),
    };
    let target = req.path.unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let Some(rest) = path.strip_prefix("/media/") else {
        return Err(Refusal(404, "no such path"));
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal(404, "no such media"));
    }
    let token = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let range = req
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("range"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .map(str::to_string);
    Ok(MediaRequest {
        head_only,
        path: format!("/{rest}"),
        token,
        range,
    })
}

/// Binds 127.0.0.1:0 and serves until dropped. Call inside a tokio runtime.
pub async fn start(serve: ServeMedia) -> std::io::Result<MediaServer> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token: Arc<str> = hex::encode(raw).into();
    let info = MediaServerInfo {
        base: format!("http://{addr}"),
        token: token.to_string(),
    };
    let task = tokio::spawn(async move {
        loop {
            let Ok((sock, peer)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let (serve, token) = (serve.clone(), token.clone());
            tokio::spawn(async move {
                if let Err(e) = answer(sock, peer, &token, serve).await {
                    tracing::debug!("media request from {peer}: {e}");
                }
            });
        }
    });
    Ok(MediaServer { info, task })
}

async fn answer(
    mut sock: TcpStream,
    peer: SocketAddr,
    token: &str,
    serve: ServeMedia,
) -> std::io::Result<()> {
    if !peer.ip().is_loopback() {
        return Ok(());
    }
    let head = match tokio::time::timeout(HEAD_DEADLINE, read_head(&mut sock)).await {
        Ok(Ok(Some(h))) => h,
        Ok(Ok(None)) => {
            return write(
                &mut sock,
                refusal(Refusal(431, "request head too large")),
                false,
            )
            .await
        }
        Ok(Err(e)) => return Err(e),
        Err(_) => return Ok(()),
    };
    let req = match parse_request(&head) {
        Ok(r) => r,
        Err(r) => return write(&mut sock, refusal(r), false).await,
    };
    if req.token.is_empty() || !bool::from(req.token.as_bytes().ct_eq(token.as_bytes())) {
        return write(
            &mut sock,
            refusal(Refusal(401, "missing or wrong token")),
            false,
        )
        .await;
    }
    let resp = tokio::task::spawn_blocking(move || serve(&req.path, req.range.as_deref()))
        .await
        .map_err(std::io::Error::other)?;
    write(&mut sock, resp, req.head_only).await
}

/// The head up to its blank line; `None` when it passes [`MAX_HEAD`].
async fn read_head(sock: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = vec![0u8; MAX_HEAD];
    let mut n = 0;
    loop {
        if n == buf.len() {
            return Ok(None);
        }
        let k = sock.read(&mut buf[n..]).await?;
        if k == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        n += k;
        if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
            buf.truncate(n);
            return Ok(Some(buf));
        }
    }
}

fn refusal(r: Refusal) -> MediaResponse {
    MediaResponse {
        status: r.0,
        headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
        body: r.1.as_bytes().to_vec(),
    }
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

async fn write(sock: &mut TcpStream, r: MediaResponse, head_only: bool) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", r.status, reason(r.status));
    for (k, v) in &r.headers {
        if k.eq_ignore_ascii_case("content-length") {
            continue;
        }
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        r.body.len()
    ));
    sock.write_all(head.as_bytes()).await?;
    if !head_only {
        sock.write_all(&r.body).await?;
    }
    sock.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_read_strictly() {
        let r = parse_request(
            b"GET /media/12?token=ab&v=1 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            r,
            MediaRequest {
                head_only: false,
                path: "/12".into(),
                token: "ab".into(),
                range: Some("bytes=0-9".into())
            }
        );
        assert!(
            parse_request(b"HEAD /media/3 HTTP/1.1\r\n\r\n")
                .unwrap()
                .head_only
        );
        let refused = |h: &[u8]| parse_request(h).unwrap_err().0;
        assert_eq!(refused(b"POST /media/3 HTTP/1.1\r\n\r\n"), 405);
        assert_eq!(refused(b"GET /media/../etc/passwd HTTP/1.1\r\n\r\n"), 404);
        assert_eq!(refused(b"GET /media/ HTTP/1.1\r\n\r\n"), 404);
        assert_eq!(refused(b"GET /v1/live HTTP/1.1\r\n\r\n"), 404);
        assert_eq!(refused(b"GET /media/3 HTTP/1.1\r\n"), 400);
        assert_eq!(refused(b"\x00\x01garbage\r\n\r\n"), 400);
    }

    async fn get(base: &str, target: &str, range: Option<&str>) -> (u16, Vec<u8>) {
        let addr = base.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).await.unwrap();
        let range = range.map(|r| format!("Range: {r}\r\n")).unwrap_or_default();
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\n{range}\r\n").as_bytes())
            .await
            .unwrap();
        let mut all = Vec::new();
        s.read_to_end(&mut all).await.unwrap();
        let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let status = std::str::from_utf8(&all[9..12]).unwrap().parse().unwrap();
        (status, all[split + 4..].to_vec())
    }

    #[tokio::test]
    async fn serves_the_file_with_ranges_only_with_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clip.mp4");
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&file, &bytes).unwrap();
        let f2 = file.clone();
        let server = start(Arc::new(move |path: &str, range: Option<&str>| {
            if path == "/7" {
                super::super::media_http::serve_file(&f2, "video/mp4", range)
            } else {
                refusal(Refusal(404, "no such media"))
            }
        }))
        .await
        .unwrap();
        let (base, token) = (server.info.base.clone(), server.info.token.clone());
        assert!(base.starts_with("http://127.0.0.1:"));
        assert_eq!(
            get(&base, &format!("/media/7?token={token}"), None).await,
            (200, bytes.clone())
        );
        let (status, body) = get(
            &base,
            &format!("/media/7?token={token}"),
            Some("bytes=100-199"),
        )
        .await;
        assert_eq!((status, body.as_slice()), (206, &bytes[100..200]));
        assert_eq!(get(&base, "/media/7", None).await.0, 401);
        assert_eq!(get(&base, "/media/7?token=00", None).await.0, 401);
        assert_eq!(
            get(&base, &format!("/media/8?token={token}"), None).await.0,
            404
        );
        assert!(
            !format!("{:?}", server.info).contains(&token),
            "token hidden in Debug"
        );
    }
}
