//! `memoreez preview`: frames, GIF and still from a mesh file, and clear refusals of bad input.

use memoreez::render::shapes::pedestal_piece;
use std::path::Path;
use std::process::{Command, Output};

fn preview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memoreez")).arg("preview").args(args).output().expect("run memoreez")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn model(dir: &Path) -> String {
    let path = dir.join("piece.stl");
    memoreez::mesh::io::write_stl(&path, &pedestal_piece()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn writes_frames_a_looping_gif_and_a_still() {
    let dir = tempfile::tempdir().unwrap();
    let mesh = model(dir.path());
    let frames = dir.path().join("frames");
    let o = preview(&["--mesh", &mesh, "--frames", "3", "--size", "64x48", "--out", frames.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut names: Vec<_> = std::fs::read_dir(&frames).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, ["frame_000.png", "frame_001.png", "frame_002.png"]);
    assert_eq!(image::open(frames.join("frame_001.png")).unwrap().width(), 64);

    let gif = dir.path().join("turn.gif");
    let o = preview(&["--mesh", &mesh, "--frames", "4", "--size", "48x48", "--out", gif.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&gif).unwrap();
    assert!(bytes.starts_with(b"GIF89a") && bytes.windows(11).any(|w| w == b"NETSCAPE2.0"));

    let png = dir.path().join("still.png");
    let o = preview(&["--mesh", &mesh, "--size", "80x60", "--view", "engraving", "--out", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let img = image::open(&png).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (80, 60));
    assert!(img.pixels().any(|p| p.0 != [255, 255, 255, 255]), "the piece is drawn");
}

#[test]
fn bad_input_is_refused_with_exit_2_and_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mesh = model(dir.path());
    let out = dir.path().join("x.png");
    let out = out.to_str().unwrap();
    let empty = dir.path().join("empty.stl");
    std::fs::write(&empty, b"").unwrap();
    let picture = dir.path().join("picture.stl");
    std::fs::write(&picture, b"\x89PNG\r\n\x1a\n0000000000000000").unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["--mesh", "/no/such/file.stl", "--out", out], "cannot read"),
        (&["--mesh", empty.to_str().unwrap(), "--out", out], "empty"),
        (&["--mesh", picture.to_str().unwrap(), "--out", out], "PNG"),
        (&["--mesh", &mesh, "--size", "640", "--out", out], "--size"),
        (&["--mesh", &mesh, "--size", "8x9000", "--out", out], "--size"),
        (&["--mesh", &mesh, "--frames", "0", "--out", out], "--frames"),
        (&["--mesh", &mesh, "--out", "/tmp/preview.txt"], ".gif or .png"),
    ];
    for (args, says) in cases {
        let o = preview(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{args:?} should say {says:?}: {}", stderr(&o));
    }
    // Triangles that are all collapsed: nothing to draw.
    let flat = dir.path().join("flat.stl");
    let collapsed = memoreez::mesh::Mesh::new(vec![[0.0; 3], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], vec![[0, 1, 2]]);
    std::fs::write(&flat, memoreez::mesh::io::stl_bytes(&collapsed)).unwrap();
    let o = preview(&["--mesh", flat.to_str().unwrap(), "--out", out]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
