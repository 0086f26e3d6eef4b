//! Local models: their manifests (`models/*.toml`, built into the binary), where a pulled model
//! lives under the data dir, checking what is on disk ([`verify`]) and downloading it ([`pull`]).
//!
//! Layout: `<data dir>/models/<owner>/<repo>/<path in repo>`, e.g.
//! `~/.local/share/memoreez/models/tencent/Hunyuan3D-2/hunyuan3d-dit-v2-0-turbo/model.fp16.safetensors`,
//! the same tree the official `hy3dgen` keeps under `~/.cache/hy3dgen`, so either can be pointed at the other.

pub mod pull;
pub mod verify;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What can go wrong with manifests, checks and downloads; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    #[error("no model named '{name}'; known models: {known}")]
    Unknown { name: String, known: String },
    #[error("the manifest {file} is not valid: {message}")]
    Manifest { file: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("downloading {file} from {repo} failed: {message}")]
    Download { repo: String, file: String, message: String },
    #[error(
        "{file} from {repo} is {actual} bytes where {expected} were expected; the repository changed or the \
         download is damaged: nothing was installed, run the pull again"
    )]
    Size { repo: String, file: String, expected: u64, actual: u64 },
    #[error(
        "{file} from {repo} has sha256 {actual} where {expected} was expected; the download is damaged: \
         nothing was installed, run the pull again"
    )]
    Checksum { repo: String, file: String, expected: String, actual: String },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ModelsError + '_ {
    move |source| ModelsError::Io { path: path.to_path_buf(), source }
}

/// What a model is for, which decides how its config is checked and who can use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// A Hunyuan3D-2 shape checkpoint: one safetensors file with the DiT (`model.`), the ShapeVAE
    /// (`vae.`) and the DINOv2 conditioner (`conditioner.`), next to the official `config.yaml`.
    Hunyuan3d,
    /// A replacement ShapeVAE (the FlashVDM-tuned turbo decoders): keys without prefix.
    Hunyuan3dVae,
}

/// The licence terms shown before a pull.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    pub name: String,
    pub url: String,
    /// Where the licence grants no rights; shown before a pull, which needs a confirmation.
    #[serde(default)]
    pub excluded_territories: Vec<String>,
}

/// One file of a model, by its path in the repository.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    /// Exact size in bytes, where known.
    pub size: Option<u64>,
    /// Lower-case hex sha256, where known.
    pub sha256: Option<String>,
    /// Tensor names the safetensors header must hold (a cheap check that it is the right checkpoint).
    #[serde(default)]
    pub tensors: Vec<String>,
}

impl FileEntry {
    pub fn is_safetensors(&self) -> bool {
        self.path.ends_with(".safetensors")
    }
}

/// One `models/*.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub description: String,
    pub kind: ModelKind,
    /// For Hunyuan3D checkpoints, the short variant name `memoreez shape --variant` takes.
    pub variant: Option<String>,
    /// Hugging Face repository, `owner/name`.
    pub repo: String,
    #[serde(default = "main_revision")]
    pub revision: String,
    pub licence: Licence,
    pub files: Vec<FileEntry>,
}

