//! The implementation chosen for each stage, built once from the config.

use crate::config::Config;
use crate::fab::estimate::EstimateSlicer;
use crate::fab::pricing::Rates;
use crate::fab::solid::OfflineFabricator;
use crate::fab::{prusa, Fabricator, Slicer};
use crate::ideation::templates::TemplateIdeator;
use crate::ideation::Ideator;
use crate::imagegen::{ImageGenerator, ProceduralImages};
use crate::matting::{ClassicalMatting, Matting};
use crate::shapegen::motif::MotifOrInflate;
use crate::shapegen::{InflateGenerator, ShapeGenerator};
use std::sync::Arc;

pub struct Backends {
    pub ideator: Arc<dyn Ideator>,
    pub images: Arc<dyn ImageGenerator>,
    pub matting: Arc<dyn Matting>,
    pub shape: Arc<dyn ShapeGenerator>,
    pub fab: Arc<dyn Fabricator>,
    pub slicer: Arc<dyn Slicer>,
    pub rates: Rates,
}

impl Backends {
    /// Backend name per stage, for the status line and the summary.
    pub fn names(&self) -> [(crate::domain::Stage, String); 6] {
        use crate::domain::Stage;
        [
            (Stage::Ideation, self.ideator.name().to_string()),
            (Stage::Images, self.images.name().to_string()),
            (Stage::Matting, self.matting.name().to_string()),
            (Stage::Shape, self.shape.name().to_string()),
            (Stage::Fabrication, self.fab.name().to_string()),
            (Stage::Slicing, self.slicer.name().to_string()),
        ]
    }
}

/// A backend name in the config that this build does not have.
#[derive(Debug, thiserror::Error)]
#[error("unknown {stage} backend '{name}' in the config; available: {available}")]
pub struct BackendError {
    pub stage: &'static str,
    pub name: String,
    pub available: &'static str,
}

fn unknown(stage: &'static str, name: &str, available: &'static str) -> BackendError {
    BackendError { stage, name: name.to_string(), available }
}

impl Backends {
    /// Builds each stage's backend as the config asks; `auto` takes the best one this machine has.
    pub fn from_config(cfg: &Config) -> Result<Backends, BackendError> {
        let b = &cfg.backends;
        let ideator: Arc<dyn Ideator> = match b.ideation.as_str() {
            "auto" | "templates" => Arc::new(TemplateIdeator),
            other => return Err(unknown("ideation", other, "auto, templates")),
        };
        let procedural = matches!(b.images.as_str(), "auto" | "procedural");
        let images: Arc<dyn ImageGenerator> = match b.images.as_str() {
            "auto" | "procedural" => Arc::new(ProceduralImages::new()),
            other => return Err(unknown("images", other, "auto, procedural")),
        };
        let matting: Arc<dyn Matting> = match b.matting.as_str() {
            "auto" | "classical" => Arc::new(ClassicalMatting::default()),
            other => return Err(unknown("matting", other, "auto, classical")),
        };
        let shape: Arc<dyn ShapeGenerator> = match b.shape.as_str() {
            "auto" => match shape_model::hunyuan3d(cfg) {
                Ok(h) if procedural => Arc::new(shape_model::MotifOr::new(Arc::new(h))),
                Ok(h) => Arc::new(h),
                Err(why) => shape_model::offline_fallback(procedural, &why),
            },
            "hunyuan3d" => Arc::new(shape_model::hunyuan3d(cfg).map_err(|why| BackendError {
                stage: "shape",
                name: format!("hunyuan3d ({why})"),
                available: "auto, motif, inflate, hunyuan3d",
            })?),
            "motif" => Arc::new(MotifOrInflate::new(InflateGenerator::default())),
            "inflate" => Arc::new(InflateGenerator::default()),
            other => return Err(unknown("shape", other, "auto, motif, inflate, hunyuan3d")),
        };
        let slicer: Arc<dyn Slicer> = match b.slicer.as_str() {
            "auto" => Arc::new(prusa::AutoSlicer::new(cfg.print.clone())),
            "estimate" => Arc::new(EstimateSlicer::new(cfg.print.clone())),
            "prusa-slicer" => match prusa::detect() {
                Some(p) => Arc::new(p.with_profile(cfg.print.clone())),
                None => {
                    return Err(BackendError {
                        stage: "slicer",
                        name: "prusa-slicer (not found on PATH: install it, or use slicer = \"auto\")".into(),
                        available: "auto, estimate",
                    })
                }
            },
            other => return Err(unknown("slicer", other, "auto, estimate, prusa-slicer")),
        };
        Ok(Backends {
            ideator,
            images,
            matting,
            shape,
            fab: Arc::new(OfflineFabricator),
            slicer,
            rates: cfg.pricing.clone(),
        })
    }
}

