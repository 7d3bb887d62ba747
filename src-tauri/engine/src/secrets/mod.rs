//! Secrets: credentials in the OS keyring (never the database, config, logs,
//! errors or UI), and redaction of URLs that carry user info.
pub mod keyring_store;
pub mod redact;

pub use keyring_store::{SecretError, SecretStore};
