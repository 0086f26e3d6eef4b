//! Studio states built without a terminal, for unit tests and the snapshot tests in `tests/`.
//! Everything here is fixed (ids, texts, images, clocks) so that drawings are reproducible.

use super::app::{App, ScreenId, Shared};
use super::graphics;
use super::images::ImageTarget;
use super::jobs::{RunningJob, StageState, Step};
use super::msg::{Effect, JobKind, JobSpec, SessionInfo};
use super::screens::checkout::Placed;
use super::screens::sessions::SessionSummary;
use super::theme::Theme;
use crate::domain::{Facts, Occasion, Stage, Style};
use crate::fab::{FabSpec, Printability, SliceStats};
use crate::mesh::Mesh;
use crate::pipeline::{BackendLabel, SessionParams, SessionResults};
use crate::stage::BackendKind;
use image::{DynamicImage, Rgba, RgbaImage};
use ratatui::backend::TestBackend;
use ratatui::layout::{Rect, Size};
use ratatui::Terminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SESSION_ID: &str = "5f3c9a1e0b7d4c2a9e8f7a6b5c4d3e2f";
pub const ORDER_ID: &str = "9b2f41c07e3a4d5f8a1b2c3d4e5f6a7b";

pub fn facts() -> Facts {
    Facts {
        name: "Dad".into(),
        hobbies: "tennis, coffee, jazz".into(),
        quirk: "hums while he cooks".into(),
        occasion: Some(Occasion::Birthday),
    }
}

/// The app on `screen` at `w` x `h`, no session, offline backends, half-blocks.
pub fn app_at(screen: ScreenId, w: u16, h: u16) -> App {
    let mut shared = Shared::new(Theme::default(), Size::new(w, h), Instant::now());
    let offline = |name: &str| BackendLabel { name: name.into(), kind: Some(BackendKind::Offline), model: None };
    shared.backends = vec![
        (Stage::Ideation, offline("templates")),
        (Stage::Images, offline("procedural")),
        (Stage::Matting, offline("classical")),
        (Stage::Shape, offline("inflate")),
        (Stage::Fabrication, offline("manifold")),
        (Stage::Slicing, offline("estimate")),
    ];
    shared.graphics = "half-blocks (test)".into();
    let mut app = App::new(shared, Vec::new());
    app.screen = screen;
    app
}

/// A concept picture: a coloured disc on white, different per slot.
pub fn sample_image(slot: usize) -> DynamicImage {
    let colours = [[214, 140, 90], [90, 140, 214], [120, 190, 110], [180, 110, 190]];
    let c = colours[slot % 4];
    let img = RgbaImage::from_fn(48, 48, |x, y| {
        let (dx, dy) = (x as f32 - 24.0, y as f32 - 26.0);
        if dx * dx + dy * dy < 18.0 * 18.0 {
            Rgba([c[0], c[1], c[2], 255])
        } else {
            Rgba([255, 255, 255, 255])
        }
    });
    DynamicImage::ImageRgba8(img)
}

/// A small stepped tower, standing for the finished solid.
pub fn sample_mesh() -> Mesh {
    let mut vertices = Vec::new();
    let mut triangles = Vec::new();
    for (i, (r, z0, z1)) in [(20.0f32, 0.0f32, 10.0f32), (12.0, 10.0, 50.0), (7.0, 50.0, 64.0)].into_iter().enumerate()
    {
        let base = (i * 8) as u32;
        for z in [z0, z1] {
            for (x, y) in [(-r, -r), (r, -r), (r, r), (-r, r)] {
                vertices.push([x, y, z]);
            }
        }
        let quads = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]];
        for q in quads {
            triangles.push([base + q[0], base + q[1], base + q[2]]);
            triangles.push([base + q[0], base + q[2], base + q[3]]);
        }
    }
    Mesh::new(vertices, triangles)
}

/// The finished solid's still picture.
pub fn sample_solid() -> DynamicImage {
    DynamicImage::ImageRgba8(super::still::render(&sample_mesh(), 160, 160, [19, 22, 41]))
}

