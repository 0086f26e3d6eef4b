//! Image to 3D on Hunyuan3D-2 servers: the official `api_server.py` protocol (and `memoreez serve`,
//! which speaks it too), over a pool of servers. A job goes to a free server; one that fails or runs
//! past the deadline is set aside for a while and the job moves to the next.

use super::{ShapeGenerator, ShapeInput};
use crate::mesh::Mesh;
use crate::net::{b64_decode, b64_encode, Http, NetError, Request, Secret, Service};
use crate::stage::{BackendKind, Progress, StageError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SERVERS_ENV: &str = "MEMOREEZ_HY3D_SERVERS";
pub const TOKEN_ENV: &str = "MEMOREEZ_HY3D_TOKEN";

/// `[backends.remote]`: the Hunyuan3D-2 servers and what each job asks of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteShapeSettings {
    /// Base URLs (`http://gpu1:8081`); `MEMOREEZ_HY3D_SERVERS` (comma separated) wins.
    pub servers: Vec<String>,
    /// Bearer token for `memoreez serve` hosts that ask for one; `MEMOREEZ_HY3D_TOKEN` wins.
    pub token: Option<Secret>,
    /// `send` (`/send`, then poll `/status/{uid}`: progress and a deadline) or `generate` (one
    /// `/generate` call that returns the mesh).
    pub protocol: Protocol,
    /// Seconds a job may take on one server before it is set aside.
    pub deadline_s: u64,
    /// Seconds between polls of `/status`.
    pub poll_s: f64,
    /// Seconds a failed server is left out of the pool.
    pub set_aside_s: u64,
    pub octree_resolution: u32,
    pub steps: u32,
    pub guidance: f64,
    pub face_count: u32,
}

impl Default for RemoteShapeSettings {
    fn default() -> Self {
        RemoteShapeSettings {
            servers: Vec::new(),
            token: None,
            protocol: Protocol::Send,
            deadline_s: 600,
            poll_s: 1.0,
            set_aside_s: 120,
            // The official server's defaults, except a finer grid for smoother prints.
            octree_resolution: 256,
            steps: 5,
            guidance: 5.0,
            face_count: 40_000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Send,
    Generate,
}

impl RemoteShapeSettings {
    /// The servers from the environment or the file, checked; empty when none is configured.
    pub fn servers(&self, env: crate::net::services::Env<'_>) -> Result<Vec<String>, String> {
        let listed: Vec<String> = match env(SERVERS_ENV) {
            Some(v) => v.split([',', ' ']).map(str::to_string).collect(),
            None => self.servers.clone(),
        };
        let servers: Vec<String> =
            listed.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).map(crate::net::services::base_url).collect();
        for s in &servers {
            if !(s.starts_with("http://") || s.starts_with("https://")) {
                return Err(format!(
                    "{s} is not an http:// or https:// address ({SERVERS_ENV} or backends.remote.servers)"
                ));
            }
        }
        Ok(servers)
    }

    pub fn token(&self, env: crate::net::services::Env<'_>) -> Option<Secret> {
        env(TOKEN_ENV).and_then(Secret::new).or_else(|| self.token.clone())
    }
}

struct Server {
    url: String,
    busy: bool,
    set_aside_until: Option<Instant>,
    last_error: Option<String>,
}

/// The `remote` shape backend.
pub struct RemotePool {
    http: Http,
    settings: RemoteShapeSettings,
    token: Option<Secret>,
    servers: Mutex<Vec<Server>>,
}

impl RemotePool {
    pub fn new(http: Http, servers: Vec<String>, token: Option<Secret>, settings: RemoteShapeSettings) -> RemotePool {
        let servers = servers
            .into_iter()
            .map(|url| Server { url, busy: false, set_aside_until: None, last_error: None })
            .collect();
        RemotePool { http, settings, token, servers: Mutex::new(servers) }
    }

    fn service(url: &str) -> Service {
        Service::new(format!("the Hunyuan3D server {url}")).key_env(TOKEN_ENV).url_env(SERVERS_ENV)
    }

