//! STL in and out. Binary STL is what we write; binary and ASCII are read.

use super::analysis::weld;
use super::Mesh;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

const HEADER_LEN: usize = 80;
const PREAMBLE_LEN: usize = HEADER_LEN + 4;
const FACET_LEN: usize = 50;

/// What is wrong with a file that was meant to be an STL; each message names the problem.
#[derive(Debug, Error)]
pub enum MeshIoError {
    #[error("the STL file is empty (0 bytes); export the model again")]
    Empty,
    #[error("the STL file is cut short: {0}; it was probably not completely written or downloaded")]
    Truncated(String),
    #[error("this is not an STL file: {0}")]
    NotStl(String),
    #[error("the STL file holds no triangles")]
    NoTriangles,
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The facet normal STL expects: unit length, counter-clockwise; zero for a degenerate triangle.
fn facet_normal(a: [f32; 3], b: [f32; 3], c: [f32; 3]) -> [f32; 3] {
    let u = [0, 1, 2].map(|k| b[k] as f64 - a[k] as f64);
    let v = [0, 1, 2].map(|k| c[k] as f64 - a[k] as f64);
    let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    if len > 0.0 {
        n.map(|x| (x / len) as f32)
    } else {
        [0.0; 3]
    }
}

/// The mesh as a binary STL, with facet normals.
pub fn stl_bytes(m: &Mesh) -> Vec<u8> {
    let mut out = Vec::with_capacity(PREAMBLE_LEN + FACET_LEN * m.triangles.len());
    let mut header = [b' '; HEADER_LEN];
    // Not starting with "solid" keeps naive readers from taking it for ASCII.
    let label = b"binary STL written by memoreez";
    header[..label.len()].copy_from_slice(label);
    out.extend_from_slice(&header);
    out.extend_from_slice(&(m.triangles.len() as u32).to_le_bytes());
    for t in &m.triangles {
        let [a, b, c] = t.map(|i| m.vertices[i as usize]);
        for v in [facet_normal(a, b, c), a, b, c] {
            for x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out.extend_from_slice(&0u16.to_le_bytes());
    }
    out
}

/// Writes a binary STL atomically: a temporary file in the same folder, then a rename, so a crash
/// never leaves half a file under `path`.
pub fn write_stl(path: &Path, m: &Mesh) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Process id and a counter: two writers of the same path never share a temporary file.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&stl_bytes(m))?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Reads a binary or ASCII STL into an indexed mesh: identical positions become one vertex, and
/// triangles that repeat a corner are dropped.
pub fn read_stl(bytes: &[u8]) -> Result<Mesh, MeshIoError> {
    let soup = read_stl_soup(bytes)?;
    let mesh = weld(&soup, 0.0);
    if mesh.triangles.is_empty() {
        return Err(MeshIoError::NotStl(format!(
            "all {} triangles are collapsed to lines or points",
            soup.triangles.len()
        )));
    }
    Ok(mesh)
}

/// Reads a binary or ASCII STL as it is stored: three vertices of its own per triangle, nothing
/// merged or dropped (for callers that clean up themselves).
pub fn read_stl_soup(bytes: &[u8]) -> Result<Mesh, MeshIoError> {
    if bytes.is_empty() {
        return Err(MeshIoError::Empty);
    }
    let soup = if looks_binary(bytes) { read_binary(bytes)? } else { read_ascii(bytes)? };
    if soup.triangles.is_empty() {
        return Err(MeshIoError::NoTriangles);
    }
    Ok(soup)
}

/// Reads an STL file from disk; see [`read_stl`].
pub fn read_stl_file(path: &Path) -> Result<Mesh, MeshIoError> {
    let bytes = std::fs::read(path).map_err(|source| MeshIoError::Io { path: path.display().to_string(), source })?;
    read_stl(&bytes)
}

/// Binary unless it starts like ASCII STL ("solid"). Many exporters write binary files whose header
/// starts with "solid" too, so a size that matches the triangle count exactly wins.
fn looks_binary(bytes: &[u8]) -> bool {
    let trimmed = bytes.iter().position(|b| !b.is_ascii_whitespace()).map_or(bytes, |p| &bytes[p..]);
    if !trimmed.starts_with(b"solid") {
        return true;
    }
    bytes.len() >= PREAMBLE_LEN && binary_len(declared_count(bytes)) == bytes.len() as u64
}

fn declared_count(bytes: &[u8]) -> u32 {
    let mut count = [0u8; 4];
    count.copy_from_slice(&bytes[HEADER_LEN..PREAMBLE_LEN]);
    u32::from_le_bytes(count)
}

fn binary_len(count: u32) -> u64 {
    PREAMBLE_LEN as u64 + FACET_LEN as u64 * count as u64
}

/// Coordinates that no real model has: a sign of random bytes rather than a cut-short file.
fn implausible(x: f32) -> bool {
    !x.is_finite() || x.abs() > 1e9
}

fn read_binary(bytes: &[u8]) -> Result<Mesh, MeshIoError> {
    if bytes.len() < PREAMBLE_LEN {
        return Err(MeshIoError::NotStl(format!(
            "{} bytes is too short for a binary STL (at least {PREAMBLE_LEN}) and it is not ASCII STL",
            bytes.len()
        )));
    }
    let count = declared_count(bytes);
    let body = &bytes[PREAMBLE_LEN..];
    let present = (body.len() / FACET_LEN).min(count as usize);
    let f = |at: usize| {
        let mut b = [0u8; 4];
        b.copy_from_slice(&body[at..at + 4]);
        f32::from_le_bytes(b)
    };
    let mut soup = Mesh::default();
    for t in 0..present {
        let base = t * FACET_LEN + 12;
        for v in 0..3 {
            let p = [0, 1, 2].map(|k| f(base + 12 * v + 4 * k));
            if p.iter().any(|&x| implausible(x)) {
                return Err(MeshIoError::NotStl(format!(
                    "triangle {} has a corner at {p:?}, which is not a coordinate",
                    t + 1
                )));
            }
            soup.vertices.push(p);
        }
        let i = 3 * t as u32;
        soup.triangles.push([i, i + 1, i + 2]);
    }
    if present < count as usize {
        let needed = binary_len(count);
        return Err(MeshIoError::Truncated(format!(
            "the header announces {count} triangles ({needed} bytes) but the file has {} bytes",
            bytes.len()
        )));
    }
    Ok(soup)
}

fn read_ascii(bytes: &[u8]) -> Result<Mesh, MeshIoError> {
    let mut cursor = std::io::Cursor::new(bytes);
    let reader = stl_io::create_stl_reader(&mut cursor)
        .map_err(|e| MeshIoError::NotStl(format!("it starts like ASCII STL but the first line is unreadable ({e})")))?;
    let mut soup = Mesh::default();
    for (t, tri) in reader.enumerate() {
        let tri = tri.map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                MeshIoError::Truncated(format!("the text ends inside triangle {} ({e})", t + 1))
            }
            _ => MeshIoError::NotStl(format!("ASCII STL broken at triangle {}: {e}", t + 1)),
        })?;
        let i = soup.vertices.len() as u32;
        soup.vertices.extend(tri.vertices.iter().map(|v| v.0));
        soup.triangles.push([i, i + 1, i + 2]);
    }
    Ok(soup)
}

