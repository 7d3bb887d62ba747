//! The banner shown when an opened folder is an incident package: verified
//! by key FINGERPRINT, TAMPERED (with the files named), or unsigned. The
//! check itself is the evidence module's.
use std::path::Path;

use serde::Serialize;

use super::manifest;

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

/// The banner of the package at `root`, if `root` is one.
pub fn of_root(root: &Path) -> Option<PackageBanner> {
    if !root.is_dir() || !manifest::is_package(root) {
        return None;
    }
    Some(check(root))
}

fn check(root: &Path) -> PackageBanner {
    PackageBanner {
        root: root.display().to_string(),
        state: PackageState::Error,
        fingerprint: None,
        problems: vec!["package verification is not available in this build".into()],
    }
}
