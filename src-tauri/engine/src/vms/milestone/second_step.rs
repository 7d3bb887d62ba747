//! The second login step (LogIn answers error 34): the connection that
//! passed the first step is parked here, process-wide, keyed by server and
//! user, after `RequestSecondStepAuthenticationPin` asked the server to send
//! the user a PIN. The operator submits the PIN ([`submit_pin`]); the next
//! login of that server and user sends it with
//! `VerifySecondStepAuthenticationPin` on the parked connection. A
//! connection that passed the second step is handed from a closed session
//! to the next one of the same server and user ([`hand_over`], [`adopt`]),
//! so a probe followed by serving the site asks for one PIN, not two.
//! The PIN lives in memory until it is sent, and is never logged or stored.
//! A process without a UI (the CLI's `--pin-stdin`) sets a [`PinPrompt`]:
//! the first login that needs a PIN asks it, once per process.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::session::Conn;
use super::site::base_url;
use crate::vms::VmsError;

/// How long a parked connection waits for its PIN.
pub const PIN_WAIT: Duration = Duration::from_secs(10 * 60);
/// The longest PIN accepted (the protocol names none).
pub const MAX_PIN: usize = 64;

/// A connection that passed LogIn's first step.
pub struct HalfConn {
    pub id: String,
    pub shared_hex: String,
    pub timeout: Duration,
    pub chap: bool,
    pub since: Instant,
}

enum Entry {
    /// Waiting for the PIN (`pin` once submitted).
    Waiting { conn: HalfConn, pin: Option<String> },
    /// Passed the second step; its session closed.
    Verified(Arc<Conn>),
}

static TABLE: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Default::default);

fn table() -> MutexGuard<'static, HashMap<String, Entry>> {
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The table's key of a server and user.
pub fn key(base: &url::Url, user: &str) -> String {
    format!("{}\n{user}", base.as_str().trim_end_matches('/'))
}

/// Checks a PIN typed by the operator: trimmed, 1..=64 printable characters.
pub fn clean_pin(pin: &str) -> Result<String, VmsError> {
    let p = pin.trim();
    if p.is_empty() || p.chars().count() > MAX_PIN || p.chars().any(char::is_control) {
        return Err(VmsError::InvalidConfig(
            "a second-step PIN is 1 to 64 printable characters".into(),
        ));
    }
    Ok(p.to_string())
}

/// Submits the PIN the server sent for the login of `user` at `address`
/// (the site's address as entered). The next login of that site sends it.
/// Refused when no login of that server and user waits for a PIN.
pub fn submit_pin(address: &str, user: &str, pin: &str) -> Result<(), VmsError> {
    let base = base_url(address)?;
    if submit_to(&key(&base, user), pin)? {
        return Ok(());
    }
    Err(VmsError::Site {
        site: crate::secrets::redact::redact_url(base.as_str()),
        reason: "no login waits for a second-step PIN (connect to the site first)".into(),
    })
}

/// Whether a login of `user` at `address` (the site's address as entered)
/// waits for the operator's PIN: what the UI asks before it offers the PIN
/// prompt. A malformed address waits for nothing.
pub fn pin_awaited(address: &str, user: &str) -> bool {
    base_url(address).is_ok_and(|b| waiting(&key(&b, user)))
}

/// Asks the operator for the PIN the server sent for `site` (blocking; run
/// off the async runtime); `None`: no PIN.
pub type PinPrompt = Box<dyn FnOnce(&str) -> Option<String> + Send>;

static PROMPT: Mutex<Option<PinPrompt>> = Mutex::new(None);

/// Sets the prompt the first login needing a PIN asks (once per process).
pub fn set_pin_prompt(prompt: PinPrompt) {
    *PROMPT.lock().unwrap_or_else(|p| p.into_inner()) = Some(prompt);
}

/// The PIN from the process's prompt, if one is set and not used yet.
pub(crate) async fn prompted_pin(site: &str) -> Option<String> {
    let prompt = PROMPT.lock().unwrap_or_else(|p| p.into_inner()).take()?;
    let site = site.to_string();
    tokio::task::spawn_blocking(move || prompt(&site))
        .await
        .ok()
        .flatten()
}