/// The mesh as a binary glTF (GLB): one node, one triangle primitive, positions and u32 indices, no
/// transform, so a reader gets the coordinates exactly as given (Hunyuan3D's model space is Y up,
/// as glTF's is).
pub fn glb_bytes(m: &Mesh) -> Vec<u8> {
    let nv = m.vertices.len();
    let nt = m.triangles.len();
    let (lo, hi) = m.bounds().unwrap_or(([0.0; 3], [0.0; 3]));
    let positions = nv * 12;
    let indices = nt * 12;
    let json = serde_json::json!({
        "asset": {"version": "2.0", "generator": concat!("memoreez ", env!("CARGO_PKG_VERSION"))},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "mode": 4}]}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": nv, "type": "VEC3", "min": lo, "max": hi},
            {"bufferView": 1, "componentType": 5125, "count": nt * 3, "type": "SCALAR"}
        ],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": positions, "target": 34962},
            {"buffer": 0, "byteOffset": positions, "byteLength": indices, "target": 34963}
        ],
        "buffers": [{"byteLength": positions + indices}]
    });
    let mut json = json.to_string().into_bytes();
    while json.len() % 4 != 0 {
        json.push(b' ');
    }
    let mut bin = Vec::with_capacity(positions + indices);
    for v in &m.vertices {
        for c in v {
            bin.extend_from_slice(&c.to_le_bytes());
        }
    }
    for t in &m.triangles {
        for i in t {
            bin.extend_from_slice(&i.to_le_bytes());
        }
    }
    let total = 12 + 8 + json.len() + 8 + bin.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&json);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::analysis::tests::cuboid;
    use crate::mesh::analysis::{is_closed_manifold, signed_volume};

    #[test]
    fn binary_round_trip_keeps_the_solid() {
        let cube = cuboid([-1.0, 0.5, 2.0], [1.0, 1.5, 5.0]);
        let bytes = stl_bytes(&cube);
        assert_eq!(bytes.len(), 84 + 50 * 12);
        let back = read_stl(&bytes).unwrap();
        assert_eq!(back.vertices.len(), 8);
        assert_eq!(back.triangles.len(), 12);
        assert!(is_closed_manifold(&back));
        assert_eq!(signed_volume(&back), signed_volume(&cube));
    }

    #[test]
    fn facet_normals_point_outwards() {
        let cube = cuboid([0.0; 3], [1.0; 3]);
        let bytes = stl_bytes(&cube);
        // The first quad of the cube is its z = 0 face: normal -Z.
        let normal: Vec<f32> = (0..3)
            .map(|k| {
                let at = 84 + 4 * k;
                f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
            })
            .collect();
        assert_eq!(normal, vec![0.0, 0.0, -1.0]);
    }

    #[test]
    fn write_stl_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.stl");
        std::fs::write(&path, b"old").unwrap();
        let cube = cuboid([0.0; 3], [2.0; 3]);
        write_stl(&path, &cube).unwrap();
        let back = read_stl_file(&path).unwrap();
        assert_eq!(signed_volume(&back), 8.0);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("model.stl")]);
    }

    #[test]
    fn ascii_stl_is_read_and_welded() {
        let text = "solid two\n\
            facet normal 0 0 1\n outer loop\n vertex 0 0 0\n vertex 1 0 0\n vertex 0 1 0\n endloop\n endfacet\n\
            facet normal 0 0 1\n outer loop\n vertex 1 0 0\n vertex 1 1 0\n vertex 0 1 0\n endloop\n endfacet\n\
            endsolid two\n";
        let m = read_stl(text.as_bytes()).unwrap();
        assert_eq!(m.vertices.len(), 4);
        assert_eq!(m.triangles.len(), 2);
    }

    #[test]
    fn binary_with_solid_header_is_still_binary() {
        let mut bytes = stl_bytes(&cuboid([0.0; 3], [1.0; 3]));
        bytes[..6].copy_from_slice(b"solid ");
        assert_eq!(read_stl(&bytes).unwrap().triangles.len(), 12);
    }

    #[test]
    fn truncated_binary_says_so() {
        let bytes = stl_bytes(&cuboid([0.0; 3], [1.0; 3]));
        let err = read_stl(&bytes[..bytes.len() - 30]).unwrap_err();
        assert!(matches!(err, MeshIoError::Truncated(_)), "{err}");
        assert!(err.to_string().contains("12 triangles"), "{err}");
    }

    #[test]
    fn truncated_ascii_says_so() {
        let text = "solid cut\nfacet normal 0 0 1\n outer loop\n vertex 0 0 0\n vertex 1 0 0\n";
        let err = read_stl(text.as_bytes()).unwrap_err();
        assert!(matches!(err, MeshIoError::Truncated(_)), "{err}");
    }

    #[test]
    fn empty_and_garbage_are_not_stl() {
        assert!(matches!(read_stl(b""), Err(MeshIoError::Empty)));
        assert!(matches!(read_stl(b"hello, not a model"), Err(MeshIoError::NotStl(_))));
        // Bytes that fill whole facets with NaN-like patterns: not coordinates.
        let mut garbage = vec![0xffu8; 84 + 50 * 3];
        garbage[80..84].copy_from_slice(&3u32.to_le_bytes());
        let err = read_stl(&garbage).unwrap_err();
        assert!(matches!(err, MeshIoError::NotStl(_)), "{err}");
        let png = b"\x89PNG\r\n\x1a\n".repeat(40);
        assert!(read_stl(&png).is_err());
        let err = read_stl(b"solid x\nthis is prose\n").unwrap_err();
        assert!(matches!(err, MeshIoError::NotStl(_)), "{err}");
    }

    #[test]
    fn header_only_has_no_triangles() {
        let bytes = stl_bytes(&Mesh::default());
        assert!(matches!(read_stl(&bytes), Err(MeshIoError::NoTriangles)));
    }
}
