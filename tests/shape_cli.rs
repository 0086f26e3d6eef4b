//! `memoreez shape` on the fixtures' tiny weights, on the CPU: a mesh is written, progress shows on
//! stderr, and wrong weights, a missing model or an unusable device are refused with what to do.

mod common;

use common::{stderr, Env};
use memoreez::mesh::io::read_stl_file;
use std::path::PathBuf;

fn case(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d").join(name)
}

fn arg(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn turbo_writes_a_mesh_with_progress_for_each_step_and_chunk() {
    let env = Env::new();
    let dir = case("turbo-tiny");
    let out_path = env.path("turbo.stl");
    let out = env.run(&[
        "shape",
        "--image",
        arg(&dir.join("input.png")),
        "--weights",
        arg(&dir),
        "--octree",
        "32",
        "--seed",
        "3",
        "--device",
        "cpu",
        "--out",
        arg(&out_path),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for expected in ["[shape] started (hunyuan3d)", "5/5 diffusion step", "FlashVDM", "marching cubes", "done in"] {
        assert!(err.contains(expected), "stderr lacks {expected:?}:\n{err}");
    }
    let mesh = read_stl_file(&out_path).unwrap();
    assert!(mesh.triangles.len() > 100, "{} triangles", mesh.triangles.len());
    let (lo, hi) = mesh.bounds().unwrap();
    assert!(lo.iter().chain(hi.iter()).all(|c| c.abs() <= 1.02), "model space is ±1.01: {lo:?} {hi:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("triangles"));

    // The same seed gives the same mesh.
    let again = env.path("again.stl");
    let input = dir.join("input.png");
    let args = ["shape", "--image", arg(&input), "--weights", arg(&dir), "--octree", "32"];
    let out = env.run(&[&args[..], &["--seed", "3", "--out", arg(&again)]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&out_path).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn v2_0_with_dense_decoding_and_flags_writes_obj() {
    let env = Env::new();
    let dir = case("v2-0-tiny");
    let out_path = env.path("v20.obj");
    let out = env.run(&[
        "shape",
        "--image",
        arg(&dir.join("input.png")),
        "--weights",
        arg(&dir),
        "--steps",
        "3",
        "--guidance",
        "4.5",
        "--octree",
        "24",
        "--flashvdm=false",
        "--out",
        arg(&out_path),
    ]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("3 steps, guidance 4.5, octree 24") && !err.contains("FlashVDM"), "{err}");
    assert!(err.contains("3/3 diffusion step") && err.contains("volume decoding at 25^3"), "{err}");
    let (models, _) = tobj::load_obj(&out_path, &tobj::LoadOptions::default()).unwrap();
    assert!(models[0].mesh.indices.len() > 300);
}

#[test]
fn weights_missing_or_misshaped_keys_are_named() {
    let env = Env::new();
    let dir = case("turbo-tiny");
    let mut tensors = candle_core::safetensors::load(dir.join("model.safetensors"), &candle_core::Device::Cpu).unwrap();
    tensors.remove("model.latent_in.weight").unwrap();
    let bias = tensors["vae.post_kl.bias"].narrow(0, 0, 3).unwrap();
    tensors.insert("vae.post_kl.bias".into(), bias);
    let bad = env.path("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::copy(dir.join("config.yaml"), bad.join("config.yaml")).unwrap();
    candle_core::safetensors::save(&tensors, bad.join("model.safetensors")).unwrap();

    let out = env.run(&["shape", "--image", arg(&dir.join("input.png")), "--weights", arg(&bad), "--out", "x.stl"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("model.latent_in.weight missing"), "{err}");
    assert!(err.contains("vae.post_kl.bias has shape [3], expected [64]"), "{err}");

    // A file cut short (an interrupted copy) is named as such.
    let whole = std::fs::read(dir.join("model.safetensors")).unwrap();
    std::fs::write(bad.join("model.safetensors"), &whole[..whole.len() / 2]).unwrap();
    let out = env.run(&["shape", "--image", arg(&dir.join("input.png")), "--weights", arg(&bad), "--out", "x.stl"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cut off"), "{}", stderr(&out));
}

#[test]
fn without_weights_it_says_what_to_pull() {
    let env = Env::new();
    let out = env.run(&["shape", "--image", arg(&case("turbo-tiny").join("input.png")), "--out", "x.stl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("memoreez models pull hunyuan3d-turbo"), "{}", stderr(&out));

    let out = env.run(&["shape", "--image", "/no/such.png", "--out", "x.stl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/no/such.png"));

    let out = env.run(&["shape", "--image", arg(&case("turbo-tiny").join("input.png")), "--out", "x.glb"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".stl, .obj, .ply or .3mf"));
}

#[test]
fn cuda_without_the_feature_is_refused_clearly() {
    if cfg!(feature = "cuda") {
        eprintln!("skipped: this build has CUDA, so --device cuda is valid here");
        return;
    }
    let env = Env::new();
    let dir = case("turbo-tiny");
    let out = env.run(&[
        "shape",
        "--image",
        arg(&dir.join("input.png")),
        "--weights",
        arg(&dir),
        "--device",
        "cuda",
        "--out",
        arg(&env.path("x.stl")),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no CUDA support") && err.contains("--features cuda"), "{err}");
    assert!(!env.path("x.stl").exists());
}
