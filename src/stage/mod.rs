//! What every stage shares, below the stages and the runner alike: progress reporting, cancellation
//! and the error a stage stops with. Stages import this module, never `pipeline`, which calls them.

mod error;
mod progress;

pub use error::StageError;
pub use progress::{eta, CancelToken, NoProgress, Progress, ProgressEvent, StageReporter};
