//! How a running stage reports what it is doing, and learns that it should stop.

use crate::domain::Stage;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// What a stage is handed to report progress. Stages call it from whatever thread they run on.
pub trait Progress: Send + Sync {
    /// Step `n` of `total` is done (n counts from 1); `message` says what it was.
    fn step(&self, n: usize, total: usize, message: &str);
    /// A line for the log tail: which backend, which geometry source, a warning.
    fn note(&self, message: &str);
    /// True once the person asked to stop; long loops check it between steps.
    fn is_cancelled(&self) -> bool;
}

/// Progress that goes nowhere, for tests and one-off calls.
pub struct NoProgress;

impl Progress for NoProgress {
    fn step(&self, _: usize, _: usize, _: &str) {}
    fn note(&self, _: &str) {}
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// A shared stop flag; clones see the same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Everything a front end hears from a running job.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    Started {
        stage: Stage,
        backend: String,
    },
    /// The stage's output was already saved; nothing was redone.
    Skipped {
        stage: Stage,
    },
    Step {
        stage: Stage,
        n: usize,
        total: usize,
        message: String,
        elapsed: Duration,
        eta: Option<Duration>,
    },
    Note {
        stage: Stage,
        message: String,
    },
    Finished {
        stage: Stage,
        elapsed: Duration,
    },
    Failed {
        stage: Stage,
        error: String,
    },
}

/// The [`Progress`] the pipeline hands to one stage: turns steps into events with elapsed time and ETA.
pub struct StageReporter {
    stage: Stage,
    started: Instant,
    tx: UnboundedSender<ProgressEvent>,
    cancel: CancelToken,
}

impl StageReporter {
    pub fn new(stage: Stage, tx: UnboundedSender<ProgressEvent>, cancel: CancelToken) -> Self {
        Self { stage, started: Instant::now(), tx, cancel }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn send(&self, event: ProgressEvent) {
        // A front end that went away is no reason to stop the work: its output is saved anyway.
        let _ = self.tx.send(event);
    }
}

/// Linear ETA from the steps done so far; none before the first step.
pub fn eta(elapsed: Duration, n: usize, total: usize) -> Option<Duration> {
    if n == 0 || total == 0 || n > total {
        return None;
    }
    let per_step = elapsed.as_secs_f64() / n as f64;
    Some(Duration::from_secs_f64(per_step * (total - n) as f64))
}

impl Progress for StageReporter {
    fn step(&self, n: usize, total: usize, message: &str) {
        let elapsed = self.elapsed();
        self.send(ProgressEvent::Step {
            stage: self.stage,
            n,
            total,
            message: message.to_string(),
            elapsed,
            eta: eta(elapsed, n, total),
        });
    }

    fn note(&self, message: &str) {
        self.send(ProgressEvent::Note { stage: self.stage, message: message.to_string() });
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_is_linear_in_remaining_steps() {
        assert_eq!(eta(Duration::from_secs(10), 2, 10), Some(Duration::from_secs(40)));
        assert_eq!(eta(Duration::from_secs(10), 0, 10), None);
        assert_eq!(eta(Duration::from_secs(10), 10, 10), Some(Duration::ZERO));
    }

    #[test]
    fn reporter_sends_steps_with_eta_and_sees_cancel() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let cancel = CancelToken::new();
        let r = StageReporter::new(Stage::Shape, tx, cancel.clone());
        r.step(1, 4, "chunk 1");
        match rx.try_recv().unwrap() {
            ProgressEvent::Step { stage, n, total, eta, .. } => {
                assert_eq!((stage, n, total), (Stage::Shape, 1, 4));
                assert!(eta.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!r.is_cancelled());
        cancel.cancel();
        assert!(r.is_cancelled());
    }
}
