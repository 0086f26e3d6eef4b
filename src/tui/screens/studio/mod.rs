//! The 3D stages as they run, then the finished solid: engraving, height, printability.

use crate::config::HollowSettings;
use crate::domain::Stage;
use crate::fab::{spec, FabSpec, HollowSpec, Printability};
use crate::pipeline::SessionParams;
use crate::tui::action::{Action, KeyContext};
use crate::tui::app::{App, ScreenId};
use crate::tui::images::ImageSlot;
use crate::tui::jobs::StageState;
use crate::tui::msg::{Effect, JobKind, JobSpec};
use crate::tui::preview::{self, PreviewState};
use crate::tui::screens::checkout;
use ratatui::layout::{Constraint, Layout, Rect};
use std::time::{Duration, Instant};
use tui_input::{Input, InputRequest};

/// Quiet time after the last edit before the pedestal is cut again.
pub const RECUT_DEBOUNCE: Duration = Duration::from_millis(600);
const HEIGHT: usize = 2;
const HOLLOW: usize = 3;
const CONTINUE: usize = 4;
const FOCUSES: usize = 5;
/// The stages this screen follows.
const STAGES: [Stage; 4] = [Stage::Images, Stage::Matting, Stage::Shape, Stage::Fabrication];

pub struct StudioScreen {
    pub line1: Input,
    pub line2: Input,
    pub height: Input,
    /// Hollow the piece (with these walls), or keep it solid.
    pub hollow: Option<HollowSpec>,
    /// The walls and drain hollowing gets when switched on here.
    pub hollow_when_on: HollowSpec,
    /// 0 line 1, 1 line 2, 2 height, 3 hollow, 4 the continue button.
    pub focus: usize,
    pub errors: [Option<String>; 3],
    pub report: Option<Printability>,
    pub picture: ImageSlot,
    /// The rotating preview of the solid.
    pub preview: PreviewState,
    /// When the pending edit is due to be cut.
    pub recut_due: Option<Instant>,
    pub notice: Option<String>,
}

pub const HELP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "line 1 → line 2 → height → hollow → continue"),
    ("typing", "edits the engraving; the pedestal is cut again 0.6 s after you stop"),
    ("↑ ↓  PgUp PgDn", "height ±1 mm / ±10 mm (on the height field)"),
    ("space ← →", "hollow or solid (on the hollow field): hollow leaves walls and a drain hole in the base"),
    ("Enter", "on the button: continue to checkout"),
    ("space", "stop or resume turning (on the button)"),
    ("← → ↑ ↓", "turn the piece, look from higher or lower"),
    ("+ -  0", "zoom in or out; 0 resets the view"),
    ("o", "tint overhangs steeper than 45° (they need supports)"),
    ("t", "tint walls thinner than the nozzle can print"),
    ("Ctrl-S", "save the STL and 3MF (and G-code once sliced) where you say, no order needed"),
    ("e", "fly to the engraving and back"),
    ("Ctrl-G", "continue to checkout from any field"),
    ("Esc", "back to the gallery (the job keeps running)"),
    ("? F1", "this help (? outside text fields)"),
    ("q Ctrl-Q", "quit (asks while something runs; saved progress stays)"),
];

pub fn hints(ctx: KeyContext) -> &'static str {
    match ctx {
        KeyContext::Text => "Tab next · ↑↓ height · Enter next · Ctrl-G checkout · Esc back · F1 help",
        _ => "space pause · ←→↑↓ orbit · +- zoom · o t e views · Tab edit · Enter checkout",
    }
}

fn format_height(mm: f32) -> String {
    if mm.fract().abs() < 1e-3 {
        format!("{mm:.0}")
    } else {
        format!("{mm:.1}")
    }
}

impl StudioScreen {
    pub fn new(height_mm: f32, hollow: &HollowSettings) -> StudioScreen {
        StudioScreen {
            line1: Input::default(),
            line2: Input::default(),
            height: Input::new(format_height(height_mm)),
            hollow: hollow.default_spec(),
            hollow_when_on: hollow.spec(),
            focus: CONTINUE,
            errors: Default::default(),
            report: None,
            picture: ImageSlot::default(),
            preview: PreviewState::new(),
            recut_due: None,
            notice: None,
        }
    }

    pub fn key_context(&self) -> KeyContext {
        if self.focus == CONTINUE {
            KeyContext::Preview
        } else {
            KeyContext::Text
        }
    }

