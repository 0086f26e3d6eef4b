//! Cut-out -> raw mesh in the generator's own model space: a box of about ±1, Y up, facing +Z.

pub mod hunyuan3d;
mod inflate;
pub mod motif;
pub mod remote;
mod sdf;

pub use inflate::InflateGenerator;
pub use sdf::mesh_from_sdf;

use crate::domain::Concept;
use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};
use image::RgbaImage;

/// What image-to-3D gets: the cut-out, and the concept it came from when known.
pub struct ShapeInput<'a> {
    pub cutout: &'a RgbaImage,
    pub concept: Option<&'a Concept>,
    pub seed: u64,
}

pub trait ShapeGenerator: Send + Sync {
    fn kind(&self) -> crate::stage::BackendKind;
    fn name(&self) -> &str;
    /// The model behind it, where there is one.
    fn model(&self) -> Option<String> {
        None
    }
    fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError>;
}