fn main_revision() -> String {
    "main".into()
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Manifest {
    pub fn parse(file: &str, text: &str) -> Result<Manifest, ModelsError> {
        let bad = |message: String| ModelsError::Manifest { file: file.to_string(), message };
        let m: Manifest = toml::from_str(text).map_err(|e| bad(e.to_string().trim().replace('\n', " ")))?;
        m.validate().map_err(bad)?;
        Ok(m)
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() || !self.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!("name '{}' must be lower-case letters, digits and dashes", self.name));
        }
        let parts: Vec<&str> = self.repo.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|p| p.is_empty() || *p == "." || *p == "..") {
            return Err(format!("repo '{}' must be owner/name", self.repo));
        }
        if self.files.is_empty() {
            return Err("lists no files".into());
        }
        for f in &self.files {
            let p = Path::new(&f.path);
            if f.path.is_empty()
                || p.is_absolute()
                || p.components().any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(format!("file path '{}' must be relative, without . or ..", f.path));
            }
            if let Some(h) = &f.sha256 {
                if !is_hex64(h) {
                    return Err(format!("{}: sha256 must be 64 lower-case hex digits", f.path));
                }
            }
            if !f.tensors.is_empty() && !f.is_safetensors() {
                return Err(format!("{}: tensors can only be listed for a .safetensors file", f.path));
            }
        }
        if self.kind == ModelKind::Hunyuan3d && self.variant.is_none() {
            return Err("a hunyuan3d model needs its variant".into());
        }
        Ok(())
    }

    /// Where this repository's files go under the models folder.
    pub fn repo_dir(&self, models_dir: &Path) -> PathBuf {
        self.repo.split('/').fold(models_dir.to_path_buf(), |p, part| p.join(part))
    }

    pub fn local_path(&self, models_dir: &Path, file: &FileEntry) -> PathBuf {
        file.path.split('/').fold(self.repo_dir(models_dir), |p, part| p.join(part))
    }

    /// The folder holding the model (its config and weights): the first file's folder.
    pub fn model_dir(&self, models_dir: &Path) -> PathBuf {
        let first = &self.files[0];
        self.local_path(models_dir, first).parent().map(Path::to_path_buf).unwrap_or_else(|| self.repo_dir(models_dir))
    }

    /// Sum of the known sizes, and whether every size is known.
    pub fn known_size(&self) -> (u64, bool) {
        (self.files.iter().filter_map(|f| f.size).sum(), self.files.iter().all(|f| f.size.is_some()))
    }
}

/// The manifests under `models/`, compiled in so the binary knows them wherever it runs.
/// `tests/models_manifests.rs` checks that this list and the folder agree.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("hunyuan3d-v2-0.toml", include_str!("../../models/hunyuan3d-v2-0.toml")),
    ("hunyuan3d-fast.toml", include_str!("../../models/hunyuan3d-fast.toml")),
    ("hunyuan3d-turbo.toml", include_str!("../../models/hunyuan3d-turbo.toml")),
    ("hunyuan3d-vae-turbo.toml", include_str!("../../models/hunyuan3d-vae-turbo.toml")),
    ("hunyuan3d-mini.toml", include_str!("../../models/hunyuan3d-mini.toml")),
    ("hunyuan3d-mini-fast.toml", include_str!("../../models/hunyuan3d-mini-fast.toml")),
    ("hunyuan3d-mini-turbo.toml", include_str!("../../models/hunyuan3d-mini-turbo.toml")),
    ("hunyuan3d-vae-mini-turbo.toml", include_str!("../../models/hunyuan3d-vae-mini-turbo.toml")),
];

/// Every known model, in the order of [`EMBEDDED`].
pub fn all() -> Result<Vec<Manifest>, ModelsError> {
    EMBEDDED.iter().map(|(file, text)| Manifest::parse(file, text)).collect()
}

/// The model called `name`.
pub fn find(name: &str) -> Result<Manifest, ModelsError> {
    let all = all()?;
    let known = all.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ");
    all.iter().find(|m| m.name == name).cloned().ok_or(ModelsError::Unknown { name: name.to_string(), known })
}

/// The models folder inside a data dir.
pub fn models_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("models")
}

/// What a pull recorded about each file (its size and the sha256 checked against the server),
/// so that `verify` can check files whose manifest entry gives neither.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub commit: Option<String>,
    pub files: Vec<ReceiptFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Receipt {
    pub fn path(manifest: &Manifest, models_dir: &Path) -> PathBuf {
        manifest.repo_dir(models_dir).join(".memoreez").join(format!("{}.toml", manifest.name))
    }

    /// The receipt of an earlier pull; none when there was none or it cannot be read.
    pub fn load(manifest: &Manifest, models_dir: &Path) -> Option<Receipt> {
        let text = std::fs::read_to_string(Self::path(manifest, models_dir)).ok()?;
        toml::from_str(&text).ok()
    }

    pub fn save(&self, manifest: &Manifest, models_dir: &Path) -> Result<(), ModelsError> {
        let path = Self::path(manifest, models_dir);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let text = toml::to_string(self)
            .map_err(|e| ModelsError::Io { path: path.clone(), source: std::io::Error::other(e.to_string()) })?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io_err(&path))
    }

    pub fn file(&self, path: &str) -> Option<&ReceiptFile> {
        self.files.iter().find(|f| f.path == path)
    }

    pub fn record(&mut self, file: ReceiptFile) {
        self.files.retain(|f| f.path != file.path);
        self.files.push(file);
    }
}

