//! The engine's evidence methods: this install's signing key for Settings
//! (public half and fingerprint; the private half never leaves the keyring).
use serde::Serialize;

use super::key::{fingerprint, install_signing_key, public_key_pem};
use super::PackageError;
use crate::engine::Engine;

/// This install's evidence key as Settings shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceKey {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// PEM SubjectPublicKeyInfo.
    pub public_key_pem: String,
    /// SHA-256 of the 32 raw public key bytes, lowercase hex.
    pub fingerprint: String,
}

impl Engine {
    /// This install's evidence signing key (created on first use, private
    /// half in the OS keyring).
    pub fn evidence_key(&self) -> Result<EvidenceKey, PackageError> {
        let vk = install_signing_key(&self.secrets)?.verifying_key();
        Ok(EvidenceKey {
            algorithm: "Ed25519".into(),
            public_key_pem: public_key_pem(&vk),
            fingerprint: fingerprint(&vk),
        })
    }

    /// The signing key itself, for writing packages.
    pub(crate) fn evidence_signing_key(&self) -> Result<ed25519_dalek::SigningKey, PackageError> {
        install_signing_key(&self.secrets)
    }
}
