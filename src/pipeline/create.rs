//! Creating a session: from facts, from a person's own picture, or from their own model. The
//! origin is saved in the session's choices and decides which stages run; nothing is faked: a
//! picture is kept once (as the session's only picture, slot 0) and goes on to the cut-out; a model
//! is read, repaired and saved as the raw mesh, with a still of it as its picture.

use super::runner::encode_png;
use super::session::SessionParams;
use crate::domain::{Facts, Origin, Stage, MAX_NAME_CHARS};
use crate::fab::Orientation;
use crate::mesh::import::{import_file, ImportOptions, Imported, Source};
use crate::mesh::Mesh;
use crate::store::{AssetKind, AssetStatus, NewAsset, Store, StoreError};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A person's own file to start from.
#[derive(Debug, Clone, PartialEq)]
pub enum Import {
    /// A model (STL, OBJ, PLY or GLB), read by [`crate::mesh::import`] with these overrides.
    Mesh(PathBuf, ImportOptions),
    /// A picture of one object; its background is cut away like a concept image's.
    Image(PathBuf),
}

#[derive(Debug, Error)]
pub enum CreateError {
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
    #[error("{path} is not a picture memoreez can read (PNG, JPEG, WebP, ...): {message}")]
    Image { path: PathBuf, message: String },
    #[error("{0}")]
    Facts(#[from] crate::domain::FactsError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CreateError {
    /// Whether the person's input is at fault (rather than the data dir).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, CreateError::Store(_))
    }
}

/// Still of an imported model on its card, pixels.
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

/// What was read from a person's file, before anything is saved.
struct Read {
    origin: Origin,
    /// The picture the session shows: the person's own, or a still of their model.
    picture_png: Vec<u8>,
    imported: Option<Imported>,
}

fn read(what: &Import) -> Result<Read, CreateError> {
    match what {
        Import::Mesh(path, opts) => {
            let imported = import_file(path, opts).map_err(|source| match source {
                crate::mesh::import::ImportError::Io { source, .. } => CreateError::Read { path: path.clone(), source },
                source => CreateError::Mesh { path: path.clone(), source },
            })?;
            let still = crate::render::still(&imported.mesh, PREVIEW_PX, PREVIEW_PX, [255, 255, 255]);
            let picture_png =
                encode_png(&still).map_err(|e| CreateError::Image { path: path.clone(), message: e.to_string() })?;
            Ok(Read { origin: Origin::Model, picture_png, imported: Some(imported) })
        }
        Import::Image(path) => {
            let bytes = std::fs::read(path).map_err(|source| CreateError::Read { path: path.clone(), source })?;
            let bad = |message: String| CreateError::Image { path: path.clone(), message };
            let img = image::load_from_memory(&bytes).map_err(|e| bad(e.to_string()))?;
            if img.width() < 16 || img.height() < 16 {
                return Err(bad(format!(
                    "it is {}x{} pixels; use a picture at least 16 pixels each way",
                    img.width(),
                    img.height()
                )));
            }
            let picture_png = encode_png(&img.to_rgba8()).map_err(|e| bad(e.to_string()))?;
            Ok(Read { origin: Origin::Picture, picture_png, imported: None })
        }
    }
}

/// A new session from the facts a person typed, checked first. Needs no backends, so the studio
/// can call it before they are chosen.
pub fn create(store: &Store, facts: &Facts, params: SessionParams) -> Result<String, CreateError> {
    facts.validate()?;
    let params = SessionParams { origin: Origin::Facts, ..params };
    let json = serde_json::to_value(&params).map_err(StoreError::from)?;
    let id = store.create_session(facts, &json)?.id;
    tracing::info!(session = %id, origin = "facts", "session created");
    Ok(id)
}

