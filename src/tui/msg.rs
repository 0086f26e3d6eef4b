//! What flows into `update` (messages) and out of it (effects for the runtime to carry out).

use super::images::ImageKey;
use super::preview::{FrameKey, PreviewInfo, Request};
use crate::domain::{Facts, Stage, Style};
use crate::pipeline::{Outcome, OutputFiles, Outputs, SessionParams};
use crate::stage::ProgressEvent;
use image::DynamicImage;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui_image::protocol::Protocol;
use std::path::PathBuf;
use std::sync::Arc;

/// Everything the event loop hands to `update`.
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The animation and debounce clock; carries a memory sample so `update` reads no files.
    Tick {
        rss_bytes: Option<u64>,
    },
    SessionOpened(Result<Box<Opened>, String>),
    Progress {
        job: u64,
        event: ProgressEvent,
    },
    JobDone {
        job: u64,
        result: Result<Box<JobOutput>, JobError>,
    },
    /// `seq` orders reads that may finish out of order; older ones are dropped.
    ConceptsLoaded {
        seq: u64,
        session: String,
        cards: Vec<CardData>,
    },
    Encoded {
        key: ImageKey,
        result: Result<Protocol, String>,
    },
    SolidRendered {
        version: u64,
        result: Result<Arc<DynamicImage>, String>,
    },
    /// The preview worker has the solid of `version` ready to draw.
    PreviewLoaded {
        version: u64,
        result: Result<PreviewInfo, String>,
    },
    /// One preview frame, encoded for the terminal.
    PreviewFrame {
        key: FrameKey,
        result: Result<Protocol, String>,
    },
    /// The solid (and G-code) written where the person asked.
    FilesSaved(Result<OutputFiles, String>),
}

/// A session as the studio holds it: the pipeline's own, read once.
pub type SessionInfo = crate::pipeline::Session;

/// A session just opened, with the folder of its latest order once one was placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub session: SessionInfo,
    pub order_dir: Option<PathBuf>,
}

/// One concept as read back from the store: its texts, and its image when drawn.
#[derive(Clone)]
pub struct CardData {
    pub slot: usize,
    pub title: String,
    pub style: Option<Style>,
    pub sha256: Option<String>,
    pub image: Option<Arc<DynamicImage>>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct JobOutput {
    pub outcome: Outcome,
    /// The order's folder, when this job placed an order.
    pub order_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobError {
    pub message: String,
    pub cancelled: bool,
}

/// What a background job is for; decides what happens when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Ideas and images for the gallery.
    Concepts,
    Regenerate,
    /// From the picked concept to the printable solid.
    Solid,
    /// The solid again after an engraving or height edit.
    Recut,
    /// Slicing and the price.
    Quote,
    Order,
}

/// One run of the pipeline plus the saved changes it starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    pub kind: JobKind,
    pub session: String,
    pub until: Stage,
    /// New facts to save first (edited after going back).
    pub facts: Option<Facts>,
    /// Params to save first.
    pub params: Option<SessionParams>,
    /// Concept images to forget so they are drawn again.
    pub clear_images: Vec<usize>,
    /// Outputs to forget from this stage on.
    pub invalidate: Option<Stage>,
}

impl JobSpec {
    pub fn new(kind: JobKind, session: &str, until: Stage) -> JobSpec {
        JobSpec {
            kind,
            session: session.to_string(),
            until,
            facts: None,
            params: None,
            clear_images: Vec::new(),
            invalidate: None,
        }
    }
}

/// Work for the runtime; `update` itself never blocks or touches the disk.
pub enum Effect {
    CreateSession {
        facts: Facts,
        params: SessionParams,
    },
    OpenSession {
        id: String,
    },
    StartJob {
        id: u64,
        spec: JobSpec,
    },
    CancelJob {
        id: u64,
    },
    LoadConcepts {
        seq: u64,
        session: String,
        known: [Option<String>; 4],
    },
    Encode {
        key: ImageKey,
        image: Arc<DynamicImage>,
    },
    RenderSolid {
        session: String,
        slot: usize,
        version: u64,
        px: (u32, u32),
        background: [u8; 3],
    },
    Preview(Request),
    /// Writes the session's saved solid (and G-code) to these paths.
    SaveFiles {
        session: String,
        outputs: Outputs,
    },
}
