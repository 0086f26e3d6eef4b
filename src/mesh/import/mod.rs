//! A person's own model in: STL (binary and ASCII), OBJ, PLY and binary glTF, told apart by their
//! content first and their file name second; then repaired (welded, small holes closed, wound
//! outwards) and moved into the print frame (millimetres, Z up), or refused with the reason.

mod gltf;
mod obj;
mod ply;
mod stl;
pub mod units;

use crate::mesh::cleanup::{self, CleanupError, CleanupOptions, CleanupReport};
use crate::mesh::Mesh;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;
pub use units::{Source, Units, UpAxis};

/// Holes bounded by at most this many edges are closed on import; larger ones are refused.
pub const MAX_HOLE_EDGES: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Stl,
    Obj,
    Ply,
    Gltf,
}

impl Format {
    /// "a" or "an", as the name is spoken.
    pub fn article(self) -> &'static str {
        match self {
            Format::Stl | Format::Obj => "an",
            Format::Ply | Format::Gltf => "a",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Stl => "STL",
            Format::Obj => "OBJ",
            Format::Ply => "PLY",
            Format::Gltf => "glTF",
        })
    }
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("the file is empty (0 bytes); export the model again")]
    Empty,
    #[error("the {format} file is cut short: {detail}; it was probably not completely written or downloaded")]
    Truncated { format: Format, detail: String },
    #[error("this is not a 3D model: {0}")]
    NotAMesh(String),
    #[error("the {format} file is damaged: {detail}")]
    Malformed { format: Format, detail: String },
    #[error("this {format} file cannot be read: {detail}")]
    Unsupported { format: Format, detail: String },
    #[error("the {format} file holds no triangles (only points, lines or nothing); export the model's surface")]
    NoTriangles { format: Format },
    #[error("{0}")]
    Cleanup(#[from] CleanupError),
    #[error(
        "the model is not watertight and cannot be repaired automatically: it has {0}; close it in your \
         modeller and export it again"
    )]
    NotWatertight(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Overrides for what the file does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ImportOptions {
    pub units: Option<Units>,
    pub up: Option<UpAxis>,
}

/// A model ready for fabrication, and how it was read.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Millimetres, Z up, closed and wound outwards.
    pub mesh: Mesh,
    pub format: Format,
    pub units: Units,
    pub units_source: Source,
    pub up: UpAxis,
    pub up_source: Source,
    pub repair: CleanupReport,
}

impl Imported {
    /// Size in millimetres along X, Y, Z.
    pub fn size_mm(&self) -> [f64; 3] {
        self.mesh.bounds().map_or([0.0; 3], |(lo, hi)| [0, 1, 2].map(|k| f64::from(hi[k] - lo[k])))
    }

    /// Plain sentences about what was read and assumed, and what was repaired.
    pub fn notes(&self) -> Vec<String> {
        let why = |s: Source, flag: &str| match s {
            Source::Flag => "as asked".to_string(),
            Source::Spec => format!("{}'s unit and axis by specification", self.format),
            Source::Guess => format!("a guess; use {flag} to change it"),
        };
        let [x, y, z] = self.size_mm();
        let mut n = vec![
            format!("read {} {} model with {} faces", self.format.article(), self.format, self.repair.faces_in),
            format!("units: {} ({})", self.units.label(), why(self.units_source, "--units mm|cm|m|in")),
            format!("up axis: {} ({})", self.up, why(self.up_source, "--up y|z")),
            format!("size as read: {x:.1} x {y:.1} x {z:.1} mm (the piece is scaled to the height asked)"),
        ];
        let mut repair = self.repair.clone();
        if self.format == Format::Stl {
            // STL stores three corners per triangle: welding them is reading, not repairing.
            repair.welded_vertices = 0;
        }
        n.extend(repair.notes().into_iter().map(|s| format!("repaired: {s}")));
        n
    }
}

/// Known files that are not models, by their first bytes, to name what was given instead.
fn known_other(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 7] = [
        (b"\x89PNG", "a PNG picture"),
        (b"\xff\xd8\xff", "a JPEG picture"),
        (b"GIF8", "a GIF picture"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (3MF files are ZIP archives too; export STL, OBJ, PLY or GLB instead)"),
        (b"\x1f\x8b", "a gzip archive; unpack it first"),
        (b"RIFF", "a RIFF file (WebP picture or audio)"),
    ];
    MAGIC.iter().find(|(m, _)| bytes.starts_with(m)).map(|(_, what)| *what)
}

