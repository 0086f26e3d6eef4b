//! SQLite (WAL) for sessions, assets and orders; asset files on disk, content-addressed. Paths in the
//! database are relative to the data dir, so the whole folder can be moved.

mod error;
pub mod files;
mod migrations;
mod orders;
mod sessions;

pub use error::StoreError;
pub use orders::{NewOrder, OrderRow, OrderState};
pub use sessions::{AssetKind, AssetRow, AssetStatus, NewAsset, SessionRow};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The name of the database file inside the data dir.
pub const DB_FILE: &str = "memoreez.db";

/// One data dir: its database and its asset files. Shared between threads behind an `Arc`.
pub struct Store {
    root: PathBuf,
    conn: Mutex<Connection>,
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An id or the start of one, as a person types it: hex digits only, so it is safe in a LIKE prefix.
fn id_prefix(text: &str) -> Option<String> {
    let prefix = text.trim().to_lowercase();
    (!prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_hexdigit())).then_some(prefix)
}

impl Store {
    /// Opens (or creates) the data dir and brings its database to the current schema.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(root).map_err(|e| match StoreError::from_io("creating", root, e) {
            StoreError::Io { source, .. } => StoreError::DataDir { path: root.to_path_buf(), source },
            other => other,
        })?;
        let db = root.join(DB_FILE);
        let sql = |e| StoreError::from_sql(&db, e);
        let mut conn = Connection::open(&db).map_err(sql)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(sql)?;
        // Reading the schema first is what detects a file that is not a database, before anything writes.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).map_err(sql)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sql)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sql)?;
        match migrations::migrate(&mut conn).map_err(sql)? {
            migrations::MigrateOutcome::Current => {}
            migrations::MigrateOutcome::TooNew { found, known } => {
                return Err(StoreError::TooNew { path: db, found, known });
            }
        }
        Ok(Store { root: root.to_path_buf(), conn: Mutex::new(conn) })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db_path(&self) -> PathBuf {
        self.root.join(DB_FILE)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back).
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sql(&self, err: rusqlite::Error) -> StoreError {
        StoreError::from_sql(&self.db_path(), err)
    }

    /// Saves a file's bytes content-addressed; returns (relative path, sha256).
    pub fn put_file(&self, bytes: &[u8], ext: &str) -> Result<(PathBuf, String), StoreError> {
        files::put(&self.root, bytes, ext)
    }

    /// Reads a saved asset's file, checking it is the one that was saved.
    pub fn read_file(&self, asset: &AssetRow) -> Result<Vec<u8>, StoreError> {
        match (&asset.path, &asset.sha256) {
            (Some(path), Some(sha)) => files::get(&self.root, path, sha),
            _ => Err(StoreError::AssetMissing { path: self.root.clone(), sha256: String::new() }),
        }
    }

    /// The folder where an order's files go.
    pub fn order_dir(&self, order_id: &str) -> PathBuf {
        self.root.join("orders").join(order_id)
    }
}
