//! One logged-in DSS session per site: the two-step login, the token kept
//! alive before it expires (at two thirds of its `duration`, PUT
//! `accounts/keepalive`), a fresh login when it has expired anyway (7000)
//! or is unknown (1103): transparent to callers, each call is tried once
//! more after a re-login. Logout (`accounts/unauthorize`) on close. The
//! token is a secret: it lives in memory only and is never printed.
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::login;
use super::wire::{self, LoginOk};
use crate::error::ErrorKind;
use crate::net::http::RequestError;
use crate::vms::http_body::{read_async, JSON_LIMIT};
use crate::vms::remote_error::RemoteError;
use crate::vms::VmsError;

/// The API's path prefix.
pub const API: &str = "/brms/api/v1.0";

/// Where the password comes from (the keyring, read when logging in).
pub type PasswordSource = Arc<dyn Fn() -> Result<String, VmsError> + Send + Sync>;

struct Token {
    value: String,
    duration: Duration,
    /// When the server last extended it (login or keepalive).
    renewed: Instant,
}

impl Token {
    fn expired(&self) -> bool {
        self.renewed.elapsed() >= self.duration
    }
}

/// What a session needs to reach its server.
pub struct SessionConfig {
    pub http: reqwest::Client,
    /// `http(s)://host:port`, no path.
    pub base: url::Url,
    /// The site's name for errors.
    pub site: String,
    pub user: String,
    pub password: PasswordSource,
    pub rt: tokio::runtime::Handle,
}

pub struct Session {
    cfg: SessionConfig,
    token: tokio::sync::Mutex<Option<Token>>,
    keepalive: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    logins: std::sync::atomic::AtomicU64,
    me: Weak<Session>,
}

