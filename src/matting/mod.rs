//! Concept image -> cut-out: the subject on a transparent square canvas, ready for image-to-3D.

mod classical;

pub use classical::ClassicalMatting;

use crate::stage::{Progress, StageError};
use image::RgbaImage;

/// Removes the background. The result is never flattened onto an opaque background.
pub trait Matting: Send + Sync {
    fn kind(&self) -> crate::stage::BackendKind;
    fn name(&self) -> &str;
    fn cut_out(&self, image: &RgbaImage, progress: &dyn Progress) -> Result<RgbaImage, StageError>;
}
