//! The server's work: a bounded queue in front of one worker (one job at a time on the device), and
//! the table of jobs `/status` reads. Finished jobs are kept for a while, then forgotten.

use crate::mesh::Mesh;
use crate::stage::{CancelToken, Progress, StageError};
use image::RgbaImage;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What a request asks for, with the official server's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct JobParams {
    pub seed: u64,
    pub octree_resolution: usize,
    pub steps: usize,
    pub guidance: f64,
    pub face_count: Option<usize>,
}

/// What makes the meshes: our Hunyuan3D-2 port in the program, anything in tests.
pub trait MeshMaker: Send + Sync {
    /// One line for `/health` and the log.
    fn describe(&self) -> String;
    fn make(&self, image: &RgbaImage, params: &JobParams, progress: &dyn Progress) -> Result<Mesh, StageError>;
}

pub enum JobState {
    Queued,
    Running,
    Done { glb: Arc<Vec<u8>>, at: Instant },
    Failed { message: String, at: Instant },
}

pub struct Job {
    pub uid: String,
    pub image: RgbaImage,
    pub params: JobParams,
    /// `/generate` waits on this; `/send` reads the table instead.
    pub reply: Option<oneshot::Sender<Result<Mesh, String>>>,
}

/// The queue and the table, shared by the handlers.
pub struct Jobs {
    queue: mpsc::Sender<Job>,
    table: Mutex<HashMap<String, JobState>>,
    finished: Mutex<VecDeque<String>>,
    keep: usize,
    keep_for: Duration,
    pub cancel: CancelToken,
}

/// A full queue: the client should come back later.
pub struct Busy;

impl Jobs {
    /// The jobs and the receiving end the worker drains.
    pub fn new(capacity: usize, keep: usize) -> (Arc<Jobs>, mpsc::Receiver<Job>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let jobs = Jobs {
            queue: tx,
            table: Mutex::new(HashMap::new()),
            finished: Mutex::new(VecDeque::new()),
            keep: keep.max(1),
            keep_for: Duration::from_secs(3600),
            cancel: CancelToken::new(),
        };
        (Arc::new(jobs), rx)
    }

    pub fn submit(&self, job: Job) -> Result<(), Busy> {
        let uid = job.uid.clone();
        self.set(&uid, JobState::Queued);
        if self.queue.try_send(job).is_err() {
            self.forget(&uid);
            return Err(Busy);
        }
        Ok(())
    }

    pub fn with<T>(&self, uid: &str, f: impl FnOnce(Option<&JobState>) -> T) -> T {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        f(table.get(uid))
    }

    /// (queued, running) now.
    pub fn load(&self) -> (usize, usize) {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let queued = table.values().filter(|s| matches!(s, JobState::Queued)).count();
        let running = table.values().filter(|s| matches!(s, JobState::Running)).count();
        (queued, running)
    }

    fn set(&self, uid: &str, state: JobState) {
        let done = matches!(state, JobState::Done { .. } | JobState::Failed { .. });
        self.table.lock().unwrap_or_else(|p| p.into_inner()).insert(uid.to_string(), state);
        if done {
            let mut finished = self.finished.lock().unwrap_or_else(|p| p.into_inner());
            finished.push_back(uid.to_string());
            while finished.len() > self.keep {
                if let Some(old) = finished.pop_front() {
                    self.forget(&old);
                }
            }
        }
        self.expire();
    }

    fn forget(&self, uid: &str) {
        self.table.lock().unwrap_or_else(|p| p.into_inner()).remove(uid);
    }

    fn expire(&self) {
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.retain(|_, s| match s {
            JobState::Done { at, .. } | JobState::Failed { at, .. } => now.duration_since(*at) < self.keep_for,
            _ => true,
        });
    }
}

/// Progress of a server job: to the log, and stopped when the server stops.
struct JobProgress {
    uid: String,
    cancel: CancelToken,
}

impl Progress for JobProgress {
    fn step(&self, n: usize, total: usize, message: &str) {
        tracing::debug!(uid = %self.uid, n, total, message);
    }

    fn note(&self, message: &str) {
        tracing::info!(uid = %self.uid, message);
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Runs queued jobs one at a time until the queue closes.
pub async fn worker(jobs: Arc<Jobs>, mut rx: mpsc::Receiver<Job>, maker: Arc<dyn MeshMaker>) {
    while let Some(mut job) = rx.recv().await {
        let uid = job.uid.clone();
        jobs.set(&uid, JobState::Running);
        tracing::info!(%uid, params = ?job.params, "job started");
        let maker = maker.clone();
        let progress = JobProgress { uid: uid.clone(), cancel: jobs.cancel.clone() };
        let (image, params) = (std::mem::take(&mut job.image), job.params.clone());
        let result = tokio::task::spawn_blocking(move || maker.make(&image, &params, &progress))
            .await
            .map_err(|e| format!("the job stopped unexpectedly: {e}"))
            .and_then(|r| r.map_err(|e| e.to_string()));
        match &result {
            Ok(mesh) => tracing::info!(%uid, triangles = mesh.triangles.len(), "job done"),
            Err(message) => tracing::warn!(%uid, %message, "job failed"),
        }
        // `/generate` waits for its mesh and encodes it as asked; only `/send` jobs are kept for
        // `/status`, as GLB.
        if let Some(reply) = job.reply.take() {
            jobs.forget(&uid);
            let _ = reply.send(result);
            continue;
        }
        let at = Instant::now();
        let state = match result {
            Ok(mesh) => JobState::Done { glb: Arc::new(crate::mesh::io::glb_bytes(&mesh)), at },
            Err(message) => JobState::Failed { message, at },
        };
        jobs.set(&uid, state);
    }
}
