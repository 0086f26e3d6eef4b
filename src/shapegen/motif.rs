//! Image to 3D for procedural concepts: their picture was rendered from an exact solid, so that solid
//! is meshed directly instead of being guessed back from the picture. Other images are inflated.

use super::{mesh_from_sdf, InflateGenerator};
use super::{ShapeGenerator, ShapeInput};
use crate::imagegen::procedural::scene_for;
use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};

/// Grid cells along the longest side when meshing motif geometry: about 0.4 mm at 80 mm.
const MOTIF_RESOLUTION: usize = 192;

pub struct MotifOrInflate {
    inflate: InflateGenerator,
}

impl MotifOrInflate {
    pub fn new(inflate: InflateGenerator) -> Self {
        Self { inflate }
    }
}

impl ShapeGenerator for MotifOrInflate {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "motif geometry, else inflation"
    }

    fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
        let Some(concept) = input.concept else {
            progress.note("no concept known for this picture: inflating its silhouette");
            return self.inflate.generate(input, progress);
        };
        let scene = scene_for(concept, input.seed);
        progress.note(&format!(
            "using the concept's exact motif geometry ({}) instead of guessing it from the picture",
            scene.motif_names().join(" + ")
        ));
        let sdf = |p: [f32; 3]| scene.sdf(p);
        mesh_from_sdf(&sdf, scene.bounds(), MOTIF_RESOLUTION, progress)
    }
}
