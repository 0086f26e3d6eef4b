//! A session killed with SIGKILL during image-to-3D resumes there: ideation and images are not redone.

mod common;

use common::{stderr, stdout_json, Env};
use memoreez::domain::Stage;
use memoreez::store::{AssetKind, Store};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn sigkill_during_image_to_3d_then_resume_finishes_without_redoing_earlier_stages() {
    let env = Env::new();
    let stl = env.path("out.stl");
    let mut child = env
        .cmd()
        .args(["make", "--name", "Mum", "--hobbies", "gardening, cats", "--seed", "11", "--out"])
        .arg(&stl)
        // Hold the shape stage long enough to kill the process inside it, whatever the machine's speed.
        .env("MEMOREEZ_TEST_PAUSE_AT", "shape:60000")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.starts_with("[shape] started") {
            break;
        }
        assert!(Instant::now() < deadline, "the shape stage never started:\n{}", seen.join("\n"));
    }
    assert!(seen.iter().any(|l| l.starts_with("[shape] started")), "stderr ended early:\n{}", seen.join("\n"));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let store = Store::open(&env.data()).unwrap();
    let sessions = store.list_sessions().unwrap();
    assert_eq!(sessions.len(), 1);
    let id = sessions[0].id.clone();
    assert_eq!(sessions[0].step, Some(Stage::Matting), "killed inside the shape stage");
    let images_before = store.assets(&id, AssetKind::ConceptImage).unwrap();
    let cutout_before = store.assets(&id, AssetKind::Cutout).unwrap();
    assert_eq!(images_before.len(), 4);
    assert!(store.assets(&id, AssetKind::RawMesh).unwrap().is_empty());
    assert!(!stl.exists());
    drop(store);

    let out = env.run(&["sessions", "--resume", &id[..8]]);
    let err = stderr(&out);
    assert!(out.status.success(), "resume failed:\n{err}");
    for stage in ["ideas", "images", "cutout"] {
        assert!(err.contains(&format!("[{stage}] skipped: already saved")), "{stage} was redone:\n{err}");
        assert!(!err.contains(&format!("[{stage}] started")), "{stage} was redone:\n{err}");
    }
    assert!(err.contains("[shape] started"));
    let j = stdout_json(&out);
    assert_eq!(j["session"], id.as_str());
    assert!(stl.is_file());

    let store = Store::open(&env.data()).unwrap();
    assert_eq!(store.assets(&id, AssetKind::ConceptImage).unwrap(), images_before, "images untouched");
    assert_eq!(store.assets(&id, AssetKind::Cutout).unwrap(), cutout_before, "cut-out untouched");
    assert_eq!(store.assets(&id, AssetKind::RawMesh).unwrap().len(), 1);
    assert_eq!(store.session(&id).unwrap().step, Some(Stage::Pricing));
}
