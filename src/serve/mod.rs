//! `memoreez serve`: Hunyuan3D-2's `api_server.py` protocol over our own port, so a GPU host serves
//! laptops (and clients written for the official server work unchanged). `POST /generate` answers
//! with the mesh file; `POST /send` answers `{"uid"}` and `GET /status/{uid}` reports
//! `{"status": "processing"}` until `{"status": "completed", "model_base64"}`. Errors keep the
//! official shape (HTTP 404, `{"text", "error_code": 1}`). Added: `GET /health`, a bounded queue that
//! answers 503 with `Retry-After` when full, and an optional bearer token.

mod jobs;

pub use jobs::{JobParams, MeshMaker};

use crate::net::{b64_decode, b64_encode, Secret};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jobs::{Busy, Job, JobState, Jobs};
use serde_json::{json, Value};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body: a base64 picture of a few megapixels.
const MAX_BODY: usize = 48 * 1024 * 1024;
/// Largest picture side accepted, in pixels.
const MAX_SIDE: u32 = 4096;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    pub token: Option<Secret>,
    /// Jobs waiting beyond the one running; more get 503.
    pub queue: usize,
    /// Finished jobs kept for `/status`.
    pub keep: usize,
}

#[derive(Clone)]
struct AppState {
    jobs: Arc<Jobs>,
    token: Option<Secret>,
    model: Arc<String>,
}

fn error(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({"text": text.into(), "error_code": 1}))).into_response()
}

/// The official server reports every failure as a 404 with this body.
fn failed(text: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, text)
}

fn busy() -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, "the queue is full; try again shortly");
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    r
}

fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(token) = &state.token else { return true };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    // Compared in full whatever the first difference, so the time taken says nothing of the token.
    given.is_some_and(|g| {
        let (a, b) = (g.trim().as_bytes(), token.expose().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    })
}

fn unauthorised() -> Response {
    let mut r = error(StatusCode::UNAUTHORIZED, "this server needs a token: send Authorization: Bearer TOKEN");
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// Reads a request as the official worker does: `image` (base64), `seed` (1234), `octree_resolution`
/// (128), `num_inference_steps` (5), `guidance_scale` (5.0), `face_count`, `type` ("glb").
fn parse(body: &[u8]) -> Result<(image::RgbaImage, JobParams, String), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the request is not JSON: {e}"))?;
    let b64 = v.get("image").and_then(Value::as_str).ok_or("the request has no \"image\" (a base64 PNG or JPEG)")?;
    let bytes = b64_decode(b64).map_err(|e| format!("the image: {e}"))?;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("the image cannot be read: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| format!("the image cannot be read: {e}"))?.to_rgba8();
    let uint = |k: &str, default: u64, lo: u64, hi: u64| -> Result<u64, String> {
        match v.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(x) => x
                .as_u64()
                .or_else(|| x.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64))
                .filter(|n| (lo..=hi).contains(n))
                .ok_or(format!("\"{k}\" must be a whole number from {lo} to {hi}")),
        }
    };
    let guidance = match v.get("guidance_scale") {
        None | Some(Value::Null) => 5.0,
        Some(x) => x.as_f64().filter(|g| (0.0..=30.0).contains(g)).ok_or("\"guidance_scale\" must be 0-30")?,
    };
    let params = JobParams {
        seed: uint("seed", 1234, 0, u64::MAX)?,
        octree_resolution: uint("octree_resolution", 128, 16, 512)? as usize,
        steps: uint("num_inference_steps", 5, 1, 100)? as usize,
        guidance,
        face_count: v
            .get("face_count")
            .map(|_| uint("face_count", 40_000, 100, 5_000_000))
            .transpose()?
            .map(|n| n as usize),
    };
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("glb").to_ascii_lowercase();
    if !matches!(kind.as_str(), "glb" | "stl") {
        return Err(format!("\"type\" {kind:?} is not served: ask for \"glb\" or \"stl\""));
    }
    Ok((image, params, kind))
}

fn new_job(body: &[u8]) -> Result<(Job, String), String> {
    let (image, params, kind) = parse(body)?;
    let uid = uuid::Uuid::new_v4().to_string();
    Ok((Job { uid, image, params, reply: None }, kind))
}