/// A new session from a person's own picture or model, named `name` or after the file. Returns
/// its id and, for a model, what the importer read and repaired.
pub fn create_from(
    store: &Store,
    what: &Import,
    name: Option<&str>,
    mut params: SessionParams,
) -> Result<(String, Option<Imported>), CreateError> {
    let Read { origin, picture_png, imported } = read(what)?;
    let path = match what {
        Import::Mesh(p, _) | Import::Image(p) => p,
    };
    let name = name.map(str::trim).filter(|n| !n.is_empty()).map_or_else(|| stem(path), str::to_string);
    let facts = Facts { name: name.clone(), hobbies: String::new(), quirk: String::new(), occasion: None };
    params.origin = origin;
    params.pick = Some(0);
    if imported.as_ref().is_some_and(|i| i.up_source == Source::Guess) {
        // An up axis we only guessed is not trusted: fabrication stands the model on its most
        // stable side instead.
        params.fab.orientation = Orientation::Auto;
    }
    // Files first: they are content-addressed, so a failure after this leaves nothing dangling.
    let (rel, sha) = store.put_file(&picture_png, "png")?;
    let raw = match &imported {
        Some(i) => Some(store.put_file(&crate::mesh::io::stl_bytes(&to_model_space(&i.mesh)), "stl")?),
        None => None,
    };
    let json = serde_json::to_value(&params).map_err(StoreError::from)?;
    let id = store.create_session(&facts, &json)?.id;
    let title = format!("Your {}: {name}", origin.label().trim_start_matches("own "));
    let prompt = format!("imported from {}", path.display());
    let fields = NewAsset { slot: 0, title: Some(&title), style: None, prompt: Some(&prompt) };
    store.add_asset(&id, AssetKind::ConceptImage, &fields, AssetStatus::Generated, Some((&rel, &sha)))?;
    let mut step = Stage::Images;
    if let Some((mrel, msha)) = &raw {
        let fields = NewAsset { slot: 0, ..NewAsset::default() };
        store.add_asset(&id, AssetKind::RawMesh, &fields, AssetStatus::Completed, Some((mrel, msha)))?;
        step = Stage::Shape;
    }
    store.set_chosen_concept(&id, Some(0))?;
    store.set_step(&id, Some(step))?;
    tracing::info!(session = %id, origin = origin.label(), file = %path.display(), "session created");
    Ok((id, imported))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::pipeline::{Backends, Pipeline};
    use std::sync::Arc;

    fn pipeline(dir: &Path) -> Pipeline {
        let mut cfg = Config { data_dir: Some(dir.to_path_buf()), ..Config::default() };
        cfg.backends.slicer = crate::config::SlicerBackend::Estimate;
        let store = Arc::new(Store::open(&dir.join("data")).unwrap());
        Pipeline::new(store, Arc::new(Backends::from_config(&cfg).unwrap()))
    }

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
    fn a_picture_is_kept_once_as_a_picked_picture_session_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let pic = dir.path().join("mug.png");
        image::RgbaImage::from_pixel(32, 32, image::Rgba([9, 9, 9, 255])).save(&pic).unwrap();
        let (id, imported) = create_from(&p.store, &Import::Image(pic), None, SessionParams::default()).unwrap();
        assert!(imported.is_none());
        let s = p.load(&id).unwrap();
        assert_eq!(s.facts.name, "mug");
        assert_eq!((s.params.origin, s.chosen, s.step), (Origin::Picture, Some(0), Some(Stage::Images)));
        assert_eq!(p.store.assets(&id, AssetKind::ConceptImage).unwrap().len(), 1, "one picture, not four");
        let junk = dir.path().join("junk.stl");
        std::fs::write(&junk, b"not a mesh").unwrap();
        let err = create_from(&p.store, &Import::Mesh(junk, ImportOptions::default()), None, SessionParams::default());
        let err = err.unwrap_err();
        assert!(err.is_bad_input());
        let err = err.to_string();
        assert!(err.contains("junk.stl") && err.contains("not a 3D model"), "{err}");
        let tiny = dir.path().join("tiny.png");
        image::RgbaImage::new(4, 4).save(&tiny).unwrap();
        let err = create_from(&p.store, &Import::Image(tiny), None, SessionParams::default()).unwrap_err().to_string();
        assert!(err.contains("4x4 pixels"), "{err}");
    }

    #[test]
    fn a_guessed_up_axis_lets_fabrication_orient_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meshes/holey.stl");
        let orientation = |opts: ImportOptions| {
            let (id, imported) =
                create_from(&p.store, &Import::Mesh(file.clone(), opts), Some("Ball"), SessionParams::default())
                    .unwrap();
            assert_eq!(imported.unwrap().repair.filled_holes, 3);
            let s = p.load(&id).unwrap();
            assert_eq!((s.facts.name.as_str(), s.params.origin), ("Ball", Origin::Model));
            assert_eq!(p.store.assets(&id, AssetKind::RawMesh).unwrap().len(), 1);
            assert!(p.store.assets(&id, AssetKind::Cutout).unwrap().is_empty(), "a model has no cut-out");
            s.params.fab.orientation
        };
        assert_eq!(orientation(ImportOptions::default()), Orientation::Auto);
        let given = ImportOptions { up: Some(crate::mesh::import::UpAxis::Z), ..ImportOptions::default() };
        assert_eq!(orientation(given), Orientation::Trusted);
    }

    #[test]
    fn facts_are_checked_before_a_session_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let p = pipeline(dir.path());
        let facts = Facts { name: "Dad".into(), hobbies: " , ".into(), quirk: String::new(), occasion: None };
        assert!(create(&p.store, &facts, SessionParams::default()).unwrap_err().is_bad_input());
        assert!(p.store.list_sessions().unwrap().is_empty());
    }
}