/// The sample solid loaded into the Studio's preview, paused with the front (azimuth 0) shown,
/// encoded as half-blocks synchronously: a fixed picture for snapshots.
pub fn with_preview(app: &mut App) {
    use super::preview::{FrameKey, LiveView};
    use super::preview_worker::{prepare, render_frame, turntable_fit};
    let (display, info) = prepare(&sample_mesh());
    app.shared.solid_version = 1;
    let p = &mut app.studio.preview;
    p.loaded(1, info);
    p.playing = false;
    let rect = super::screens::studio::picture_rect(super::app::frame_areas(app.shared.size).body);
    let Some(spec) = p.wanted_spec((rect.width, rect.height), app.shared.theme.background_rgb(), 2) else { return };
    p.sync(Some(spec));
    let picker = graphics::Graphics::halfblocks("test").picker;
    let (w, h) = super::preview_worker::frame_px(&picker, spec.cells);
    let fit = turntable_fit(&display, &spec, w as f32 / h as f32);
    let view = LiveView { azimuth_deg: 0.0, engraving: 0.0 };
    if let Ok(frame) = render_frame(&mut crate::render::Renderer::new(), &picker, &display, &spec, view, fit) {
        p.accept(FrameKey::Turntable { spec, index: 0 }, frame);
    }
}

pub fn sessions() -> Vec<SessionSummary> {
    vec![
        SessionSummary {
            id: SESSION_ID.into(),
            name: "Dad".into(),
            about: "tennis, coffee, jazz".into(),
            reached: Stage::Fabrication.to_string(),
            updated: "2025-05-04 18:12".into(),
        },
        SessionSummary {
            id: "a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
            name: "Grandma Rose".into(),
            about: "gardening, crosswords, her three cats".into(),
            reached: "ordered".into(),
            updated: "2025-05-01 09:40".into(),
        },
        SessionSummary {
            id: "0c0ffee0c0ffee0c0ffee0c0ffee0c0f".into(),
            name: "Sam".into(),
            about: "climbing".into(),
            reached: "facts".into(),
            updated: "2025-04-28 21:03".into(),
        },
    ]
}

/// Adds the sample session, its four concepts with pictures, and its engraving.
pub fn with_session(mut app: App) -> App {
    let params = SessionParams {
        fab: FabSpec { height_mm: 90.0, line1: "DAD".into(), line2: "60 YEARS".into(), ..FabSpec::default() },
        ..SessionParams::default()
    };
    app.shared.session = Some(SessionInfo {
        id: SESSION_ID.into(),
        facts: facts(),
        params: params.clone(),
        step: Some(Stage::Images),
        chosen: None,
        results: SessionResults::default(),
        created_at: "2025-05-04T18:02:11.000Z".into(),
        updated_at: "2025-05-04T18:12:40.000Z".into(),
    });
    app.input.fill(&facts());
    app.studio.fill(&params);
    let titles =
        ["Dad's Centre Court Serve", "The Espresso Champion", "Jazz Ace on a Coffee Cup", "Rhythm of the Rally"];
    for (i, card) in app.gallery.cards.iter_mut().enumerate() {
        card.title = titles[i].into();
        card.style = Some(Style::ALL[i]);
        card.sha256 = Some(format!("{i:064}"));
        card.picture.set_image(Some(Arc::new(sample_image(i))));
    }
    app
}

/// Performs the encodings the visible pictures ask for, as the runtime would, synchronously.
pub fn encode_visible(app: &mut App) {
    let picker = graphics::Graphics::halfblocks("test").picker;
    for effect in app.sync_images() {
        if let Effect::Encode { key, image } = effect {
            let Ok(p) = graphics::encode(&picker, &image, Size::new(key.cells.0, key.cells.1)) else {
                continue;
            };
            let slot = match key.target {
                ImageTarget::Card(i) => &mut app.gallery.cards[i].picture,
                ImageTarget::Studio => &mut app.studio.picture,
                ImageTarget::Checkout => &mut app.checkout.picture,
            };
            slot.accept(key, p);
        }
    }
}

fn report() -> Printability {
    Printability {
        manifold: true,
        parts: 1,
        volume_mm3: 96_300.0,
        size_mm: [52.0, 48.0, 90.0],
        warnings: vec!["12% of the surface overhangs more than 45° and will need supports".into()],
        overhang_pct: 12.0,
        base_flat: true,
        thinnest_stroke_mm: Some(0.9),
        ..Printability::default()
    }
}

fn running(app: &mut App, kind: JobKind, until: Stage, for_secs: u64) {
    let started = app.shared.now.checked_sub(Duration::from_secs(for_secs)).unwrap_or(app.shared.now);
    app.shared.jobs.running =
        Some(RunningJob { id: 1, spec: JobSpec::new(kind, SESSION_ID, until), started, cancelling: false });
}

