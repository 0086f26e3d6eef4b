//! The journey as data: facts -> concepts -> images -> cut-out -> raw mesh -> printable solid ->
//! slice stats -> price. Each arrow is a stage trait; this module runs them as cancellable background
//! jobs, saves every output before the next stage starts, and resumes a session where it stopped.

mod backends;
mod create;
mod deliver;
mod runner;
mod session;

pub use backends::{local_hunyuan3d, BackendError, BackendLabel, Backends};
pub use create::{create, create_from, to_model_space, CreateError, Import};
pub use runner::{Pipeline, PipelineError, Solid};
pub use session::{
    DamagedSession, Listing, OrderRequest, Outcome, OutputFiles, Outputs, Reached, Session, SessionParams,
    SessionResults,
};
