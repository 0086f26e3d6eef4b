//! The offline image backend: each concept becomes a composition of parametric motifs (a library
//! keyed by hobby words), modelled as one signed distance field and ray-marched in clay on white.
//!
//! The same field is the model itself: `scene_for(concept, seed).sdf` can be meshed (marching cubes)
//! for the 3D stage, so the picture and the printed figurine agree. Scene space is Y up, facing +Z,
//! the flat underside on `y = FLOOR` (-1) and the rest within about [-1, 1]^3; sample over
//! `Scene::bounds` grown by a cell or two. The field is 1-Lipschitz everywhere and exact near the
//! surface; far from it, it may understate the distance (never overstate it).
//!
//! `render` draws any scene; `motif_scene` stands one library motif on a disc (contact sheets:
//! `cargo run --release --example motif_sheet -- out.png`).

mod compose;
mod math;
pub mod motifs;
mod raymarch;
pub mod sdf;
#[cfg(test)]
mod tests;

pub use compose::{motif_scene, scene_for, Scene, FLOOR};
pub use raymarch::{render, RenderOptions};

use super::ImageGenerator;
use crate::domain::Concept;
use crate::stage::{Progress, StageError};
use image::RgbaImage;

/// Concept images drawn from the motif library, with no model, network or GPU.
#[derive(Debug, Clone, Default)]
pub struct ProceduralImages {
    options: RenderOptions,
}

impl ProceduralImages {
    pub fn new() -> ProceduralImages {
        ProceduralImages::default()
    }

    pub fn with_options(options: RenderOptions) -> ProceduralImages {
        ProceduralImages { options }
    }
}

impl ImageGenerator for ProceduralImages {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "procedural"
    }

    fn generate(&self, concept: &Concept, seed: u64, progress: &dyn Progress) -> Result<RgbaImage, StageError> {
        let scene = scene_for(concept, seed);
        progress.note(&format!("procedural motifs: {}", scene.motif_names().join(", ")));
        render(&scene, &self.options, progress)
    }
}
