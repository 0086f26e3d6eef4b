//! The studio's whole state, and `update`: the one place messages change it. Screens keep their
//! own state and handle their own actions; this file routes between them.

use super::action::{self, Action, KeyContext};
use super::images::ImageTarget;
use super::jobs::{Jobs, ProgressState};
use super::msg::{Effect, JobError, JobKind, JobOutput, JobSpec, Msg, SessionInfo};
use super::screens::{checkout, gallery, input, sessions, studio};
use super::theme::Theme;
use crate::domain::Stage;
use crate::fab::pricing::Rates;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
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
    pub backends: Vec<(Stage, String)>,
    /// The image protocol in use, and why it was chosen.
    pub graphics: String,
    pub graphics_note: String,
    /// Pixels per cell, to choose layouts that give images the most room.
    pub cell_px: (u16, u16),
    pub rates: Rates,
    pub default_height_mm: f32,
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
            solid_version: 0,
            solid_pending: false,
        }
    }

    pub fn session_id(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.id.as_str())
    }

    /// Whether a job of this kind is running or queued.
    pub fn job_pending(&self, kinds: &[JobKind]) -> bool {
        self.jobs
            .running
            .as_ref()
            .is_some_and(|r| kinds.contains(&r.spec.kind))
            || self
                .jobs
                .queued
                .as_ref()
                .is_some_and(|q| kinds.contains(&q.kind))
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
        let screen = if sessions.is_empty() {
            ScreenId::Input
        } else {
            ScreenId::Sessions
        };
        let height = shared.default_height_mm;
        App {
            screen,
            overlay: None,
            shared,
            sessions: sessions::SessionsScreen::new(sessions),
            input: input::InputScreen::default(),
            gallery: gallery::GalleryScreen::default(),
            studio: studio::StudioScreen::new(height),
            checkout: checkout::CheckoutScreen::default(),
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
        match (tick, self.studio.recut_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn go(&mut self, screen: ScreenId) {
        self.screen = screen;
        self.overlay = None;
    }

    pub fn show_error(&mut self, title: &str, text: String) {
        self.overlay = Some(Overlay::Message {
            title: title.to_string(),
            text,
            error: true,
        });
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
            ScreenId::Studio => self
                .studio
                .picture
                .want(ImageTarget::Studio, studio::picture_rect(body))
                .into_iter()
                .collect(),
            ScreenId::Checkout => self
                .checkout
                .picture
                .want(ImageTarget::Checkout, checkout::picture_rect(body))
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The one entry point: applies `msg` at time `now` and returns the work to do.
pub fn update(app: &mut App, msg: Msg, now: Instant) -> Vec<Effect> {
    app.shared.now = now;
    let mut effects = match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => on_action(app, Action::Paste(text)),
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Resize(w, h) => {
            app.shared.size = Size::new(w, h);
            Vec::new()
        }
        Msg::Tick { rss_bytes } => {
            app.shared.tick = app.shared.tick.wrapping_add(1);
            if rss_bytes.is_some() {
                app.shared.progress.rss_bytes = rss_bytes;
            }
            studio::on_tick(app)
        }
        Msg::SessionOpened(result) => on_session(app, result),
        Msg::Progress { job, event } => {
            if !app.shared.jobs.is_current(job) {
                return Vec::new();
            }
            app.shared.progress.apply(&event, now);
            gallery::on_progress(app, &event)
        }
        Msg::JobDone { job, result } => on_job_done(app, job, result),
        Msg::ConceptsLoaded { session, cards } => {
            if app.shared.session_id() == Some(session.as_str()) {
                app.gallery.load(cards);
            }
            Vec::new()
        }
        Msg::Encoded { key, result } => {
            match result {
                Ok(protocol) => {
                    let slot = match key.target {
                        ImageTarget::Card(i) => {
                            app.gallery.cards.get_mut(i).map(|c| &mut c.picture)
                        }
                        ImageTarget::Studio => Some(&mut app.studio.picture),
                        ImageTarget::Checkout => Some(&mut app.checkout.picture),
                    };
                    if let Some(slot) = slot {
                        slot.accept(key, protocol);
                    }
                }
                Err(e) => app.shared.progress.log(e),
            }
            Vec::new()
        }
        Msg::SolidRendered { version, result } => {
            if version == app.shared.solid_version {
                app.shared.solid_pending = false;
                match result {
                    Ok(image) => {
                        app.studio.picture.set_image(Some(image.clone()));
                        app.checkout.picture.set_image(Some(image));
                    }
                    Err(e) => app.shared.progress.log(format!("preview: {e}")),
                }
            }
            Vec::new()
        }
    };
    effects.extend(app.sync_images());
    effects
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match action::from_key(key, app.key_context()) {
        Some(a) => on_action(app, a),
        None => Vec::new(),
    }
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if app.overlay.is_some() || app.too_small() {
        return Vec::new();
    }
    match app.screen {
        ScreenId::Gallery => gallery::on_mouse(app, m),
        _ => Vec::new(),
    }
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    if let Some(overlay) = &app.overlay {
        return match (overlay, action) {
            (Overlay::ConfirmQuit, Action::Yes) => {
                app.quit = true;
                app.shared.jobs.cancel_all()
            }
            (Overlay::ConfirmQuit, Action::No | Action::Back | Action::Quit) => {
                app.overlay = None;
                Vec::new()
            }
            (Overlay::Help, Action::Help | Action::Back | Action::Submit | Action::Quit) => {
                app.overlay = None;
                Vec::new()
            }
            (Overlay::Message { .. }, Action::Back | Action::Submit | Action::Quit) => {
                app.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        };
    }
    match action {
        Action::Quit => {
            if app.shared.jobs.busy() {
                app.overlay = Some(Overlay::ConfirmQuit);
            } else {
                app.quit = true;
            }
            Vec::new()
        }
        Action::Help => {
            app.overlay = Some(Overlay::Help);
            Vec::new()
        }
        a => match app.screen {
            ScreenId::Sessions => sessions::on_action(app, a),
            ScreenId::Input => input::on_action(app, a),
            ScreenId::Gallery => gallery::on_action(app, a),
            ScreenId::Studio => studio::on_action(app, a),
            ScreenId::Checkout => checkout::on_action(app, a),
        },
    }
}

/// A session was created or reopened: fill every screen from it and go where it stopped.
fn on_session(app: &mut App, result: Result<SessionInfo, String>) -> Vec<Effect> {
    let info = match result {
        Ok(info) => info,
        Err(e) => {
            app.input.busy = false;
            app.show_error("Cannot open the session", e);
            return Vec::new();
        }
    };
    app.input.fill(&info.facts);
    app.studio.fill(&info.params);
    app.checkout.fill(&info.params);
    app.studio.report = info.results.printability.clone();
    app.studio.picture.set_image(None);
    app.checkout.picture.set_image(None);
    app.sessions.opening = false;
    app.checkout.placed = match (&info.results.order_id, &info.order_dir) {
        (Some(id), Some(dir)) => Some(checkout::Placed {
            order_id: id.clone(),
            dir: dir.clone(),
        }),
        _ => None,
    };
    app.gallery
        .reset(info.chosen.or(info.params.pick).unwrap_or(0));
    let id = info.id.clone();
    let step = info.step;
    let solid_made = info.results.printability.is_some();
    let picked = info.chosen.or(info.params.pick).is_some();
    app.shared.session = Some(info);
    let mut effects = vec![Effect::LoadConcepts {
        session: id.clone(),
        known: Default::default(),
    }];
    match step {
        Some(Stage::Slicing | Stage::Pricing) if solid_made => {
            app.go(ScreenId::Checkout);
            effects.extend(app.request_render());
            effects.extend(checkout::ensure_quote(app));
        }
        // A concept was picked (or a model imported): the person was in the studio.
        _ if picked => {
            app.go(ScreenId::Studio);
            if solid_made {
                effects.extend(app.request_render());
            } else {
                effects.extend(app.request_job(JobSpec::new(
                    JobKind::Solid,
                    &id,
                    Stage::Fabrication,
                )));
            }
        }
        _ => {
            app.go(ScreenId::Gallery);
            effects.extend(app.request_job(JobSpec::new(JobKind::Concepts, &id, Stage::Images)));
        }
    }
    effects
}

fn on_job_done(app: &mut App, job: u64, result: Result<JobOutput, JobError>) -> Vec<Effect> {
    let now = app.shared.now;
    let (spec, mut effects) = app.shared.jobs.finish(job, now);
    let Some(spec) = spec else { return effects };
    if effects.iter().any(|e| matches!(e, Effect::StartJob { .. })) {
        app.shared.progress.reset();
    }
    let out = match result {
        Ok(out) => out,
        Err(e) if e.cancelled => {
            app.shared
                .progress
                .log("stopped; what was finished is saved".into());
            return effects;
        }
        Err(e) => {
            app.shared.progress.log(format!("failed: {}", e.message));
            if spec.kind == JobKind::Order {
                app.checkout.ordering = false;
            }
            // A later request already supersedes this one: no need to interrupt with an old failure.
            if !app.shared.jobs.busy() {
                app.show_error("Something went wrong", e.message);
            }
            return effects;
        }
    };
    if let Some(s) = app.shared.session.as_mut().filter(|s| s.id == spec.session) {
        s.results = out.outcome.results.clone();
        if out.outcome.chosen.is_some() {
            s.chosen = out.outcome.chosen;
        }
        s.step = Some(spec.until);
    }
    match spec.kind {
        JobKind::Concepts | JobKind::Regenerate => {
            let known = app.gallery.known_shas();
            effects.push(Effect::LoadConcepts {
                session: spec.session,
                known,
            });
        }
        JobKind::Solid | JobKind::Recut => {
            app.studio.report = out.outcome.results.printability.clone();
            if app.shared.jobs.queued.is_none() && !app.shared.job_pending(&[JobKind::Recut]) {
                effects.extend(app.request_render());
            }
        }
        JobKind::Quote => {}
        JobKind::Order => {
            app.checkout.ordering = false;
            if let (Some(id), Some(dir)) = (out.outcome.results.order_id.clone(), out.order_dir) {
                app.checkout.placed = Some(checkout::Placed { order_id: id, dir });
            }
        }
    }
    effects
}
