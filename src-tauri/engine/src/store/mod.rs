//! The store: SQLite through rusqlite (bundled), WAL, schema migrations with
//! rusqlite_migration. Holds sites and their cached cameras (no secrets),
//! layouts, settings, cases and footage jobs.
//! Times are UTC milliseconds.
mod layouts;
mod migrate_sites;
pub mod migrations;
mod sites;

pub use layouts::{Layout, NamedLayout};

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use crate::error::{ErrorKind, HasKind};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("database query ({what}) failed: {source}")]
    Query {
        what: &'static str,
        source: rusqlite::Error,
    },
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt { what: &'static str, reason: String },
    #[error("{what} not found: {id}")]
    NotFound { what: &'static str, id: String },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl HasKind for StoreError {
    fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Storage,
        }
    }
}

pub(crate) fn q(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

/// The database. One connection behind a mutex: the console's writes are few.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::init(conn)
    }

    /// A private in-memory database (tests, the headless `vigil live`).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        Self::init(conn)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(q("journal_mode"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(q("foreign_keys"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(q("synchronous"))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(q("busy_timeout"))?;
        migrations::migrations().to_latest(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A setting's value, if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(q("read setting"))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map_err(q("write setting"))?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, for `*_at_ms` columns.
pub(crate) fn now_ms() -> i64 {
    crate::media::source::now_ms()
}
