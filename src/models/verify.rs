//! Checking a model on disk against its manifest: every file present, sizes and sha256 where known
//! (from the manifest, else from the receipt of the pull that fetched it), safetensors headers that
//! parse, cover the whole file and hold the tensors the manifest names, and a config that reads.

use super::{expected_size, Manifest, ModelKind, Receipt};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Byte-level progress of a long read or download, reported from any thread.
pub trait ByteProgress: Send + Sync {
    /// A new file begins: `total` bytes, of which `done` are already there (a resumed download).
    fn start(&self, label: &str, total: u64, done: u64);
    fn advance(&self, bytes: u64);
    fn finish(&self);
}

/// Progress that goes nowhere.
pub struct Quiet;

impl ByteProgress for Quiet {
    fn start(&self, _: &str, _: u64, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Where an expected size or hash came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Manifest,
    Receipt,
}

/// What was found for one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileStatus {
    /// Everything checkable checked out; `sha256` says whether (and against what) the hash was checked.
    Ok {
        size: u64,
        sha256: Option<Source>,
    },
    Missing,
    WrongSize {
        expected: u64,
        actual: u64,
    },
    WrongHash {
        expected: String,
        actual: String,
    },
    /// The safetensors header is damaged, or the file is shorter than its header says.
    BadHeader(String),
    /// The header is sound but lacks tensors the model needs: the wrong checkpoint.
    MissingTensors(Vec<String>),
    /// The config file does not read as this kind of model's config.
    BadConfig(String),
}

impl FileStatus {
    pub fn is_ok(&self) -> bool {
        matches!(self, FileStatus::Ok { .. })
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            FileStatus::Ok { size, sha256 } => format!(
                "ok ({}{})",
                super::human_bytes(*size),
                match sha256 {
                    Some(Source::Manifest) => ", sha256 matches the manifest",
                    Some(Source::Receipt) => ", sha256 matches the pull's record",
                    None => ", no sha256 known to check",
                }
            ),
            FileStatus::Missing => "missing".into(),
            FileStatus::WrongSize { expected, actual } => format!("wrong size: {actual} bytes, expected {expected}"),
            FileStatus::WrongHash { expected, actual } => format!("wrong sha256: {actual}, expected {expected}"),
            FileStatus::BadHeader(m) => format!("damaged safetensors file: {m}"),
            FileStatus::MissingTensors(names) => {
                format!("not the expected checkpoint: lacks {}", names.join(", "))
            }
            FileStatus::BadConfig(m) => format!("config does not read: {m}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    pub path: String,
    pub local: PathBuf,
    pub status: FileStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VerifyReport {
    pub name: String,
    pub files: Vec<FileCheck>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.files.iter().all(|f| f.status.is_ok())
    }
}

/// One tensor's entry in a safetensors header.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub offsets: (u64, u64),
}

/// The header of a safetensors file, read without touching the tensor data.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetensorsHeader {
    pub tensors: BTreeMap<String, TensorInfo>,
    /// Bytes of tensor data the header accounts for.
    pub data_len: u64,
}

/// Reads and checks the header: an 8-byte little-endian length, that much JSON, entries whose data
/// ranges lie in the file, and a file exactly as long as the data (a shorter one was cut off).
pub fn read_safetensors_header(path: &Path) -> Result<SafetensorsHeader, String> {
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let file_len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut len_bytes = [0u8; 8];
    f.read_exact(&mut len_bytes).map_err(|_| format!("only {file_len} bytes, too short for a header"))?;
    let header_len = u64::from_le_bytes(len_bytes);
    // safetensors caps headers at 100 MB; anything larger is garbage, not a header.
    if header_len == 0 || header_len > 100_000_000 || 8 + header_len > file_len {
        return Err(format!("header length {header_len} does not fit a file of {file_len} bytes"));
    }
    let mut json = vec![0u8; header_len as usize];
    f.read_exact(&mut json).map_err(|e| e.to_string())?;
    let value: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| format!("header is not valid JSON ({e})"))?;
    let obj = value.as_object().ok_or("header is not a JSON object")?;
    let mut tensors = BTreeMap::new();
    let mut data_len = 0u64;
    for (name, entry) in obj {
        if name == "__metadata__" {
            continue;
        }
        let bad = |what: &str| format!("tensor {name}: {what}");
        let dtype = entry.get("dtype").and_then(|d| d.as_str()).ok_or_else(|| bad("no dtype"))?.to_string();
        let shape = entry
            .get("shape")
            .and_then(|s| s.as_array())
            .and_then(|a| a.iter().map(|d| d.as_u64().map(|d| d as usize)).collect::<Option<Vec<_>>>())
            .ok_or_else(|| bad("no shape"))?;
        let offsets = entry
            .get("data_offsets")
            .and_then(|o| o.as_array())
            .and_then(|a| match a.as_slice() {
                [b, e] => Some((b.as_u64()?, e.as_u64()?)),
                _ => None,
            })
            .ok_or_else(|| bad("no data_offsets"))?;
        if offsets.0 > offsets.1 {
            return Err(bad("data_offsets run backwards"));
        }
        data_len = data_len.max(offsets.1);
        tensors.insert(name.clone(), TensorInfo { dtype, shape, offsets });
    }
    let expected_len = 8 + header_len + data_len;
    if file_len < expected_len {
        return Err(format!("file is {file_len} bytes but its header needs {expected_len}: it was cut off"));
    }
    if file_len > expected_len {
        return Err(format!("file is {file_len} bytes, {} more than its header accounts for", file_len - expected_len));
    }
    Ok(SafetensorsHeader { tensors, data_len })
}

