//! Incident packages: a folder or zip with the evidence files, a signed
//! `manifest.json`, a `SHA256SUMS` list that `sha256sum -c` accepts, the
//! signer's public key and a README saying how to check it all without
//! Vigil. `create` writes one, `verify` checks one.
pub mod create;
pub mod files;
pub mod manifest;
pub mod readme;
pub mod sums;
pub mod verify;

pub use create::{create_package, Created, ItemData, PackageItem, PackageSpec};
pub use manifest::{CameraRef, CaseRef, FileEntry, FileKind, Manifest, ManifestError, SourceRef};
