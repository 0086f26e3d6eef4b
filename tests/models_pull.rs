//! `models pull` against a local server speaking the Hugging Face download protocol (what hf-hub
//! asks: ranged GETs under `/{repo}/resolve/{revision}/{file}`, answered with `X-Repo-Commit`,
//! `ETag` / `X-Linked-Etag` and `Content-Range`), so no test touches the network. The files served
//! are a fixture's tiny weights, so a pulled model is one `memoreez shape` can run.

mod common;

use common::{stderr, Env};
use memoreez::models::pull::{pull, PullOptions};
use memoreez::models::verify::{verify, ByteProgress, Quiet};
use memoreez::models::{self, Manifest, ModelsError, Presence};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

struct Served {
    bytes: Vec<u8>,
    /// What the server sends as the file's etag: a sha256 for LFS files, as Hugging Face does.
    etag: String,
    lfs: bool,
}

/// A tiny HTTP/1.1 server: one request per connection, `Connection: close`.
struct HubServer {
    endpoint: String,
    /// Every GET's path and Range header, in arrival order.
    log: Arc<Mutex<Vec<(String, String)>>>,
    /// Ranged GETs starting at or beyond this offset fail with 500 (u64::MAX: none do).
    fail_from: Arc<AtomicU64>,
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d/turbo-tiny").join(name)
}

impl HubServer {
    /// Serves `files` keyed by `{repo}/{path}`.
    fn start(files: HashMap<String, Served>) -> HubServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let fail_from = Arc::new(AtomicU64::new(u64::MAX));
        let files = Arc::new(files);
        let (l, f) = (log.clone(), fail_from.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (files, log, fail_from) = (files.clone(), l.clone(), f.clone());
                std::thread::spawn(move || {
                    let _ = answer(stream, &files, &log, &fail_from);
                });
            }
        });
        HubServer { endpoint, log, fail_from }
    }

    fn take_log(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

fn answer(
    mut stream: TcpStream,
    files: &HashMap<String, Served>,
    log: &Mutex<Vec<(String, String)>>,
    fail_from: &AtomicU64,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut range = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("range") {
                range = v.trim().to_string();
            }
        }
    }
    let mut parts = request.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
    log.lock().unwrap().push((path.clone(), range.clone()));
    // /{owner}/{name}/resolve/{revision}/{file...}
    let key = path.trim_start_matches('/').splitn(5, '/').collect::<Vec<_>>();
    let file = match key.as_slice() {
        [owner, name, "resolve", _rev, file] => files.get(&format!("{owner}/{name}/{file}")),
        _ => None,
    };
    let Some(file) = file else {
        return stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    };
    let len = file.bytes.len() as u64;
    let (start, end) = match range.strip_prefix("bytes=").and_then(|r| r.split_once('-')) {
        Some((a, b)) => (a.parse::<u64>().unwrap_or(0), b.parse::<u64>().unwrap_or(len - 1).min(len - 1)),
        None => (0, len - 1),
    };
    if start > 0 && start >= fail_from.load(Ordering::SeqCst) {
        // Late, as a dropped connection would be: the chunks before it are recorded first.
        std::thread::sleep(std::time::Duration::from_millis(200));
        return stream
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    }
    let etag_header = if file.lfs { "X-Linked-Etag" } else { "ETag" };
    let body = &file.bytes[start as usize..=end as usize];
    let head = format!(
        "HTTP/1.1 {}\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{end}/{len}\r\nX-Repo-Commit: {COMMIT}\r\n\
         {etag_header}: \"{}\"\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
        if range.is_empty() { "200 OK" } else { "206 Partial Content" },
        body.len(),
        file.etag
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The turbo-tiny fixture served as `repo`'s `folder`.
fn serve_fixture(repo: &str, folder: &str, weights_etag: Option<String>) -> HubServer {
    let weights = std::fs::read(fixture("model.safetensors")).unwrap();
    let config = std::fs::read(fixture("config.yaml")).unwrap();
    let mut files = HashMap::new();
    let etag = weights_etag.unwrap_or_else(|| sha(&weights));
    files.insert(format!("{repo}/{folder}/model.fp16.safetensors"), Served { bytes: weights, etag, lfs: true });
    // Small files are plain git blobs: their etag is a git sha1, not a content sha256.
    files.insert(
        format!("{repo}/{folder}/config.yaml"),
        Served { bytes: config, etag: "3f2a9c0d1e4b5a6978877665544332211000ffee".into(), lfs: false },
    );
    HubServer::start(files)
}

/// Counts the bytes reported, so a resumed download can be seen to report what it already had.
#[derive(Default)]
struct Count {
    bytes: AtomicU64,
    started: Mutex<Vec<String>>,
}

impl ByteProgress for Count {
    fn start(&self, label: &str, _total: u64, done: u64) {
        self.bytes.fetch_add(done, Ordering::SeqCst);
        self.started.lock().unwrap().push(label.to_string());
    }
    fn advance(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::SeqCst);
    }
    fn finish(&self) {}
}

