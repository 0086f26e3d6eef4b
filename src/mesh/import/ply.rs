//! PLY in, ASCII and binary: the `vertex` element's x, y, z and the `face` element's index list
//! (`vertex_indices` or `vertex_index`), polygons split into fans.

use super::{Format, ImportError};
use crate::mesh::Mesh;
use ply_rs_bw::parser::Parser;
use ply_rs_bw::ply::{DefaultElement, Property};

fn number(p: &Property) -> Option<f64> {
    Some(match *p {
        Property::Char(v) => f64::from(v),
        Property::UChar(v) => f64::from(v),
        Property::Short(v) => f64::from(v),
        Property::UShort(v) => f64::from(v),
        Property::Int(v) => f64::from(v),
        Property::UInt(v) => f64::from(v),
        Property::Float(v) => f64::from(v),
        Property::Double(v) => v,
        _ => return None,
    })
}

/// An index list as signed numbers, so a negative index is caught rather than wrapped.
fn indices(p: &Property) -> Option<Vec<i64>> {
    Some(match p {
        Property::ListChar(v) => v.iter().map(|&i| i64::from(i)).collect(),
        Property::ListUChar(v) => v.iter().map(|&i| i64::from(i)).collect(),
        Property::ListShort(v) => v.iter().map(|&i| i64::from(i)).collect(),
        Property::ListUShort(v) => v.iter().map(|&i| i64::from(i)).collect(),
        Property::ListInt(v) => v.iter().map(|&i| i64::from(i)).collect(),
        Property::ListUInt(v) => v.iter().map(|&i| i64::from(i)).collect(),
        _ => return None,
    })
}

fn malformed(detail: impl Into<String>) -> ImportError {
    ImportError::Malformed { format: Format::Ply, detail: detail.into() }
}

pub(super) fn read(bytes: &[u8]) -> Result<Mesh, ImportError> {
    let mut reader = std::io::Cursor::new(bytes);
    let ply = Parser::<DefaultElement>::new().read_ply(&mut reader).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            ImportError::Truncated { format: Format::Ply, detail: "the data ends before every element was read".into() }
        }
        _ => malformed(e.to_string()),
    })?;
    let vertices = ply.payload.get("vertex").ok_or_else(|| malformed("it has no 'vertex' element"))?;
    let mut m = Mesh::default();
    for (n, v) in vertices.iter().enumerate() {
        let mut p = [0.0f32; 3];
        for (k, key) in ["x", "y", "z"].iter().enumerate() {
            let value = v.get(*key).and_then(number);
            p[k] = value.ok_or_else(|| malformed(format!("vertex {} has no number '{key}'", n + 1)))? as f32;
        }
        m.vertices.push(p);
    }
    let faces = ply.payload.get("face").map(Vec::as_slice).unwrap_or_default();
    let count = m.vertices.len() as i64;
    for (n, f) in faces.iter().enumerate() {
        let list = ["vertex_indices", "vertex_index"]
            .iter()
            .find_map(|k| f.get(*k).and_then(indices))
            .ok_or_else(|| malformed(format!("face {} has no 'vertex_indices' list", n + 1)))?;
        if let Some(bad) = list.iter().find(|&&i| i < 0 || i >= count) {
            return Err(malformed(format!("face {} refers to vertex {bad}, but there are {count} vertices", n + 1)));
        }
        // Fans: PLY polygons are planar and convex in practice, as scanners and modellers write them.
        for k in 1..list.len().saturating_sub(1) {
            m.triangles.push([list[0] as u32, list[k] as u32, list[k + 1] as u32]);
        }
    }
    if m.triangles.is_empty() {
        return Err(ImportError::NoTriangles { format: Format::Ply });
    }
    Ok(m)
}