/// Whether a model is on disk, from file presence and sizes only (no hashing): what `list` shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Presence {
    /// Every file is there with its expected size (where one is known).
    Installed {
        bytes: u64,
    },
    /// Some files are there; the first missing or wrong-sized ones are named.
    Partial {
        bytes: u64,
        missing: Vec<String>,
    },
    Absent,
}

/// The size a file should have: the manifest's, else the one a pull recorded.
pub fn expected_size(file: &FileEntry, receipt: Option<&Receipt>) -> Option<u64> {
    file.size.or_else(|| receipt.and_then(|r| r.file(&file.path)).map(|f| f.size))
}

pub fn presence(manifest: &Manifest, models_dir: &Path) -> Presence {
    let receipt = Receipt::load(manifest, models_dir);
    let mut bytes = 0;
    let mut missing = Vec::new();
    for f in &manifest.files {
        match std::fs::metadata(manifest.local_path(models_dir, f)) {
            Ok(meta) if meta.is_file() => {
                bytes += meta.len();
                if expected_size(f, receipt.as_ref()).is_some_and(|s| s != meta.len()) {
                    missing.push(format!("{} (wrong size)", f.path));
                }
            }
            _ => missing.push(f.path.clone()),
        }
    }
    if missing.is_empty() {
        Presence::Installed { bytes }
    } else if missing.len() == manifest.files.len() && bytes == 0 {
        Presence::Absent
    } else {
        Presence::Partial { bytes, missing }
    }
}

/// Sizes for people: 4.6 GB, 812 MB, 3 kB.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "tiny"
description = "a test model"
kind = "hunyuan3d"
variant = "turbo"
repo = "someone/tiny"
[licence]
name = "Test licence"
url = "https://example.invalid/licence"
excluded_territories = ["Nowhere"]
[[files]]
path = "sub/config.yaml"
[[files]]
path = "sub/model.safetensors"
size = 12
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
tensors = ["model.a"]
"#;

    #[test]
    fn parses_and_places_files() {
        let m = Manifest::parse("tiny.toml", GOOD).unwrap();
        assert_eq!(m.revision, "main");
        let root = Path::new("/data/models");
        assert_eq!(m.model_dir(root), PathBuf::from("/data/models/someone/tiny/sub"));
        assert_eq!(m.local_path(root, &m.files[1]), PathBuf::from("/data/models/someone/tiny/sub/model.safetensors"));
        assert_eq!(m.known_size(), (12, false));
    }

    #[test]
    fn rejects_what_would_escape_or_mislead() {
        for (from, to, expect) in [
            ("sub/config.yaml", "../config.yaml", "relative"),
            ("someone/tiny", "tiny", "owner/name"),
            ("0000000000000000000000000000000000000000000000000000000000000000", "abc", "sha256"),
            ("variant = \"turbo\"\n", "", "variant"),
            ("name = \"tiny\"", "name = \"Tiny\"", "lower-case"),
            ("size = 12", "size = 12\nbogus = 1", "bogus"),
        ] {
            let err = Manifest::parse("t.toml", &GOOD.replacen(from, to, 1)).unwrap_err().to_string();
            assert!(err.contains(expect) && err.contains("t.toml"), "{from} -> {to}: {err}");
        }
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = find("nonesuch").unwrap_err().to_string();
        assert!(err.contains("hunyuan3d-turbo"), "{err}");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(4_600_000_000), "4.6 GB");
        assert_eq!(human_bytes(812_000_000), "812 MB");
    }
}