    pub fn fill(&mut self, params: &SessionParams) {
        self.line1 = Input::new(params.fab.line1.clone());
        self.line2 = Input::new(params.fab.line2.clone());
        self.height = Input::new(format_height(params.fab.height_mm));
        self.hollow = params.fab.hollow;
        if let Some(h) = params.fab.hollow {
            self.hollow_when_on = h;
        }
        self.errors = Default::default();
        self.recut_due = None;
        self.notice = None;
    }

    /// The engraving and height as typed, or the first problem as (field, message).
    pub fn parsed(&self) -> Result<FabSpec, (usize, String)> {
        let height: f32 = self.height.value().trim().parse().map_err(|_| (HEIGHT, "a number in mm".to_string()))?;
        let spec = FabSpec {
            height_mm: height,
            line1: self.line1.value().trim().to_string(),
            line2: self.line2.value().trim().to_string(),
            hollow: self.hollow,
            ..FabSpec::default()
        };
        // The lines are reported before the height, in the order the fields stand.
        for (i, line) in [&spec.line1, &spec.line2].into_iter().enumerate() {
            spec::check_line(i + 1, line).map_err(|e| (i, e.short()))?;
        }
        spec::check_height(height).map_err(|e| (HEIGHT, e.short()))?;
        Ok(spec)
    }

    /// What to make: the fields when valid, else `fallback`.
    pub fn fab_spec_or(&self, fallback: &FabSpec) -> FabSpec {
        // The fields hold no orientation; an imported model keeps the one it came with.
        self.parsed().map(|s| FabSpec { orientation: fallback.orientation, ..s }).unwrap_or_else(|_| fallback.clone())
    }

    pub fn fab_spec(&self) -> FabSpec {
        self.fab_spec_or(&FabSpec::default())
    }

    fn field_mut(&mut self, i: usize) -> Option<&mut Input> {
        match i {
            0 => Some(&mut self.line1),
            1 => Some(&mut self.line2),
            HEIGHT => Some(&mut self.height),
            _ => None,
        }
    }

    /// After an edit: show the problem, or schedule the re-cut.
    fn edited(&mut self, now: Instant) {
        self.errors = Default::default();
        self.notice = None;
        match self.parsed() {
            Ok(_) => self.recut_due = Some(now + RECUT_DEBOUNCE),
            Err((i, msg)) => {
                self.errors[i] = Some(msg);
                self.recut_due = None;
            }
        }
    }

    fn toggle_hollow(&mut self, now: Instant) {
        self.hollow = match self.hollow {
            Some(_) => None,
            None => Some(self.hollow_when_on),
        };
        self.edited(now);
    }

    fn nudge_height(&mut self, by: f32, now: Instant) {
        let current: f32 = self.height.value().trim().parse().unwrap_or(80.0);
        let next = (current.round() + by).clamp(*spec::HEIGHT_RANGE_MM.start(), *spec::HEIGHT_RANGE_MM.end());
        self.height = Input::new(format_height(next));
        self.edited(now);
    }

    fn ready(&self) -> bool {
        self.report.is_some() && self.recut_due.is_none() && self.errors.iter().all(Option::is_none)
    }
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    if let Action::Preview(key) = action {
        return preview::glue::on_key(app, key);
    }
    let now = app.shared.now;
    let s = &mut app.studio;
    match action {
        Action::NextField => s.focus = (s.focus + 1) % FOCUSES,
        Action::PrevField => s.focus = (s.focus + FOCUSES - 1) % FOCUSES,
        Action::Up if s.focus == HEIGHT => s.nudge_height(1.0, now),
        Action::Down if s.focus == HEIGHT => s.nudge_height(-1.0, now),
        Action::PageUp if s.focus == HEIGHT => s.nudge_height(10.0, now),
        Action::PageDown if s.focus == HEIGHT => s.nudge_height(-10.0, now),
        Action::Up => s.focus = s.focus.saturating_sub(1),
        Action::Down => s.focus = (s.focus + 1).min(CONTINUE),
        Action::Edit(InputRequest::InsertChar(' ') | InputRequest::GoToPrevChar | InputRequest::GoToNextChar)
            if s.focus == HOLLOW =>
        {
            s.toggle_hollow(now)
        }
        Action::Edit(req) => {
            let focus = s.focus;
            let numeric_only =
                focus == HEIGHT && matches!(req, InputRequest::InsertChar(c) if !(c.is_ascii_digit() || c == '.'));
            if let (Some(field), false) = (s.field_mut(focus), numeric_only) {
                if field.handle(req).is_some_and(|r| r.value) {
                    s.edited(now);
                }
            }
        }
        Action::Paste(text) => {
            let focus = s.focus;
            if let Some(field) = s.field_mut(focus) {
                for c in text.chars().filter(|c| !c.is_control()) {
                    field.handle(InputRequest::InsertChar(c));
                }
                s.edited(now);
            }
        }
        Action::Submit if s.focus < CONTINUE => s.focus += 1,
        Action::Submit | Action::SubmitAll => return to_checkout(app),
        Action::Back => app.go(ScreenId::Gallery),
        _ => {}
    }
    Vec::new()
}

