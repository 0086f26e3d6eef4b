use thiserror::Error;

/// Why a stage stopped. Messages are written for the person who reads them and say what to do.
#[derive(Debug, Error)]
pub enum StageError {
    /// The person asked to stop; what was saved stays saved.
    #[error("cancelled")]
    Cancelled,
    /// The input cannot work as given (exit code 2 in the CLI).
    #[error("{0}")]
    BadInput(String),
    /// The backend failed; the message says what to try.
    #[error("{0}")]
    Failed(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl StageError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        StageError::Io { context: context.into(), source }
    }
}
