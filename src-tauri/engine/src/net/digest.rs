//! HTTP requests with the site's user and password, as cameras and recorders
//! ask for them (Dahua CGI, Hikvision ISAPI): RFC 7616 digest (MD5 and
//! SHA-256, `qop=auth` and `auth-int`) through the `digest_auth` crate, the
//! last challenge reused so most requests cost one round trip, one retry on a
//! fresh or stale challenge, and Basic only over HTTPS (never a clear-text
//! password on the wire). Answers are read with a size cap
//! ([`crate::vms::http_body`]); a refusal is [`DigestError::Refused`], which
//! callers must not retry (a lockout counts failed logins).
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use reqwest::header::HeaderMap;
use reqwest::Method;

use crate::error::{ErrorKind, HasKind};
use crate::net::http::RequestError;
use crate::secrets::redact::redact_url;
use crate::vms::http_body::{self, BodyError};

/// A request body and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Body {
    pub fn new(content_type: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
    /// An XML body (`application/xml`).
    pub fn xml(text: impl Into<String>) -> Self {
        Self::new("application/xml; charset=UTF-8", text.into().into_bytes())
    }
    /// A JSON body (`application/json`).
    pub fn json(text: impl Into<String>) -> Self {
        Self::new("application/json", text.into().into_bytes())
    }
}

/// A whole answer, read within its cap.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Why an authenticated request failed.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server refused the credentials (after answering a fresh challenge).
    #[error("{url}: the user name or password was refused (HTTP {status})")]
    Refused { url: String, status: u16 },
    #[error("{url}: unreadable authentication challenge: {detail}")]
    BadChallenge { url: String, detail: String },
    #[error("{url}: the server offers only Basic authentication over plain HTTP; refused (the password would cross the network in clear; use https)")]
    BasicOverPlainHttp { url: String },
    #[error("{url}: the server asks for {scheme} authentication, which Vigil does not speak")]
    UnknownScheme { url: String, scheme: String },
    #[error("{url}: the answer is larger than {limit} bytes (refused)")]
    TooLarge { url: String, limit: usize },
}

impl HasKind for DigestError {
    fn kind(&self) -> ErrorKind {
        match self {
            DigestError::Request(e) => e.kind(),
            DigestError::Refused { .. } => ErrorKind::AuthFailed,
            DigestError::BasicOverPlainHttp { .. } | DigestError::UnknownScheme { .. } => {
                ErrorKind::Unsupported
            }
            DigestError::BadChallenge { .. } | DigestError::TooLarge { .. } => ErrorKind::Protocol,
        }
    }
}

/// The scheme a server asked for in its last 401.
#[derive(Debug, Clone)]
enum Challenge {
    Digest(Box<digest_auth::WwwAuthenticateHeader>),
    Basic,
}

/// A client that signs requests with one account.
pub struct DigestClient {
    http: reqwest::Client,
    user: String,
    password: String,
    challenge: Mutex<Option<Challenge>>,
}

