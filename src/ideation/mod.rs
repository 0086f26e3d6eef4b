//! Facts -> four concepts, one per style.

use crate::domain::{Concept, Facts};
use crate::pipeline::{Progress, StageError};

/// Writes four concepts for the facts. The same facts and seed give the same concepts.
pub trait Ideator: Send + Sync {
    /// Short backend name for the status line ("templates", "openai", ...).
    fn name(&self) -> &str;
    fn concepts(&self, facts: &Facts, seed: u64, progress: &dyn Progress) -> Result<Vec<Concept>, StageError>;
}