/// Whether the text starts like OBJ: its first meaningful lines are OBJ statements.
fn looks_like_obj(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let Ok(text) = std::str::from_utf8(head).or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()])) else {
        return false;
    };
    const KEYS: [&str; 12] = ["v", "vt", "vn", "vp", "f", "o", "g", "s", "l", "p", "mtllib", "usemtl"];
    let mut statements = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).peekable();
    statements.peek().is_some()
        && statements.take(8).all(|l| l.split_whitespace().next().is_some_and(|k| KEYS.contains(&k)))
        && text.lines().any(|l| l.trim_start().starts_with("v "))
}

/// The format by content, then by the file's extension.
pub fn detect(bytes: &[u8], name: Option<&Path>) -> Result<Format, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    let trimmed = bytes.iter().position(|b| !b.is_ascii_whitespace()).map_or(&bytes[..0], |p| &bytes[p..]);
    if bytes.starts_with(b"glTF") || trimmed.starts_with(b"{") {
        return Ok(Format::Gltf);
    }
    if bytes.starts_with(b"ply\n") || bytes.starts_with(b"ply\r\n") {
        return Ok(Format::Ply);
    }
    if trimmed.starts_with(b"solid") {
        return Ok(Format::Stl);
    }
    if bytes.len() >= 84 {
        let count = u32::from_le_bytes([bytes[80], bytes[81], bytes[82], bytes[83]]) as u64;
        if 84 + 50 * count == bytes.len() as u64 {
            return Ok(Format::Stl);
        }
    }
    if let Some(what) = known_other(bytes) {
        return Err(ImportError::NotAMesh(format!("it is {what}")));
    }
    if looks_like_obj(bytes) {
        return Ok(Format::Obj);
    }
    let ext = name.and_then(|p| p.extension()).and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if looks_like_text(bytes) {
        // Only OBJ is text without a signature; tobj judges a text file that claims to be one.
        return match ext.as_deref() {
            Some("obj") => Ok(Format::Obj),
            _ => Err(ImportError::NotAMesh("it is text, but not STL, OBJ, PLY or glTF".into())),
        };
    }
    match ext.as_deref() {
        Some("stl") => Ok(Format::Stl),
        Some("obj") => Ok(Format::Obj),
        Some("ply") => Ok(Format::Ply),
        Some("glb" | "gltf") => Ok(Format::Gltf),
        _ => Err(ImportError::NotAMesh("its content is not STL, OBJ, PLY or glTF, the formats memoreez reads".into())),
    }
}

/// Printable characters and line breaks only, in the first kilobyte.
fn looks_like_text(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(1024)]
        .iter()
        .all(|&b| b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7f).contains(&b) || b >= 0x80)
}

/// Reads the faces as stored, in the file's own units and axes.
pub fn read_raw(bytes: &[u8], name: Option<&Path>) -> Result<(Format, Mesh), ImportError> {
    let format = detect(bytes, name)?;
    let mesh = match format {
        Format::Stl => stl::read(bytes)?,
        Format::Obj => obj::read(bytes)?,
        Format::Ply => ply::read(bytes)?,
        Format::Gltf => gltf::read(bytes)?,
    };
    Ok((format, mesh))
}

/// Reads, repairs and frames a model (see the module's description).
pub fn import_bytes(bytes: &[u8], name: Option<&Path>, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let (format, raw) = read_raw(bytes, name)?;
    let clean_opts = CleanupOptions { max_hole_edges: MAX_HOLE_EDGES, face_budget: None, ..CleanupOptions::default() };
    let (mut mesh, repair) = cleanup::clean(&raw, &clean_opts)?;
    if let Some(why) = cleanup::watertight_problem(&mesh, MAX_HOLE_EDGES) {
        return Err(ImportError::NotWatertight(why));
    }
    let largest = mesh.bounds().map_or(0.0, |(lo, hi)| (0..3).map(|k| f64::from(hi[k] - lo[k])).fold(0.0, f64::max));
    let (units, units_source) = units::units_for(format, largest, opts.units);
    let (up, up_source) = units::up_for(format, opts.up);
    units::to_print_frame(&mut mesh, units, up);
    Ok(Imported { mesh, format, units, units_source, up, up_source, repair })
}

/// [`import_bytes`] on a file.
pub fn import_file(path: &Path, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    import_bytes(&bytes, Some(path), opts)
}

#[cfg(test)]
mod tests;
