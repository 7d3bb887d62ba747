//! One Mobile Server connection per site: `Connect` with a Diffie-Hellman
//! exchange, `LogIn` with the encrypted credentials, CHAP on every later
//! command when the server asks for it (challenges from LogIn, a new batch
//! with `RequestChallenges` before they run out), `LiveMessage` at a third
//! of the server's `Timeout`, and a transparent new Connect + LogIn when
//! the server forgot the connection (error 12 after a restart or an expired
//! watchdog): each command is tried again once on the new connection.
//! Error codes become [`RemoteError`]s with the kinds the UI and the CLI
//! act on. The connection id, the shared key and the challenges live in
//! memory only and are never printed.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::crypto::{self, Group, KeyPair, Padding};
use super::second_step::{self, HalfConn};
use super::wire::{self, yes, Answer};
use crate::error::ErrorKind;
use crate::net::http::RequestError;
use crate::vms::http_body::read_async;
use crate::vms::remote_error::RemoteError;
use crate::vms::VmsError;

/// The command channel's path.
pub const COMMUNICATION: &str = "/XProtectMobile/Communication";
/// Challenges asked for at a time (the protocol's maximum).
const BATCH: usize = 100;
/// A new batch is asked for when fewer than this many are left.
const LOW_WATER: usize = 20;
/// The watchdog assumed when the server names none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the password comes from (the keyring, read when logging in).
pub type PasswordSource = Arc<dyn Fn() -> Result<String, VmsError> + Send + Sync>;

/// What a session needs to reach its server.
pub struct SessionConfig {
    pub http: reqwest::Client,
    /// `http(s)://host:port`, no path.
    pub base: url::Url,
    /// The site's name for errors.
    pub site: String,
    pub user: String,
    pub password: PasswordSource,
    /// `Basic` or `ActiveDirectory`.
    pub login_type: String,
    pub group: Group,
    pub padding: Padding,
    pub rt: tokio::runtime::Handle,
}

/// A logged-in connection.
pub struct Conn {
    pub id: String,
    shared_hex: String,
    pub timeout: Duration,
    chap: bool,
    challenges: Mutex<VecDeque<String>>,
    /// LogIn's outputs (`ExportToMkv`, ...).
    pub login: Vec<(String, String)>,
    /// Logged in through the second step (a PIN): kept for the next
    /// session of the site when this one closes.
    second_step: bool,
}

impl Conn {
    pub fn allows(&self, output: &str) -> bool {
        yes(self
            .login
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(output))
            .map(|(_, v)| v.as_str()))
    }
    fn challenges(&self) -> std::sync::MutexGuard<'_, VecDeque<String>> {
        self.challenges.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct Session {
    cfg: SessionConfig,
    conn: tokio::sync::Mutex<Option<Arc<Conn>>>,
    /// One refill of challenges at a time.
    refill: tokio::sync::Mutex<()>,
    sequence: AtomicU64,
    logins: AtomicU64,
    keepalive: Mutex<Option<tokio::task::JoinHandle<()>>>,
    me: Weak<Session>,
}

/// The error kind and wording of a Mobile Server error code.
pub fn describe_code(code: u32) -> (ErrorKind, &'static str) {
    match code {
        15 => (ErrorKind::AuthFailed, "wrong user name or password"),
        26 => (
            ErrorKind::Unreachable,
            "too many sessions: the server allows no more logged-in clients now",
        ),
        29 => (
            ErrorKind::Unreachable,
            "the server's limit of playback streams is reached",
        ),
        32 => (ErrorKind::NotFound, "the camera has no recordings"),
        33 => (ErrorKind::NotFound, "no recordings in that interval"),
        34 => (
            ErrorKind::AuthFailed,
            "the server requires a second login step (a PIN); \
             log in once in an XProtect client or turn the second step off for this user",
        ),
        36 | 37 => (ErrorKind::AuthFailed, "the second-step PIN is wrong or expired"),
        60 => (
            ErrorKind::AuthFailed,
            "the server requires a new password for this user: change it in XProtect first",
        ),
        61 => (
            ErrorKind::AuthFailed,
            "the account is locked out after failed logins: wait, or ask the XProtect administrator",
        ),
        12 => (ErrorKind::Unreachable, "the server forgot the connection"),
        16 => (ErrorKind::Protocol, "the server refused the key exchange"),
        17 => (ErrorKind::Unreachable, "the surveillance server is down"),
        18 => (ErrorKind::Unsupported, "the Mobile Server has no valid license"),
        19 => (ErrorKind::AuthFailed, "the server refused the CHAP answer"),
        20 => (ErrorKind::NotFound, "unknown camera"),
        21 => (ErrorKind::NotFound, "unknown item"),
        22 => (ErrorKind::NotFound, "the camera has no PTZ presets"),
        23 => (ErrorKind::Protocol, "not allowed in this state"),
        24 => (ErrorKind::Unsupported, "the feature is disabled on the server"),
        25 => (ErrorKind::AuthFailed, "the user lacks the rights for this"),
        51 => (ErrorKind::Protocol, "the CHAP challenges ran out"),
        54 => (ErrorKind::NotFound, "the item cannot be played"),
        1 => (ErrorKind::Unsupported, "the server does not implement this command"),
        13 | 14 | 43 => (ErrorKind::Protocol, "the server refused a parameter"),
        _ => (ErrorKind::Protocol, "the server refused the command"),
    }
}