/// Hands `pin` to the login of `key` waiting for it (`false`: none waits).
pub(crate) fn submit_to(key: &str, pin: &str) -> Result<bool, VmsError> {
    let pin = clean_pin(pin)?;
    match table().get_mut(key) {
        Some(Entry::Waiting { pin: slot, .. }) => {
            *slot = Some(pin);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Whether a login of `key` waits for its PIN (none submitted yet).
pub fn waiting(key: &str) -> bool {
    let mut t = table();
    match t.get(key) {
        Some(Entry::Waiting { conn, pin: None }) if conn.since.elapsed() < PIN_WAIT => true,
        Some(Entry::Waiting { conn, .. }) if conn.since.elapsed() >= PIN_WAIT => {
            t.remove(key);
            false
        }
        _ => false,
    }
}

/// Parks a connection that now waits for its PIN.
pub fn park(key: &str, conn: HalfConn) {
    table().insert(key.to_string(), Entry::Waiting { conn, pin: None });
}

/// The parked connection of `key` with its submitted PIN, taken out.
pub fn take_with_pin(key: &str) -> Option<(HalfConn, String)> {
    let mut t = table();
    if !matches!(t.get(key), Some(Entry::Waiting { pin: Some(_), .. })) {
        return None;
    }
    match t.remove(key) {
        Some(Entry::Waiting {
            conn,
            pin: Some(pin),
        }) => Some((conn, pin)),
        _ => None,
    }
}

/// The id of the connection of `key` waiting for its PIN, if any.
pub fn waiting_id(key: &str) -> Option<String> {
    match table().get(key) {
        Some(Entry::Waiting { conn, .. }) => Some(conn.id.clone()),
        _ => None,
    }
}

/// Forgets what `key` had parked.
pub fn forget(key: &str) {
    table().remove(key);
}

/// Keeps a connection that passed the second step for the next session of
/// the same server and user.
pub fn hand_over(key: &str, conn: Arc<Conn>) {
    table().insert(key.to_string(), Entry::Verified(conn));
}

/// A connection that passed the second step in a closed session of `key`.
pub fn adopt(key: &str) -> Option<Arc<Conn>> {
    let mut t = table();
    if !matches!(t.get(key), Some(Entry::Verified(_))) {
        return None;
    }
    match t.remove(key) {
        Some(Entry::Verified(c)) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_goes_only_to_a_waiting_login_and_is_taken_once() {
        let base = base_url("http://pin-test.invalid").unwrap();
        let k = key(&base, "op");
        assert!(submit_pin("http://pin-test.invalid", "op", "123456").is_err());
        park(
            &k,
            HalfConn {
                id: "c1".into(),
                shared_hex: "00".into(),
                timeout: Duration::from_secs(30),
                chap: false,
                since: Instant::now(),
            },
        );
        assert!(waiting(&k));
        assert!(pin_awaited("http://pin-test.invalid:8081/", "op"));
        assert!(!pin_awaited("http://pin-test.invalid", "other"));
        assert!(take_with_pin(&k).is_none());
        assert!(submit_pin("http://pin-test.invalid", "op", "  \n").is_err());
        submit_pin("http://pin-test.invalid:8081", "op", " 123456\n").unwrap();
        assert!(!waiting(&k));
        let (c, pin) = take_with_pin(&k).unwrap();
        assert_eq!((c.id.as_str(), pin.as_str()), ("c1", "123456"));
        assert!(take_with_pin(&k).is_none());
        assert!(waiting_id(&k).is_none());
    }

    #[test]
    fn pins_are_checked() {
        assert_eq!(clean_pin(" 42 ").unwrap(), "42");
        assert!(clean_pin("").is_err());
        assert!(clean_pin("1\u{7}2").is_err());
        assert!(clean_pin(&"9".repeat(65)).is_err());
    }
}
