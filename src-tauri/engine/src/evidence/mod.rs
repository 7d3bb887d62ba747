//! Evidence out: sub-clips (stream copy of a marked in/out range, with a
//! JSON annotation of the source files), snapshots of the frame at a time
//! (PNG or JPEG, optional burned-in caption), and incident packages (a
//! folder or zip with a manifest of every file's SHA-256, a `SHA256SUMS`
//! list, and an Ed25519 signature by this install's key) with their
//! verification. See docs/evidence.md.
pub mod annotation;
pub mod case_package;
pub mod clip;
mod engine_api;
mod error;
pub mod key;
pub mod package;
pub mod snapshot;
pub mod source;
pub mod ui_exports;

pub use engine_api::{EvidenceKey, MarkedRange, PackageMade};
pub use error::{EvidenceError, PackageError};
pub use package::verify::{verify_package, verify_package_with, PackageReport, PackageStatus};
