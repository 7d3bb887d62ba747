//! One worker at a time per bus case: an exclusive lock on
//! `<media root>/.bus/locks/<case id>.lock` (flock on unix, LockFileEx on
//! Windows). The kernel drops it when the holder dies (SIGKILL included),
//! so a redelivered message is never blocked by a dead worker, and two
//! live workers never create, cut or link the same case at once (a broker
//! restart may hand a message still being processed to another worker).
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::BusError;
use crate::media::source::StopFlag;

/// A held case lock; released on drop.
pub struct CaseLock {
    _file: File,
    pub path: PathBuf,
}

fn lock_path(media_root: &Path, bus_id: &str) -> PathBuf {
    // bus ids are checked by the parser: letters, digits, - _ .
    media_root
        .join(".bus")
        .join("locks")
        .join(format!("{bus_id}.lock"))
}

#[cfg(unix)]
fn try_lock(f: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid open file descriptor for the call's duration.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
#[allow(clippy::incompatible_msrv)]
fn try_lock(f: &File) -> std::io::Result<bool> {
    match f.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

impl CaseLock {
    /// Takes the lock now if free.
    pub fn try_acquire(media_root: &Path, bus_id: &str) -> Result<Option<Self>, BusError> {
        let path = lock_path(media_root, bus_id);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| BusError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        }
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| BusError::Storage(format!("cannot open {}: {e}", path.display())))?;
        match try_lock(&f) {
            Ok(true) => Ok(Some(Self { _file: f, path })),
            Ok(false) => Ok(None),
            Err(e) => Err(BusError::Storage(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }

    /// Waits for the lock (another worker finishing the same case), looking
    /// every 100 ms, until `stop`.
    pub async fn acquire(
        media_root: &Path,
        bus_id: &str,
        stop: &StopFlag,
    ) -> Result<Self, BusError> {
        loop {
            if let Some(l) = Self::try_acquire(media_root, bus_id)? {
                return Ok(l);
            }
            if stop.is_stopped() {
                return Err(BusError::Stopped);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let a = CaseLock::try_acquire(d.path(), "42").unwrap().unwrap();
        assert!(CaseLock::try_acquire(d.path(), "42").unwrap().is_none());
        assert!(CaseLock::try_acquire(d.path(), "43").unwrap().is_some());
        drop(a);
        assert!(CaseLock::try_acquire(d.path(), "42").unwrap().is_some());
    }
}