/// Named states for snapshots: every screen, the help overlay, the too-small message, errors.
pub fn scene(name: &str, w: u16, h: u16) -> App {
    let mut app = with_session(app_at(ScreenId::Input, w, h));
    let now = app.shared.now;
    match name {
        "sessions" => {
            app = app_at(ScreenId::Sessions, w, h);
            app.sessions = super::screens::sessions::SessionsScreen::new(sessions());
            app.sessions.cursor = 1;
        }
        "input-empty" => app = app_at(ScreenId::Input, w, h),
        "input" => {
            app.input.focus = 1;
            app.shared.session = None;
        }
        "input-errors" => {
            app = app_at(ScreenId::Input, w, h);
            app.input.name = tui_input::Input::new("Dad".into());
            app.input.validate();
        }
        "gallery" => {
            app.screen = ScreenId::Gallery;
            app.gallery.selected = 1;
            encode_visible(&mut app);
        }
        "gallery-drawing" => {
            app.screen = ScreenId::Gallery;
            encode_visible(&mut app);
            app.gallery.cards[2].picture.set_image(None);
            app.gallery.cards[3].picture.set_image(None);
            running(&mut app, JobKind::Concepts, Stage::Images, 3);
            app.shared.progress.stages[0] = StageState::Saved;
            app.shared.progress.stages[1] = StageState::Running;
            app.shared.progress.step = Some(Step {
                stage: Stage::Images,
                n: 2,
                total: 4,
                message: "concept 2 drawn".into(),
                elapsed: Duration::from_secs(2),
                eta: Some(Duration::from_secs(2)),
            });
        }
        "studio-running" => {
            app.screen = ScreenId::Studio;
            running(&mut app, JobKind::Solid, Stage::Fabrication, 12);
            let p = &mut app.shared.progress;
            p.stages[1] = StageState::Saved;
            p.stages[2] = StageState::Done(Duration::from_millis(1200));
            p.stages[3] = StageState::Running;
            p.stage_started = Some((Stage::Shape, now.checked_sub(Duration::from_secs(8)).unwrap_or(now)));
            p.step = Some(Step {
                stage: Stage::Shape,
                n: 3,
                total: 8,
                message: "inflating the silhouette".into(),
                elapsed: Duration::from_secs(8),
                eta: Some(Duration::from_secs(13)),
            });
            for line in [
                "cut-out: started (classical)",
                "cut-out: done in 0:01",
                "image to 3D: started (inflate)",
                "image to 3D: distance field (2/8)",
                "image to 3D: inflating the silhouette (3/8)",
            ] {
                p.log(line.into());
            }
            p.rss_bytes = Some(182 * 1024 * 1024);
        }
        "studio-done" => {
            app.screen = ScreenId::Studio;
            app.studio.report = Some(report());
            with_preview(&mut app);
            app.shared.progress.log("printable solid: done in 0:04".into());
            app.shared.progress.rss_bytes = Some(140 * 1024 * 1024);
        }
        "studio-editing" => {
            app.screen = ScreenId::Studio;
            app.studio.report = Some(report());
            with_preview(&mut app);
            app.studio.focus = 2;
            app.studio.height = tui_input::Input::new("300".into());
            app.studio.errors[2] = Some("30-250 mm".into());
        }
        "checkout" | "checkout-placed" | "checkout-earlier-order" => {
            app.screen = ScreenId::Checkout;
            if let Some(s) = app.shared.session.as_mut() {
                s.results.printability = Some(report());
                s.results.slice = Some(SliceStats { grams: 41.3, minutes: 205.0, slicer: "estimate".into() });
            }
            app.checkout.picture.set_image(Some(Arc::new(sample_solid())));
            app.checkout.email = tui_input::Input::new("ann@example.org".into());
            app.checkout.address = tui_input::Input::new("12 Rue des Fleurs, 75003 Paris".into());
            encode_visible(&mut app);
            if name != "checkout" {
                // Placed for this solid, or (after an edit) for the one before it.
                let ordered = if name == "checkout-placed" { "5011d" } else { "e4r1e" };
                if let Some(s) = app.shared.session.as_mut() {
                    s.results.order_id = Some(ORDER_ID.into());
                    s.results.solid_sha256 = Some("5011d".into());
                    s.results.ordered_solid_sha256 = Some(ordered.into());
                }
                app.checkout.placed = Some(Placed {
                    order_id: ORDER_ID.into(),
                    dir: format!("/home/ann/.local/share/memoreez/orders/{ORDER_ID}").into(),
                });
            }
        }
        "studio-save" => {
            app.screen = ScreenId::Studio;
            app.studio.report = Some(report());
            with_preview(&mut app);
            app.save_path = tui_input::Input::new("~/prints/dad.3mf".into());
            app.overlay =
                Some(super::app::Overlay::Save { error: Some("name a folder, or a file ending in .stl".into()) });
        }
        "help" => {
            app.screen = ScreenId::Gallery;
            encode_visible(&mut app);
            app.overlay = Some(super::app::Overlay::Help);
        }
        "confirm-quit" => {
            app.screen = ScreenId::Studio;
            running(&mut app, JobKind::Solid, Stage::Fabrication, 30);
            app.overlay = Some(super::app::Overlay::ConfirmQuit);
        }
        "error" => {
            app.screen = ScreenId::Gallery;
            encode_visible(&mut app);
            app.gallery.cards[3].picture.set_image(None);
            app.gallery.cards[3].error = Some("not drawn".into());
            app.show_error("Something went wrong", "images: the image service answered 429 (too many requests); wait a minute and press r to draw it again.".into());
        }
        _ => {}
    }
    app
}

