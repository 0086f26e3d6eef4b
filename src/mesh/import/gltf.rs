//! glTF in, binary (.glb) with its geometry in the file: every triangle primitive of the default
//! scene (or of every mesh, when there is no scene), placed by its node transforms.

use super::{Format, ImportError};
use crate::mesh::Mesh;
use gltf::mesh::Mode;

/// Extensions that store geometry in a form this reader cannot decode.
const COMPRESSED: [&str; 4] =
    ["KHR_draco_mesh_compression", "EXT_meshopt_compression", "KHR_meshopt_compression", "KHR_mesh_quantization"];

type Matrix = [[f64; 4]; 4];

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    let mut out = [[0.0; 4]; 4];
    // Column-major, as glTF stores them: out[c][r] = sum_k a[k][r] * b[c][k].
    for (c, col) in out.iter_mut().enumerate() {
        for (r, cell) in col.iter_mut().enumerate() {
            *cell = (0..4).map(|k| a[k][r] * b[c][k]).sum();
        }
    }
    out
}

fn apply(m: &Matrix, p: [f32; 3]) -> [f32; 3] {
    let p = p.map(f64::from);
    [0, 1, 2].map(|r| (m[0][r] * p[0] + m[1][r] * p[1] + m[2][r] * p[2] + m[3][r]) as f32)
}

fn determinant3(m: &Matrix) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) - m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2])
        + m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2])
}

const IDENTITY: Matrix = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];

fn malformed(detail: impl Into<String>) -> ImportError {
    ImportError::Malformed { format: Format::Gltf, detail: detail.into() }
}

fn unsupported(detail: impl Into<String>) -> ImportError {
    ImportError::Unsupported { format: Format::Gltf, detail: detail.into() }
}

fn open(bytes: &[u8]) -> Result<gltf::Gltf, ImportError> {
    let parse_error = |e: gltf::Error| match e {
        gltf::Error::Binary(gltf::binary::Error::Length { length, length_read }) if length_read < length as usize => {
            ImportError::Truncated {
                format: Format::Gltf,
                detail: format!("its header announces {length} bytes but there are {length_read}"),
            }
        }
        gltf::Error::Binary(gltf::binary::Error::ChunkLength { length, length_read, .. })
            if length_read < length as usize =>
        {
            ImportError::Truncated {
                format: Format::Gltf,
                detail: format!("a chunk announces {length} bytes but there are {length_read}"),
            }
        }
        other => malformed(other.to_string()),
    };
    let raw = gltf::Gltf::from_slice_without_validation(bytes).map_err(parse_error)?;
    if let Some(ext) = raw.extensions_required().map(|e| e.to_string()).find(|e| COMPRESSED.contains(&e.as_str())) {
        return Err(unsupported(format!(
            "its geometry is compressed with {ext}; export it again without mesh compression (Draco/meshopt off)"
        )));
    }
    match gltf::Gltf::from_slice(bytes) {
        Ok(g) => Ok(g),
        // Required extensions for materials or lights do not matter for the shape.
        Err(gltf::Error::Validation(errors))
            if errors.iter().all(|(path, _)| path.to_string().starts_with("extensionsRequired")) =>
        {
            Ok(raw)
        }
        Err(gltf::Error::Validation(errors)) => {
            let (path, e) = &errors[0];
            Err(malformed(format!("{path}: {e}")))
        }
        Err(e) => Err(parse_error(e)),
    }
}

/// Deepest node nesting accepted; real scenes stay in the tens.
const MAX_DEPTH: usize = 256;
/// Most nodes placed (instances included).
const MAX_NODES: usize = 200_000;
/// Most vertices placed in all, some 480 MB as floats.
const MAX_VERTICES: usize = 40_000_000;

