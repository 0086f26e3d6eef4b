//! Downloading a model's files from Hugging Face with hf-hub's tokio API.
//!
//! hf-hub downloads in ranged chunks into a `.sync.part` file in its cache (here
//! `<models>/.hf-cache`) and records how far it got, so an interrupted pull resumes where it stopped
//! when run again. Each finished file is checked (size, and sha256 against the manifest's or else the
//! hash the server reports for Git LFS files in `X-Linked-Etag`) and then moved into the models tree;
//! a file that fails a check is deleted, never installed.

use super::verify::{sha256_file, ByteProgress};
use super::{io_err, Manifest, ModelsError, Receipt, ReceiptFile};
use hf_hub::api::tokio::{ApiBuilder, ApiError};
use hf_hub::{Cache, Repo, RepoType};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Environment variable naming another Hugging Face endpoint (a mirror), as hf-hub and the Python
/// hub client read it.
pub const ENDPOINT_ENV: &str = "HF_ENDPOINT";

#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Hugging Face endpoint [default: `HF_ENDPOINT`, else https://huggingface.co].
    pub endpoint: Option<String>,
    /// Access token [default: `HF_TOKEN`, else the Hugging Face cache's token file].
    pub token: Option<String>,
    /// Bytes per ranged request; the unit an interrupted download resumes from [default: hf-hub's 10 MB].
    pub chunk_size: Option<usize>,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledFile {
    pub path: String,
    pub local: PathBuf,
    pub size: u64,
    pub sha256: String,
    /// It was already in place with the recorded size, so nothing was fetched.
    pub already_there: bool,
}

/// hf-hub's progress trait over our [`ByteProgress`].
#[derive(Clone)]
struct Adapter {
    sink: Arc<dyn ByteProgress>,
    label: String,
}

impl hf_hub::api::tokio::Progress for Adapter {
    async fn init(&mut self, size: usize, _filename: &str) {
        self.sink.start(&self.label, size as u64, 0);
    }
    async fn update(&mut self, size: usize) {
        self.sink.advance(size as u64);
    }
    async fn finish(&mut self) {
        self.sink.finish();
    }
}

fn download_err(m: &Manifest, file: &str, e: impl std::fmt::Display) -> ModelsError {
    ModelsError::Download { repo: m.repo.clone(), file: file.to_string(), message: e.to_string() }
}

fn api_err(m: &Manifest, file: &str, e: ApiError) -> ModelsError {
    let hint = match &e {
        ApiError::RequestError(r) if r.is_connect() || r.is_timeout() => {
            " (no connection: check the network, or set HF_ENDPOINT to a reachable mirror)"
        }
        ApiError::RequestError(r) if r.status().is_some_and(|s| s.as_u16() == 401 || s.as_u16() == 403) => {
            " (access refused: accept the model's terms on huggingface.co and set HF_TOKEN)"
        }
        _ => "",
    };
    download_err(m, file, format!("{e}{hint}"))
}

fn is_sha256(etag: &str) -> bool {
    etag.len() == 64 && etag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Moves a downloaded blob into place: a rename within the models folder, a copy across devices.
fn install(blob: &Path, dest: &Path) -> Result<(), ModelsError> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    if std::fs::rename(blob, dest).is_ok() {
        return Ok(());
    }
    let tmp = dest.with_extension("part-copy");
    std::fs::copy(blob, &tmp).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, dest).map_err(io_err(dest))?;
    std::fs::remove_file(blob).map_err(io_err(blob))
}

