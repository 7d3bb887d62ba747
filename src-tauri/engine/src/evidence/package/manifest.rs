//! `manifest.json`: what an incident package holds (every file's path,
//! SHA-256 and size, camera, UTC start/end, source) and who exported it,
//! when, with which Vigil and which key. The signature covers its exact
//! bytes. Read from packages of unknown origin: [`Manifest::parse`] checks
//! every field a verifier relies on.
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "vigil-evidence-package/1";
/// The package's own files, not listed in the manifest.
pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.sig";
pub const SUMS: &str = "SHA256SUMS";
pub const PUBLIC_KEY: &str = "public_key.pem";
pub const README: &str = "README.txt";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: String,
    pub title: String,
    /// The case the package was made from, if any.
    pub case: Option<CaseRef>,
    pub exported_by: String,
    /// RFC 3339 UTC.
    pub exported_at: String,
    pub vigil_version: String,
    pub signing_key: KeyRef,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseRef {
    pub id: String,
    pub label: String,
    pub title: String,
    /// The event time, RFC 3339 UTC.
    pub event: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRef {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The 32 raw key bytes, lowercase hex.
    pub public_key: String,
    /// SHA-256 of the 32 raw key bytes, lowercase hex.
    pub fingerprint: String,
}

/// What a file in the package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Clip,
    Snapshot,
    /// A clip's JSON annotation or footage sidecar.
    Annotation,
    /// The case record.
    Case,
    Readme,
    Key,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    /// Relative to the package root, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    pub kind: FileKind,
    pub camera: Option<CameraRef>,
    /// First and last frame, RFC 3339 UTC.
    pub start: Option<String>,
    pub end: Option<String>,
    pub source: Option<SourceRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CameraRef {
    pub id: String,
    pub name: String,
}

/// Where footage came from (no credentials).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRef {
    pub site: Option<String>,
    pub vms: Option<String>,
    /// The recording source as described by its reader, or the file.
    pub file: Option<String>,
}

/// Why bytes are not a valid manifest.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ManifestError {
    #[error("not JSON of a manifest: {0}")]
    Json(String),
    #[error("unknown manifest format {0:?} (expected {FORMAT})")]
    Format(String),
    #[error("file path {0:?} is not a plain relative path inside the package")]
    BadPath(String),
    #[error("file {0:?} is listed twice")]
    Duplicate(String),
    #[error("file {path:?}: SHA-256 {sha256:?} is not 64 lowercase hex digits")]
    BadHash { path: String, sha256: String },
    #[error("the signing key is not an Ed25519 key with a matching fingerprint")]
    BadKey,
}

impl Manifest {
    /// Parses and checks a manifest's bytes (outside input).
    pub fn parse(bytes: &[u8]) -> Result<Self, ManifestError> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Json(e.to_string()))?;
        if m.format != FORMAT {
            return Err(ManifestError::Format(m.format));
        }
        let mut seen = HashSet::new();
        for f in &m.files {
            if !is_plain_path(&f.path) || is_reserved(&f.path) {
                return Err(ManifestError::BadPath(f.path.clone()));
            }
            if !seen.insert(f.path.as_str()) {
                return Err(ManifestError::Duplicate(f.path.clone()));
            }
            if !is_hex(&f.sha256) {
                return Err(ManifestError::BadHash {
                    path: f.path.clone(),
                    sha256: f.sha256.clone(),
                });
            }
        }
        if m.signing_key.verifying_key().is_none() {
            return Err(ManifestError::BadKey);
        }
        Ok(m)
    }
}

impl KeyRef {
    pub fn new(vk: &ed25519_dalek::VerifyingKey) -> Self {
        Self {
            algorithm: "Ed25519".into(),
            public_key: hex::encode(vk.as_bytes()),
            fingerprint: crate::evidence::key::fingerprint(vk),
        }
    }

    /// The key, if the entry is a valid Ed25519 key whose fingerprint matches.
    pub fn verifying_key(&self) -> Option<ed25519_dalek::VerifyingKey> {
        if self.algorithm != "Ed25519" {
            return None;
        }
        let raw: [u8; 32] = hex::decode(&self.public_key).ok()?.try_into().ok()?;
        let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw).ok()?;
        (crate::evidence::key::fingerprint(&vk) == self.fingerprint).then_some(vk)
    }
}

fn is_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A relative `/`-separated path of ordinary names: no `..`, `.`, empty
/// parts, backslashes, drive letters, control characters or leading `/`.
pub fn is_plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 1024
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains(':')
        && !p.chars().any(char::is_control)
        && p.split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// The package's own files, which the manifest cannot list.
pub fn is_reserved(p: &str) -> bool {
    matches!(p, MANIFEST | SIGNATURE | SUMS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let vk = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key();
        Manifest {
            format: FORMAT.into(),
            title: "t".into(),
            case: None,
            exported_by: "ann".into(),
            exported_at: "2026-01-01T00:00:00.000Z".into(),
            vigil_version: "0.1.0".into(),
            signing_key: KeyRef::new(&vk),
            files: vec![FileEntry {
                path: "clips/a.mp4".into(),
                sha256: "0".repeat(64),
                bytes: 1,
                kind: FileKind::Clip,
                camera: None,
                start: None,
                end: None,
                source: None,
            }],
        }
    }

    #[test]
    fn checks_paths_hashes_and_key() {
        let m = sample();
        let ok = serde_json::to_vec(&m).unwrap();
        assert_eq!(Manifest::parse(&ok).unwrap(), m);
        for bad in [
            "../x",
            "/etc/passwd",
            "a//b",
            "a\\b",
            "C:x",
            "./a",
            "manifest.json",
            "SHA256SUMS",
        ] {
            let mut b = m.clone();
            b.files[0].path = bad.into();
            assert!(
                matches!(
                    Manifest::parse(&serde_json::to_vec(&b).unwrap()),
                    Err(ManifestError::BadPath(_))
                ),
                "{bad}"
            );
        }
        let mut b = m.clone();
        b.files.push(b.files[0].clone());
        assert!(matches!(
            Manifest::parse(&serde_json::to_vec(&b).unwrap()),
            Err(ManifestError::Duplicate(_))
        ));
        let mut b = m.clone();
        b.files[0].sha256 = "A".repeat(64);
        assert!(matches!(
            Manifest::parse(&serde_json::to_vec(&b).unwrap()),
            Err(ManifestError::BadHash { .. })
        ));
        let mut b = m.clone();
        b.signing_key.fingerprint = "0".repeat(64);
        assert_eq!(
            Manifest::parse(&serde_json::to_vec(&b).unwrap()),
            Err(ManifestError::BadKey)
        );
        assert!(matches!(Manifest::parse(b"{"), Err(ManifestError::Json(_))));
    }
}
