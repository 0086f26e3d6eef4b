//! `memoreez studio --mesh FILE | --image FILE` and `memoreez make --mesh FILE`: a session that
//! starts from the person's own model or picture instead of generated concepts.
//!
//! The session is laid out as the pipeline expects a finished gallery to be (four concept rows with
//! files, the pick on slot 0), so the runner skips ideation and images by its usual rules: a picture
//! then goes through the cut-out; a mesh also gets its cut-out and raw mesh saved, so the runner
//! goes straight to the printable solid.

use super::still;
use crate::domain::{Facts, Stage, Style, MAX_NAME_CHARS};
use crate::fab::Orientation;
use crate::mesh::import::{import_file, ImportOptions, Imported, Source};
use crate::mesh::Mesh;
use crate::pipeline::SessionParams;
use crate::store::{AssetKind, AssetStatus, NewAsset, Store, StoreError};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq)]
pub enum Import {
    /// A model (STL, OBJ, PLY or GLB), read by [`crate::mesh::import`] with these overrides.
    Mesh(PathBuf, ImportOptions),
    /// A picture of one object; its background is cut away like a concept image's.
    Image(PathBuf),
}

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Mesh {
        path: PathBuf,
        #[source]
        source: crate::mesh::import::ImportError,
    },
    #[error("{path}: cannot draw its preview: {message}")]
    Preview { path: PathBuf, message: String },
    #[error("{path} is not a picture memoreez can read (PNG, JPEG, WebP, ...): {message}")]
    Image { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    /// Whether the person's file is at fault (rather than the data dir).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ImportError::Store(_))
    }
}

/// Preview size of an imported mesh on its gallery card, pixels.
const PREVIEW_PX: u32 = 512;

fn stem(path: &Path) -> String {
    let s = path.file_stem().and_then(|s| s.to_str()).unwrap_or("my model");
    s.chars().take(MAX_NAME_CHARS).collect()
}

/// From the print frame (Z up, mm) to the generator's (Y up, about ±1), which `fab` expects.
pub fn to_model_space(mesh: &Mesh) -> Mesh {
    let Some((lo, hi)) = mesh.bounds() else {
        return mesh.clone();
    };
    let centre = [0, 1, 2].map(|k| (lo[k] + hi[k]) * 0.5);
    let half = (0..3).map(|k| (hi[k] - lo[k]) * 0.5).fold(0.0f32, f32::max).max(1e-6);
    let vertices = mesh
        .vertices
        .iter()
        .map(|v| {
            let p = [0, 1, 2].map(|k| (v[k] - centre[k]) / half);
            // The inverse of fab's (x, y, z) -> (x, -z, y).
            [p[0], p[2], -p[1]]
        })
        .collect();
    Mesh::new(vertices, mesh.triangles.clone())
}

fn png(img: &image::DynamicImage) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// Creates the session and returns its id.
pub fn import(
    store: &Store,
    what: &Import,
    height_mm: f32,
    hollow: Option<crate::fab::HollowSpec>,
) -> Result<String, ImportError> {
    let mut params = SessionParams::default();
    params.fab.height_mm = height_mm;
    params.fab.hollow = hollow;
    Ok(import_session(store, what, None, params)?.0)
}

