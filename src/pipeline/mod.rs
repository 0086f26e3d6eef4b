//! The journey as data: facts -> concepts -> images -> cut-out -> raw mesh -> printable solid ->
//! slice stats -> price. Each arrow is a stage trait; this module runs them as cancellable background
//! jobs, saves every output before the next stage starts, and resumes a session where it stopped.

mod backends;
mod error;
mod progress;
mod runner;
mod session;

pub use backends::{BackendError, Backends};
pub use error::StageError;
pub use progress::{eta, CancelToken, NoProgress, Progress, ProgressEvent, StageReporter};
pub use runner::{Pipeline, PipelineError};
pub use session::{OrderRequest, Outcome, OutputFiles, Outputs, SessionParams, SessionResults};
