//! The one background job at a time, the newest request queued behind it (a newer request replaces
//! the queued one and stops the running one: its saved output stays), and what it reported.

use super::msg::{Effect, JobSpec};
use crate::domain::Stage;
use crate::stage::ProgressEvent;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Lines kept for the log tail.
const LOG_LINES: usize = 40;

#[derive(Debug, Clone, PartialEq)]
pub struct RunningJob {
    pub id: u64,
    pub spec: JobSpec,
    pub started: Instant,
    pub cancelling: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Jobs {
    pub running: Option<RunningJob>,
    pub queued: Option<JobSpec>,
    next_id: u64,
}

impl Jobs {
    /// Starts `spec`, or queues it behind the running job (which is asked to stop).
    pub fn request(&mut self, spec: JobSpec, now: Instant) -> Vec<Effect> {
        match &mut self.running {
            Some(run) => {
                self.queued = Some(spec);
                if run.cancelling {
                    Vec::new()
                } else {
                    run.cancelling = true;
                    vec![Effect::CancelJob { id: run.id }]
                }
            }
            None => vec![self.start(spec, now)],
        }
    }

    fn start(&mut self, spec: JobSpec, now: Instant) -> Effect {
        self.next_id += 1;
        let id = self.next_id;
        self.running = Some(RunningJob { id, spec: spec.clone(), started: now, cancelling: false });
        Effect::StartJob { id, spec }
    }

    /// The job `id` ended: returns its spec (None for a stale id) and starts the queued one.
    pub fn finish(&mut self, id: u64, now: Instant) -> (Option<JobSpec>, Vec<Effect>) {
        if self.running.as_ref().map(|r| r.id) != Some(id) {
            return (None, Vec::new());
        }
        let done = self.running.take().map(|r| r.spec);
        let effects = self.queued.take().map(|q| vec![self.start(q, now)]).unwrap_or_default();
        (done, effects)
    }