/// An HTTP answer: status and (capped) body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Session {
    pub fn new(cfg: SessionConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            cfg,
            token: Default::default(),
            keepalive: Default::default(),
            logins: Default::default(),
            me: me.clone(),
        })
    }

    /// The server's host (to pick among `inner|outer` media URLs).
    pub fn host(&self) -> String {
        self.cfg.base.host_str().unwrap_or_default().to_string()
    }

    pub fn site(&self) -> &str {
        &self.cfg.site
    }

    /// How many logins this session made.
    pub fn logins(&self) -> u64 {
        self.logins.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cfg.base.as_str().trim_end_matches('/'))
    }

    fn remote(&self, kind: ErrorKind, what: &str, message: impl Into<String>) -> RemoteError {
        RemoteError::new(kind, &self.cfg.site, what, message)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<Answer, VmsError> {
        let url = self.url(path);
        let what = format!("{method} {url}");
        let mut rb = self
            .cfg
            .http
            .request(method, &url)
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(body.to_string());
        if let Some(t) = token {
            rb = rb.header("X-Subject-Token", t);
        }
        let resp = match crate::net::http::send(rb).await {
            Ok(r) => r,
            Err(RequestError::Tls(t)) => return Err(VmsError::Tls(t)),
            Err(e) => {
                let kind = crate::error::HasKind::kind(&e);
                return Err(self.remote(kind, &what, e.to_string()).into());
            }
        };
        let status = resp.status().as_u16();
        let body = read_async(resp, JSON_LIMIT)
            .await
            .map_err(|e| self.remote(ErrorKind::Unreachable, &what, e.to_string()))?;
        Ok(Answer { status, body })
    }

    /// The two-step login.
    async fn login(&self) -> Result<LoginOk, VmsError> {
        let path = format!("{API}/accounts/authorize");
        let what = format!("POST {}", self.url(&path));
        let user = &self.cfg.user;
        let first = self
            .send(reqwest::Method::POST, &path, None, &login::first_body(user))
            .await?;
        let challenge = wire::parse_challenge(&first.body).map_err(|e| {
            let kind = if first.status == 404 {
                ErrorKind::NotFound
            } else {
                ErrorKind::Protocol
            };
            self.remote(kind, &what, format!("{e} (is this a DSS server?)"))
                .status(first.status)
        })?;
        let password = (self.cfg.password)()?;
        let signature = if challenge.simple {
            login::simple_signature(user, &password, &challenge.realm, &challenge.random_key)
        } else {
            login::signature(user, &password, &challenge.realm, &challenge.random_key)
        };
        let second = self
            .send(
                reqwest::Method::POST,
                &path,
                None,
                &login::second_body(user, &signature, &challenge.random_key),
            )
            .await?;
        let code = wire::parse_reply(&second.body).ok().and_then(|r| r.code);
        match wire::parse_login(&second.body) {
            Ok(ok) if second.status == 200 => {
                self.logins
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(ok)
            }
            r => {
                let reason = match r {
                    Err(e) => e.to_string(),
                    Ok(_) => "the login answer is not HTTP 200".into(),
                };
                let kind = if matches!(second.status, 401 | 403) || code.is_some() {
                    ErrorKind::AuthFailed
                } else {
                    ErrorKind::Protocol
                };
                let mut e = self
                    .remote(kind, &what, format!("login of {user} refused: {reason}"))
                    .status(second.status);
                if let Some(c) = code {
                    e = e.vendor_code(c.to_string());
                }
                Err(e.into())
            }
        }
    }

    /// The current token, logging in when there is none or it expired.
    async fn token(&self) -> Result<String, VmsError> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref().filter(|t| !t.expired()) {
            return Ok(t.value.clone());
        }
        let ok = self.login().await?;
        let value = ok.token.clone();
        let duration = Duration::from_secs(ok.duration_s.max(1));
        *slot = Some(Token {
            value: ok.token,
            duration,
            renewed: Instant::now(),
        });
        drop(slot);
        self.start_keepalive(duration);
        Ok(value)
    }

    /// Forgets `token` if it is still the current one (the server refused it).
    async fn forget(&self, token: &str) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.value == token) {
            *slot = None;
        }
    }

    /// Calls the API with the session's token and returns the answer's
    /// `data`. A refused token (7000 expired, 1103 unknown) is replaced by
    /// a fresh login and the call made once more.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, VmsError> {
        let what = format!("{method} {}", self.url(path));
        for attempt in 0..2 {
            let token = self.token().await?;
            let a = self.send(method.clone(), path, Some(&token), body).await?;
            let reply = wire::parse_reply(&a.body);
            let code = reply.as_ref().ok().and_then(|r| r.code);
            let refused = matches!(code, Some(wire::TOKEN_EXPIRED | wire::UNAUTHORIZED))
                || (a.status == 401 && code.is_none());
            if refused {
                self.forget(&token).await;
                if attempt == 0 {
                    tracing::info!(
                        "{}: token refused ({code:?}), logging in again",
                        self.cfg.site
                    );
                    continue;
                }
            }
            return match reply {
                Ok(r) if r.ok() && a.status == 200 => Ok(r.data),
                Ok(r) => {
                    let kind = if refused || matches!(a.status, 401 | 403) {
                        ErrorKind::AuthFailed
                    } else if a.status == 404 || code == Some(10004) {
                        ErrorKind::NotFound
                    } else {
                        ErrorKind::Protocol
                    };
                    let mut e = self.remote(kind, &what, r.desc).status(a.status);
                    if let Some(c) = r.code {
                        e = e.vendor_code(c.to_string());
                    }
                    Err(e.into())
                }
                Err(e) => Err(self
                    .remote(ErrorKind::Protocol, &what, e.to_string())
                    .status(a.status)
                    .into()),
            };
        }
        unreachable!("the loop returns")
    }

    /// Raw variant of [`Self::call`] for parsers that read the whole body.
    pub async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> Result<Vec<u8>, VmsError> {
        let data = self.call(method, path, body).await?;
        Ok(serde_json::json!({"code": wire::OK, "data": data})
            .to_string()
            .into_bytes())
    }

    fn start_keepalive(&self, duration: Duration) {
        let me = self.me.clone();
        let period = (duration * 2 / 3).max(Duration::from_millis(500));
        let task = self.cfg.rt.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(s) = me.upgrade() else { return };
                if !s.keepalive_once().await {
                    return;
                }
            }
        });
        if let Some(old) = self
            .keepalive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(task)
        {
            old.abort();
        }
    }

    /// One keepalive; false when there is no token to keep (the loop ends;
    /// the next call logs in and starts another).
    async fn keepalive_once(&self) -> bool {
        let token = match self.token.lock().await.as_ref() {
            Some(t) if !t.expired() => t.value.clone(),
            _ => return false,
        };
        let body = serde_json::json!({ "token": token });
        let path = format!("{API}/accounts/keepalive");
        match self
            .send(reqwest::Method::PUT, &path, Some(&token), &body)
            .await
        {
            Ok(a) => {
                let code = wire::parse_reply(&a.body).ok().and_then(|r| r.code);
                if a.status == 200 && code.is_none_or(|c| c == wire::OK) {
                    if let Some(t) = self.token.lock().await.as_mut() {
                        if t.value == token {
                            t.renewed = Instant::now();
                        }
                    }
                    true
                } else {
                    tracing::warn!(
                        "{}: keepalive refused (HTTP {}, code {code:?})",
                        self.cfg.site,
                        a.status
                    );
                    self.forget(&token).await;
                    false
                }
            }
            Err(e) => {
                // the server may be back before the token expires
                tracing::warn!("{}: keepalive failed: {e}", self.cfg.site);
                true
            }
        }
    }

    /// Logs out (if logged in) and stops the keepalive.
    pub async fn logout(&self) {
        if let Some(k) = self
            .keepalive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            k.abort();
        }
        let token = self.token.lock().await.take();
        if let Some(t) = token.filter(|t| !t.expired()) {
            let path = format!("{API}/accounts/unauthorize");
            let body = serde_json::json!({ "token": t.value });
            if let Err(e) = self
                .send(reqwest::Method::POST, &path, Some(&t.value), &body)
                .await
            {
                tracing::warn!("{}: logout failed: {e}", self.cfg.site);
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(k) = self
            .keepalive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            k.abort();
        }
    }
}