fn to_checkout(app: &mut App) -> Vec<Effect> {
    let busy = app.shared.job_pending(&[JobKind::Solid, JobKind::Recut]);
    if !app.studio.ready() || busy {
        app.studio.notice = Some(if app.studio.errors.iter().any(Option::is_some) {
            "fix the marked field first".into()
        } else {
            "the solid is not ready yet".into()
        });
        return Vec::new();
    }
    app.studio.notice = None;
    app.go(ScreenId::Checkout);
    checkout::ensure_quote(app)
}

/// The debounce clock: a due edit becomes a re-cut of the solid.
pub fn on_tick(app: &mut App) -> Vec<Effect> {
    let now = app.shared.now;
    if app.studio.recut_due.is_none_or(|due| due > now) {
        return Vec::new();
    }
    app.studio.recut_due = None;
    let Ok(fab) = app.studio.parsed() else {
        return Vec::new();
    };
    let Some(session) = app.shared.session.as_mut() else {
        return Vec::new();
    };
    // The fields hold no orientation; an imported model keeps the one it came with.
    let fab = FabSpec { orientation: session.params.fab.orientation, ..fab };
    if session.params.fab == fab && app.studio.report.is_some() {
        return Vec::new();
    }
    session.params.fab = fab;
    let mut spec = JobSpec::new(JobKind::Recut, &session.id, Stage::Fabrication);
    spec.params = Some(session.params.clone());
    spec.invalidate = Some(Stage::Fabrication);
    // A long 3D stage in flight is not thrown away for a new engraving: the re-cut waits behind it.
    let fabricating = app.shared.progress.state(Stage::Fabrication) == StageState::Running;
    let interrupt =
        app.shared.job_pending(&[JobKind::Recut]) || fabricating || !app.shared.job_pending(&[JobKind::Solid]);
    if interrupt {
        app.request_job(spec)
    } else {
        app.shared.jobs.queued = Some(spec);
        Vec::new()
    }
}

fn columns(body: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
}

fn right_split(right: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(right)
}

fn inner(r: Rect) -> Rect {
    Rect { x: r.x + 1, y: r.y + 1, width: r.width.saturating_sub(2), height: r.height.saturating_sub(2) }
}

/// Where the still render goes, for the encoder.
pub fn picture_rect(body: Rect) -> Rect {
    inner(right_split(columns(body)[1])[0])
}