/// The local image-to-3D model as a backend, and what `auto` does with or without it.
mod shape_model {
    use crate::config::Config;
    use crate::mesh::Mesh;
    use crate::shapegen::hunyuan3d::backend::{find_weights, parse_dtype, LazyHunyuan3D, Overrides};
    use crate::shapegen::motif::MotifOrInflate;
    use crate::shapegen::{InflateGenerator, ShapeGenerator, ShapeInput};
    use crate::stage::{Progress, StageError};
    use std::sync::Arc;

    /// The `hunyuan3d` backend when its weights are found (nothing is loaded yet); otherwise why not.
    pub fn hunyuan3d(cfg: &Config) -> Result<LazyHunyuan3D, String> {
        let h = &cfg.backends.hunyuan3d;
        let models_dir = cfg.data_dir(None).map(|d| crate::models::models_dir(&d)).map_err(|e| e.to_string())?;
        let files = find_weights(h.weights.as_deref(), h.variant.as_deref(), &models_dir)?;
        let device = h.device.as_deref().unwrap_or("auto").parse()?;
        let dtype = h.dtype.as_deref().map(parse_dtype).transpose()?;
        let overrides = Overrides {
            steps: h.steps,
            guidance: h.guidance,
            octree_resolution: h.octree_resolution,
            flashvdm: h.flashvdm,
        };
        Ok(LazyHunyuan3D::new(files, overrides, device, dtype))
    }

    /// `auto` without weights: the offline backend, saying so in the log and, where the picture's
    /// geometry is not known otherwise, in the stage's notes.
    pub fn offline_fallback(procedural: bool, why: &str) -> Arc<dyn ShapeGenerator> {
        let inner: Arc<dyn ShapeGenerator> = if procedural {
            Arc::new(MotifOrInflate::new(InflateGenerator::default()))
        } else {
            Arc::new(InflateGenerator::default())
        };
        tracing::info!("shape backend auto: Hunyuan3D-2 not used ({why}); using {}", inner.name());
        let note = format!("Hunyuan3D-2 is not set up, so the offline backend runs: {why}");
        Arc::new(Fallback { inner, note, always: !procedural })
    }

    struct Fallback {
        inner: Arc<dyn ShapeGenerator>,
        note: String,
        /// Say it for every shape, not only for pictures without a concept.
        always: bool,
    }

    impl ShapeGenerator for Fallback {
        fn name(&self) -> &str {
            self.inner.name()
        }

        fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
            // With a known concept the motif geometry is exact, better than any model's guess: no news.
            if self.always || input.concept.is_none() {
                progress.note(&self.note);
            }
            self.inner.generate(input, progress)
        }
    }

    /// The concept's exact motif geometry where it is known (procedural pictures), else the model.
    pub struct MotifOr {
        motif: MotifOrInflate,
        model: Arc<dyn ShapeGenerator>,
    }

    impl MotifOr {
        pub fn new(model: Arc<dyn ShapeGenerator>) -> Self {
            Self { motif: MotifOrInflate::new(InflateGenerator::default()), model }
        }
    }

    impl ShapeGenerator for MotifOr {
        fn name(&self) -> &str {
            "motif geometry, else hunyuan3d"
        }

        fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
            if input.concept.is_some() {
                self.motif.generate(input, progress)
            } else {
                self.model.generate(input, progress)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn config(data: &std::path::Path, shape: &str, weights: Option<PathBuf>) -> Config {
        let mut cfg = Config { data_dir: Some(data.to_path_buf()), ..Config::default() };
        cfg.backends.slicer = "estimate".into();
        cfg.backends.shape = shape.into();
        cfg.backends.hunyuan3d.weights = weights;
        cfg
    }

    fn fixture() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d/turbo-tiny")
    }

    #[test]
    fn auto_takes_hunyuan3d_when_weights_are_found_and_falls_back_otherwise() {
        let data = tempfile::tempdir().unwrap();
        let with = Backends::from_config(&config(data.path(), "auto", Some(fixture()))).unwrap();
        assert_eq!(with.shape.name(), "motif geometry, else hunyuan3d");
        let without = Backends::from_config(&config(data.path(), "auto", None)).unwrap();
        assert_eq!(without.shape.name(), "motif geometry, else inflation");
        let named = Backends::from_config(&config(data.path(), "hunyuan3d", Some(fixture()))).unwrap();
        assert_eq!(named.shape.name(), "hunyuan3d");
    }

    #[test]
    fn hunyuan3d_without_weights_says_what_to_pull() {
        let data = tempfile::tempdir().unwrap();
        let err = Backends::from_config(&config(data.path(), "hunyuan3d", None)).err().unwrap().to_string();
        assert!(err.contains("memoreez models pull hunyuan3d-turbo"), "{err}");
        let cfg = config(data.path(), "hunyuan3d", Some(data.path().to_path_buf()));
        let err = Backends::from_config(&cfg).err().unwrap().to_string();
        assert!(err.contains("no Hunyuan3D-2 weights"), "{err}");
    }
}
