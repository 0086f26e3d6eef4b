//! Concept prompt -> concept image.

pub mod procedural;
pub mod remote;

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
    /// The model behind it, where there is one.
    fn model(&self) -> Option<String> {
        None
    }
    /// Pictures it may draw at once (services answer in parallel; local work does not gain).
    fn parallel(&self) -> usize {
        1
    }
    fn generate(&self, concept: &Concept, seed: u64, progress: &dyn Progress) -> Result<RgbaImage, StageError>;
}
