//! The studio's whole state: one struct per screen plus what they share. `update.rs` changes it;
//! views only read it.

use super::action::KeyContext;
use super::images::ImageTarget;
use super::jobs::{Jobs, ProgressState};
use super::msg::{Effect, JobKind, JobSpec, SessionInfo};
use super::screens::{checkout, gallery, input, sessions, studio};
use super::theme::Theme;
use crate::domain::Stage;
use crate::fab::pricing::Rates;
use ratatui::layout::{Rect, Size};
use std::time::{Duration, Instant};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// Spinner and clock rate while something runs.
pub const TICK: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenId {
    Sessions,
    Input,
    Gallery,
    Studio,
    Checkout,
}

impl ScreenId {
    pub fn title(self) -> &'static str {
        match self {
            ScreenId::Sessions => "Sessions",
            ScreenId::Input => "Input",
            ScreenId::Gallery => "Gallery",
            ScreenId::Studio => "Studio",
            ScreenId::Checkout => "Checkout",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    ConfirmQuit,
    Message {
        title: String,
        text: String,
        error: bool,
    },
    /// Where to save the solid's files; the path being typed is [`App::save_path`].
    Save {
        error: Option<String>,
    },
}

/// What every screen may read: theme, clock, session, jobs, progress, sizes.
pub struct Shared {
    pub theme: Theme,
    pub size: Size,
    pub now: Instant,
    /// Advances on each tick; drives spinners.
    pub tick: u64,
    pub session: Option<SessionInfo>,
    pub jobs: Jobs,
    pub progress: ProgressState,
    /// Backend name per stage, for the status line.
    pub backends: Vec<(Stage, crate::pipeline::BackendLabel)>,
    /// The image protocol in use, and why it was chosen.
    pub graphics: String,
    pub graphics_note: String,
    /// Pixels per cell, to choose layouts that give images the most room.
    pub cell_px: (u16, u16),
    pub rates: Rates,
    pub default_height_mm: f32,
    /// Whether new pieces are hollowed, and the walls hollowing leaves (the config's `[hollow]`).
    pub hollow: crate::config::HollowSettings,
    /// Version of the solid render asked for last; older renders are dropped.
    pub solid_version: u64,
    pub solid_pending: bool,
}

impl Shared {
    pub fn new(theme: Theme, size: Size, now: Instant) -> Shared {
        Shared {
            theme,
            size,
            now,
            tick: 0,
            session: None,
            jobs: Jobs::default(),
            progress: ProgressState::default(),
            backends: Vec::new(),
            graphics: "half-blocks".into(),
            graphics_note: String::new(),
            cell_px: (10, 20),
            rates: Rates::default(),
            default_height_mm: 80.0,
            hollow: crate::config::HollowSettings::default(),
            solid_version: 0,
            solid_pending: false,
        }
    }

    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }

    /// Whether a job of this kind is running or queued.
    pub fn job_pending(&self, kinds: &[JobKind]) -> bool {
        self.jobs.running.as_ref().is_some_and(|r| kinds.contains(&r.spec.kind))
            || self.jobs.queued.as_ref().is_some_and(|q| kinds.contains(&q.kind))
    }
}

/// The screen-state pair a view draws.
pub struct View<'a, S> {
    pub screen: &'a S,
    pub shared: &'a Shared,
}

pub struct App {
    pub screen: ScreenId,
    pub overlay: Option<Overlay>,
    pub shared: Shared,
    pub sessions: sessions::SessionsScreen,
    pub input: input::InputScreen,
    pub gallery: gallery::GalleryScreen,
    pub studio: studio::StudioScreen,
    pub checkout: checkout::CheckoutScreen,
    /// The folder or `.stl` file typed in the save dialog; kept between saves.
    pub save_path: tui_input::Input,
    pub quit: bool,
}

/// The four parts of every frame.
pub struct FrameAreas {
    pub header: Rect,
    pub body: Rect,
    pub hints: Rect,
    pub status: Rect,
}

pub fn frame_areas(size: Size) -> FrameAreas {
    let w = size.width;
    let h = size.height;
    FrameAreas {
        header: Rect::new(0, 0, w, 1.min(h)),
        body: Rect::new(0, 1, w, h.saturating_sub(3)),
        hints: Rect::new(0, h.saturating_sub(2), w, 1),
        status: Rect::new(0, h.saturating_sub(1), w, 1),
    }
}