/// One thread, as the CLI runs pulls: hf-hub's chunks then start in order, so an interruption
/// leaves everything before it recorded.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn opts(server: &HubServer, chunk: usize) -> PullOptions {
    PullOptions { endpoint: Some(server.endpoint.clone()), token: None, chunk_size: Some(chunk) }
}

fn mini_turbo() -> Manifest {
    models::find("hunyuan3d-mini-turbo").unwrap()
}

#[test]
fn pull_installs_checks_and_records_the_files() {
    let m = mini_turbo();
    let server = serve_fixture(&m.repo, "hunyuan3d-dit-v2-mini-turbo", None);
    let tmp = tempfile::tempdir().unwrap();
    let count = Arc::new(Count::default());
    let pulled = runtime().block_on(pull(&m, tmp.path(), &opts(&server, 1 << 20), count.clone())).unwrap();
    let weights = std::fs::read(fixture("model.safetensors")).unwrap();
    let installed = tmp.path().join("tencent/Hunyuan3D-2mini/hunyuan3d-dit-v2-mini-turbo/model.fp16.safetensors");
    assert_eq!(std::fs::read(&installed).unwrap(), weights);
    assert_eq!(pulled.len(), 2);
    assert!(pulled.iter().all(|f| !f.already_there));
    assert_eq!(pulled[1].sha256, sha(&weights));
    assert!(matches!(models::presence(&m, tmp.path()), Presence::Installed { .. }));
    let report = verify(&m, tmp.path(), true, &Quiet);
    assert!(report.is_ok(), "{report:?}");
    assert!(report.files.iter().all(|f| f.status.describe().contains("pull's record")), "{report:?}");
    // The cache keeps no second copy of the blob.
    let blobs = tmp.path().join(".hf-cache/models--tencent--Hunyuan3D-2mini/blobs");
    let leftovers: Vec<_> = std::fs::read_dir(&blobs).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second pull finds everything in place and fetches nothing.
    server.take_log();
    let again = runtime().block_on(pull(&m, tmp.path(), &opts(&server, 1 << 20), Arc::new(Quiet))).unwrap();
    assert!(again.iter().all(|f| f.already_there));
    assert!(server.take_log().is_empty());
}

#[test]
fn an_interrupted_pull_resumes_where_it_stopped() {
    let m = mini_turbo();
    let server = serve_fixture(&m.repo, "hunyuan3d-dit-v2-mini-turbo", None);
    let tmp = tempfile::tempdir().unwrap();
    let chunk = 64 * 1024;
    let cut = 6 * chunk as u64;
    server.fail_from.store(cut, Ordering::SeqCst);
    let err = runtime().block_on(pull(&m, tmp.path(), &opts(&server, chunk), Arc::new(Quiet))).unwrap_err();
    assert!(matches!(err, ModelsError::Download { .. }), "{err}");
    assert!(!m.model_dir(tmp.path()).join("model.fp16.safetensors").exists(), "nothing installed half-done");

    server.fail_from.store(u64::MAX, Ordering::SeqCst);
    server.take_log();
    let count = Arc::new(Count::default());
    runtime().block_on(pull(&m, tmp.path(), &opts(&server, chunk), count.clone())).unwrap();
    let weights = std::fs::read(fixture("model.safetensors")).unwrap();
    assert_eq!(std::fs::read(m.model_dir(tmp.path()).join("model.fp16.safetensors")).unwrap(), weights);
    let starts: Vec<u64> = server
        .take_log()
        .into_iter()
        .filter(|(p, r)| p.ends_with(".safetensors") && r != "bytes=0-0")
        .map(|(_, r)| r.trim_start_matches("bytes=").split('-').next().unwrap().parse().unwrap())
        .collect();
    let first = *starts.iter().min().expect("the rest of the file was fetched");
    assert_eq!(first, cut, "the resumed pull should start where the first one was cut off");
    // Progress counts what was already there, so the bar starts where the last one stopped; the
    // config, already installed, is only hashed, the weights downloaded (in part) then hashed.
    let config_len = std::fs::metadata(fixture("config.yaml")).unwrap().len();
    assert_eq!(count.bytes.load(Ordering::SeqCst), config_len + 2 * weights.len() as u64);
}

