//! What a package on disk holds: every regular file of a folder, or every
//! entry of a zip, with its SHA-256 and size (and the bytes of the small
//! files a verifier reads: manifest, signature, hash list, key). Names that
//! are not plain relative paths, links and other odd entries are kept
//! apart so a verifier can name them.
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{is_plain_path, MANIFEST, PUBLIC_KEY, SIGNATURE, SUMS};
use crate::evidence::error::io;
use crate::evidence::PackageError;

/// Files kept in memory are at most this big (a larger manifest is refused).
pub const SMALL_LIMIT: u64 = 16 << 20;

#[derive(Debug, Clone)]
pub struct Entry {
    pub sha256: String,
    pub bytes: u64,
    /// The contents, for the package's own small files.
    pub contents: Option<Vec<u8>>,
}

#[derive(Debug, Default)]
pub struct Scanned {
    /// By relative `/`-separated path.
    pub files: BTreeMap<String, Entry>,
    /// Entries that are not regular files with plain names (links, devices, `../x`).
    pub odd: Vec<String>,
}

fn keep(rel: &str) -> bool {
    matches!(rel, MANIFEST | SIGNATURE | SUMS | PUBLIC_KEY)
}

/// Hashes a reader; keeps its bytes if `keep` (refusing more than SMALL_LIMIT).
fn hash_reader(r: &mut dyn Read, keep: bool) -> std::io::Result<Entry> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    let mut contents = keep.then(Vec::new);
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
        if let Some(c) = contents.as_mut() {
            if bytes > SMALL_LIMIT {
                contents = None;
            } else {
                c.extend_from_slice(&buf[..n]);
            }
        }
    }
    Ok(Entry {
        sha256: hex::encode(h.finalize()),
        bytes,
        contents,
    })
}

/// SHA-256 and size of a file.
pub fn hash_file(path: &Path) -> Result<(String, u64), PackageError> {
    let mut f = std::fs::File::open(path).map_err(io("reading", path))?;
    let e = hash_reader(&mut f, false).map_err(io("reading", path))?;
    Ok((e.sha256, e.bytes))
}

/// Whether `path` is a zip package (by its first bytes).
pub fn is_zip(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    path.is_file()
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
        && magic == *b"PK\x03\x04"
}

/// Every file of the package at `path` (a folder or a zip).
pub fn scan(path: &Path) -> Result<Scanned, PackageError> {
    if path.is_dir() {
        let mut s = Scanned::default();
        walk(path, path, &mut s)?;
        Ok(s)
    } else if is_zip(path) {
        scan_zip(path)
    } else if path.exists() {
        Err(PackageError::NotAPackage {
            path: path.to_path_buf(),
            reason: "neither a folder nor a zip".into(),
        })
    } else {
        Err(PackageError::NotAPackage {
            path: path.to_path_buf(),
            reason: "it does not exist".into(),
        })
    }
}

fn walk(root: &Path, dir: &Path, s: &mut Scanned) -> Result<(), PackageError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io("listing", dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let meta = std::fs::symlink_metadata(&p).map_err(io("reading", &p))?;
        if meta.is_dir() {
            walk(root, &p, s)?;
        } else if meta.is_file() && is_plain_path(&rel) {
            let mut f = std::fs::File::open(&p).map_err(io("reading", &p))?;
            let e = hash_reader(&mut f, keep(&rel)).map_err(io("reading", &p))?;
            s.files.insert(rel, e);
        } else {
            s.odd.push(rel);
        }
    }
    Ok(())
}

fn scan_zip(path: &Path) -> Result<Scanned, PackageError> {
    let zerr = |e: zip::result::ZipError| PackageError::Zip {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let f = std::fs::File::open(path).map_err(io("reading", path))?;
    let mut z = zip::ZipArchive::new(f).map_err(zerr)?;
    let mut s = Scanned::default();
    for i in 0..z.len() {
        let mut e = z.by_index(i).map_err(zerr)?;
        let name = e.name().to_string();
        if e.is_dir() {
            continue;
        }
        if !e.is_file() || !is_plain_path(&name) || s.files.contains_key(&name) {
            s.odd.push(name);
            continue;
        }
        // a stored entry whose bytes were changed fails its CRC-32 at the
        // end: that is a changed file, not an unreadable package
        let entry = hash_reader(&mut e, keep(&name)).unwrap_or_else(|err| Entry {
            sha256: format!("unreadable ({err})"),
            bytes: e.size(),
            contents: None,
        });
        s.files.insert(name, entry);
    }
    Ok(s)
}
