//! Checks a package: the manifest's signature (by the key it names, then
//! whether that key is this install's or a trusted one), every listed file's
//! SHA-256 and size, files added or removed, and the plain hash list against
//! the manifest. Every difference is named; nothing stops at the first.
use std::path::Path;

use ed25519_dalek::Signature;
use serde::Serialize;

use super::files::{scan, Entry};
use super::manifest::{is_reserved, CaseRef, Manifest, MANIFEST, PUBLIC_KEY, SIGNATURE, SUMS};
use super::sums::parse_sums;
use crate::evidence::key::{parse_public_key_pem, KeyTrust, TrustedKeys};
use crate::evidence::PackageError;
use crate::secrets::SecretStore;

/// The verdict, worst first: tampered beats unsigned beats unknown key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PackageStatus {
    /// Signed by a known key, every file as the manifest says.
    Verified,
    /// Something differs from what was signed (see the problems).
    Tampered,
    /// No signature: the files may match the manifest, but nobody vouches for it.
    Unsigned,
    /// Intact and validly signed, by a key this verifier does not know.
    UnknownKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProblemKind {
    /// The file's bytes differ from the manifest.
    Changed,
    /// Listed in the manifest, not in the package.
    Missing,
    /// In the package, not in the manifest.
    Extra,
    /// manifest.json differs from what was signed.
    ManifestEdited,
    /// manifest.json is unreadable or not a valid manifest.
    ManifestInvalid,
    /// SHA256SUMS or public_key.pem disagrees with the manifest.
    Mismatch,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    pub path: String,
    pub kind: ProblemKind,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageReport {
    pub status: PackageStatus,
    /// The fingerprint of the key the manifest names (signed or not).
    pub fingerprint: Option<String>,
    /// Who that key is to this verifier (when the signature holds).
    pub key_trust: Option<KeyTrust>,
    pub problems: Vec<Problem>,
    pub title: Option<String>,
    pub case: Option<CaseRef>,
    pub exported_by: Option<String>,
    pub exported_at: Option<String>,
    /// Files the manifest lists.
    pub files: usize,
}

impl PackageReport {
    /// The CLI's exit code: 0 verified, 1 tampered, 2 unsigned or unknown key.
    pub fn exit_code(&self) -> i32 {
        match self.status {
            PackageStatus::Verified => 0,
            PackageStatus::Tampered => 1,
            PackageStatus::Unsigned | PackageStatus::UnknownKey => 2,
        }
    }

    /// One line for people: `verified by key FP`, `TAMPERED: ...`, `unsigned`.
    pub fn summary(&self) -> String {
        let fp = self.fingerprint.as_deref().unwrap_or("?");
        match self.status {
            PackageStatus::Verified => {
                let whose = match self.key_trust {
                    Some(KeyTrust::ThisInstall) => " (this computer's key)",
                    _ => " (a trusted key)",
                };
                format!("verified by key {fp}{whose}")
            }
            PackageStatus::Tampered => format!(
                "TAMPERED: {}",
                self.problems
                    .iter()
                    .map(|p| format!("{} {}", p.path, kind_word(p.kind)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PackageStatus::Unsigned => "unsigned: no manifest.json.sig".into(),
            PackageStatus::UnknownKey => format!("signed by an unknown key {fp}"),
        }
    }
}

fn kind_word(k: ProblemKind) -> &'static str {
    match k {
        ProblemKind::Changed => "changed",
        ProblemKind::Missing => "missing",
        ProblemKind::Extra => "added",
        ProblemKind::ManifestEdited => "edited after signing",
        ProblemKind::ManifestInvalid => "invalid",
        ProblemKind::Mismatch => "disagrees with the manifest",
    }
}

/// Verifies the package at `path` (folder or zip) against this install's
/// key (OS keyring, service "vigil") and the data directory's trusted keys.
pub fn verify_package(path: &Path) -> Result<PackageReport, PackageError> {
    verify_package_with(path, &TrustedKeys::for_install(&SecretStore::vigil()))
}

/// As [`verify_package`], with the trusted keys given.
pub fn verify_package_with(
    path: &Path,
    trust: &TrustedKeys,
) -> Result<PackageReport, PackageError> {
    let scanned = scan(path)?;
    let files = &scanned.files;
    let mut problems = Vec::new();
    let mut p = |path: &str, kind, detail: String| {
        problems.push(Problem {
            path: path.to_string(),
            kind,
            detail,
        })
    };
    for o in &scanned.odd {
        p(
            o,
            ProblemKind::Extra,
            "not a plain file of the package".into(),
        );
    }
    let Some(mbytes) = files.get(MANIFEST) else {
        if !files.contains_key(SUMS) && !files.contains_key(SIGNATURE) {
            return Err(PackageError::NotAPackage {
                path: path.to_path_buf(),
                reason: "no manifest.json".into(),
            });
        }
        p(
            MANIFEST,
            ProblemKind::Missing,
            "the manifest is gone".into(),
        );
        return Ok(report(PackageStatus::Tampered, None, None, problems));
    };
    let Some(mbytes) = mbytes.contents.as_deref() else {
        p(MANIFEST, ProblemKind::ManifestInvalid, "too large".into());
        return Ok(report(PackageStatus::Tampered, None, None, problems));
    };
    let m = match Manifest::parse(mbytes) {
        Ok(m) => m,
        Err(e) => {
            p(MANIFEST, ProblemKind::ManifestInvalid, e.to_string());
            return Ok(report(PackageStatus::Tampered, None, None, problems));
        }
    };
    // the signature, by the key the manifest names
    let signed = match files.get(SIGNATURE) {
        None => false,
        Some(e) => {
            let sig = e
                .contents
                .as_deref()
                .and_then(|b| <[u8; 64]>::try_from(b).ok())
                .map(|b| Signature::from_bytes(&b));
            let vk = m.signing_key.verifying_key();
            match (sig, vk) {
                (Some(sig), Some(vk)) if vk.verify_strict(mbytes, &sig).is_ok() => {}
                (Some(_), _) => p(
                    MANIFEST,
                    ProblemKind::ManifestEdited,
                    "the signature does not match the manifest's bytes".into(),
                ),
                (None, _) => p(
                    SIGNATURE,
                    ProblemKind::Changed,
                    "not a 64-byte Ed25519 signature".into(),
                ),
            }
            true
        }
    };
    // the files the manifest lists
    for f in &m.files {
        match files.get(&f.path) {
            None => p(
                &f.path,
                ProblemKind::Missing,
                "listed in the manifest".into(),
            ),
            Some(Entry { sha256, bytes, .. }) if *sha256 != f.sha256 || *bytes != f.bytes => p(
                &f.path,
                ProblemKind::Changed,
                format!(
                    "SHA-256 {sha256} ({bytes} bytes), the manifest says {} ({} bytes)",
                    f.sha256, f.bytes
                ),
            ),
            Some(_) => {}
        }
    }
    for name in files.keys() {
        if !is_reserved(name) && !m.files.iter().any(|f| f.path == *name) {
            p(name, ProblemKind::Extra, "not in the manifest".into());
        }
    }
    // the plain list and the key file must say what the manifest says
    match files.get(SUMS) {
        None => p(SUMS, ProblemKind::Missing, "the hash list is gone".into()),
        Some(e) => {
            let text = e.contents.as_deref().map(String::from_utf8_lossy);
            let listed = text.as_deref().map(parse_sums);
            let mut expected: Vec<(String, String)> = m
                .files
                .iter()
                .map(|f| (f.path.clone(), f.sha256.clone()))
                .collect();
            expected.push((MANIFEST.to_string(), files[MANIFEST].sha256.clone()));
            expected.sort();
            match listed {
                Some(Ok(mut l)) => {
                    l.sort();
                    if l != expected {
                        p(
                            SUMS,
                            ProblemKind::Mismatch,
                            "its hashes differ from the manifest's".into(),
                        )
                    }
                }
                _ => p(SUMS, ProblemKind::Mismatch, "not a hash list".into()),
            }
        }
    }
    if let Some(e) = files.get(PUBLIC_KEY) {
        let pem = e.contents.as_deref().map(String::from_utf8_lossy);
        let key = pem.as_deref().and_then(parse_public_key_pem);
        if key.is_none() || key != m.signing_key.verifying_key() {
            p(
                PUBLIC_KEY,
                ProblemKind::Mismatch,
                "not the key the manifest names".into(),
            );
        }
    }
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    problems.dedup();
    let fp = m.signing_key.fingerprint.clone();
    let (status, trust) = if !problems.is_empty() {
        (PackageStatus::Tampered, None)
    } else if !signed {
        (PackageStatus::Unsigned, None)
    } else {
        match trust.trust_of(&fp) {
            KeyTrust::Unknown => (PackageStatus::UnknownKey, Some(KeyTrust::Unknown)),
            t => (PackageStatus::Verified, Some(t)),
        }
    };
    let mut r = report(status, Some(fp), trust, problems);
    r.title = Some(m.title);
    r.case = m.case;
    r.exported_by = Some(m.exported_by);
    r.exported_at = Some(m.exported_at);
    r.files = m.files.len();
    Ok(r)
}

fn report(
    status: PackageStatus,
    fingerprint: Option<String>,
    key_trust: Option<KeyTrust>,
    problems: Vec<Problem>,
) -> PackageReport {
    PackageReport {
        status,
        fingerprint,
        key_trust,
        problems,
        title: None,
        case: None,
        exported_by: None,
        exported_at: None,
        files: 0,
    }
}