#[test]
fn a_download_that_does_not_match_its_hash_is_not_installed() {
    let m = mini_turbo();
    let wrong = "ab".repeat(32);
    let server = serve_fixture(&m.repo, "hunyuan3d-dit-v2-mini-turbo", Some(wrong.clone()));
    let tmp = tempfile::tempdir().unwrap();
    let err = runtime().block_on(pull(&m, tmp.path(), &opts(&server, 1 << 20), Arc::new(Quiet))).unwrap_err();
    match &err {
        ModelsError::Checksum { expected, .. } => assert_eq!(expected, &wrong),
        other => panic!("expected a checksum error, got {other}"),
    }
    assert!(err.to_string().contains("run the pull again"));
    assert!(!m.model_dir(tmp.path()).join("model.fp16.safetensors").exists());
}

#[test]
fn a_missing_file_upstream_is_reported_with_its_name() {
    let m = mini_turbo();
    let server = HubServer::start(HashMap::new());
    let tmp = tempfile::tempdir().unwrap();
    let err = runtime().block_on(pull(&m, tmp.path(), &opts(&server, 1 << 20), Arc::new(Quiet))).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("hunyuan3d-dit-v2-mini-turbo/config.yaml") && text.contains("404"), "{text}");
}

fn data_models(env: &Env) -> PathBuf {
    env.data().join("models")
}

fn with_endpoint<'a>(server: &HubServer, cmd: &'a mut std::process::Command) -> &'a mut std::process::Command {
    cmd.env("HF_ENDPOINT", &server.endpoint).env_remove("HF_TOKEN").env("HF_HOME", "/nonexistent-hf-home")
}

#[test]
fn the_commands_show_the_licence_pull_verify_list_and_then_shape_uses_the_model() {
    let env = Env::new();
    let m = mini_turbo();
    let server = serve_fixture(&m.repo, "hunyuan3d-dit-v2-mini-turbo", None);

    // Without --yes and without a terminal to ask on, nothing is downloaded.
    let out = with_endpoint(&server, &mut env.cmd()).args(["models", "pull", &m.name]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("European Union") && err.contains("South Korea") && err.contains("--yes"), "{err}");
    assert!(server.take_log().is_empty(), "nothing fetched before the licence is accepted");

    let out = with_endpoint(&server, &mut env.cmd()).args(["models", "pull", &m.name, "--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("United Kingdom"), "the licence is shown even with --yes");
    assert!(m.model_dir(&data_models(&env)).join("model.fp16.safetensors").is_file());

    let out = env.run(&["models", "verify", &m.name]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("sha256 matches the pull's record"), "{text}");

    let out = env.run(&["models", "list"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let line = text.lines().find(|l| l.starts_with("hunyuan3d-mini-turbo ")).unwrap();
    assert!(line.contains("installed"), "{text}");
    assert!(text.lines().find(|l| l.starts_with("hunyuan3d-turbo ")).unwrap().contains('-'), "{text}");

    let out = env.run(&["doctor"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("hunyuan3d-mini-turbo") && text.contains("variant mini-turbo"), "{text}");
    let out = env.run(&["doctor", "--json"]);
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j["weights"]["hunyuan3d would use"].as_str().unwrap().contains("hunyuan3d-dit-v2-mini-turbo"), "{j}");
    assert!(j["device"]["CUDA"].is_string() && j["storage"]["free space"].is_string(), "{j}");

    // Damage a byte: verify fails and says how to repair.
    let weights = m.model_dir(&data_models(&env)).join("model.fp16.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, &bytes).unwrap();
    let out = env.run(&["models", "verify", &m.name]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("wrong sha256"));
    assert!(stderr(&out).contains("memoreez models pull hunyuan3d-mini-turbo"));

    // pull repairs it: the recorded hash no longer matches, so the file is fetched again.
    let out = with_endpoint(&server, &mut env.cmd()).args(["models", "pull", &m.name, "--yes"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.run(&["models", "verify", &m.name]).status.success());

    // With no --weights, shape finds the pulled model in the data dir.
    let mesh = env.path("pulled.stl");
    let out = env.run(&[
        "shape",
        "--image",
        fixture("input.png").to_str().unwrap(),
        "--octree",
        "24",
        "--out",
        mesh.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(Path::new("hunyuan3d-dit-v2-mini-turbo").to_str().unwrap()));
    assert!(std::fs::metadata(&mesh).unwrap().len() > 84);
}
