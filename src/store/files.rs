//! Asset files: named by the sha256 of their content, written atomically (temp file + rename).

use super::StoreError;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` so that a reader sees the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores `bytes` under `root/assets/ab/<sha256>.<ext>` and returns the path relative to `root` with the hash.
/// Writing the same content twice is free: the file is already there.
pub fn put(root: &Path, bytes: &[u8], ext: &str) -> Result<(PathBuf, String), StoreError> {
    let sha = sha256_hex(bytes);
    let rel = PathBuf::from("assets").join(&sha[..2]).join(format!("{sha}.{ext}"));
    let abs = root.join(&rel);
    if abs.exists() && std::fs::read(&abs).map(|b| sha256_hex(&b) == sha).unwrap_or(false) {
        return Ok((rel, sha));
    }
    let dir = abs.parent().unwrap_or(root);
    std::fs::create_dir_all(dir).map_err(|e| StoreError::from_io("creating", dir, e))?;
    write_atomic(&abs, bytes).map_err(|e| StoreError::from_io("writing", &abs, e))?;
    Ok((rel, sha))
}

/// Reads a stored file back and checks its hash, so a damaged file is redone instead of used.
pub fn get(root: &Path, rel: &Path, sha256: &str) -> Result<Vec<u8>, StoreError> {
    let abs = root.join(rel);
    let missing = || StoreError::AssetMissing { path: abs.clone(), sha256: sha256.to_string() };
    let bytes = std::fs::read(&abs).map_err(|_| missing())?;
    if sha256_hex(&bytes) != sha256 {
        return Err(missing());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_and_get_checks_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let (rel, sha) = put(dir.path(), b"hello", "txt").unwrap();
        assert_eq!(sha, sha256_hex(b"hello"));
        assert!(rel.starts_with("assets"));
        assert_eq!(put(dir.path(), b"hello", "txt").unwrap().0, rel);
        assert_eq!(get(dir.path(), &rel, &sha).unwrap(), b"hello");
        std::fs::write(dir.path().join(&rel), b"tampered").unwrap();
        assert!(matches!(get(dir.path(), &rel, &sha), Err(StoreError::AssetMissing { .. })));
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
