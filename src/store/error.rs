use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong with the data dir. Every message says what to do; none loses saved data.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot use the data dir {path}: {source}. Pick a writable folder with --data-dir or MEMOREEZ_DATA_DIR")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the disk holding {path} is full; free some space and run the same command again (nothing saved was lost)"
    )]
    DiskFull { path: PathBuf },
    #[error("{path} is read-only; pick a writable data dir with --data-dir or MEMOREEZ_DATA_DIR")]
    ReadOnly { path: PathBuf },
    #[error("the database {path} is damaged or not a memoreez database. It was left untouched: move it aside (your files under assets/ are kept) and memoreez will start a new one")]
    Corrupt { path: PathBuf },
    #[error(
        "the database {path} was written by a newer memoreez (schema {found}, this one knows {known}); update memoreez"
    )]
    TooNew { path: PathBuf, found: usize, known: usize },
    #[error("no session matches '{0}'; `memoreez sessions` lists them")]
    NoSuchSession(String),
    #[error("'{0}' matches several sessions; give more characters of the id")]
    AmbiguousId(String),
    #[error("no order matches '{0}'; `memoreez orders list` lists them")]
    NoSuchOrder(String),
    #[error("an order that is {from} cannot become {to}; allowed next: {allowed}")]
    BadTransition { from: String, to: String, allowed: String },
    #[error("the saved file {path} is missing or changed on disk (expected sha256 {sha256}); the stage that made it will run again")]
    AssetMissing { path: PathBuf, sha256: String },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("saved data could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{context} {path}: {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// Maps low-level I/O failures onto the messages a person can act on.
    pub fn from_io(context: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        use std::io::ErrorKind as K;
        // Wrapped errors (tempfile adds the path) keep their kind but lose the raw OS code.
        match (source.raw_os_error(), source.kind()) {
            (Some(28), _) | (_, K::StorageFull) => StoreError::DiskFull { path }, // ENOSPC
            (Some(30 | 13 | 1), _) | (_, K::ReadOnlyFilesystem | K::PermissionDenied) => {
                StoreError::ReadOnly { path } // EROFS, EACCES, EPERM
            }
            _ => StoreError::Io { context, path, source },
        }
    }

    /// Maps SQLite failures onto the same messages.
    pub fn from_sql(path: &std::path::Path, err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        let path = path.to_path_buf();
        match err.sqlite_error_code() {
            Some(C::DiskFull) => StoreError::DiskFull { path },
            Some(C::ReadOnly) | Some(C::CannotOpen) | Some(C::PermissionDenied) => StoreError::ReadOnly { path },
            Some(C::DatabaseCorrupt) | Some(C::NotADatabase) => StoreError::Corrupt { path },
            _ => StoreError::Sql(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disk_and_read_only_errors_say_what_to_do() {
        let full = StoreError::from_io("writing", "/d", std::io::Error::from_raw_os_error(28));
        assert!(full.to_string().contains("disk holding /d is full"));
        let ro = StoreError::from_io("writing", "/d", std::io::Error::from_raw_os_error(30));
        assert!(ro.to_string().contains("read-only"));
        let wrapped = std::io::Error::new(std::io::ErrorKind::StorageFull, "tempfile says: no space");
        assert!(matches!(StoreError::from_io("writing", "/d", wrapped), StoreError::DiskFull { .. }));
        let other = StoreError::from_io("writing", "/d", std::io::Error::from_raw_os_error(2));
        assert!(matches!(other, StoreError::Io { .. }));
    }

    #[test]
    fn sqlite_codes_map_to_messages() {
        let e = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        assert!(matches!(StoreError::from_sql(std::path::Path::new("/d"), e), StoreError::DiskFull { .. }));
        let e = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB), None);
        assert!(matches!(StoreError::from_sql(std::path::Path::new("/d"), e), StoreError::Corrupt { .. }));
    }
}