    /// Claims a free server not tried yet in this job, waiting while all are busy. None when every
    /// server has been tried or is set aside.
    fn claim(&self, tried: &[String], progress: &dyn Progress) -> Result<Option<String>, StageError> {
        let mut waited = false;
        loop {
            if progress.is_cancelled() {
                return Err(StageError::Cancelled);
            }
            {
                let mut servers =
                    self.servers.lock().map_err(|_| StageError::Failed("the server pool broke".into()))?;
                let now = Instant::now();
                let usable = |s: &Server| !tried.contains(&s.url) && s.set_aside_until.is_none_or(|t| t <= now);
                if let Some(s) = servers.iter_mut().find(|s| usable(s) && !s.busy) {
                    s.busy = true;
                    return Ok(Some(s.url.clone()));
                }
                if !servers.iter().any(usable) {
                    return Ok(None);
                }
            }
            if !waited {
                progress.note("every Hunyuan3D server is busy; waiting for one");
                waited = true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn release(&self, url: &str, failure: Option<&NetError>) {
        if let Ok(mut servers) = self.servers.lock() {
            if let Some(s) = servers.iter_mut().find(|s| s.url == url) {
                s.busy = false;
                s.last_error = failure.map(ToString::to_string);
                // A server that cannot be reached, fails or runs over is left out for a while; one
                // that refused this picture may serve the next.
                let sick = failure
                    .is_some_and(|e| e.is_transient() || matches!(e, NetError::Status { status: 500..=599, .. }));
                s.set_aside_until = sick.then(|| Instant::now() + Duration::from_secs(self.settings.set_aside_s));
            }
        }
    }

    fn request(&self, input: &ShapeInput<'_>) -> Result<Value, StageError> {
        let mut png = Vec::new();
        image::DynamicImage::ImageRgba8(input.cutout.clone())
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| StageError::Failed(format!("cannot encode the cut-out: {e}")))?;
        let s = &self.settings;
        Ok(json!({
            "image": b64_encode(&png),
            "seed": input.seed % (1 << 31),
            "octree_resolution": s.octree_resolution,
            "num_inference_steps": s.steps,
            "guidance_scale": s.guidance,
            "face_count": s.face_count,
            "type": "glb",
        }))
    }

    /// One job on one server, by the configured protocol.
    fn run_on(&self, url: &str, body: &Value, progress: &dyn Progress) -> Result<Mesh, NetError> {
        let service = RemotePool::service(url);
        let deadline = Duration::from_secs(self.settings.deadline_s.max(1));
        let glb = match self.settings.protocol {
            Protocol::Generate => {
                progress.note(&format!("{url} is making the mesh (one call, up to {} s)", deadline.as_secs()));
                let req =
                    Request::post(format!("{url}/generate"), body).bearer(self.token.as_ref()).timeout(deadline).once();
                self.http.send(&service, &req, progress)?.bytes
            }
            Protocol::Send => self.send_and_poll(url, &service, body, deadline, progress)?,
        };
        read_glb(&service, &glb)
    }

    fn send_and_poll(
        &self,
        url: &str,
        service: &Service,
        body: &Value,
        deadline: Duration,
        progress: &dyn Progress,
    ) -> Result<Vec<u8>, NetError> {
        let started = Instant::now();
        let req = Request::post(format!("{url}/send"), body).bearer(self.token.as_ref());
        let sent: Value = self.http.send(service, &req, progress)?.json(service)?;
        let uid = sent
            .get("uid")
            .and_then(Value::as_str)
            .ok_or_else(|| NetError::bad_reply(service, "no uid in its /send reply"))?;
        if !uid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') || uid.is_empty() || uid.len() > 64 {
            return Err(NetError::bad_reply(service, "its job id is not a uid"));
        }
        let poll = Duration::from_secs_f64(self.settings.poll_s.clamp(0.05, 60.0));
        progress.note(&format!("{url} took it as job {uid}"));
        let mut told = Duration::ZERO;
        loop {
            let elapsed = started.elapsed();
            if elapsed > deadline {
                // A job that failed on the official server reads "processing" for ever.
                return Err(NetError::Timeout { service: service.name.clone(), secs: deadline.as_secs() });
            }
            // The server says nothing of its progress: say which one works, and for how long.
            if elapsed >= told + Duration::from_secs(15) {
                told = elapsed;
                progress.note(&format!("{url} working for {} s", elapsed.as_secs()));
            }
            let req = Request::get(format!("{url}/status/{uid}")).bearer(self.token.as_ref()).once();
            let status: Value = match self.http.send(service, &req, progress) {
                Ok(reply) => reply.json(service)?,
                // One lost poll is not a failed job; the deadline still holds.
                Err(e) if e.is_transient() => Value::Null,
                Err(e) => return Err(e),
            };
            match status.get("status").and_then(Value::as_str) {
                Some("completed") => {
                    let b64 = status
                        .get("model_base64")
                        .and_then(Value::as_str)
                        .ok_or_else(|| NetError::bad_reply(service, "a completed job without model_base64"))?;
                    return b64_decode(b64).map_err(|e| NetError::bad_reply(service, format!("the mesh: {e}")));
                }
                Some("failed") | Some("error") => {
                    let said = crate::net::server_words(status.to_string().as_bytes());
                    return Err(NetError::BadReply {
                        service: service.name.clone(),
                        detail: format!("the job failed: {said}"),
                    });
                }
                _ => {}
            }
            if progress.is_cancelled() {
                return Err(NetError::Cancelled);
            }
            std::thread::sleep(poll);
        }
    }
}

/// The server's GLB as a mesh in Hunyuan3D's own model space (glTF is Y up like it; no units apply).
pub fn read_glb(service: &Service, bytes: &[u8]) -> Result<Mesh, NetError> {
    let (_, mesh) = crate::mesh::import::read_raw(bytes, Some(std::path::Path::new("server.glb")))
        .map_err(|e| NetError::bad_reply(service, format!("its mesh cannot be read: {e}")))?;
    if mesh.triangles.is_empty() {
        return Err(NetError::bad_reply(service, "its mesh has no triangles"));
    }
    Ok(mesh)
}

impl ShapeGenerator for RemotePool {
    fn kind(&self) -> BackendKind {
        BackendKind::Remote
    }

