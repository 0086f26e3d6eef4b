//! 3MF export (3MF core specification 1.x): one mesh object in millimetres and one build item,
//! in an OPC zip with `[Content_Types].xml`, `_rels/.rels` and `3D/3dmodel.model`.

use super::Mesh;
use std::io::{Cursor, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const MODEL_PATH: &str = "3D/3dmodel.model";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
</Types>
"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
 <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
</Relationships>
"#;

#[derive(Debug, Error)]
pub enum ThreeMfError {
    /// The mesh breaks a rule of the format; nothing was written.
    #[error("cannot write 3MF: {0}")]
    InvalidMesh(String),
    #[error("cannot write 3MF: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write 3MF: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write 3MF to {path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The whole 3MF package in memory.
pub fn threemf_bytes(m: &Mesh) -> Result<Vec<u8>, ThreeMfError> {
    let mut out = Cursor::new(Vec::new());
    write_package(&mut out, m)?;
    Ok(out.into_inner())
}

/// Writes the package to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
pub fn write_3mf(path: &Path, m: &Mesh) -> Result<(), ThreeMfError> {
    check(m)?;
    let file_err = |source| ThreeMfError::File { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model.3mf".into());
    // Process id and a counter keep concurrent writers (other processes, other threads) apart.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(file_err)?;
        let mut buffered = std::io::BufWriter::new(file);
        write_package(&mut buffered, m)?;
        let file = buffered.into_inner().map_err(|e| file_err(e.into_error()))?;
        file.sync_all().map_err(file_err)?;
        std::fs::rename(&tmp, path).map_err(file_err)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Rules of the core spec we can break: at least one triangle, finite coordinates, indices in
/// range and three distinct corners per triangle.
fn check(m: &Mesh) -> Result<(), ThreeMfError> {
    if m.triangles.is_empty() {
        return Err(ThreeMfError::InvalidMesh("the mesh has no triangles".into()));
    }
    if let Some(i) = m.vertices.iter().position(|v| v.iter().any(|c| !c.is_finite())) {
        return Err(ThreeMfError::InvalidMesh(format!("vertex {i} is not a finite position")));
    }
    let n = m.vertices.len();
    for (i, t) in m.triangles.iter().enumerate() {
        if t.iter().any(|&v| v as usize >= n) {
            return Err(ThreeMfError::InvalidMesh(format!("triangle {i} uses a vertex that does not exist")));
        }
        if t[0] == t[1] || t[1] == t[2] || t[0] == t[2] {
            return Err(ThreeMfError::InvalidMesh(format!("triangle {i} repeats a corner")));
        }
    }
    Ok(())
}

fn write_package<W: Write + Seek>(out: W, m: &Mesh) -> Result<(), ThreeMfError> {
    check(m)?;
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options)?;
    zip.write_all(CONTENT_TYPES.as_bytes())?;
    zip.start_file("_rels/.rels", options)?;
    zip.write_all(RELS.as_bytes())?;
    zip.start_file(MODEL_PATH, options)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut zip);
        write_model(&mut w, m)?;
        w.flush()?;
    }
    zip.finish()?;
    Ok(())
}

/// The model part. Numbers only, so nothing needs escaping; f32 `Display` is the shortest text
/// that reads back to the same value and never uses an exponent.
fn write_model<W: Write>(w: &mut W, m: &Mesh) -> std::io::Result<()> {
    w.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?>
<model unit="millimeter" xml:lang="en-US" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">
 <metadata name="Application">memoreez</metadata>
 <resources>
  <object id="1" type="model">
   <mesh>
    <vertices>
"#,
    )?;
    for v in &m.vertices {
        writeln!(w, "     <vertex x=\"{}\" y=\"{}\" z=\"{}\"/>", v[0], v[1], v[2])?;
    }
    w.write_all(b"    </vertices>\n    <triangles>\n")?;
    for t in &m.triangles {
        writeln!(w, "     <triangle v1=\"{}\" v2=\"{}\" v3=\"{}\"/>", t[0], t[1], t[2])?;
    }
    w.write_all(
        br#"    </triangles>
   </mesh>
  </object>
 </resources>
 <build>
  <item objectid="1"/>
 </build>
</model>
"#,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use std::io::Read;

    fn tetra() -> Mesh {
        Mesh::new(
            vec![[0.0, 0.0, 0.0], [10.5, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 1e-7]],
            vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]],
        )
    }

    fn entry(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    /// What the model part says, read back with a real XML parser.
    struct Parsed {
        vertices: Vec<[f32; 3]>,
        triangles: Vec<[u32; 3]>,
        unit: Option<String>,
        items: usize,
    }

    fn parse_model(xml: &str) -> Parsed {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut verts, mut tris, mut unit, mut items) = (Vec::new(), Vec::new(), None, 0);
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let attr = |k: &str| {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == k.as_bytes())
                            .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
                    };
                    match e.name().as_ref() {
                        b"model" => unit = attr("unit"),
                        b"vertex" => verts.push(["x", "y", "z"].map(|k| attr(k).unwrap().parse().unwrap())),
                        b"triangle" => tris.push(["v1", "v2", "v3"].map(|k| attr(k).unwrap().parse().unwrap())),
                        b"item" => items += 1,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Parsed { vertices: verts, triangles: tris, unit, items }
    }

    #[test]
    fn package_has_the_three_parts_and_the_mesh_round_trips() {
        let m = tetra();
        let bytes = threemf_bytes(&m).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(String::from).collect();
        for n in ["[Content_Types].xml", "_rels/.rels", MODEL_PATH] {
            assert!(names.iter().any(|x| x == n), "{n} missing from {names:?}");
        }
        assert_eq!(zip.by_name(MODEL_PATH).unwrap().compression(), CompressionMethod::Deflated);
        assert!(entry(&bytes, "_rels/.rels").contains("Target=\"/3D/3dmodel.model\""));
        let Parsed { vertices: verts, triangles: tris, unit, items } = parse_model(&entry(&bytes, MODEL_PATH));
        assert_eq!(unit.as_deref(), Some("millimeter"));
        assert_eq!(items, 1);
        assert_eq!(verts, m.vertices);
        assert_eq!(tris, m.triangles);
    }

    #[test]
    fn bad_meshes_are_refused() {
        let mut m = tetra();
        m.triangles[0] = [0, 0, 1];
        assert!(matches!(threemf_bytes(&m), Err(ThreeMfError::InvalidMesh(_))));
        let mut m = tetra();
        m.triangles[0] = [0, 1, 9];
        assert!(matches!(threemf_bytes(&m), Err(ThreeMfError::InvalidMesh(_))));
        let mut m = tetra();
        m.vertices[0][0] = f32::NAN;
        assert!(matches!(threemf_bytes(&m), Err(ThreeMfError::InvalidMesh(_))));
        assert!(matches!(threemf_bytes(&Mesh::default()), Err(ThreeMfError::InvalidMesh(_))));
    }

    #[test]
    fn write_is_atomic_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("piece.3mf");
        write_3mf(&path, &tetra()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), threemf_bytes(&tetra()).unwrap());
        let mut bad = tetra();
        bad.triangles.clear();
        assert!(write_3mf(&dir.path().join("bad.3mf"), &bad).is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("piece.3mf")]);
    }

    #[test]
    fn prusa_slicer_reads_it_when_installed() {
        if std::process::Command::new("prusa-slicer").arg("--help").output().is_err() {
            eprintln!("prusa-slicer not on PATH: skipped reading the 3MF back");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cube.3mf");
        let cube = crate::mesh::Mesh::new(
            (0..8)
                .map(|i| [(i & 1) as f32 * 20.0, ((i >> 1) & 1) as f32 * 20.0, ((i >> 2) & 1) as f32 * 20.0])
                .collect(),
            vec![
                [0, 2, 3],
                [0, 3, 1],
                [4, 5, 7],
                [4, 7, 6],
                [0, 1, 5],
                [0, 5, 4],
                [2, 6, 7],
                [2, 7, 3],
                [0, 4, 6],
                [0, 6, 2],
                [1, 3, 7],
                [1, 7, 5],
            ],
        );
        write_3mf(&path, &cube).unwrap();
        let out = std::process::Command::new("prusa-slicer").arg("--info").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("size_x = 20.000000"), "{text}");
        assert!(text.lines().any(|l| l.replace(' ', "") == "manifold=yes"), "{text}");
    }
}
