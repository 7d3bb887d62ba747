//! The banner shown when an opened folder is an incident package: verified
//! by key FINGERPRINT, TAMPERED (with the files named), or unsigned. The
//! check itself is the evidence module's.
use std::path::Path;

use serde::Serialize;

use super::manifest;
use crate::evidence::{PackageError, PackageReport, PackageStatus};

/// How an opened package checks out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum PackageState {
    Verified,
    Tampered,
    Unsigned,
    /// Signed, but by a key this install does not know.
    UnknownKey,
    /// The check could not run (unreadable manifest, ...).
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct PackageBanner {
    pub root: String,
    pub state: PackageState,
    /// The signing key's fingerprint.
    pub fingerprint: Option<String>,
    /// Changed, missing or extra files, or why the check failed.
    pub problems: Vec<String>,
}

/// Whether `root` is an incident package (a folder with a manifest).
pub fn is_package(root: &Path) -> bool {
    root.is_dir() && manifest::is_package(root)
}

/// The banner of the package at `root` from the evidence module's check.
pub fn from_report(root: &Path, report: Result<PackageReport, PackageError>) -> PackageBanner {
    let root = root.display().to_string();
    match report {
        Ok(r) => PackageBanner {
            root,
            state: match r.status {
                PackageStatus::Verified => PackageState::Verified,
                PackageStatus::Tampered => PackageState::Tampered,
                PackageStatus::Unsigned => PackageState::Unsigned,
                PackageStatus::UnknownKey => PackageState::UnknownKey,
            },
            fingerprint: r.fingerprint,
            problems: r
                .problems
                .iter()
                .map(|p| format!("{}: {:?} ({})", p.path, p.kind, p.detail))
                .collect(),
        },
        Err(e) => PackageBanner {
            root,
            state: PackageState::Error,
            fingerprint: None,
            problems: vec![e.to_string()],
        },
    }
}
