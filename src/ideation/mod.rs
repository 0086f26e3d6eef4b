//! Facts -> four concepts, one per style.

use crate::domain::{Concept, Facts};
use crate::stage::{Progress, StageError};

/// Writes four concepts for the facts. The same facts and seed give the same concepts.
pub trait Ideator: Send + Sync {
    fn kind(&self) -> crate::stage::BackendKind;
    /// Short backend name for the status line ("templates", "openai", ...).
    fn name(&self) -> &str;
    /// The model behind it, where there is one ("@cf/meta/llama-3.1-8b-instruct").
    fn model(&self) -> Option<String> {
        None
    }
    fn concepts(&self, facts: &Facts, seed: u64, progress: &dyn Progress) -> Result<Vec<Concept>, StageError>;
}

pub mod llama;
pub mod llm;
pub mod remote;
pub mod templates;

pub use crate::domain::{with_printability, PRINTABILITY_SUFFIX};
