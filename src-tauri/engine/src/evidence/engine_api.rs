//! The engine's evidence methods: this install's signing key for Settings
//! (public half and fingerprint; the private half never leaves the
//! keyring), footage of a camera for exports, and packages of a case or of
//! marked ranges.
use std::path::Path;

use serde::Serialize;

use super::case_package::{case_items, case_ref};
use super::clip::{export_clip, ClipRequest};
use super::key::{fingerprint, install_signing_key, public_key_pem};
use super::package::{
    create_package, CameraRef, Created, FileKind, ItemData, PackageItem, PackageSpec, SourceRef,
};
use super::source::Footage;
use super::{EvidenceError, PackageError};
use crate::engine::Engine;
use crate::media::source::StopFlag;
use crate::vms::StreamKind;

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

/// A marked range of some footage, for a package.
#[derive(Clone)]
pub struct MarkedRange {
    pub footage: Footage,
    pub camera: CameraRef,
    pub source: SourceRef,
    pub from_ms: i64,
    pub to_ms: i64,
}

/// A package made, and what was left out.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageMade {
    #[serde(flatten)]
    pub created: Created,
    /// Case media not done yet (left out).
    pub not_ready: usize,
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

    /// Verifies a package against this engine's install key (its keyring
    /// service) and the data directory's trusted keys: the open banner.
    pub fn verify_evidence_package(
        &self,
        path: &Path,
    ) -> Result<super::PackageReport, PackageError> {
        super::verify_package_with(path, &super::key::TrustedKeys::for_install(&self.secrets))
    }

    /// A camera's recording as footage to export from, with its camera and
    /// source references (site name and kind).
    pub fn evidence_footage(
        &self,
        camera_id: &str,
    ) -> Result<(Footage, CameraRef, SourceRef), EvidenceError> {
        let not_found = |e: crate::vms::VmsError| EvidenceError::Invalid(e.to_string());
        let cam = self.registry.camera(camera_id).map_err(not_found)?;
        let rec = self
            .registry
            .recording(camera_id, StreamKind::Main)
            .map_err(not_found)?;
        let site = self.registry.site(&cam.site).ok();
        let source = SourceRef {
            site: Some(match &site {
                Some(s) => format!("{} ({})", s.name, s.id),
                None => cam.site.clone(),
            }),
            vms: site.as_ref().map(|s| s.kind.clone()),
            file: Some(crate::secrets::redact::redact_text(&rec.describe())),
        };
        let camera = CameraRef {
            id: cam.id.clone(),
            name: cam.name.clone(),
        };
        Ok((
            Footage::Recording {
                name: cam.name,
                rec,
            },
            camera,
            source,
        ))
    }

    /// A signed package of a case: its record, done clips (with sidecars)
    /// and snapshots. `out` ending in `.zip` makes a zip.
    pub fn export_case_package(
        &self,
        case_id: &str,
        out: &Path,
        exported_by: &str,
        progress: &mut dyn FnMut(f64),
    ) -> Result<PackageMade, PackageError> {
        let d = self.cases().detail(case_id)?;
        let lookup = |site: &str| self.registry.site(site).ok().map(|s| (s.name, s.kind));
        let (items, not_ready) = case_items(&d, &lookup);
        let spec = PackageSpec {
            title: format!("{} {}", d.case.label, d.case.title),
            case: Some(case_ref(&d)),
            exported_by: exported_by.to_string(),
            exported_at_ms: crate::media::source::now_ms(),
            items,
        };
        let key = install_signing_key(&self.secrets)?;
        let created = create_package(&spec, &key, out, progress)?;
        Ok(PackageMade { created, not_ready })
    }

    /// A signed package of marked ranges: each cut as a lossless clip with
    /// its annotation (progress: the clips, then the package).
    pub fn export_range_package(
        &self,
        title: &str,
        ranges: &[MarkedRange],
        out: &Path,
        exported_by: &str,
        progress: &mut dyn FnMut(f64),
        stop: StopFlag,
    ) -> Result<PackageMade, PackageError> {
        if ranges.is_empty() {
            return Err(PackageError::Invalid("no ranges to export".into()));
        }
        let key = install_signing_key(&self.secrets)?;
        let tmp = tempfile::tempdir().map_err(|source| PackageError::Io {
            what: "creating a work folder",
            path: std::env::temp_dir(),
            source,
        })?;
        let now = crate::media::source::now_ms();
        let n = ranges.len() as f64;
        let mut items = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            let name = format!(
                "{}_{}_{}.mp4",
                i + 1,
                crate::file_name::safe_id(&r.camera.id),
                crate::cases::rfc3339_ms(r.from_ms).replace([':', '-'], "")
            );
            let clip = tmp.path().join(&name);
            let req = ClipRequest {
                from_ms: r.from_ms,
                to_ms: r.to_ms,
                camera: r.camera.clone(),
                source: r.source.clone(),
                now_ms: now,
            };
            let mut p = |x: f64| {
                progress((i as f64 + x) / n * 0.8);
                !stop.is_stopped()
            };
            let c = export_clip(&r.footage, &req, &clip, &mut p, stop.clone())?;
            let (a, b) = (c.annotation.actual_start_ms, c.annotation.actual_end_ms);
            for (path, kind) in [
                (c.path, FileKind::Clip),
                (c.annotation_path, FileKind::Annotation),
            ] {
                let dest = format!(
                    "clips/{}",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default()
                );
                items.push(PackageItem {
                    data: ItemData::File(path),
                    dest,
                    kind,
                    camera: Some(r.camera.clone()),
                    start_ms: Some(a),
                    end_ms: Some(b),
                    source: Some(r.source.clone()),
                    expected_sha256: None,
                });
            }
        }
        let spec = PackageSpec {
            title: title.to_string(),
            case: None,
            exported_by: exported_by.to_string(),
            exported_at_ms: now,
            items,
        };
        let created = create_package(&spec, &key, out, &mut |x| progress(0.8 + 0.2 * x))?;
        Ok(PackageMade {
            created,
            not_ready: 0,
        })
    }
}
