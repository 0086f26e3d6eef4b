//! What every stage shares, below the stages and the runner alike: progress reporting, cancellation
//! and the error a stage stops with. Stages import this module, never `pipeline`, which calls them.

mod error;
mod progress;

pub use error::StageError;
pub use progress::{eta, CancelToken, NoProgress, Progress, ProgressEvent, StageReporter};

/// A backend's name with its model, for the "started" line of the progress pane and the log.
pub fn described(name: &str, model: Option<String>) -> String {
    match model {
        Some(m) => format!("{name}, {m}"),
        None => name.to_string(),
    }
}

/// Where a backend does its work; every backend says its own, for the status line and the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Built in: no weights, tools or network.
    Offline,
    /// A model's weights or a program on this machine.
    Local,
    /// A service over the network.
    Remote,
}

impl BackendKind {
    pub fn label(self) -> &'static str {
        match self {
            BackendKind::Offline => "offline",
            BackendKind::Local => "local",
            BackendKind::Remote => "remote",
        }
    }
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
