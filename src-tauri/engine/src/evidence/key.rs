//! This install's evidence signing key and the keys a verifier trusts.
//! The Ed25519 private half lives in the OS keyring (account
//! `evidence/signing-key`, the 32-byte seed in hex), created on first use;
//! the public half goes into every package as PEM (SubjectPublicKeyInfo, what
//! `openssl pkey -pubin` reads). A key's fingerprint is the SHA-256 of its 32
//! raw bytes in lowercase hex: `openssl pkey -pubin -in public_key.pem
//! -outform DER | tail -c 32 | sha256sum` prints it.
use std::path::Path;

use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::PackageError;
use crate::secrets::SecretStore;

/// The keyring account of the signing key.
pub const KEY_ACCOUNT: &str = "evidence/signing-key";
/// Trusted colleagues' key fingerprints, one per line, in the data directory.
pub const TRUSTED_FILE: &str = "trusted-evidence-keys.txt";

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// This install's signing key, created (and stored in the keyring) if there is none.
pub fn install_signing_key(secrets: &SecretStore) -> Result<SigningKey, PackageError> {
    let key_err = |e: crate::secrets::SecretError| PackageError::Key(e.to_string());
    if let Some(hexed) = secrets.get(KEY_ACCOUNT).map_err(key_err)? {
        return parse_seed(&hexed);
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    secrets
        .set(KEY_ACCOUNT, &hex::encode(seed))
        .map_err(key_err)?;
    // read back: the keyring is the one source of truth (two first uses race)
    match secrets.get(KEY_ACCOUNT).map_err(key_err)? {
        Some(h) => parse_seed(&h),
        None => Err(PackageError::Key("the keyring did not keep the key".into())),
    }
}

/// This install's public key, if it has made one (never creates it).
pub fn install_public_key(secrets: &SecretStore) -> Result<Option<VerifyingKey>, PackageError> {
    match secrets.get(KEY_ACCOUNT) {
        Ok(Some(h)) => Ok(Some(parse_seed(&h)?.verifying_key())),
        Ok(None) => Ok(None),
        Err(e) => Err(PackageError::Key(e.to_string())),
    }
}

fn parse_seed(hexed: &str) -> Result<SigningKey, PackageError> {
    let bytes = hex::decode(hexed.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            PackageError::Key(format!(
                "the keyring entry {KEY_ACCOUNT} is not a 32-byte hex seed"
            ))
        })?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// SHA-256 of the 32 raw key bytes, lowercase hex.
pub fn fingerprint(vk: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(vk.as_bytes()))
}

/// The key as PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`).
pub fn public_key_pem(vk: &VerifyingKey) -> String {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(vk.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n")
}

/// The key of a PEM SubjectPublicKeyInfo, if it is an Ed25519 one.
pub fn parse_public_key_pem(pem: &str) -> Option<VerifyingKey> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()?;
    let raw = der.strip_prefix(&SPKI_PREFIX[..])?;
    VerifyingKey::from_bytes(&<[u8; 32]>::try_from(raw).ok()?).ok()
}

/// A fingerprint as people write it (spaces, colons, `SHA256:`, any case)
/// in canonical form, or `None` if it is not 64 hex digits.
pub fn normalize_fingerprint(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("SHA256:")
        .or_else(|| s.strip_prefix("sha256:"))
        .unwrap_or(s);
    let hexed: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    (hexed.len() == 64 && hexed.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hexed)
}

/// Whose key signed a package, as far as this verifier knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyTrust {
    /// This install's own key.
    ThisInstall,
    /// A key the operator said to trust (a colleague's, by fingerprint).
    Trusted,
    /// Nobody we know.
    Unknown,
}

/// The keys a verification accepts.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    /// This install's key fingerprint, if it has one.
    pub own: Option<String>,
    /// Other trusted fingerprints (canonical form).
    pub trusted: Vec<String>,
}

impl TrustedKeys {
    /// This install's key (from the keyring; unreadable means none, with a
    /// warning) and the fingerprints in the data directory's trust file.
    pub fn for_install(secrets: &SecretStore) -> Self {
        let own = match install_public_key(secrets) {
            Ok(k) => k.map(|k| fingerprint(&k)),
            Err(e) => {
                tracing::warn!("evidence: this install's key is unreadable: {e}");
                None
            }
        };
        let trusted = crate::config::data_dir()
            .map(|d| read_trust_file(&d.join(TRUSTED_FILE)))
            .unwrap_or_default();
        Self { own, trusted }
    }

    pub fn trust(mut self, fingerprint: &str) -> Self {
        if let Some(f) = normalize_fingerprint(fingerprint) {
            self.trusted.push(f);
        }
        self
    }

    pub fn trust_of(&self, fp: &str) -> KeyTrust {
        if self.own.as_deref() == Some(fp) {
            KeyTrust::ThisInstall
        } else if self.trusted.iter().any(|t| t == fp) {
            KeyTrust::Trusted
        } else {
            KeyTrust::Unknown
        }
    }
}

/// Fingerprints in a trust file (one per line, `#` comments); lines that
/// are not fingerprints are skipped with a warning.
pub fn parse_trust_file(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let f = normalize_fingerprint(l);
            if f.is_none() {
                tracing::warn!("trusted evidence keys: not a fingerprint: {l:?}");
            }
            f
        })
        .collect()
}

fn read_trust_file(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|t| parse_trust_file(&t))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_and_fingerprints_normalize() {
        let k = SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        let pem = public_key_pem(&k);
        assert_eq!(parse_public_key_pem(&pem), Some(k));
        let fp = fingerprint(&k);
        assert_eq!(fp.len(), 64);
        let spaced: String = fp
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            normalize_fingerprint(&format!("SHA256:{spaced}")),
            Some(fp.clone())
        );
        assert_eq!(normalize_fingerprint("abc"), None);
        let t = TrustedKeys::default().trust(&spaced);
        assert_eq!(t.trust_of(&fp), KeyTrust::Trusted);
        assert_eq!(
            parse_trust_file(&format!("# colleague\n{fp} # Ann\nnope\n")),
            vec![fp]
        );
    }
}