impl Session {
    pub fn new(cfg: SessionConfig) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            cfg,
            conn: Default::default(),
            refill: Default::default(),
            sequence: AtomicU64::new(1),
            logins: Default::default(),
            keepalive: Default::default(),
            me: me.clone(),
        })
    }

    pub fn site(&self) -> &str {
        &self.cfg.site
    }

    pub fn base(&self) -> &url::Url {
        &self.cfg.base
    }

    /// How many Connect + LogIn this session made.
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::SeqCst)
    }

    fn url(&self) -> String {
        format!(
            "{}{COMMUNICATION}",
            self.cfg.base.as_str().trim_end_matches('/')
        )
    }

    fn remote(&self, kind: ErrorKind, command: &str, message: impl Into<String>) -> RemoteError {
        RemoteError::new(
            kind,
            &self.cfg.site,
            &format!("{command} at {}", self.url()),
            message,
        )
    }

    /// The error of a refused command.
    fn refused(&self, command: &str, a: &Answer) -> VmsError {
        let code = a.error_code.unwrap_or(0);
        let (kind, text) = describe_code(code);
        let mut message = text.to_string();
        if !a.error_string.is_empty() {
            message.push_str(&format!(
                " ({})",
                a.error_string.chars().take(200).collect::<String>()
            ));
        }
        let mut e = self.remote(kind, command, message);
        if a.error_code.is_some() {
            e = e.vendor_code(code.to_string());
        }
        e.into()
    }

    /// One POST of one command; the final answer, ok or not.
    async fn post(
        &self,
        connection: Option<&str>,
        name: &str,
        params: &[(&str, String)],
    ) -> Result<Answer, VmsError> {
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
        let body = wire::request(connection, seq, name, params);
        let rb = self
            .cfg
            .http
            .post(self.url())
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(body);
        let resp = match crate::net::http::send(rb).await {
            Ok(r) => r,
            Err(RequestError::Tls(t)) => return Err(VmsError::Tls(t)),
            Err(e) => {
                let kind = crate::error::HasKind::kind(&e);
                return Err(self.remote(kind, name, e.to_string()).into());
            }
        };
        let status = resp.status().as_u16();
        let body = read_async(resp, wire::MAX_ANSWER)
            .await
            .map_err(|e| self.remote(ErrorKind::Unreachable, name, e.to_string()))?;
        if status != 200 {
            return Err(self
                .remote(
                    RemoteError::kind_of_status(status),
                    name,
                    "the Mobile Server refused the request",
                )
                .status(status)
                .into());
        }
        wire::parse_answer(&body, name).map_err(|e| {
            self.remote(
                ErrorKind::Protocol,
                name,
                format!("{e} (is this an XProtect Mobile Server?)"),
            )
            .into()
        })
    }

    /// This session's key in the second-step table.
    fn pin_key(&self) -> String {
        second_step::key(&self.cfg.base, &self.cfg.user)
    }

    fn pin_required(&self) -> VmsError {
        VmsError::PinRequired {
            site: self.cfg.site.clone(),
        }
    }

    /// A logged-in connection: one that passed the second step in an
    /// earlier session, the parked one with its PIN, or Connect and LogIn.
    async fn open(&self) -> Result<Arc<Conn>, VmsError> {
        let key = self.pin_key();
        if let Some(c) = second_step::adopt(&key) {
            self.start_keepalive();
            return Ok(c);
        }
        if let Some((half, pin)) = second_step::take_with_pin(&key) {
            return self.verify(&key, half, pin).await;
        }
        let r = if second_step::waiting(&key) {
            Err(self.pin_required())
        } else {
            self.connect_and_log_in(&key).await
        };
        if !matches!(r, Err(VmsError::PinRequired { .. })) {
            return r;
        }
        // a process that can ask (the CLI's --pin-stdin) asks once
        let Some(pin) = second_step::prompted_pin(&self.cfg.site).await else {
            return r;
        };
        let submitted = second_step::submit_to(&key, &pin)?;
        drop(pin);
        if !submitted {
            return r;
        }
        match second_step::take_with_pin(&key) {
            Some((half, pin)) => self.verify(&key, half, pin).await,
            None => r,
        }
    }

    /// Sends the submitted PIN on the parked connection.
    async fn verify(&self, key: &str, half: HalfConn, pin: String) -> Result<Arc<Conn>, VmsError> {
        const VERIFY: &str = "VerifySecondStepAuthenticationPin";
        let answer = self
            .post(
                Some(&half.id),
                VERIFY,
                &[("SecondStepAuthenticationPin", pin)],
            )
            .await;
        let a = match answer {
            Ok(a) => a,
            Err(e) => {
                // the PIN may be sent again
                second_step::park(key, half);
                return Err(e);
            }
        };
        if a.ok {
            return Ok(self.logged_in(half.id, half.shared_hex, half.timeout, half.chap, &a, true));
        }
        match a.error_code {
            // wrong PIN: the same login waits for another try
            Some(36) => second_step::park(key, half),
            // the server forgot the login: the next attempt starts over
            Some(12) => {
                return Err(self
                    .remote(
                        ErrorKind::AuthFailed,
                        VERIFY,
                        "the login waiting for the PIN expired; connect again for a new PIN",
                    )
                    .vendor_code("12")
                    .into())
            }
            _ => {
                let _ = self.post(Some(&half.id), "Disconnect", &[]).await;
            }
        }
        Err(self.refused(VERIFY, &a))
    }

    /// Asks the server to send the user a PIN and parks the connection
    /// (kept alive while it waits).
    async fn ask_for_pin(&self, key: &str, half: HalfConn) -> VmsError {
        const REQUEST: &str = "RequestSecondStepAuthenticationPin";
        match self.post(Some(&half.id), REQUEST, &[]).await {
            Ok(a) if a.ok => {}
            Ok(a) => {
                let _ = self.post(Some(&half.id), "Disconnect", &[]).await;
                return self.refused(REQUEST, &a);
            }
            Err(e) => return e,
        }
        tracing::info!(
            "{}: the server sent the user a second-step PIN; waiting for it",
            self.cfg.site
        );
        let (id, period) = (half.id.clone(), half.timeout / 3);
        second_step::park(key, half);
        if let Some(me) = self.me.upgrade() {
            let key = key.to_string();
            self.cfg.rt.spawn(async move {
                let until = std::time::Instant::now() + second_step::PIN_WAIT;
                while std::time::Instant::now() < until {
                    tokio::time::sleep(period.max(Duration::from_millis(300))).await;
                    if second_step::waiting_id(&key).as_deref() != Some(id.as_str()) {
                        return;
                    }
                    if let Ok(a) = me.post(Some(&id), "LiveMessage", &[]).await {
                        if !a.ok {
                            second_step::forget(&key);
                            return;
                        }
                    }
                }
                if second_step::waiting_id(&key).as_deref() == Some(id.as_str()) {
                    second_step::forget(&key);
                }
            });
        }
        self.pin_required()
    }

    /// Connect and LogIn.
    async fn connect_and_log_in(&self, key: &str) -> Result<Arc<Conn>, VmsError> {
        let keys = KeyPair::generate(self.cfg.group);
        let a = self
            .post(
                None,
                "Connect",
                &[
                    ("PublicKey", keys.public_key()),
                    ("PrimeLength", self.cfg.group.bits().to_string()),
                    ("EncryptionPadding", self.cfg.padding.wire_name().into()),
                    ("ProcessingMessage", "No".into()),
                ],
            )
            .await?;
        if !a.ok {
            return Err(self.refused("Connect", &a));
        }
        let missing = |what: &str| {
            VmsError::from(self.remote(
                ErrorKind::Protocol,
                "Connect",
                format!("the answer has no {what}"),
            ))
        };
        let id = a
            .output("ConnectionId")
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("ConnectionId"))?
            .to_string();
        let server_key = a.output("PublicKey").ok_or_else(|| missing("PublicKey"))?;
        let shared_hex = keys
            .shared_key_hex(server_key)
            .map_err(|e| self.remote(ErrorKind::Protocol, "Connect", e.to_string()))?;
        let timeout = a
            .output("Timeout")
            .and_then(|t| t.trim().parse::<f64>().ok())
            .filter(|t| t.is_finite() && *t >= 1.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_TIMEOUT);
        let chap = yes(a.output("SecurityEnabled")) && yes(a.output("CHAPSupported"));

        let enc = |plain: &str| {
            crypto::encrypt(&shared_hex, plain, self.cfg.padding).map_err(|e| {
                VmsError::from(self.remote(ErrorKind::Protocol, "LogIn", e.to_string()))
            })
        };
        let password = (self.cfg.password)()?;
        let login = self
            .post(
                Some(&id),
                "LogIn",
                &[
                    ("Username", enc(&self.cfg.user)?),
                    ("Password", enc(&password)?),
                    ("LoginType", self.cfg.login_type.clone()),
                    ("NumChallenges", BATCH.to_string()),
                    ("SupportsResampling", "Yes".into()),
                    ("SupportsExtendedResamplingFactor", "Yes".into()),
                    ("ClientType", "WebClient".into()),
                    ("ProcessingMessage", "No".into()),
                ],
            )
            .await?;
        drop(password);
        if login.error_code == Some(34) {
            let half = HalfConn {
                id,
                shared_hex,
                timeout,
                chap,
                since: std::time::Instant::now(),
            };
            return Err(self.ask_for_pin(key, half).await);
        }
        if !login.ok {
            // leave the half-open connection
            let _ = self.post(Some(&id), "Disconnect", &[]).await;
            return Err(self.refused("LogIn", &login));
        }
        Ok(self.logged_in(id, shared_hex, timeout, chap, &login, false))
    }

    /// The connection of a successful LogIn (or second step) answer.
    fn logged_in(
        &self,
        id: String,
        shared_hex: String,
        timeout: Duration,
        chap: bool,
        login: &Answer,
        second_step: bool,
    ) -> Arc<Conn> {
        self.logins.fetch_add(1, Ordering::SeqCst);
        let challenges: VecDeque<String> = login
            .outputs_named("Challenge")
            .map(str::to_string)
            .collect();
        let conn = Arc::new(Conn {
            id,
            shared_hex,
            timeout,
            chap,
            challenges: Mutex::new(challenges),
            login: login
                .outputs
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("Challenge"))
                .cloned()
                .collect(),
            second_step,
        });
        self.start_keepalive();
        conn
    }

    /// The current connection, opening one when there is none.
    pub async fn conn(&self) -> Result<Arc<Conn>, VmsError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = self.open().await?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Forgets `conn` if it is still the current one.
    async fn forget(&self, conn: &Arc<Conn>) {
        let mut slot = self.conn.lock().await;
        if slot.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            *slot = None;
        }
    }

    /// A challenge and its answer, asking for a new batch when few are left.
    async fn challenge(&self, conn: &Arc<Conn>) -> Result<Option<(String, String)>, VmsError> {
        if !conn.chap {
            return Ok(None);
        }
        if conn.challenges().len() < LOW_WATER {
            self.refill(conn).await;
        }
        let c = conn.challenges().pop_front();
        match c {
            Some(c) => {
                let answer = crypto::chap_answer(&c, &conn.shared_hex);
                Ok(Some((c, answer)))
            }
            None => Err(self
                .remote(
                    ErrorKind::Protocol,
                    "RequestChallenges",
                    "no CHAP challenges left",
                )
                .into()),
        }
    }

    /// Asks for a new batch of challenges (paid with one of the old ones).
    async fn refill(&self, conn: &Arc<Conn>) {
        let _one = self.refill.lock().await;
        if conn.challenges().len() >= LOW_WATER {
            return;
        }
        let Some(c) = conn.challenges().pop_front() else {
            return;
        };
        let answer = crypto::chap_answer(&c, &conn.shared_hex);
        let params = [
            ("NumChallenges", BATCH.to_string()),
            ("Challenge", c),
            ("ChalAnswer", answer),
        ];
        match self
            .post(Some(&conn.id), "RequestChallenges", &params)
            .await
        {
            Ok(a) if a.ok => conn
                .challenges()
                .extend(a.outputs_named("Challenge").map(str::to_string)),
            Ok(a) => tracing::warn!(
                "{}: RequestChallenges refused (code {:?})",
                self.cfg.site,
                a.error_code
            ),
            Err(e) => tracing::warn!("{}: RequestChallenges failed: {e}", self.cfg.site),
        }
    }

    /// Sends a command on the session's connection (opened or re-opened as
    /// needed) and returns its answer; a refusal is an error.
    pub async fn call(&self, name: &str, params: &[(&str, String)]) -> Result<Answer, VmsError> {
        let mut last = None;
        for _ in 0..3 {
            let conn = self.conn().await?;
            let mut p: Vec<(&str, String)> = params.to_vec();
            if let Some((c, answer)) = self.challenge(&conn).await? {
                p.push(("Challenge", c));
                p.push(("ChalAnswer", answer));
            }
            let a = self.post(Some(&conn.id), name, &p).await?;
            if a.ok {
                return Ok(a);
            }
            match a.error_code {
                Some(12) => {
                    tracing::info!(
                        "{}: the server forgot the connection, connecting again",
                        self.cfg.site
                    );
                    self.forget(&conn).await;
                }
                Some(51) => {
                    conn.challenges().clear();
                    self.forget(&conn).await;
                }
                _ => return Err(self.refused(name, &a)),
            }
            last = Some(a);
        }
        Err(self.refused(name, &last.expect("the loop ran")))
    }

    fn start_keepalive(&self) {
        let mut slot = self.keepalive.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let me = self.me.clone();
        *slot = Some(self.cfg.rt.spawn(async move {
            loop {
                let period = {
                    let Some(s) = me.upgrade() else { return };
                    let c = s.conn.lock().await.clone();
                    match c {
                        Some(c) => c.timeout / 3,
                        None => return,
                    }
                };
                tokio::time::sleep(period.max(Duration::from_millis(300))).await;
                let Some(s) = me.upgrade() else { return };
                let Some(conn) = s.conn.lock().await.clone() else {
                    return;
                };
                s.live_message(&conn).await;
            }
        }));
    }

    /// One `LiveMessage` on `conn` (a forgotten connection is dropped; the
    /// next command connects again).
    async fn live_message(&self, conn: &Arc<Conn>) {
        let mut p = Vec::new();
        match self.challenge(conn).await {
            Ok(Some((c, a))) => {
                p.push(("Challenge", c));
                p.push(("ChalAnswer", a));
            }
            Ok(None) => {}
            Err(_) => {
                self.forget(conn).await;
                return;
            }
        }
        match self.post(Some(&conn.id), "LiveMessage", &p).await {
            Ok(a) if a.ok => {}
            Ok(a) => {
                tracing::info!(
                    "{}: LiveMessage refused (code {:?}); the next command connects again",
                    self.cfg.site,
                    a.error_code
                );
                self.forget(conn).await;
            }
            Err(e) => tracing::warn!("{}: LiveMessage failed: {e}", self.cfg.site),
        }
    }

    /// Leaves the server (Disconnect) and stops the keepalive.
    pub async fn logout(&self) {
        if let Some(k) = self
            .keepalive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            k.abort();
        }
        let conn = self.conn.lock().await.take();
        if let Some(conn) = conn.as_ref().filter(|c| c.second_step) {
            // another login would ask for another PIN: the next session of
            // this server and user takes this connection over
            second_step::hand_over(&self.pin_key(), conn.clone());
            return;
        }
        if let Some(conn) = conn {
            let mut p = Vec::new();
            if let Ok(Some((c, a))) = self.challenge(&conn).await {
                p.push(("Challenge", c));
                p.push(("ChalAnswer", a));
            }
            if let Err(e) = self.post(Some(&conn.id), "Disconnect", &p).await {
                tracing::warn!("{}: Disconnect failed: {e}", self.cfg.site);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds_operators_act_on() {
        for (code, kind) in [
            (15, ErrorKind::AuthFailed),
            (26, ErrorKind::Unreachable),
            (29, ErrorKind::Unreachable),
            (32, ErrorKind::NotFound),
            (33, ErrorKind::NotFound),
            (34, ErrorKind::AuthFailed),
            (60, ErrorKind::AuthFailed),
            (61, ErrorKind::AuthFailed),
            (20, ErrorKind::NotFound),
            (999, ErrorKind::Protocol),
        ] {
            assert_eq!(describe_code(code).0, kind, "code {code}");
        }
        assert!(describe_code(26).1.contains("too many sessions"));
        assert!(describe_code(34).1.contains("second login step"));
        assert!(describe_code(61).1.contains("locked out"));
    }
}
