//! Wavefront OBJ in: positions and faces of every object and group, polygons split into triangles.
//! Materials, normals and texture coordinates are not needed for a print and are ignored.

use super::{Format, ImportError};
use crate::mesh::Mesh;

pub(super) fn read(bytes: &[u8]) -> Result<Mesh, ImportError> {
    let opts = tobj::LoadOptions { triangulate: true, single_index: false, ignore_points: true, ignore_lines: true };
    let mut reader = std::io::Cursor::new(bytes);
    // Material files are not read: a print has one colour.
    let (models, _) =
        tobj::load_obj_buf(&mut reader, &opts, |_| Err(tobj::LoadError::OpenFileFailed)).map_err(|e| malformed(&e))?;
    let mut m = Mesh::default();
    for model in models {
        let mesh = model.mesh;
        let base = m.vertices.len() as u32;
        let count = mesh.positions.len() / 3;
        m.vertices.extend(mesh.positions.chunks_exact(3).map(|p| [p[0], p[1], p[2]]));
        for t in mesh.indices.chunks_exact(3) {
            if let Some(&bad) = t.iter().find(|&&i| i as usize >= count) {
                return Err(ImportError::Malformed {
                    format: Format::Obj,
                    detail: format!(
                        "a face in '{}' refers to vertex {} which the file does not define",
                        model.name,
                        bad + 1
                    ),
                });
            }
            m.triangles.push([base + t[0], base + t[1], base + t[2]]);
        }
    }
    if m.triangles.is_empty() {
        return Err(ImportError::NoTriangles { format: Format::Obj });
    }
    Ok(m)
}

fn malformed(e: &tobj::LoadError) -> ImportError {
    let detail = match e {
        tobj::LoadError::FaceVertexOutOfBounds | tobj::LoadError::FaceTexCoordOutOfBounds => {
            "a face refers to a vertex the file does not define (the file may be cut short)".to_string()
        }
        tobj::LoadError::PositionParseError => "a vertex line ('v') does not hold three numbers".to_string(),
        tobj::LoadError::FaceParseError => "a face line ('f') cannot be read".to_string(),
        tobj::LoadError::ReadError => "it is not text".to_string(),
        other => other.to_string(),
    };
    ImportError::Malformed { format: Format::Obj, detail }
}