/// Draws `app` into a test terminal of its size.
pub fn draw(app: &App) -> Terminal<TestBackend> {
    let size = app.shared.size;
    let mut terminal = match Terminal::new(TestBackend::new(size.width, size.height)) {
        Ok(t) => t,
        Err(e) => match e {},
    };
    let _ = terminal.draw(|f| f.render_widget(app, Rect::new(0, 0, size.width, size.height)));
    terminal
}

/// The studio over a real pipeline, without a terminal: feeds keys, runs effects, and waits for
/// background work, for end-to-end tests.
pub struct Driver {
    pub app: App,
    runtime: super::runtime::Runtime,
    rx: tokio::sync::mpsc::UnboundedReceiver<super::msg::Msg>,
    rt: tokio::runtime::Runtime,
}

impl Driver {
    pub fn new(pipeline: crate::pipeline::Pipeline, w: u16, h: u16) -> Driver {
        let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => panic!("test runtime: {e}"),
        };
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sessions = pipeline
            .store
            .list_sessions()
            .map(|rows| rows.iter().map(SessionSummary::from_row).collect())
            .unwrap_or_default();
        let mut shared = Shared::new(Theme::default(), Size::new(w, h), Instant::now());
        shared.backends = pipeline.backends.labels().into_iter().collect();
        shared.graphics = "half-blocks (test)".into();
        let app = App::new(shared, sessions);
        let picker = graphics::Graphics::halfblocks("test").picker;
        let runtime = {
            let _guard = rt.enter();
            super::runtime::Runtime::new(pipeline, picker, tx)
        };
        Driver { app, runtime, rx, rt }
    }

    fn apply(&mut self, msg: super::msg::Msg) {
        let _guard = self.rt.enter();
        for effect in super::update::update(&mut self.app, msg, Instant::now()) {
            self.runtime.run(effect);
        }
    }

    pub fn key(&mut self, code: ratatui::crossterm::event::KeyCode) {
        self.key_with(code, ratatui::crossterm::event::KeyModifiers::NONE);
    }

    pub fn key_with(
        &mut self,
        code: ratatui::crossterm::event::KeyCode,
        mods: ratatui::crossterm::event::KeyModifiers,
    ) {
        self.apply(super::msg::Msg::Key(ratatui::crossterm::event::KeyEvent::new(code, mods)));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(ratatui::crossterm::event::KeyCode::Char(c));
        }
    }

    /// Pumps background messages (and ticks, for debounces) until `done` holds; false on timeout.
    pub fn wait_until(&mut self, timeout: Duration, done: impl Fn(&App) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while !done(&self.app) {
            if Instant::now() > deadline {
                return false;
            }
            let next =
                self.rt.block_on(async { tokio::time::timeout(Duration::from_millis(50), self.rx.recv()).await });
            match next {
                Ok(Some(msg)) => self.apply(msg),
                Ok(None) => return false,
                Err(_) => self.apply(super::msg::Msg::Tick { rss_bytes: None }),
            }
        }
        true
    }
}
