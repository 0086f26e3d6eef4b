use super::*;
use crate::mesh::analysis::{is_closed_manifold, signed_volume};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/meshes/", $name)).as_slice()
    };
}

fn import(bytes: &[u8], name: &str) -> Result<Imported, ImportError> {
    import_bytes(bytes, Some(Path::new(name)), &ImportOptions::default())
}

fn assert_cube(m: &Imported, side: f64) {
    assert!(is_closed_manifold(&m.mesh));
    assert_eq!(m.mesh.triangles.len(), 12);
    for s in m.size_mm() {
        assert!((s - side).abs() < 1e-3, "{:?}", m.size_mm());
    }
    assert!((signed_volume(&m.mesh) - side.powi(3)).abs() < 1e-3 * side.powi(3));
}

#[test]
fn ascii_stl_and_binary_stl_with_a_solid_header_are_both_read() {
    let a = import(fixture!("cube_ascii.stl"), "cube.stl").unwrap();
    assert_eq!(a.format, Format::Stl);
    assert_cube(&a, 20.0);
    assert_eq!((a.units, a.units_source), (Units::Mm, Source::Guess));
    assert_eq!((a.up, a.up_source), (UpAxis::Z, Source::Guess));
    let b = fixture!("cube_solid_header.stl");
    assert!(b.starts_with(b"solid"));
    let b = import(b, "cube.stl").unwrap();
    assert_cube(&b, 20.0);
    assert_eq!(b.repair.faces_in, 12);
    // Each STL triangle has its own corners: 36 became 8.
    assert_eq!(b.repair.welded_vertices, 28);
}

#[test]
fn obj_quads_are_split_and_read_as_metres_y_up() {
    let m = import(fixture!("quads.obj"), "cube.obj").unwrap();
    assert_eq!(m.format, Format::Obj);
    assert_eq!(m.repair.faces_in, 12);
    assert_eq!((m.units, m.up), (Units::M, UpAxis::Y));
    assert_cube(&m, 1000.0);
    // Y up became Z up: the file's Y range (0..1 m) is now Z.
    let (lo, hi) = m.mesh.bounds().unwrap();
    assert_eq!((lo[2], hi[2]), (0.0, 1000.0));
    assert_eq!((lo[1], hi[1]), (-1000.0, 0.0));
}

#[test]
fn ply_ascii_and_binary_quads_are_read() {
    for (bytes, name) in [(fixture!("cube_ascii.ply"), "a.ply"), (fixture!("cube_binary.ply"), "b.ply")] {
        let m = import(bytes, name).unwrap();
        assert_eq!(m.format, Format::Ply);
        assert_cube(&m, 20.0);
    }
    let cut = fixture!("cube_binary.ply");
    let err = import(&cut[..cut.len() - 10], "b.ply").unwrap_err();
    assert!(matches!(err, ImportError::Truncated { format: Format::Ply, .. }), "{err}");
}

/// A binary glTF of one mesh (a unit cube with u16 indices) under a parent node that moves it up
/// and a child node that scales it by `scale`.
fn glb(scale: [f32; 3]) -> Vec<u8> {
    glb_nodes(serde_json::json!([{"translation": [0.0, 5.0, 0.0], "children": [1]}, {"mesh": 0, "scale": scale}]))
}

/// The cube under the node tree `nodes`, whose first node is the scene's root.
fn glb_nodes(nodes: serde_json::Value) -> Vec<u8> {
    let cube = crate::mesh::analysis::tests::cuboid([0.0; 3], [1.0; 3]);
    let mut bin: Vec<u8> = cube.vertices.iter().flatten().flat_map(|c| c.to_le_bytes()).collect();
    let pos_len = bin.len();
    bin.extend(cube.triangles.iter().flatten().flat_map(|&i| (i as u16).to_le_bytes()));
    let idx_len = bin.len() - pos_len;
    while bin.len() % 4 != 0 {
        bin.push(0);
    }
    let json = serde_json::json!({
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": nodes,
        "meshes": [{"name": "cube", "primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 8, "type": "VEC3", "min": [0.0, 0.0, 0.0], "max": [1.0, 1.0, 1.0]},
            {"bufferView": 1, "componentType": 5123, "count": 36, "type": "SCALAR"}
        ],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": pos_len},
            {"buffer": 0, "byteOffset": pos_len, "byteLength": idx_len}
        ],
        "buffers": [{"byteLength": bin.len()}]
    });
    let mut js = serde_json::to_vec(&json).unwrap();
    while js.len() % 4 != 0 {
        js.push(b' ');
    }
    let total = 12 + 8 + js.len() + 8 + bin.len();
    let mut out = b"glTF".to_vec();
    out.extend(2u32.to_le_bytes());
    out.extend((total as u32).to_le_bytes());
    out.extend((js.len() as u32).to_le_bytes());
    out.extend(b"JSON");
    out.extend(js);
    out.extend((bin.len() as u32).to_le_bytes());
    out.extend(b"BIN\0");
    out.extend(bin);
    out
}

#[test]
fn glb_applies_node_transforms_in_metres_y_up() {
    let m = import(&glb([2.0, 2.0, 2.0]), "model.bin").unwrap();
    assert_eq!(m.format, Format::Gltf);
    assert_eq!((m.units_source, m.up_source), (Source::Spec, Source::Spec));
    assert_cube(&m, 2000.0);
    // Moved 5 m up (glTF Y), which is Z in the print frame.
    let (lo, _) = m.mesh.bounds().unwrap();
    assert_eq!(lo[2], 5000.0);
    assert_eq!((m.repair.flipped_faces, m.repair.inverted_shells), (0, 0));
}