impl std::fmt::Debug for DigestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestClient")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl DigestClient {
    /// `http` carries the site's TLS settings and timeouts
    /// ([`crate::net::http::client`]).
    pub fn new(http: reqwest::Client, user: &str, password: &str) -> Self {
        Self {
            http,
            user: user.to_string(),
            password: password.to_string(),
            challenge: Mutex::new(None),
        }
    }

    /// The underlying client (for requests that need no credentials).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends and reads the whole answer, at most `limit` bytes. HTTP error
    /// statuses other than a final 401 are answers, for the caller to read.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<Body>,
        limit: usize,
    ) -> Result<Answer, DigestError> {
        let resp = self.send_streaming(method, url, body).await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = http_body::read_async(resp, limit)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge { limit } => DigestError::TooLarge {
                    url: redact_url(url),
                    limit,
                },
                BodyError::Read(e) => DigestError::Request(RequestError::from_reqwest(e)),
            })?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// `GET url`, read whole.
    pub async fn get(&self, url: &str, limit: usize) -> Result<Answer, DigestError> {
        self.send(Method::GET, url, None, limit).await
    }

    /// Sends and returns the response once authenticated, its body unread
    /// (downloads stream it to disk).
    pub async fn send_streaming(
        &self,
        method: Method,
        url: &str,
        body: Option<Body>,
    ) -> Result<reqwest::Response, DigestError> {
        let parsed = url::Url::parse(url).map_err(|e| DigestError::BadChallenge {
            url: redact_url(url),
            detail: format!("not a URL: {e}"),
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self.http.request(method.clone(), url);
            if let Some(b) = &body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, b.content_type.as_str())
                    .body(b.bytes.clone());
            }
            if let Some(auth) = self.authorization(&parsed, &method, body.as_ref())? {
                req = req.header(reqwest::header::AUTHORIZATION, auth);
            }
            let resp = req.send().await.map_err(RequestError::from_reqwest)?;
            let status = resp.status().as_u16();
            if status != 401 {
                return Ok(resp);
            }
            let (challenge, stale) = read_challenge(resp.headers(), url)?;
            *self.challenge.lock().unwrap_or_else(|p| p.into_inner()) = Some(challenge);
            // the first challenge (or a stale nonce) is answered; another refusal is final
            if attempt == 1 || (stale && attempt < 3) {
                continue;
            }
            return Err(DigestError::Refused {
                url: redact_url(url),
                status,
            });
        }
    }

    /// The `Authorization` value for the cached challenge, if any.
    fn authorization(
        &self,
        url: &url::Url,
        method: &Method,
        body: Option<&Body>,
    ) -> Result<Option<String>, DigestError> {
        let mut guard = self.challenge.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            None => Ok(None),
            Some(Challenge::Basic) => {
                if url.scheme() != "https" {
                    return Err(DigestError::BasicOverPlainHttp {
                        url: redact_url(url.as_str()),
                    });
                }
                let token = B64.encode(format!("{}:{}", self.user, self.password));
                Ok(Some(format!("Basic {token}")))
            }
            Some(Challenge::Digest(prompt)) => {
                let uri = match url.query() {
                    Some(q) => format!("{}?{q}", url.path()),
                    None => url.path().to_string(),
                };
                let ctx = digest_auth::AuthContext::new_with_method(
                    self.user.as_str(),
                    self.password.as_str(),
                    uri.as_str(),
                    body.map(|b| b.bytes.as_slice()),
                    digest_auth::HttpMethod::from(method.as_str().to_string()),
                );
                prompt
                    .respond(&ctx)
                    .map(|h| Some(h.to_header_string()))
                    .map_err(|e| DigestError::BadChallenge {
                        url: redact_url(url.as_str()),
                        detail: e.to_string(),
                    })
            }
        }
    }
}

