//! Durable, all-or-nothing files: write to a hidden `.NAME.<attempt>.partial`
//! beside the final path (one per attempt, so two attempts never share one),
//! fsync it, and, only while the attempt may still write (a
//! [`RenameGuard`]: the job's lease), move it over the final name
//! write-through (unix: rename, then fsync the directory; Windows:
//! `MoveFileExW` with `MOVEFILE_WRITE_THROUGH`). A crash leaves either no
//! final file or a complete one; a retry overwrites the same final name, so
//! media is never duplicated.
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::FootageError;

/// Whether an attempt may still move its file into place.
pub trait RenameGuard {
    /// Runs `rename` while the right to write the final file is held, so it
    /// cannot be lost during the rename; `Ok(false)` without running it
    /// when it is lost already.
    fn hold(
        &self,
        rename: &mut dyn FnMut() -> Result<(), FootageError>,
    ) -> Result<bool, FootageError>;
}

/// No guard: the caller is the only writer.
pub struct Unguarded;

impl RenameGuard for Unguarded {
    fn hold(
        &self,
        rename: &mut dyn FnMut() -> Result<(), FootageError>,
    ) -> Result<bool, FootageError> {
        rename()?;
        Ok(true)
    }
}

/// A final path and the partial file one attempt writes before it.
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

/// Whether `file` is a partial of `name` (`.NAME.partial`, or
/// `.NAME.<attempt>.partial` with an alphanumeric attempt).
fn is_partial_of(file: &str, name: &str) -> bool {
    let Some(rest) = file
        .strip_prefix('.')
        .and_then(|f| f.strip_prefix(name))
        .and_then(|f| f.strip_suffix("partial"))
    else {
        return false;
    };
    match rest.strip_prefix('.') {
        Some("") => true,
        Some(mid) => mid
            .strip_suffix('.')
            .is_some_and(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric())),
        None => false,
    }
}

/// Removes the partials of `name` in `dir` (earlier attempts').
fn remove_partials(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // nothing to clean; writing the partial reports real problems
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        if !is_partial_of(&file, name) {
            continue;
        }
        let old = e.path();
        match std::fs::remove_file(&old) {
            Ok(()) => tracing::info!(
                "removed an earlier attempt's partial file {}",
                old.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // still open by a stale attempt (Windows): it cannot rename it
            Err(e) => tracing::warn!("cannot remove {}: {e}", old.display()),
        }
    }
}

impl Aside {
    /// Prepares `final_path` for the attempt `attempt` (alphanumeric): its
    /// partial is `.NAME.<attempt>.partial`. Creates the directory and,
    /// while `guard` holds (every other attempt is then stale), removes
    /// partials of earlier attempts at the same file.
    pub fn new(
        final_path: &Path,
        attempt: &str,
        guard: &dyn RenameGuard,
    ) -> Result<Self, FootageError> {
        let dir = final_path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| FootageError::storage("cannot create", dir, e))?;
        let name = final_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let partial = dir.join(format!(".{name}.{attempt}.partial"));
        let held = guard.hold(&mut || {
            remove_partials(dir, &name);
            Ok(())
        })?;
        if !held {
            return Err(FootageError::LeaseLost);
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

    /// fsyncs the partial file, hashes it and, while `guard` holds, moves it
    /// over the final name durably. When the guard is lost the partial is
    /// removed and the final file is left as it was ([`FootageError::LeaseLost`]).
    pub fn commit(self, guard: &dyn RenameGuard) -> Result<FileFacts, FootageError> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&self.partial)
            .map_err(|e| FootageError::storage("cannot open", &self.partial, e))?;
        f.sync_all()
            .map_err(|e| FootageError::storage("cannot sync", &self.partial, e))?;
        drop(f);
        let facts = file_facts(&self.partial)?;
        let held = guard.hold(&mut || replace_durably(&self.partial, &self.final_path))?;
        if !held {
            self.discard();
            return Err(FootageError::LeaseLost);
        }
        Ok(facts)
    }

    /// Removes the partial file (after a failed attempt).
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// Writes `bytes` to `path` durably, as the attempt `attempt`, while
/// `guard` holds.
pub fn write_durably(
    path: &Path,
    bytes: &[u8],
    attempt: &str,
    guard: &dyn RenameGuard,
) -> Result<FileFacts, FootageError> {
    let a = Aside::new(path, attempt, guard)?;
    if let Err(e) = a.write_all(bytes) {
        a.discard();
        return Err(e);
    }
    let r = a.clone().commit(guard);
    if r.is_err() {
        a.discard();
    }
    r
}