/// Fetches every file of `manifest` into `models_dir` (see [`Manifest::local_path`]); files already
/// there with the size a previous pull recorded are kept. Records sizes and hashes in the receipt.
pub async fn pull(
    manifest: &Manifest,
    models_dir: &Path,
    opts: &PullOptions,
    progress: Arc<dyn ByteProgress>,
) -> Result<Vec<PulledFile>, ModelsError> {
    let cache_dir = models_dir.join(".hf-cache");
    std::fs::create_dir_all(&cache_dir).map_err(io_err(&cache_dir))?;
    let token = opts
        .token
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty()))
        .or_else(|| Cache::from_env().token());
    let mut builder = ApiBuilder::from_cache(Cache::new(cache_dir.clone())).with_progress(false).with_token(token);
    if let Some(endpoint) = opts.endpoint.clone().or_else(|| std::env::var(ENDPOINT_ENV).ok().filter(|e| !e.is_empty()))
    {
        builder = builder.with_endpoint(endpoint.trim_end_matches('/').to_string());
    }
    if let Some(chunk) = opts.chunk_size {
        builder = builder.with_chunk_size(Some(chunk.max(1)));
    }
    let api = builder.build().map_err(|e| api_err(manifest, "(client)", e))?;
    let repo = Repo::with_revision(manifest.repo.clone(), RepoType::Model, manifest.revision.clone());
    let api_repo = api.repo(repo);

    let mut receipt = Receipt::load(manifest, models_dir).unwrap_or_default();
    let mut out = Vec::new();
    for file in &manifest.files {
        let dest = manifest.local_path(models_dir, file);
        let recorded = receipt.file(&file.path).cloned();
        let want_size = file.size.or(recorded.as_ref().map(|r| r.size));
        if let (Ok(meta), Some(size)) = (std::fs::metadata(&dest), want_size) {
            let want_hash = file.sha256.clone().or(recorded.map(|r| r.sha256));
            if meta.is_file() && meta.len() == size {
                // Same size is not enough to keep a file a known hash can vouch for (or not).
                let sha256 = match &want_hash {
                    Some(h) => sha256_file(&dest, progress.as_ref()).map_err(io_err(&dest))?.eq(h).then(|| h.clone()),
                    None => Some(String::new()),
                };
                if let Some(sha256) = sha256 {
                    out.push(PulledFile { path: file.path.clone(), local: dest, size, sha256, already_there: true });
                    continue;
                }
            }
        }

        let url = api_repo.url(&file.path);
        let meta = api.metadata(&url).await.map_err(|e| api_err(manifest, &file.path, e))?;
        let size = meta.size() as u64;
        if let Some(expected) = file.size {
            if expected != size {
                return Err(ModelsError::Size {
                    repo: manifest.repo.clone(),
                    file: file.path.clone(),
                    expected,
                    actual: size,
                });
            }
        }
        let adapter = Adapter { sink: progress.clone(), label: file.path.clone() };
        let pointer =
            api_repo.download_with_progress(&file.path, adapter).await.map_err(|e| api_err(manifest, &file.path, e))?;
        let blob = std::fs::canonicalize(&pointer).map_err(io_err(&pointer))?;
        let actual_size = std::fs::metadata(&blob).map_err(io_err(&blob))?.len();
        let sha256 = sha256_file(&blob, progress.as_ref()).map_err(io_err(&blob))?;
        let expected_hash = file.sha256.clone().or_else(|| is_sha256(meta.etag()).then(|| meta.etag().to_lowercase()));
        let problem = if actual_size != size {
            Some(ModelsError::Size {
                repo: manifest.repo.clone(),
                file: file.path.clone(),
                expected: size,
                actual: actual_size,
            })
        } else {
            match expected_hash {
                Some(expected) if expected != sha256 => Some(ModelsError::Checksum {
                    repo: manifest.repo.clone(),
                    file: file.path.clone(),
                    expected,
                    actual: sha256.clone(),
                }),
                _ => None,
            }
        };
        // The cache's pointer (a link to the blob) is of no use once the blob moves or goes.
        let _ = std::fs::remove_file(&pointer);
        if let Some(err) = problem {
            let _ = std::fs::remove_file(&blob);
            return Err(err);
        }
        install(&blob, &dest)?;
        let _ = std::fs::remove_file(blob.with_extension("lock"));
        receipt.commit = Some(meta.commit_hash().to_string());
        receipt.record(ReceiptFile { path: file.path.clone(), size, sha256: sha256.clone() });
        receipt.save(manifest, models_dir)?;
        out.push(PulledFile { path: file.path.clone(), local: dest, size, sha256, already_there: false });
    }
    Ok(out)
}
