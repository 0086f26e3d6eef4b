//! The journey as data: facts -> concepts -> images -> cut-out -> raw mesh -> printable solid ->
//! slice stats -> price. Each arrow is a stage trait; this module runs them as cancellable background
//! jobs, saves every output before the next stage starts, and resumes a session where it stopped.

mod error;
mod progress;

pub use error::StageError;
pub use progress::{eta, CancelToken, NoProgress, Progress, ProgressEvent, StageReporter};