/// The best challenge of a 401 (Digest preferred over Basic) and whether
/// it says the last nonce was merely stale.
fn read_challenge(headers: &HeaderMap, url: &str) -> Result<(Challenge, bool), DigestError> {
    let values: Vec<&str> = headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if let Some(d) = values
        .iter()
        .find(|v| v.trim_start().to_ascii_lowercase().starts_with("digest"))
    {
        let parsed = digest_auth::parse(d).map_err(|e| DigestError::BadChallenge {
            url: redact_url(url),
            detail: e.to_string(),
        })?;
        let stale = parsed.stale;
        return Ok((Challenge::Digest(Box::new(parsed)), stale));
    }
    if values
        .iter()
        .any(|v| v.trim_start().to_ascii_lowercase().starts_with("basic"))
    {
        return Ok((Challenge::Basic, false));
    }
    match values.first() {
        Some(v) => Err(DigestError::UnknownScheme {
            url: redact_url(url),
            scheme: v.split_whitespace().next().unwrap_or("").to_string(),
        }),
        // a 401 with no challenge: the account is refused outright
        None => Err(DigestError::Refused {
            url: redact_url(url),
            status: 401,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex as StdMutex};

    /// A tiny digest server (its own MD5 digest check, RFC 2617 `qop=auth`),
    /// recording each request's Authorization header.
    struct Server {
        port: u16,
        seen: Arc<StdMutex<Vec<Option<String>>>>,
    }

    fn md5_hex(s: &str) -> String {
        use md5::{Digest, Md5};
        hex::encode(Md5::digest(s.as_bytes()))
    }

    fn param<'a>(h: &'a str, k: &str) -> Option<&'a str> {
        let pat = format!("{k}=");
        let i = h.find(&pat)? + pat.len();
        let rest = &h[i..];
        if let Some(r) = rest.strip_prefix('"') {
            r.split('"').next()
        } else {
            rest.split(',').next().map(str::trim)
        }
    }

    fn serve(user: &'static str, pass: &'static str, scheme: &'static str) -> Server {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { return };
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let uri = parts.next().unwrap_or("").to_string();
                let (mut auth, mut len) = (None, 0usize);
                loop {
                    let mut h = String::new();
                    r.read_line(&mut h).unwrap();
                    if h.trim().is_empty() {
                        break;
                    }
                    let (k, v) = h.split_once(':').unwrap();
                    match k.to_ascii_lowercase().as_str() {
                        "authorization" => auth = Some(v.trim().to_string()),
                        "content-length" => len = v.trim().parse().unwrap(),
                        _ => {}
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                log.lock().unwrap().push(auth.clone());
                let ok = match (&auth, scheme) {
                    (Some(a), "digest") if a.starts_with("Digest ") => {
                        let ha1 = md5_hex(&format!("{user}:DH_test:{pass}"));
                        let ha2 = md5_hex(&format!("{method}:{uri}"));
                        let expect = md5_hex(&format!(
                            "{ha1}:{}:{}:{}:auth:{ha2}",
                            param(a, "nonce").unwrap_or(""),
                            param(a, "nc").unwrap_or(""),
                            param(a, "cnonce").unwrap_or("")
                        ));
                        param(a, "response") == Some(expect.as_str())
                            && param(a, "uri") == Some(uri.as_str())
                    }
                    _ => false,
                };
                let resp = if ok {
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
                        .to_string()
                } else {
                    let ch = if scheme == "digest" {
                        "Digest realm=\"DH_test\", qop=\"auth\", nonce=\"n0nce\", opaque=\"o\""
                    } else {
                        "Basic realm=\"cam\""
                    };
                    format!("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {ch}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                };
                let _ = s.write_all(resp.as_bytes());
            }
        });
        Server { port, seen }
    }

    fn client(user: &str, pass: &str) -> DigestClient {
        let http = crate::net::http::client(&crate::net::http::HttpOptions::default()).unwrap();
        DigestClient::new(http, user, pass)
    }

    #[tokio::test]
    async fn digest_is_answered_and_the_challenge_reused() {
        let srv = serve("admin", "s3cret", "digest");
        let c = client("admin", "s3cret");
        let url = format!(
            "http://127.0.0.1:{}/cgi-bin/magicBox.cgi?action=getSystemInfo",
            srv.port
        );
        let a = c.get(&url, 1024).await.unwrap();
        assert_eq!((a.status, a.text().as_str()), (200, "OK"));
        let b = c.get(&url, 1024).await.unwrap();
        assert_eq!(b.status, 200);
        let seen = srv.seen.lock().unwrap().clone();
        // challenge, answer, then the cached challenge answers at once (nc=2)
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(seen[0].is_none());
        assert!(
            seen[2].as_deref().unwrap().contains("nc=00000002"),
            "{seen:?}"
        );
    }

    #[tokio::test]
    async fn a_wrong_password_is_refused_after_one_answer_and_not_printed() {
        let srv = serve("admin", "s3cret", "digest");
        let c = client("admin", "wrong-pass");
        let url = format!("http://127.0.0.1:{}/ISAPI/System/deviceInfo", srv.port);
        let e = c.get(&url, 1024).await.unwrap_err();
        assert!(matches!(e, DigestError::Refused { status: 401, .. }), "{e}");
        assert_eq!(e.kind(), ErrorKind::AuthFailed);
        assert!(!e.to_string().contains("wrong-pass"));
        // one unauthenticated request, one answered: no hammering
        assert_eq!(srv.seen.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn basic_over_plain_http_is_refused_without_sending_the_password() {
        let srv = serve("admin", "s3cret", "basic");
        let c = client("admin", "s3cret");
        let url = format!("http://127.0.0.1:{}/x", srv.port);
        let e = c.get(&url, 1024).await.unwrap_err();
        assert!(matches!(e, DigestError::BasicOverPlainHttp { .. }), "{e}");
        let seen = srv.seen.lock().unwrap().clone();
        assert_eq!(seen, vec![None], "only the unauthenticated probe was sent");
    }

    #[tokio::test]
    async fn an_answer_over_the_cap_is_refused() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
            let _ = s.write_all(&[b'x'; 5000]);
        });
        let c = client("a", "b");
        let e = c
            .get(&format!("http://127.0.0.1:{port}/big?token=abc"), 100)
            .await
            .unwrap_err();
        assert!(matches!(e, DigestError::TooLarge { limit: 100, .. }), "{e}");
        assert!(!e.to_string().contains("abc"), "{e}");
    }
}