    fn name(&self) -> &str {
        "remote"
    }

    fn model(&self) -> Option<String> {
        let n = self.servers.lock().map(|s| s.len()).unwrap_or(0);
        Some(format!("Hunyuan3D-2 on {n} server{}", if n == 1 { "" } else { "s" }))
    }

    fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
        let body = self.request(input)?;
        let mut tried: Vec<String> = Vec::new();
        let mut failures: Vec<String> = Vec::new();
        while let Some(url) = self.claim(&tried, progress)? {
            tried.push(url.clone());
            progress.note(&format!("{url} takes the job"));
            let started = Instant::now();
            let result = self.run_on(&url, &body, progress);
            self.release(&url, result.as_ref().err());
            match result {
                Ok(mesh) => {
                    progress.note(&format!(
                        "{url} made {} triangles in {:.0} s",
                        mesh.triangles.len(),
                        started.elapsed().as_secs_f64()
                    ));
                    return Ok(mesh);
                }
                Err(NetError::Cancelled) => return Err(StageError::Cancelled),
                Err(e) => {
                    progress.note(&format!("{e}; trying the next server"));
                    failures.push(e.to_string());
                }
            }
        }
        let total = self.servers.lock().map(|s| s.len()).unwrap_or(0);
        Err(StageError::Failed(if failures.is_empty() {
            format!(
                "all {total} Hunyuan3D server(s) failed recently and are set aside; try again in a couple of minutes, \
                 or check them with `memoreez doctor`"
            )
        } else {
            format!("no Hunyuan3D server could make the mesh: {}", failures.join("; "))
        }))
    }
}

/// One cheap request to a Hunyuan3D server, for `memoreez doctor`: `memoreez serve` answers
/// `/health`; the official server has no such route but answers it with a 404.
pub fn check_server(http: &Http, url: &str, token: Option<&Secret>) -> Result<String, NetError> {
    let service = RemotePool::service(url);
    let req = Request::get(format!("{url}/health")).bearer(token).once();
    match http.send(&service, &req, &crate::stage::NoProgress) {
        Ok(reply) => {
            let v: Value = reply.json(&service)?;
            let model = v["model"].as_str().unwrap_or("a model");
            Ok(format!("memoreez serve with {model}, {} queued", v["queued"].as_u64().unwrap_or(0)))
        }
        Err(NetError::Status { status: 404, .. }) => Ok("answers (an official api_server: no /health)".into()),
        Err(e) => Err(e),
    }
}
