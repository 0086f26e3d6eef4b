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
            "auto" if procedural => Arc::new(MotifOrInflate::new(InflateGenerator::default())),
            "motif" => Arc::new(MotifOrInflate::new(InflateGenerator::default())),
            "auto" | "inflate" => Arc::new(InflateGenerator::default()),
            other => return Err(unknown("shape", other, "auto, motif, inflate")),
        };
        let slicer: Arc<dyn Slicer> = match b.slicer.as_str() {
            "auto" => match prusa::detect() {
                Some(p) => Arc::new(p),
                None => Arc::new(EstimateSlicer),
            },
            "estimate" => Arc::new(EstimateSlicer),
            "prusa-slicer" => match prusa::detect() {
                Some(p) => Arc::new(p),
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
