//! Concept prompt -> concept image.

pub mod procedural;

pub use procedural::ProceduralImages;

use crate::domain::Concept;
use crate::stage::{Progress, StageError};
use image::RgbaImage;

/// Square side of the concept images, in pixels.
pub const IMAGE_SIZE: u32 = 512;

/// Draws one concept. The same concept and seed give the same image.
pub trait ImageGenerator: Send + Sync {
    fn kind(&self) -> crate::stage::BackendKind;
    fn name(&self) -> &str;
    fn generate(&self, concept: &Concept, seed: u64, progress: &dyn Progress) -> Result<RgbaImage, StageError>;
}