#[test]
fn a_mirroring_node_keeps_faces_pointing_out() {
    let m = import(&glb([-1.0, 1.0, 1.0]), "m.glb").unwrap();
    assert_cube(&m, 1000.0);
    assert_eq!(m.repair.inverted_shells, 0, "the reader itself turns mirrored faces");
}

#[test]
fn node_cycles_and_exploding_trees_are_refused_at_once() {
    let cycle = glb_nodes(serde_json::json!([{"mesh": 0, "children": [1]}, {"children": [0]}]));
    let err = import(&cycle, "m.glb").unwrap_err().to_string();
    assert!(err.contains("loops back") || err.contains("cycle") || err.contains("nodes"), "{err}");
    // Each level points twice at the next: 2^40 placements if followed.
    let levels: Vec<serde_json::Value> = (0..40)
        .map(|i| {
            if i == 39 {
                serde_json::json!({"mesh": 0})
            } else {
                serde_json::json!({"mesh": 0, "children": [i + 1, i + 1]})
            }
        })
        .collect();
    let err = import(&glb_nodes(serde_json::Value::Array(levels)), "m.glb").unwrap_err().to_string();
    assert!(err.contains("more than"), "{err}");
}

#[test]
fn our_own_glb_reads_back_exactly() {
    let cube = crate::mesh::analysis::tests::cuboid([0.0; 3], [1.0, 2.0, 3.0]);
    let (format, back) = read_raw(&crate::mesh::io::glb_bytes(&cube), Some(Path::new("x.glb"))).unwrap();
    assert_eq!((format, back.vertices, back.triangles), (Format::Gltf, cube.vertices, cube.triangles));
}

#[test]
fn broken_and_compressed_glb_say_why() {
    let whole = glb([1.0; 3]);
    let err = import(&whole[..whole.len() - 40], "m.glb").unwrap_err();
    assert!(matches!(err, ImportError::Truncated { format: Format::Gltf, .. }), "{err}");
    let err = import(fixture!("draco.glb"), "m.glb").unwrap_err();
    assert!(err.to_string().contains("KHR_draco_mesh_compression"), "{err}");
    assert!(matches!(err, ImportError::Unsupported { .. }));
}

#[test]
fn small_holes_are_repaired_and_large_ones_refused() {
    let m = import(fixture!("holey.stl"), "holey.stl").unwrap();
    assert_eq!(m.repair.filled_holes, 3, "{:?}", m.repair);
    assert!(is_closed_manifold(&m.mesh));
    assert!(m.notes().iter().any(|n| n.contains("small hole(s) closed")), "{:?}", m.notes());
    let err = import(fixture!("big_hole.stl"), "big.stl").unwrap_err();
    assert!(matches!(err, ImportError::NotWatertight(_)));
    let text = err.to_string();
    assert!(text.contains("2 hole(s) larger than 100 edges (the largest has 120)"), "{text}");
    assert!(text.contains("close it in your modeller"), "{text}");
}

#[test]
fn bad_files_name_the_problem() {
    let err = import(fixture!("empty.stl"), "e.stl").unwrap_err();
    assert!(matches!(err, ImportError::Empty), "{err}");
    let err = import(fixture!("truncated.stl"), "t.stl").unwrap_err();
    assert!(matches!(err, ImportError::Truncated { format: Format::Stl, .. }), "{err}");
    for name in ["n.stl", "notes.txt", "n.ply"] {
        let err = import(fixture!("not_a_mesh.stl"), name).unwrap_err();
        assert!(matches!(err, ImportError::NotAMesh(_)), "{name}: {err}");
    }
    // Binary bytes that claim to be STL but are too short for one.
    let err = import(&[7u8; 40], "short.stl").unwrap_err();
    assert!(matches!(err, ImportError::Malformed { format: Format::Stl, .. }), "{err}");
    let err = import(fixture!("degenerate.stl"), "d.stl").unwrap_err();
    assert!(matches!(err, ImportError::Cleanup(CleanupError::AllDegenerate(3))), "{err}");
    assert!(err.to_string().contains("degenerate"), "{err}");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let err = import(png, "photo.stl").unwrap_err();
    assert!(err.to_string().contains("a PNG picture"), "{err}");
    let err = import(b"v 0 0 0\nv 1 0 0\nv 0 1 0\nl 1 2\n", "lines.obj").unwrap_err();
    assert!(matches!(err, ImportError::NoTriangles { format: Format::Obj }), "{err}");
    let err = import(b"v 0 0 0\nv 1 0 0\nf 1 2 9\n", "cut.obj").unwrap_err();
    assert!(matches!(err, ImportError::Malformed { format: Format::Obj, .. }), "{err}");
}

#[test]
fn content_wins_over_the_extension_and_flags_win_over_guesses() {
    let obj = fixture!("quads.obj");
    assert_eq!(detect(obj, Some(Path::new("cube.stl"))).unwrap(), Format::Obj);
    assert_eq!(detect(fixture!("cube_binary.ply"), Some(Path::new("x.obj"))).unwrap(), Format::Ply);
    let opts = ImportOptions { units: Some(Units::Cm), up: Some(UpAxis::Z) };
    let m = import_bytes(obj, None, &opts).unwrap();
    assert_eq!((m.units_source, m.up_source), (Source::Flag, Source::Flag));
    assert_cube(&m, 10.0);
    let (lo, hi) = m.mesh.bounds().unwrap();
    assert_eq!((lo[1], hi[1]), (0.0, 10.0), "Z up: no rotation");
    assert_eq!("in".parse::<Units>().unwrap().mm_per_unit(), 25.4);
    assert!("ft".parse::<Units>().unwrap_err().contains("mm, cm, m or in"));
}