/// Moves `from` over `to` so that the move survives a power cut once this
/// returns: rename, then fsync the directory.
#[cfg(unix)]
fn replace_durably(from: &Path, to: &Path) -> Result<(), FootageError> {
    std::fs::rename(from, to).map_err(|e| FootageError::storage("cannot rename into", to, e))?;
    let dir = to.parent().unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| FootageError::storage("cannot sync directory", dir, e))
}

/// Moves `from` over `to` so that the move survives a power cut once this
/// returns: `MoveFileExW` with `MOVEFILE_WRITE_THROUGH` (directories
/// cannot be opened for fsync on Windows; the flag makes the call return
/// only after the move is flushed to disk).
#[cfg(windows)]
fn replace_durably(from: &Path, to: &Path) -> Result<(), FootageError> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Storage::FileSystem::{
        MoveFileExW, MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH,
    };
    fn wide(p: &Path) -> Vec<u16> {
        p.as_os_str()
            .encode_wide()
            .chain(std::iter::once(0))
            .collect()
    }
    let (src, dst) = (wide(from), wide(to));
    // SAFETY: both are NUL-terminated UTF-16 strings that outlive the call.
    let ok = unsafe {
        MoveFileExW(
            src.as_ptr(),
            dst.as_ptr(),
            MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH,
        )
    };
    if ok == 0 {
        return Err(FootageError::storage(
            "cannot move into",
            to,
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn replace_durably(from: &Path, to: &Path) -> Result<(), FootageError> {
    std::fs::rename(from, to).map_err(|e| FootageError::storage("cannot rename into", to, e))
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
        let f = write_durably(&p, b"hello", "t1", &Unguarded).unwrap();
        assert_eq!(f.bytes, 5);
        assert_eq!(
            f.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        // interrupted attempts left partials (old and new naming): the next
        // attempt removes them, and its own partial is its own
        let dir = p.parent().unwrap();
        let a = Aside::new(&p, "t2", &Unguarded).unwrap();
        a.write_all(b"half").unwrap();
        std::fs::write(dir.join(".x.bin.partial"), b"older").unwrap();
        std::fs::write(dir.join(".x.binary.t3.partial"), b"another file's").unwrap();
        let again = Aside::new(&p, "t4", &Unguarded).unwrap();
        assert_ne!(again.partial, a.partial);
        assert!(!a.partial.exists());
        assert!(!dir.join(".x.bin.partial").exists());
        assert!(dir.join(".x.binary.t3.partial").exists());
        std::fs::remove_file(dir.join(".x.binary.t3.partial")).unwrap();
        write_durably(&p, b"hello", "t5", &Unguarded).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.bin"]);
    }

    struct Lost;
    impl RenameGuard for Lost {
        fn hold(
            &self,
            _: &mut dyn FnMut() -> Result<(), FootageError>,
        ) -> Result<bool, FootageError> {
            Ok(false)
        }
    }

    #[test]
    fn a_lost_guard_leaves_the_final_file_and_removes_the_partial() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.bin");
        write_durably(&p, b"first", "t1", &Unguarded).unwrap();
        let e = write_durably(&p, b"stale", "t2", &Lost).unwrap_err();
        assert!(matches!(e, FootageError::LeaseLost), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.bin"]);
    }

    #[test]
    fn partial_names_match_only_their_file() {
        assert!(is_partial_of(".a.mp4.partial", "a.mp4"));
        assert!(is_partial_of(".a.mp4.0123abcd.partial", "a.mp4"));
        assert!(!is_partial_of(".a.mp4x.01.partial", "a.mp4"));
        assert!(!is_partial_of(".a.mp4..partial", "a.mp4"));
        assert!(!is_partial_of(".a.mp4.x.y.partial", "a.mp4"));
        assert!(!is_partial_of("a.mp4", "a.mp4"));
        assert!(!is_partial_of(".a.json.01.partial", "a.mp4"));
    }
}