    pub fn is_current(&self, id: u64) -> bool {
        self.running.as_ref().is_some_and(|r| r.id == id)
    }

    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// Stops everything: for quitting.
    pub fn cancel_all(&mut self) -> Vec<Effect> {
        self.queued = None;
        self.running
            .as_mut()
            .map(|r| {
                r.cancelling = true;
                vec![Effect::CancelJob { id: r.id }]
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageState {
    Waiting,
    Running,
    /// Done now, in this time.
    Done(Duration),
    /// Its output was already saved.
    Saved,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub stage: Stage,
    pub n: usize,
    pub total: usize,
    pub message: String,
    pub elapsed: Duration,
    pub eta: Option<Duration>,
}

/// What the current (or last) job reported, for progress panes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressState {
    pub stages: [StageState; 7],
    pub step: Option<Step>,
    pub stage_started: Option<(Stage, Instant)>,
    pub log: VecDeque<String>,
    pub rss_bytes: Option<u64>,
}

impl Default for ProgressState {
    fn default() -> Self {
        Self {
            stages: [StageState::Waiting; 7],
            step: None,
            stage_started: None,
            log: VecDeque::new(),
            rss_bytes: None,
        }
    }
}

fn index(stage: Stage) -> usize {
    Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0)
}

impl ProgressState {
    pub fn state(&self, stage: Stage) -> StageState {
        self.stages[index(stage)]
    }

    /// A job starts: its stages wait, the log stays.
    pub fn reset(&mut self) {
        self.stages = [StageState::Waiting; 7];
        self.step = None;
        self.stage_started = None;
    }

    pub fn log(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    pub fn apply(&mut self, event: &ProgressEvent, now: Instant) {
        match event {
            ProgressEvent::Started { stage, backend } => {
                self.stages[index(*stage)] = StageState::Running;
                self.stage_started = Some((*stage, now));
                self.step = None;
                self.log(format!("{stage}: started ({backend})"));
            }
            ProgressEvent::Skipped { stage } => self.stages[index(*stage)] = StageState::Saved,
            ProgressEvent::Step { stage, n, total, message, elapsed, eta } => {
                self.step = Some(Step {
                    stage: *stage,
                    n: *n,
                    total: *total,
                    message: message.clone(),
                    elapsed: *elapsed,
                    eta: *eta,
                });
                self.log(format!("{stage}: {message} ({n}/{total})"));
            }
            ProgressEvent::Note { stage, message } => self.log(format!("{stage}: {message}")),
            ProgressEvent::Finished { stage, elapsed } => {
                self.stages[index(*stage)] = StageState::Done(*elapsed);
                self.step = None;
                self.stage_started = None;
                self.log(format!("{stage}: done in {}", clock(*elapsed)));
            }
            ProgressEvent::Failed { stage, error } => {
                self.stages[index(*stage)] = StageState::Failed;
                self.stage_started = None;
                self.log(format!("{stage}: failed: {error}"));
            }
        }
    }
}

/// m:ss, or h:mm:ss past an hour.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::msg::JobKind;

    fn spec(kind: JobKind) -> JobSpec {
        JobSpec::new(kind, "s1", Stage::Fabrication)
    }

    #[test]
    fn a_newer_request_replaces_the_queued_one_and_stops_the_running_one() {
        let now = Instant::now();
        let mut jobs = Jobs::default();
        let fx = jobs.request(spec(JobKind::Solid), now);
        assert!(matches!(fx.as_slice(), [Effect::StartJob { id: 1, .. }]));
        let fx = jobs.request(spec(JobKind::Recut), now);
        assert!(matches!(fx.as_slice(), [Effect::CancelJob { id: 1 }]));
        let mut newest = spec(JobKind::Recut);
        newest.invalidate = Some(Stage::Fabrication);
        assert!(jobs.request(newest.clone(), now).is_empty(), "stop is asked once");
        assert_eq!(jobs.queued, Some(newest.clone()));
        let (done, fx) = jobs.finish(1, now);
        assert_eq!(done.map(|s| s.kind), Some(JobKind::Solid));
        match fx.as_slice() {
            [Effect::StartJob { id: 2, spec }] => assert_eq!(spec, &newest),
            _ => panic!("the queued job starts"),
        }
        assert_eq!(jobs.finish(1, now).0, None, "a stale id is ignored");
        assert!(jobs.is_current(2));
    }

    #[test]
    fn progress_events_move_stages_and_fill_the_log() {
        let now = Instant::now();
        let mut p = ProgressState::default();
        p.apply(&ProgressEvent::Skipped { stage: Stage::Matting }, now);
        p.apply(&ProgressEvent::Started { stage: Stage::Shape, backend: "inflate".into() }, now);
        p.apply(
            &ProgressEvent::Step {
                stage: Stage::Shape,
                n: 2,
                total: 5,
                message: "marching cubes".into(),
                elapsed: Duration::from_secs(4),
                eta: Some(Duration::from_secs(6)),
            },
            now,
        );
        assert_eq!(p.state(Stage::Matting), StageState::Saved);
        assert_eq!(p.state(Stage::Shape), StageState::Running);
        assert_eq!(p.step.as_ref().map(|s| (s.n, s.total)), Some((2, 5)));
        p.apply(&ProgressEvent::Finished { stage: Stage::Shape, elapsed: Duration::from_secs(9) }, now);
        assert_eq!(p.state(Stage::Shape), StageState::Done(Duration::from_secs(9)));
        assert!(p.log.back().is_some_and(|l| l.contains("0:09")));
        for i in 0..100 {
            p.log(format!("{i}"));
        }
        assert_eq!(p.log.len(), LOG_LINES);
    }

    #[test]
    fn clock_formats() {
        assert_eq!(clock(Duration::from_secs(75)), "1:15");
        assert_eq!(clock(Duration::from_secs(3725)), "1:02:05");
    }
}
