//! `make --mesh`: a person's own model in each format becomes one solid of the asked height; each
//! kind of bad file is refused with exit 2 and a message that names the problem.

mod common;

use common::{stderr, stdout_json, Env};
use memoreez::mesh::analysis::is_closed_manifold;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meshes").join(name).display().to_string()
}

/// Runs `make --mesh` on a fixture with extra flags; returns the output and where the STL goes.
fn make(env: &Env, file: &str, extra: &[&str]) -> (std::process::Output, PathBuf) {
    let out = env.path("piece.stl");
    let mesh = fixture(file);
    let mut args = vec!["make", "--mesh", &mesh, "--out", out.to_str().unwrap(), "--line1", "ANA"];
    args.extend_from_slice(extra);
    (env.run(&args), out)
}

/// Makes a solid and checks it; returns stderr and the summary. `slicer`: the backend that prices it
/// ("estimate" keeps the test quick; "auto" uses PrusaSlicer where installed).
fn expect_solid(file: &str, extra: &[&str], height: f32, slicer: &str) -> (String, serde_json::Value) {
    let env = Env::new();
    let config = env.path("config.toml");
    std::fs::write(&config, format!("[backends]\nslicer = \"{slicer}\"\n")).unwrap();
    let mut extra = extra.to_vec();
    extra.extend(["--config", config.to_str().unwrap()]);
    let (out, stl) = make(&env, file, &extra);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{file}:\n{err}");
    let summary = stdout_json(&out);
    assert_eq!(summary["printability"]["manifold"], true, "{summary}");
    assert_eq!(summary["printability"]["parts"], 1, "{summary}");
    let solid = common::read_stl(&stl);
    assert!(is_closed_manifold(&solid));
    let (lo, hi) = solid.bounds().unwrap();
    assert!((hi[2] - lo[2] - height).abs() < 0.5, "{file}: {} mm tall", hi[2] - lo[2]);
    (err, summary)
}

#[test]
fn a_model_with_small_holes_is_repaired_and_made() {
    let (err, summary) = expect_solid("holey.stl", &["--height-mm", "60"], 60.0, "auto");
    assert!(err.contains("read an STL model with 303 faces"), "{err}");
    assert!(err.contains("3 small hole(s) closed"), "{err}");
    let repairs = &summary["printability"]["repairs"];
    assert_eq!(repairs[0], "3 small hole(s) closed with 11 faces", "{summary}");
}

#[test]
fn obj_quads_in_centimetres_y_up() {
    let (err, _) = expect_solid("quads.obj", &["--units", "cm", "--name", "Box"], 80.0, "estimate");
    assert!(err.contains("units: centimetres (as asked)"), "{err}");
    assert!(err.contains("up axis: Y (a guess; use --up y|z to change it)"), "{err}");
}

#[test]
fn glb_and_binary_ply() {
    let (err, _) = expect_solid("cube.glb", &[], 80.0, "estimate");
    assert!(err.contains("units: metres (glTF's unit and axis by specification)"), "{err}");
    expect_solid("cube_binary.ply", &["--up", "z"], 80.0, "estimate");
}

#[test]
fn stl_ascii_and_binary_with_a_solid_header() {
    expect_solid("cube_ascii.stl", &[], 80.0, "estimate");
    expect_solid("cube_solid_header.stl", &[], 80.0, "estimate");
}

#[test]
fn bad_files_exit_2_and_name_the_problem() {
    let env = Env::new();
    for (file, needle) in [
        ("empty.stl", "the file is empty"),
        ("truncated.stl", "the STL file is cut short"),
        ("not_a_mesh.stl", "this is not a 3D model: it is text"),
        ("degenerate.stl", "all 3 faces of the model are degenerate"),
        ("big_hole.stl", "2 hole(s) larger than 100 edges (the largest has 120)"),
        ("draco.glb", "compressed with KHR_draco_mesh_compression"),
        ("no_such_file.stl", "cannot read"),
    ] {
        let (out, stl) = make(&env, file, &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(needle), "{file}: expected '{needle}' in:\n{err}");
        assert!(err.contains(file), "{file}: the message should name the file:\n{err}");
        assert!(!stl.exists(), "{file}: nothing should be written");
    }
}

#[test]
fn mesh_flags_need_a_mesh_and_facts_need_no_mesh() {
    let env = Env::new();
    let out = env.run(&["make", "--name", "Dad", "--hobbies", "golf", "--out", "x.stl", "--units", "mm"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--mesh"), "{}", stderr(&out));
    let out = env.run(&["make", "--out", "x.stl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--name"), "{}", stderr(&out));
    let (out, _) = make(&env, "quads.obj", &["--up", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("use y or z"), "{}", stderr(&out));
}