impl App {
    /// The studio at its first screen: the session list when there are sessions, else the input form.
    pub fn new(shared: Shared, sessions: Vec<sessions::SessionSummary>) -> App {
        let screen = if sessions.is_empty() { ScreenId::Input } else { ScreenId::Sessions };
        let height = shared.default_height_mm;
        let hollow = shared.hollow.clone();
        App {
            screen,
            overlay: None,
            shared,
            sessions: sessions::SessionsScreen::new(sessions),
            input: input::InputScreen::default(),
            gallery: gallery::GalleryScreen::default(),
            studio: studio::StudioScreen::new(height, &hollow),
            checkout: checkout::CheckoutScreen::default(),
            save_path: tui_input::Input::new(".".into()),
            quit: false,
        }
    }

    pub fn body(&self) -> Rect {
        frame_areas(self.shared.size).body
    }

    pub fn too_small(&self) -> bool {
        self.shared.size.width < MIN_WIDTH || self.shared.size.height < MIN_HEIGHT
    }

    pub fn key_context(&self) -> KeyContext {
        match self.overlay {
            Some(Overlay::ConfirmQuit) => KeyContext::Confirm,
            Some(Overlay::Save { .. }) => KeyContext::Text,
            Some(_) => KeyContext::Command,
            None => match self.screen {
                ScreenId::Sessions | ScreenId::Gallery => KeyContext::Command,
                ScreenId::Input => self.input.key_context(),
                ScreenId::Studio => self.studio.key_context(),
                ScreenId::Checkout => self.checkout.key_context(),
            },
        }
    }

    /// Something moves on screen or waits for a deadline: the loop should wake up.
    pub fn animating(&self) -> bool {
        self.shared.jobs.busy() || self.shared.solid_pending
    }

    /// When the loop must wake even without input: the next tick while animating, a debounce deadline.
    pub fn next_wakeup(&self, last_tick: Instant) -> Option<Instant> {
        let tick = self.animating().then_some(last_tick + TICK);
        let frame = super::preview::glue::next_wakeup(self, self.shared.now);
        [tick, self.studio.recut_due, frame].into_iter().flatten().min()
    }

    pub fn go(&mut self, screen: ScreenId) {
        self.screen = screen;
        self.overlay = None;
    }

    pub fn show_error(&mut self, title: &str, text: String) {
        self.overlay = Some(Overlay::Message { title: title.to_string(), text, error: true });
    }

    /// Starts (or queues) a job and resets the progress pane for it.
    pub fn request_job(&mut self, spec: JobSpec) -> Vec<Effect> {
        let effects = self.shared.jobs.request(spec, self.shared.now);
        if effects.iter().any(|e| matches!(e, Effect::StartJob { .. })) {
            self.shared.progress.reset();
        }
        effects
    }

    /// Asks for a fresh still render of the session's solid.
    pub fn request_render(&mut self) -> Vec<Effect> {
        let Some(s) = &self.shared.session else {
            return Vec::new();
        };
        let Some(slot) = s.chosen.or(s.params.pick) else {
            return Vec::new();
        };
        self.shared.solid_version += 1;
        self.shared.solid_pending = true;
        self.studio.preview.reset_mesh();
        vec![Effect::RenderSolid {
            session: s.id.clone(),
            slot,
            version: self.shared.solid_version,
            px: (640, 640),
            background: self.shared.theme.background_rgb(),
        }]
    }

    /// Encodings the visible images need at the current layout.
    pub fn sync_images(&mut self) -> Vec<Effect> {
        if self.too_small() {
            return Vec::new();
        }
        let body = self.body();
        match self.screen {
            ScreenId::Gallery => {
                let rects = gallery::image_rects(body, self.shared.cell_px);
                self.gallery
                    .cards
                    .iter_mut()
                    .zip(rects)
                    .enumerate()
                    .filter_map(|(i, (card, r))| card.picture.want(ImageTarget::Card(i), r))
                    .collect()
            }
            ScreenId::Studio => {
                let mut effects: Vec<Effect> =
                    self.studio.picture.want(ImageTarget::Studio, studio::picture_rect(body)).into_iter().collect();
                effects.extend(super::preview::glue::sync(self));
                effects
            }
            ScreenId::Checkout => {
                self.checkout.picture.want(ImageTarget::Checkout, checkout::picture_rect(body)).into_iter().collect()
            }
            _ => Vec::new(),
        }
    }
}