async fn generate(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let (mut job, kind) = match new_job(&body) {
        Ok(j) => j,
        Err(why) => return failed(why),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    job.reply = Some(tx);
    if let Err(Busy) = st.jobs.submit(job) {
        return busy();
    }
    match rx.await {
        Ok(Ok(mesh)) if kind == "stl" => {
            ([(header::CONTENT_TYPE, "model/stl")], crate::mesh::io::stl_bytes(&mesh)).into_response()
        }
        Ok(Ok(mesh)) => {
            ([(header::CONTENT_TYPE, "model/gltf-binary")], crate::mesh::io::glb_bytes(&mesh)).into_response()
        }
        Ok(Err(message)) => failed(message),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping"),
    }
}

async fn send(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    let (job, _) = match new_job(&body) {
        Ok(j) => j,
        Err(why) => return failed(why),
    };
    let uid = job.uid.clone();
    match st.jobs.submit(job) {
        Ok(()) => Json(json!({"uid": uid})).into_response(),
        Err(Busy) => busy(),
    }
}

async fn status(State(st): State<AppState>, headers: HeaderMap, Path(uid): Path<String>) -> Response {
    if !authorised(&st, &headers) {
        return unauthorised();
    }
    st.jobs.with(&uid, |state| match state {
        None => failed(format!("no job {uid} here (finished jobs are kept for an hour)")),
        Some(JobState::Queued) | Some(JobState::Running) => Json(json!({"status": "processing"})).into_response(),
        Some(JobState::Done { glb, .. }) => {
            Json(json!({"status": "completed", "model_base64": b64_encode(glb)})).into_response()
        }
        // The official server leaves a failed job "processing" for ever; saying so is kinder, and
        // clients that only look for "completed" still wait as before.
        Some(JobState::Failed { message, .. }) => Json(json!({"status": "failed", "text": message})).into_response(),
    })
}

async fn health(State(st): State<AppState>) -> Response {
    let (queued, running) = st.jobs.load();
    Json(json!({
        "status": "ok",
        "model": *st.model,
        "queued": queued,
        "running": running,
        "version": env!("CARGO_PKG_VERSION"),
    }))
    .into_response()
}

/// The routes over `maker`, and the worker that runs their jobs.
pub fn router(maker: Arc<dyn MeshMaker>, opts: &ServeOptions) -> (Router, Arc<Jobs>, impl Future<Output = ()>) {
    let (jobs, rx) = Jobs::new(opts.queue, opts.keep);
    let state = AppState { jobs: jobs.clone(), token: opts.token.clone(), model: Arc::new(maker.describe()) };
    let worker = jobs::worker(jobs.clone(), rx, maker);
    let app = Router::new()
        .route("/generate", post(generate))
        .route("/send", post(send))
        .route("/status/{uid}", get(status))
        .route("/health", get(health))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state);
    (app, jobs, worker)
}

/// Serves until `shutdown` resolves; `on_listen` hears the bound address (port 0 picks a free one).
/// A job in flight is asked to stop at its next step.
pub async fn serve(
    maker: Arc<dyn MeshMaker>,
    opts: ServeOptions,
    on_listen: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(opts.addr).await?;
    on_listen(listener.local_addr()?);
    let (app, jobs, worker) = router(maker, &opts);
    let worker = tokio::spawn(worker);
    let stop = jobs.cancel.clone();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stop.cancel();
        })
        .await;
    worker.abort();
    result
}

/// Our Hunyuan3D-2 port as the server's mesh maker: the picture cut out as in the pipeline (a
/// picture without transparency has its background removed first), then image to 3D.
pub struct Hunyuan3DMaker {
    pub model: crate::shapegen::hunyuan3d::backend::LazyHunyuan3D,
    pub flashvdm: Option<bool>,
}

impl MeshMaker for Hunyuan3DMaker {
    fn describe(&self) -> String {
        let folder = crate::shapegen::hunyuan3d::backend::model_folder(self.model.files());
        format!("Hunyuan3D-2 ({})", folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
    }

    fn make(
        &self,
        image: &image::RgbaImage,
        params: &JobParams,
        progress: &dyn crate::stage::Progress,
    ) -> Result<crate::mesh::Mesh, crate::stage::StageError> {
        use crate::matting::Matting;
        // A cut-out (any transparency) goes as it is, as our own client sends; a plain picture first
        // has its background removed, as the official server does with rembg.
        let matted;
        let cutout = if image.pixels().any(|p| p[3] < 255) {
            image
        } else {
            matted = crate::matting::ClassicalMatting::default().cut_out(image, progress)?;
            &matted
        };
        let input = crate::shapegen::ShapeInput { cutout, concept: None, seed: params.seed };
        let overrides = crate::shapegen::hunyuan3d::backend::Overrides {
            steps: Some(params.steps),
            guidance: Some(params.guidance),
            octree_resolution: Some(params.octree_resolution),
            flashvdm: self.flashvdm,
        };
        let mesh = self.model.generate_with(&input, &overrides, progress)?;
        Ok(match params.face_count {
            Some(budget) => crate::mesh::cleanup::decimate(&mesh, budget, false).unwrap_or(mesh),
            None => mesh,
        })
    }
}