mod view;
pub use view::report_lines;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::{app_at, with_session};

    #[test]
    fn edits_are_debounced_into_one_recut() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        app.studio.report = Some(Printability::default());
        let t0 = app.shared.now;
        app.studio.focus = 0;
        app.studio.line1 = Input::default();
        for c in "DAD".chars() {
            on_action(&mut app, Action::Edit(InputRequest::InsertChar(c)));
        }
        assert_eq!(app.studio.recut_due, Some(t0 + RECUT_DEBOUNCE));
        app.shared.now = t0 + Duration::from_millis(300);
        assert!(on_tick(&mut app).is_empty(), "not yet");
        on_action(&mut app, Action::Edit(InputRequest::InsertChar('!')));
        app.shared.now = t0 + Duration::from_millis(700);
        assert!(on_tick(&mut app).is_empty(), "the second edit moved the deadline");
        app.shared.now = t0 + Duration::from_millis(901);
        let fx = on_tick(&mut app);
        let Some(Effect::StartJob { spec, .. }) = fx.first() else { panic!("a re-cut starts") };
        assert_eq!(spec.kind, JobKind::Recut);
        assert_eq!(spec.invalidate, Some(Stage::Fabrication));
        assert_eq!(spec.params.as_ref().map(|p| p.fab.line1.as_str()), Some("DAD!"));
        assert!(app.studio.recut_due.is_none());
    }

    #[test]
    fn height_is_checked_and_nudged() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        app.studio.focus = HEIGHT;
        on_action(&mut app, Action::Up);
        assert_eq!(app.studio.height.value(), "91");
        on_action(&mut app, Action::PageDown);
        assert_eq!(app.studio.height.value(), "81");
        on_action(&mut app, Action::Edit(InputRequest::InsertChar('x')));
        assert_eq!(app.studio.height.value(), "81", "letters are ignored in the height");
        on_action(&mut app, Action::Edit(InputRequest::InsertChar('0')));
        assert_eq!(app.studio.errors[HEIGHT].as_deref(), Some("30-250 mm"));
        assert!(app.studio.recut_due.is_none(), "an invalid height is not cut");
    }

    #[test]
    fn hollow_toggles_with_space_and_recuts_keeping_the_orientation() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        app.studio.report = Some(Printability::default());
        app.shared.session.as_mut().unwrap().params.fab.orientation = crate::fab::Orientation::Auto;
        assert_eq!(app.studio.hollow, None, "solid unless the config says otherwise");
        app.studio.focus = HOLLOW;
        assert_eq!(app.studio.key_context(), KeyContext::Text);
        on_action(&mut app, Action::Edit(InputRequest::InsertChar('x')));
        assert_eq!(app.studio.hollow, None, "letters do nothing on the switch");
        on_action(&mut app, Action::Edit(InputRequest::InsertChar(' ')));
        assert_eq!(app.studio.hollow, Some(HollowSpec::default()));
        app.shared.now += RECUT_DEBOUNCE;
        let fx = on_tick(&mut app);
        let Some(Effect::StartJob { spec, .. }) = fx.first() else { panic!("a re-cut starts") };
        let fab = &spec.params.as_ref().unwrap().fab;
        assert_eq!(fab.hollow, Some(HollowSpec::default()));
        assert_eq!(fab.orientation, crate::fab::Orientation::Auto, "the imported model's orientation is kept");
        // Enter moves on rather than switching back; an arrow switches back.
        on_action(&mut app, Action::Submit);
        assert_eq!((app.studio.focus, app.studio.hollow.is_some()), (CONTINUE, true));
        app.studio.focus = HOLLOW;
        on_action(&mut app, Action::Edit(InputRequest::GoToNextChar));
        assert_eq!(app.studio.hollow, None);
    }

    #[test]
    fn a_session_made_hollow_opens_hollow_with_its_walls() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        let mut params = app.shared.session.as_ref().unwrap().params.clone();
        params.fab.hollow = Some(HollowSpec { wall_mm: 3.0, drain_mm: 5.0 });
        app.studio.fill(&params);
        assert_eq!(app.studio.parsed().unwrap().hollow, params.fab.hollow);
        app.studio.focus = HOLLOW;
        on_action(&mut app, Action::Edit(InputRequest::InsertChar(' ')));
        on_action(&mut app, Action::Edit(InputRequest::InsertChar(' ')));
        assert_eq!(app.studio.hollow, params.fab.hollow, "switching off and on keeps its walls");
    }

    #[test]
    fn the_report_says_how_the_piece_was_hollowed() {
        let theme = crate::tui::theme::Theme::default();
        let text =
            |r: &Printability| report_lines(r, &theme).iter().map(|l| l.to_string()).collect::<Vec<_>>().join("\n");
        let mut r = Printability { manifold: true, parts: 1, ..Printability::default() };
        assert!(!text(&r).contains("hollow"));
        r.hollow = Some(crate::fab::Hollowing {
            wall_mm: 2.0,
            drain_mm: 4.0,
            drain_holes: 1,
            cavity_mm3: 28_300.0,
            sealed_pockets: 0,
            grid_mm: 0.5,
        });
        assert!(text(&r).contains("hollow 28.3 cm³ inside  walls ≥ 2 mm  drain 1 × 4 mm"), "{}", text(&r));
    }

    #[test]
    fn checkout_waits_for_the_solid() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        app.studio.report = None;
        on_action(&mut app, Action::SubmitAll);
        assert_eq!(app.screen, ScreenId::Studio);
        assert!(app.studio.notice.is_some());
        app.studio.report = Some(Printability::default());
        let fx = on_action(&mut app, Action::SubmitAll);
        assert_eq!(app.screen, ScreenId::Checkout);
        assert!(matches!(fx.first(), Some(Effect::StartJob { spec, .. }) if spec.kind == JobKind::Quote));
    }
}