pub(super) fn read(bytes: &[u8]) -> Result<Mesh, ImportError> {
    let doc = open(bytes)?;
    if doc.buffers().any(|b| matches!(b.source(), gltf::buffer::Source::Uri(_))) {
        return Err(unsupported(
            "its geometry is in a separate or text-encoded buffer; export it as one binary .glb file",
        ));
    }
    let blob = doc.blob.as_deref();
    let mut m = Mesh::default();
    let mut placed: Vec<(gltf::Mesh, Matrix)> = Vec::new();
    match doc.default_scene().or_else(|| doc.scenes().next()) {
        Some(scene) => {
            // A hostile file (or a remote server's) may make its nodes a cycle or a tree that doubles
            // at each level: bound the depth and the number of nodes placed.
            let mut stack: Vec<(gltf::Node, Matrix, usize)> = scene.nodes().map(|n| (n, IDENTITY, 0)).collect();
            let mut visited = 0usize;
            while let Some((node, parent, depth)) = stack.pop() {
                visited += 1;
                if depth > MAX_DEPTH {
                    return Err(malformed(format!(
                        "its node tree is deeper than {MAX_DEPTH} levels or loops back on itself"
                    )));
                }
                if visited > MAX_NODES {
                    return Err(malformed(format!("its node tree places more than {MAX_NODES} nodes")));
                }
                let world = mul(&parent, &node.transform().matrix().map(|c| c.map(f64::from)));
                if let Some(mesh) = node.mesh() {
                    placed.push((mesh, world));
                }
                stack.extend(node.children().map(|c| (c, world, depth + 1)));
            }
        }
        None => placed.extend(doc.meshes().map(|mesh| (mesh, IDENTITY))),
    }
    for (mesh, world) in placed {
        let mirrored = determinant3(&world) < 0.0;
        for prim in mesh.primitives() {
            let mode = prim.mode();
            if !matches!(mode, Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan) {
                continue;
            }
            let Some(acc) = prim.get(&gltf::Semantic::Positions) else { continue };
            if acc.data_type() != gltf::accessor::DataType::F32 || acc.dimensions() != gltf::accessor::Dimensions::Vec3
            {
                return Err(unsupported(
                    "its positions are not plain 32-bit floats (quantised); export them as floats",
                ));
            }
            let reader = prim.reader(|b| match b.source() {
                gltf::buffer::Source::Bin => blob,
                gltf::buffer::Source::Uri(_) => None,
            });
            let positions: Vec<[f32; 3]> = reader
                .read_positions()
                .ok_or_else(|| ImportError::Truncated {
                    format: Format::Gltf,
                    detail: format!(
                        "the positions of mesh '{}' lie past the end of its data",
                        mesh.name().unwrap_or("?")
                    ),
                })?
                .collect();
            let count = positions.len() as u32;
            let order: Vec<u32> = match (reader.read_indices(), prim.indices()) {
                (Some(i), _) => i.into_u32().collect(),
                (None, Some(_)) => {
                    return Err(ImportError::Truncated {
                        format: Format::Gltf,
                        detail: "the face indices lie past the end of its data".into(),
                    })
                }
                (None, None) => (0..count).collect(),
            };
            if let Some(bad) = order.iter().find(|&&i| i >= count) {
                return Err(malformed(format!("a face refers to vertex {bad}, but the primitive has {count}")));
            }
            if m.vertices.len() + positions.len() > MAX_VERTICES {
                return Err(unsupported(format!("it places more than {MAX_VERTICES} vertices")));
            }
            let base = m.vertices.len() as u32;
            m.vertices.extend(positions.into_iter().map(|p| apply(&world, p)));
            let tris: Vec<[u32; 3]> = match mode {
                Mode::Triangles => order.chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect(),
                Mode::TriangleStrip => (2..order.len())
                    .map(|k| {
                        if k % 2 == 0 {
                            [order[k - 2], order[k - 1], order[k]]
                        } else {
                            [order[k - 1], order[k - 2], order[k]]
                        }
                    })
                    .collect(),
                _ => (2..order.len()).map(|k| [order[0], order[k - 1], order[k]]).collect(),
            };
            m.triangles.extend(tris.into_iter().map(|t| {
                let t = t.map(|i| base + i);
                if mirrored {
                    [t[0], t[2], t[1]]
                } else {
                    t
                }
            }));
        }
    }
    if m.triangles.is_empty() {
        return Err(ImportError::NoTriangles { format: Format::Gltf });
    }
    Ok(m)
}
