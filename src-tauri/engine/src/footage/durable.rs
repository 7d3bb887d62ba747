//! Durable, all-or-nothing files: write to a hidden `.NAME.partial` beside
//! the final path, fsync it, rename it over the final name, fsync the
//! directory. A crash leaves either no final file or a complete one; a
//! retry overwrites the same final name, so media is never duplicated.
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::FootageError;

/// A final path and the partial file written before it.
#[derive(Debug, Clone)]
pub struct Aside {
    pub final_path: PathBuf,
    pub partial: PathBuf,
}

/// Size and SHA-256 (hex) of a committed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    pub sha256: String,
    pub bytes: u64,
}

impl Aside {
    /// Prepares `final_path`: creates its directory and removes a partial
    /// left by an earlier, interrupted attempt.
    pub fn new(final_path: &Path) -> Result<Self, FootageError> {
        let dir = final_path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| FootageError::storage("cannot create", dir, e))?;
        let name = final_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let partial = dir.join(format!(".{name}.partial"));
        match std::fs::remove_file(&partial) {
            Ok(()) => tracing::info!("removed an interrupted partial file {}", partial.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(FootageError::storage("cannot remove", &partial, e)),
        }
        Ok(Self {
            final_path: final_path.to_path_buf(),
            partial,
        })
    }

    /// Writes `bytes` to the partial file.
    pub fn write_all(&self, bytes: &[u8]) -> Result<(), FootageError> {
        let mut f = File::create(&self.partial)
            .map_err(|e| FootageError::storage("cannot create", &self.partial, e))?;
        f.write_all(bytes)
            .map_err(|e| FootageError::storage("cannot write", &self.partial, e))?;
        Ok(())
    }

    /// fsyncs the partial file, hashes it, renames it into place and fsyncs
    /// the directory.
    pub fn commit(self) -> Result<FileFacts, FootageError> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.partial)
            .map_err(|e| FootageError::storage("cannot open", &self.partial, e))?;
        f.sync_all()
            .map_err(|e| FootageError::storage("cannot sync", &self.partial, e))?;
        drop(f);
        let facts = file_facts(&self.partial)?;
        std::fs::rename(&self.partial, &self.final_path)
            .map_err(|e| FootageError::storage("cannot rename into", &self.final_path, e))?;
        sync_dir(self.final_path.parent().unwrap_or(Path::new(".")))?;
        Ok(facts)
    }

    /// Removes the partial file (after a failed attempt).
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// Writes `bytes` to `path` durably.
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<FileFacts, FootageError> {
    let a = Aside::new(path)?;
    if let Err(e) = a.write_all(bytes) {
        a.discard();
        return Err(e);
    }
    let r = a.clone().commit();
    if r.is_err() {
        a.discard();
    }
    r
}

/// Size and SHA-256 of a file.
pub fn file_facts(path: &Path) -> Result<FileFacts, FootageError> {
    let mut f = File::open(path).map_err(|e| FootageError::storage("cannot read", path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| FootageError::storage("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(FileFacts {
        sha256: hex::encode(h.finalize()),
        bytes,
    })
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), FootageError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| FootageError::storage("cannot sync directory", dir, e))
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), FootageError> {
    Ok(()) // NTFS renames are journaled; directories cannot be opened for sync
}

/// Maps an FFmpeg write error to a storage error when it is one (disk
/// full, read-only, permission, file too large).
pub fn ffmpeg_write_error(what: &'static str, path: &Path, e: ffmpeg_next::Error) -> FootageError {
    if let ffmpeg_next::Error::Other { errno } = e {
        #[cfg(unix)]
        let storage = [
            libc::ENOSPC,
            libc::EDQUOT,
            libc::EROFS,
            libc::EACCES,
            libc::EFBIG,
            libc::EIO,
        ]
        .contains(&errno);
        #[cfg(not(unix))]
        let storage = errno == 28 || errno == 13;
        if storage {
            return FootageError::storage(what, path, std::io::Error::from_raw_os_error(errno));
        }
    }
    FootageError::Write {
        what,
        reason: format!("{}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_atomically_and_cleans_partials() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a/b/x.bin");
        let f = write_durably(&p, b"hello").unwrap();
        assert_eq!(f.bytes, 5);
        assert_eq!(
            f.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        // an interrupted attempt left a partial: the next attempt removes it
        let a = Aside::new(&p).unwrap();
        a.write_all(b"half").unwrap();
        let again = Aside::new(&p).unwrap();
        assert!(!again.partial.exists());
        write_durably(&p, b"hello").unwrap();
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.bin"]);
    }
}
