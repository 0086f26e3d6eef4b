//! `memoreez serve`'s HTTP API on a stand-in mesh maker: the official protocol (/generate, /send,
//! /status), /health, the bounded queue's 503 with Retry-After, the token, and bad requests in the
//! official error shape. The real model behind it is driven end to end in `remote_cli.rs`.

use memoreez::mesh::Mesh;
use memoreez::net::{b64_decode, b64_encode, Secret};
use memoreez::serve::{serve, JobParams, MeshMaker, ServeOptions};
use memoreez::stage::{Progress, StageError};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Makes a tetrahedron scaled by the octree resolution; holds each job until released.
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
    seen: Mutex<Vec<JobParams>>,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }
}

impl MeshMaker for Gate {
    fn describe(&self) -> String {
        "test maker".into()
    }

    fn make(&self, image: &image::RgbaImage, params: &JobParams, _: &dyn Progress) -> Result<Mesh, StageError> {
        if image.width() == 13 {
            return Err(StageError::Failed("the model found no object in the picture".into()));
        }
        self.seen.lock().unwrap().push(params.clone());
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.cv.wait(open).unwrap();
        }
        let s = params.octree_resolution as f32 / 128.0;
        Ok(Mesh::new(
            vec![[0.0, 0.0, 0.0], [s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, s]],
            vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]],
        ))
    }
}

struct Running {
    rt: tokio::runtime::Runtime,
    url: String,
    gate: Arc<Gate>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

fn start(token: Option<&str>, queue: usize, open: bool) -> Running {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let gate = Arc::new(Gate { open: Mutex::new(open), cv: Condvar::new(), seen: Mutex::new(Vec::new()) });
    let opts =
        ServeOptions { addr: "127.0.0.1:0".parse().unwrap(), token: token.and_then(Secret::new), queue, keep: 8 };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<SocketAddr>();
    let maker: Arc<dyn MeshMaker> = gate.clone();
    rt.spawn(async move {
        let on_listen = move |a| addr_tx.send(a).unwrap();
        serve(maker, opts, on_listen, async {
            let _ = stop_rx.await;
        })
        .await
        .unwrap();
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Running { rt, url: format!("http://{addr}"), gate, stop: Some(stop_tx) }
}

impl Running {
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (u16, Option<String>, Vec<u8>) {
        let url = format!("{}{path}", self.url);
        self.rt.block_on(async move {
            let client = reqwest::Client::new();
            let mut req = if method == "POST" { client.post(url) } else { client.get(url) };
            if let Some(b) = body {
                req = req.json(&b);
            }
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.unwrap();
            let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            (resp.status().as_u16(), retry, resp.bytes().await.unwrap().to_vec())
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.gate.open();
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn png(side: u32) -> String {
    let img = image::RgbaImage::from_pixel(side, side, image::Rgba([100, 100, 100, 255]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    b64_encode(&out)
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(bytes)))
}

fn glb_mesh(bytes: &[u8]) -> Mesh {
    memoreez::mesh::import::read_raw(bytes, Some(std::path::Path::new("x.glb"))).unwrap().1
}

#[test]
fn the_official_generate_call_gets_a_glb_with_the_defaults_applied() {
    let s = start(None, 4, true);
    // As the official README's curl sends it: the image alone.
    let (status, _, body) = s.call("POST", "/generate", Some(json!({"image": png(32)})), None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(glb_mesh(&body).triangles.len(), 4);
    let seen = s.gate.seen.lock().unwrap().clone();
    assert_eq!(seen, vec![JobParams { seed: 1234, octree_resolution: 128, steps: 5, guidance: 5.0, face_count: None }]);
    let (status, _, body) =
        s.call("POST", "/generate", Some(json!({"image": png(32), "type": "stl", "octree_resolution": 256})), None);
    assert_eq!(status, 200);
    let stl = memoreez::mesh::io::read_stl(&body).unwrap();
    assert_eq!(stl.bounds().unwrap().1, [2.0, 2.0, 2.0]);
}

#[test]
fn send_then_status_reports_processing_then_completed() {
    let s = start(None, 4, false);
    let (status, _, body) =
        s.call("POST", "/send", Some(json!({"image": png(32), "seed": 7, "num_inference_steps": 3})), None);
    assert_eq!(status, 200);
    let uid = json_of(&body)["uid"].as_str().unwrap().to_string();
    let (_, _, body) = s.call("GET", &format!("/status/{uid}"), None, None);
    assert_eq!(json_of(&body), json!({"status": "processing"}));
    let (_, _, health) = s.call("GET", "/health", None, None);
    let health = json_of(&health);
    assert_eq!((health["status"].as_str(), health["model"].as_str()), (Some("ok"), Some("test maker")));
    s.gate.open();
    let mut reply = Value::Null;
    for _ in 0..100 {
        reply = json_of(&s.call("GET", &format!("/status/{uid}"), None, None).2);
        if reply["status"] == "completed" {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(reply["status"], "completed", "{reply}");
    let glb = b64_decode(reply["model_base64"].as_str().unwrap()).unwrap();
    assert_eq!(glb_mesh(&glb).vertices.len(), 4);
    assert_eq!(s.gate.seen.lock().unwrap()[0].steps, 3);
    let (status, _, body) = s.call("GET", "/status/no-such-job", None, None);
    assert_eq!((status, json_of(&body)["error_code"].as_i64()), (404, Some(1)));
}

#[test]
fn a_full_queue_answers_503_with_retry_after() {
    let s = start(None, 1, false);
    // One job runs (held by the gate), one waits: the queue of one is then full.
    let first = s.call("POST", "/send", Some(json!({"image": png(32)})), None);
    assert_eq!(first.0, 200);
    for _ in 0..100 {
        if !s.gate.seen.lock().unwrap().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(s.call("POST", "/send", Some(json!({"image": png(32)})), None).0, 200);
    let (status, retry, body) = s.call("POST", "/send", Some(json!({"image": png(32)})), None);
    assert_eq!((status, retry.as_deref()), (503, Some("30")), "{}", String::from_utf8_lossy(&body));
}

#[test]
fn a_token_is_required_when_set_but_health_stays_open() {
    let s = start(Some("s3cret-token"), 4, true);
    let body = json!({"image": png(32)});
    assert_eq!(s.call("POST", "/generate", Some(body.clone()), None).0, 401);
    assert_eq!(s.call("POST", "/generate", Some(body.clone()), Some("wrong-token!")).0, 401);
    assert_eq!(s.call("POST", "/generate", Some(body), Some("s3cret-token")).0, 200);
    assert_eq!(s.call("GET", "/health", None, None).0, 200);
}

#[test]
fn bad_requests_and_failed_jobs_come_back_in_the_official_error_shape() {
    let s = start(None, 4, true);
    let cases = [
        (json!({"seed": 1}), "no \"image\""),
        (json!({"image": "%%%"}), "base64"),
        (json!({"image": b64_encode(b"not a picture")}), "cannot be read"),
        (json!({"image": png(32), "octree_resolution": 5000}), "octree_resolution"),
        (json!({"image": png(32), "type": "fbx"}), "\"glb\" or \"stl\""),
        (json!({"image": png(13)}), "no object"),
    ];
    for (body, expected) in cases {
        let (status, _, reply) = s.call("POST", "/generate", Some(body.clone()), None);
        let reply = json_of(&reply);
        assert_eq!((status, reply["error_code"].as_i64()), (404, Some(1)), "{body}");
        assert!(reply["text"].as_str().unwrap().contains(expected), "{reply} lacks {expected}");
    }
}