/// Lower-case hex sha256 of a file, reporting progress as it reads.
pub fn sha256_file(path: &Path, progress: &dyn ByteProgress) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let total = f.metadata()?.len();
    progress.start(&format!("sha256 {}", path.file_name().unwrap_or_default().to_string_lossy()), total, 0);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        progress.advance(n as u64);
    }
    progress.finish();
    Ok(hex::encode(hasher.finalize()))
}

fn check_config(kind: ModelKind, path: &Path) -> Result<(), String> {
    use crate::shapegen::hunyuan3d::config::{Config, VaeFileConfig};
    match kind {
        ModelKind::Hunyuan3d => Config::from_file(path).map(|_| ()),
        ModelKind::Hunyuan3dVae => VaeFileConfig::from_file(path).map(|_| ()),
    }
}

/// Checks one file; `hash` false skips the sha256 (reading gigabytes), keeping the other checks.
fn check_file(
    manifest: &Manifest,
    file: &super::FileEntry,
    local: &Path,
    receipt: Option<&Receipt>,
    hash: bool,
    progress: &dyn ByteProgress,
) -> FileStatus {
    let meta = match std::fs::metadata(local) {
        Ok(m) if m.is_file() => m,
        _ => return FileStatus::Missing,
    };
    let size = meta.len();
    if let Some(expected) = expected_size(file, receipt) {
        if expected != size {
            return FileStatus::WrongSize { expected, actual: size };
        }
    }
    if file.is_safetensors() {
        match read_safetensors_header(local) {
            Err(m) => return FileStatus::BadHeader(m),
            Ok(h) => {
                let missing: Vec<String> =
                    file.tensors.iter().filter(|t| !h.tensors.contains_key(*t)).cloned().collect();
                if !missing.is_empty() {
                    return FileStatus::MissingTensors(missing);
                }
            }
        }
    }
    if file.path.ends_with("config.yaml") {
        if let Err(m) = check_config(manifest.kind, local) {
            return FileStatus::BadConfig(m);
        }
    }
    let expected_hash = match (&file.sha256, receipt.and_then(|r| r.file(&file.path))) {
        (Some(h), _) => Some((h.clone(), Source::Manifest)),
        (None, Some(r)) => Some((r.sha256.clone(), Source::Receipt)),
        (None, None) => None,
    };
    let checked = match expected_hash {
        Some((expected, source)) if hash => match sha256_file(local, progress) {
            Ok(actual) if actual == expected => Some(source),
            Ok(actual) => return FileStatus::WrongHash { expected, actual },
            Err(e) => return FileStatus::BadHeader(format!("cannot read: {e}")),
        },
        _ => None,
    };
    FileStatus::Ok { size, sha256: checked }
}

/// Checks every file of `manifest` under `models_dir`.
pub fn verify(manifest: &Manifest, models_dir: &Path, hash: bool, progress: &dyn ByteProgress) -> VerifyReport {
    let receipt = Receipt::load(manifest, models_dir);
    let files = manifest
        .files
        .iter()
        .map(|f| {
            let local = manifest.local_path(models_dir, f);
            let status = check_file(manifest, f, &local, receipt.as_ref(), hash, progress);
            FileCheck { path: f.path.clone(), local, status }
        })
        .collect();
    VerifyReport { name: manifest.name.clone(), files }
}