/// Creates the session with these choices (the pick becomes slot 0), named `name` or after the
/// file; returns its id and, for a model, what the importer read and repaired.
pub fn import_session(
    store: &Store,
    what: &Import,
    name: Option<&str>,
    mut params: SessionParams,
) -> Result<(String, Option<Imported>), ImportError> {
    let (path, kind) = match what {
        Import::Mesh(p, _) => (p, "own model"),
        Import::Image(p) => (p, "own picture"),
    };
    let (picture_png, imported) = match what {
        Import::Mesh(_, opts) => {
            let imported = import_file(path, opts).map_err(|source| match source {
                crate::mesh::import::ImportError::Io { source, .. } => ImportError::Read { path: path.clone(), source },
                source => ImportError::Mesh { path: path.clone(), source },
            })?;
            let preview =
                image::DynamicImage::ImageRgba8(still::render(&imported.mesh, PREVIEW_PX, PREVIEW_PX, [255, 255, 255]));
            let png = png(&preview).map_err(|message| ImportError::Preview { path: path.clone(), message })?;
            (png, Some(imported))
        }
        Import::Image(_) => {
            let bytes = std::fs::read(path).map_err(|source| ImportError::Read { path: path.clone(), source })?;
            let img = image::load_from_memory(&bytes)
                .map_err(|e| ImportError::Image { path: path.clone(), message: e.to_string() })?;
            (png(&img).map_err(|message| ImportError::Image { path: path.clone(), message })?, None)
        }
    };
    let name = name.map(str::to_string).unwrap_or_else(|| stem(path));
    let facts = Facts { name: name.clone(), hobbies: kind.to_string(), quirk: String::new(), occasion: None };
    params.pick = Some(0);
    if imported.as_ref().is_some_and(|i| i.up_source == Source::Guess) {
        // An up axis we only guessed is not trusted: fabrication stands the model on its most
        // stable side instead.
        params.fab.orientation = Orientation::Auto;
    }
    let session = store.create_session(&facts, &serde_json::to_value(&params).unwrap_or_default())?;
    let (rel, sha) = store.put_file(&picture_png, "png")?;
    let title = format!("Your {}: {name}", if imported.is_some() { "model" } else { "picture" });
    let prompt = format!("imported from {}", path.display());
    for slot in 0..4 {
        let fields = NewAsset { slot, title: Some(&title), style: Some(Style::Artistic), prompt: Some(&prompt) };
        store.add_asset(&session.id, AssetKind::ConceptImage, &fields, AssetStatus::Generated, Some((&rel, &sha)))?;
    }
    let mut step = Stage::Images;
    if let Some(imported) = &imported {
        let fields = NewAsset { slot: 0, ..NewAsset::default() };
        store.add_asset(&session.id, AssetKind::Cutout, &fields, AssetStatus::Completed, Some((&rel, &sha)))?;
        let raw = to_model_space(&imported.mesh);
        let (mrel, msha) = store.put_file(&crate::mesh::io::stl_bytes(&raw), "stl")?;
        store.add_asset(&session.id, AssetKind::RawMesh, &fields, AssetStatus::Completed, Some((&mrel, &msha)))?;
        step = Stage::Shape;
    }
    store.set_chosen_concept(&session.id, Some(0))?;
    store.set_step(&session.id, Some(step))?;
    Ok((session.id, imported))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_up_millimetres_become_y_up_unit_space() {
        let m = Mesh::new(vec![[0.0, 0.0, 0.0], [20.0, 10.0, 0.0], [10.0, 10.0, 80.0]], vec![[0, 1, 2]]);
        let out = to_model_space(&m);
        let (lo, hi) = out.bounds().unwrap();
        // The 80 mm height (Z) is now Y and spans -1..1.
        assert!((lo[1] + 1.0).abs() < 1e-6 && (hi[1] - 1.0).abs() < 1e-6, "{lo:?} {hi:?}");
        assert!(hi[0] - lo[0] < 0.6);
    }

    #[test]
    fn a_picture_becomes_a_picked_session_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        let pic = dir.path().join("mug.png");
        image::RgbaImage::from_pixel(8, 8, image::Rgba([9, 9, 9, 255])).save(&pic).unwrap();
        let id = import(&store, &Import::Image(pic), 90.0, None).unwrap();
        let row = store.session(&id).unwrap();
        assert_eq!(row.facts.name, "mug");
        assert_eq!(row.chosen_concept, Some(0));
        assert_eq!(store.assets(&id, AssetKind::ConceptImage).unwrap().len(), 4);
        let junk = dir.path().join("junk.stl");
        std::fs::write(&junk, b"not a mesh").unwrap();
        let err = import(&store, &Import::Mesh(junk, ImportOptions::default()), 90.0, None).unwrap_err();
        assert!(err.is_bad_input());
        let err = err.to_string();
        assert!(err.contains("junk.stl") && err.contains("not a 3D model"), "{err}");
    }

    #[test]
    fn a_guessed_up_axis_lets_fabrication_orient_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meshes/holey.stl");
        let orientation = |opts: ImportOptions| {
            let (id, imported) =
                import_session(&store, &Import::Mesh(file.clone(), opts), Some("Ball"), SessionParams::default())
                    .unwrap();
            assert_eq!(imported.unwrap().repair.filled_holes, 3);
            let row = store.session(&id).unwrap();
            assert_eq!(row.facts.name, "Ball");
            assert_eq!(store.assets(&id, AssetKind::RawMesh).unwrap().len(), 1);
            serde_json::from_value::<SessionParams>(row.params).unwrap().fab.orientation
        };
        assert_eq!(orientation(ImportOptions::default()), Orientation::Auto);
        let given = ImportOptions { up: Some(crate::mesh::import::UpAxis::Z), ..ImportOptions::default() };
        assert_eq!(orientation(given), Orientation::Trusted);
    }
}
