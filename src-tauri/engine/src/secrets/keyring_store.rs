//! The OS keyring (keyring crate, real backends only: kernel keyutils and the
//! Secret Service on Linux, Credential Manager on Windows). Entries are
//! service "vigil" (or a test's own service), account "camera/<id>".
use crate::error::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("keyring: cannot {op} the secret of {account}: {reason}")]
    Keyring {
        op: &'static str,
        account: String,
        reason: String,
    },
}

impl HasKind for SecretError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Storage
    }
}

/// Access to one keyring service.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl SecretStore {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The production store: service "vigil".
    pub fn vigil() -> Self {
        Self::new("vigil")
    }

    fn entry(&self, account: &str, op: &'static str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, account).map_err(|e| err(op, account, e))
    }

    pub fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.entry(account, "store")?
            .set_password(secret)
            .map_err(|e| err("store", account, e))
    }

    /// The secret, or `None` when there is none.
    pub fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        match self.entry(account, "read")?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(err("read", account, e)),
        }
    }

    pub fn delete(&self, account: &str) -> Result<(), SecretError> {
        match self.entry(account, "delete")?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(err("delete", account, e)),
        }
    }
}

fn err(op: &'static str, account: &str, e: keyring::Error) -> SecretError {
    // keyring errors never contain the secret itself
    SecretError::Keyring {
        op,
        account: account.to_string(),
        reason: e.to_string(),
    }
}

/// The keyring account of a camera's password.
pub fn camera_account(camera_id: &str) -> String {
    format!("camera/{camera_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uses the real backend (run the tests inside `keyctl session` and
    /// `dbus-run-session` with gnome-keyring, as tests/run does).
    #[test]
    fn real_keyring_round_trip() {
        let store = SecretStore::new(format!("vigil-test-{}", std::process::id()));
        let acct = camera_account("unit");
        store.delete(&acct).unwrap();
        assert_eq!(store.get(&acct).unwrap(), None);
        store.set(&acct, "pässwörd:1").unwrap();
        assert_eq!(store.get(&acct).unwrap().as_deref(), Some("pässwörd:1"));
        // a second handle (a fresh Entry) sees it: it lives in the OS store, not in memory here
        assert_eq!(
            SecretStore::new(store.service.clone())
                .get(&acct)
                .unwrap()
                .as_deref(),
            Some("pässwörd:1")
        );
        store.delete(&acct).unwrap();
        assert_eq!(store.get(&acct).unwrap(), None);
    }
}
