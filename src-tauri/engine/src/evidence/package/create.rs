//! Writes a package: copies the evidence into a staging folder beside the
//! output (hashing what was written), adds the public key and README, the
//! manifest, its Ed25519 signature and `SHA256SUMS`, then renames the
//! folder into place or writes it as a zip (stored: video does not
//! compress) and removes the staging folder. Nothing half-made is left
//! under the output name.
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey};

use super::files::hash_file;
use super::manifest::{
    is_plain_path, is_reserved, CameraRef, CaseRef, FileEntry, FileKind, KeyRef, Manifest,
    SourceRef, FORMAT, MANIFEST, PUBLIC_KEY, README, SIGNATURE, SUMS,
};
use super::readme::readme;
use super::sums::write_sums;
use crate::cases::rfc3339_ms;
use crate::evidence::error::io;
use crate::evidence::key::{fingerprint, public_key_pem};
use crate::evidence::PackageError;

/// Where an item's bytes come from.
#[derive(Debug, Clone)]
pub enum ItemData {
    /// Copied from a file.
    File(PathBuf),
    /// Written as given (the case record).
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct PackageItem {
    pub data: ItemData,
    /// Path inside the package, `/`-separated.
    pub dest: String,
    pub kind: FileKind,
    pub camera: Option<CameraRef>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub source: Option<SourceRef>,
    /// The SHA-256 the file had when it was made (a case's media): a copy
    /// that differs is refused.
    pub expected_sha256: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PackageSpec {
    pub title: String,
    pub case: Option<CaseRef>,
    pub exported_by: String,
    pub exported_at_ms: i64,
    pub items: Vec<PackageItem>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub path: PathBuf,
    pub fingerprint: String,
    pub files: usize,
    pub bytes: u64,
    pub zip: bool,
}

/// Writes the package to `out` (a zip if it ends in `.zip`, else a folder).
/// `progress` gets 0..1 as the files are copied.
pub fn create_package(
    spec: &PackageSpec,
    key: &SigningKey,
    out: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<Created, PackageError> {
    if out.exists() {
        return Err(PackageError::Exists(out.to_path_buf()));
    }
    let zip = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let name = out
        .file_name()
        .ok_or_else(|| PackageError::Invalid(format!("{} has no file name", out.display())))?
        .to_string_lossy()
        .into_owned();
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io("creating", parent))?;
    let staging = parent.join(format!(".{name}.partial"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io("clearing", &staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(io("creating", &staging))?;
    let result = stage(spec, key, &staging, progress).and_then(|(files, bytes, fp)| {
        if zip {
            write_zip(&staging, out)?;
            let _ = std::fs::remove_dir_all(&staging);
        } else {
            std::fs::rename(&staging, out).map_err(io("renaming into", out))?;
        }
        Ok(Created {
            path: out.to_path_buf(),
            fingerprint: fp,
            files,
            bytes,
            zip,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// Fills the staging folder; returns (files listed, bytes, fingerprint).
fn stage(
    spec: &PackageSpec,
    key: &SigningKey,
    dir: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<(usize, u64, String), PackageError> {
    let vk = key.verifying_key();
    let fp = fingerprint(&vk);
    let exported_at = rfc3339_ms(spec.exported_at_ms);
    let mut entries = Vec::new();
    let mut total = 0u64;
    let n = spec.items.len().max(1) as f64;
    for (i, item) in spec.items.iter().enumerate() {
        if !is_plain_path(&item.dest)
            || is_reserved(&item.dest)
            || matches!(item.dest.as_str(), README | PUBLIC_KEY)
            || entries.iter().any(|e: &FileEntry| e.path == item.dest)
        {
            return Err(PackageError::Invalid(format!(
                "{:?} is not a free plain path inside the package",
                item.dest
            )));
        }
        let dest = dir.join(&item.dest);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p).map_err(io("creating", p))?;
        }
        match &item.data {
            ItemData::File(src) => {
                std::fs::copy(src, &dest).map_err(io("copying", src))?;
            }
            ItemData::Bytes(b) => std::fs::write(&dest, b).map_err(io("writing", &dest))?,
        }
        let (sha256, bytes) = hash_file(&dest)?;
        if let (Some(want), ItemData::File(src)) = (&item.expected_sha256, &item.data) {
            if *want != sha256 {
                return Err(PackageError::MediaChanged {
                    path: src.clone(),
                    expected: want.clone(),
                    actual: sha256,
                });
            }
        }
        total += bytes;
        entries.push(FileEntry {
            path: item.dest.clone(),
            sha256,
            bytes,
            kind: item.kind,
            camera: item.camera.clone(),
            start: item.start_ms.map(rfc3339_ms),
            end: item.end_ms.map(rfc3339_ms),
            source: item.source.clone(),
        });
        progress((i + 1) as f64 / n * 0.95);
    }
    for (rel, text, kind) in [
        (PUBLIC_KEY, public_key_pem(&vk), FileKind::Key),
        (
            README,
            readme(&spec.title, &spec.exported_by, &exported_at, &fp),
            FileKind::Readme,
        ),
    ] {
        let p = dir.join(rel);
        std::fs::write(&p, text).map_err(io("writing", &p))?;
        let (sha256, bytes) = hash_file(&p)?;
        entries.push(FileEntry {
            path: rel.into(),
            sha256,
            bytes,
            kind,
            camera: None,
            start: None,
            end: None,
            source: None,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        title: spec.title.clone(),
        case: spec.case.clone(),
        exported_by: spec.exported_by.clone(),
        exported_at,
        vigil_version: env!("CARGO_PKG_VERSION").into(),
        signing_key: KeyRef::new(&vk),
        files: entries,
    };
    let mut mbytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| PackageError::Invalid(format!("manifest: {e}")))?;
    mbytes.push(b'\n');
    let mp = dir.join(MANIFEST);
    std::fs::write(&mp, &mbytes).map_err(io("writing", &mp))?;
    let sig = key.sign(&mbytes);
    let sp = dir.join(SIGNATURE);
    std::fs::write(&sp, sig.to_bytes()).map_err(io("writing", &sp))?;
    let msha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&mbytes));
    let mut pairs: Vec<(&str, &str)> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    pairs.push((MANIFEST, &msha));
    let sums = dir.join(SUMS);
    std::fs::write(&sums, write_sums(pairs)).map_err(io("writing", &sums))?;
    progress(1.0);
    Ok((manifest.files.len(), total, fp))
}

/// Zips the staging folder (stored entries) to `out` via `out.partial`.
fn write_zip(dir: &Path, out: &Path) -> Result<(), PackageError> {
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let zerr = |e: zip::result::ZipError| PackageError::Zip {
        path: out.to_path_buf(),
        reason: e.to_string(),
    };
    let scanned = super::files::scan(dir)?;
    let f = std::fs::File::create(&partial).map_err(io("writing", &partial))?;
    let mut z = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    for rel in scanned.files.keys() {
        z.start_file(rel.as_str(), opts).map_err(zerr)?;
        let src = dir.join(rel);
        let mut r = std::fs::File::open(&src).map_err(io("reading", &src))?;
        std::io::copy(&mut r, &mut z).map_err(io("writing", &partial))?;
    }
    let mut f = z.finish().map_err(zerr)?;
    f.flush().map_err(io("writing", &partial))?;
    f.sync_all().map_err(io("writing", &partial))?;
    std::fs::rename(&partial, out).map_err(io("renaming into", out))?;
    Ok(())
}
