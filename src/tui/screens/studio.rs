//! The 3D stages as they run, then the finished solid: engraving, height, printability.

use crate::domain::Stage;
use crate::fab::{FabSpec, Printability};
use crate::pipeline::SessionParams;
use crate::tui::action::{Action, KeyContext};
use crate::tui::app::{App, ScreenId, View};
use crate::tui::images::ImageSlot;
use crate::tui::jobs::{clock, StageState};
use crate::tui::msg::{Effect, JobKind, JobSpec};
use crate::tui::screens::checkout;
use crate::tui::screens::input::MAX_LINE_CHARS;
use crate::tui::widgets::field::LineField;
use crate::tui::widgets::picture::Picture;
use crate::tui::widgets::{ellipsize, spinner};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, LineGauge, Paragraph, Widget, Wrap};
use std::time::{Duration, Instant};
use tui_input::{Input, InputRequest};

/// Quiet time after the last edit before the pedestal is cut again.
pub const RECUT_DEBOUNCE: Duration = Duration::from_millis(600);
pub const MIN_HEIGHT_MM: f32 = 30.0;
pub const MAX_HEIGHT_MM: f32 = 250.0;
const HEIGHT: usize = 2;
const CONTINUE: usize = 3;
const FOCUSES: usize = 4;
/// The stages this screen follows.
const STAGES: [Stage; 4] = [
    Stage::Images,
    Stage::Matting,
    Stage::Shape,
    Stage::Fabrication,
];

pub struct StudioScreen {
    pub line1: Input,
    pub line2: Input,
    pub height: Input,
    /// 0 line 1, 1 line 2, 2 height, 3 the continue button.
    pub focus: usize,
    pub errors: [Option<String>; 3],
    pub report: Option<Printability>,
    pub picture: ImageSlot,
    /// When the pending edit is due to be cut.
    pub recut_due: Option<Instant>,
    pub notice: Option<String>,
}

pub const HELP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "line 1 → line 2 → height → continue"),
    (
        "typing",
        "edits the engraving; the pedestal is cut again 0.6 s after you stop",
    ),
    (
        "↑ ↓  PgUp PgDn",
        "height ±1 mm / ±10 mm (on the height field)",
    ),
    ("Enter", "on the button: continue to checkout"),
    ("Ctrl-G", "continue to checkout from any field"),
    ("Esc", "back to the gallery (the job keeps running)"),
    ("? F1", "this help (? outside text fields)"),
    (
        "q Ctrl-Q",
        "quit (asks while something runs; saved progress stays)",
    ),
];

pub fn hints(ctx: KeyContext) -> &'static str {
    match ctx {
        KeyContext::Text => {
            "Tab next · ↑↓ height · Enter next · Ctrl-G checkout · Esc back · F1 help"
        }
        _ => "Tab engraving · Enter checkout · Esc gallery · ? help · q quit",
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
    pub fn new(height_mm: f32) -> StudioScreen {
        StudioScreen {
            line1: Input::default(),
            line2: Input::default(),
            height: Input::new(format_height(height_mm)),
            focus: CONTINUE,
            errors: Default::default(),
            report: None,
            picture: ImageSlot::default(),
            recut_due: None,
            notice: None,
        }
    }

    pub fn key_context(&self) -> KeyContext {
        if self.focus == CONTINUE {
            KeyContext::Command
        } else {
            KeyContext::Text
        }
    }

    pub fn fill(&mut self, params: &SessionParams) {
        self.line1 = Input::new(params.fab.line1.clone());
        self.line2 = Input::new(params.fab.line2.clone());
        self.height = Input::new(format_height(params.fab.height_mm));
        self.errors = Default::default();
        self.recut_due = None;
        self.notice = None;
    }

    /// The engraving and height as typed, or the first problem as (field, message).
    pub fn parsed(&self) -> Result<FabSpec, (usize, String)> {
        for (i, line) in [&self.line1, &self.line2].iter().enumerate() {
            if line.value().chars().count() > MAX_LINE_CHARS {
                return Err((i, format!("max {MAX_LINE_CHARS} chars")));
            }
        }
        let height: f32 = self
            .height
            .value()
            .trim()
            .parse()
            .map_err(|_| (HEIGHT, "a number in mm".to_string()))?;
        if !(MIN_HEIGHT_MM..=MAX_HEIGHT_MM).contains(&height) {
            return Err((HEIGHT, format!("{MIN_HEIGHT_MM:.0}-{MAX_HEIGHT_MM:.0} mm")));
        }
        Ok(FabSpec {
            height_mm: height,
            line1: self.line1.value().trim().to_string(),
            line2: self.line2.value().trim().to_string(),
        })
    }

    /// What to make: the fields when valid, else `fallback`.
    pub fn fab_spec_or(&self, fallback: &FabSpec) -> FabSpec {
        self.parsed().unwrap_or_else(|_| fallback.clone())
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

    fn nudge_height(&mut self, by: f32, now: Instant) {
        let current: f32 = self.height.value().trim().parse().unwrap_or(80.0);
        let next = (current.round() + by).clamp(MIN_HEIGHT_MM, MAX_HEIGHT_MM);
        self.height = Input::new(format_height(next));
        self.edited(now);
    }

    fn ready(&self) -> bool {
        self.report.is_some() && self.recut_due.is_none() && self.errors.iter().all(Option::is_none)
    }
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
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
        Action::Edit(req) => {
            let focus = s.focus;
            let numeric_only = focus == HEIGHT
                && matches!(req, InputRequest::InsertChar(c) if !(c.is_ascii_digit() || c == '.'));
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
    if session.params.fab == fab && app.studio.report.is_some() {
        return Vec::new();
    }
    session.params.fab = fab;
    let mut spec = JobSpec::new(JobKind::Recut, &session.id, Stage::Fabrication);
    spec.params = Some(session.params.clone());
    spec.invalidate = Some(Stage::Fabrication);
    app.checkout.placed = None;
    // A long 3D stage in flight is not thrown away for a new engraving: the re-cut waits behind it.
    let fabricating = app.shared.progress.state(Stage::Fabrication) == StageState::Running;
    let interrupt = app.shared.job_pending(&[JobKind::Recut])
        || fabricating
        || !app.shared.job_pending(&[JobKind::Solid]);
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
    Layout::vertical([Constraint::Min(6), Constraint::Length(6)]).areas(right)
}

fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x + 1,
        y: r.y + 1,
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// Where the still render goes, for the encoder.
pub fn picture_rect(body: Rect) -> Rect {
    inner(right_split(columns(body)[1])[0])
}

fn stage_line(v: &View<'_, StudioScreen>, stage: Stage) -> Line<'static> {
    let sh = v.shared;
    let t = &sh.theme;
    let running = sh.jobs.busy();
    let (icon, style, detail) = match sh.progress.state(stage) {
        StageState::Done(d) => ("✓", t.ok(), clock(d)),
        StageState::Saved => ("✓", t.ok(), "saved".into()),
        StageState::Failed => ("✗", t.error(), "failed".into()),
        StageState::Running => {
            let since = sh
                .progress
                .stage_started
                .map(|(_, at)| clock(sh.now.saturating_duration_since(at)))
                .unwrap_or_default();
            (spinner::frame(sh.tick), t.accent(), since)
        }
        StageState::Waiting if running => ("·", t.muted(), "waiting".into()),
        StageState::Waiting if v.screen.report.is_some() => ("✓", t.ok(), "saved".into()),
        StageState::Waiting => ("·", t.muted(), "".into()),
    };
    let backend = sh
        .backends
        .iter()
        .find(|(s, _)| *s == stage)
        .map(|(_, b)| b.clone())
        .unwrap_or_default();
    Line::from(vec![
        Span::styled(format!(" {icon} "), style),
        Span::raw(format!("{:<16}", stage.label())),
        Span::styled(format!("{detail:>7}  {backend}"), t.muted()),
    ])
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn render_progress(v: &View<'_, StudioScreen>, area: Rect, buf: &mut Buffer) {
    let sh = v.shared;
    let t = &sh.theme;
    let title = if sh.jobs.busy() {
        " Making the solid "
    } else {
        " Stages "
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(false))
        .title_top(Span::styled(title, t.accent()));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines: Vec<Line> = STAGES.iter().map(|s| stage_line(v, *s)).collect();
    let n = lines.len() as u16;
    Paragraph::new(std::mem::take(&mut lines)).render(
        Rect {
            height: n.min(inner.height),
            ..inner
        },
        buf,
    );
    let mut y = inner.y + n;
    let row = |y: u16| Rect {
        x: inner.x + 1,
        y,
        width: inner.width.saturating_sub(2),
        height: 1,
    };
    if y < inner.bottom() {
        let (ratio, label) = match &sh.progress.step {
            Some(s) if s.total > 0 => (
                s.n as f64 / s.total as f64,
                format!("step {}/{}", s.n, s.total),
            ),
            _ if sh.jobs.busy() => (0.0, "step -/-".to_string()),
            _ => (
                if v.screen.report.is_some() { 1.0 } else { 0.0 },
                "idle".to_string(),
            ),
        };
        LineGauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(Span::raw(format!("{label:<11}")))
            .filled_style(t.accent())
            .unfilled_style(t.muted())
            .render(row(y), buf);
        y += 1;
    }
    if y < inner.bottom() {
        let elapsed = sh
            .jobs
            .running
            .as_ref()
            .map(|r| clock(sh.now.saturating_duration_since(r.started)))
            .unwrap_or_else(|| "-".into());
        let eta = sh
            .progress
            .step
            .as_ref()
            .and_then(|s| s.eta)
            .map(clock)
            .unwrap_or_else(|| "-".into());
        Paragraph::new(Line::from(vec![
            Span::styled("elapsed ", t.muted()),
            Span::raw(elapsed),
            Span::styled("  ETA ", t.muted()),
            Span::raw(eta),
        ]))
        .render(row(y), buf);
        y += 1;
    }
    if y < inner.bottom() {
        let mem = sh.progress.rss_bytes.map(mib).unwrap_or_else(|| "-".into());
        Paragraph::new(Line::from(vec![
            Span::styled("device ", t.muted()),
            Span::raw("CPU"),
            Span::styled("  memory ", t.muted()),
            Span::raw(mem),
        ]))
        .render(row(y), buf);
        y += 1;
    }
    let rest = inner.bottom().saturating_sub(y) as usize;
    let width = inner.width.saturating_sub(2) as usize;
    let tail: Vec<Line> = sh
        .progress
        .log
        .iter()
        .rev()
        .take(rest)
        .rev()
        .map(|l| Line::from(Span::styled(ellipsize(l, width), t.muted())))
        .collect();
    Paragraph::new(tail).render(
        Rect {
            x: inner.x + 1,
            y,
            width: inner.width.saturating_sub(2),
            height: rest as u16,
        },
        buf,
    );
}

pub fn report_lines(report: &Printability, t: &crate::tui::theme::Theme) -> Vec<Line<'static>> {
    let mark = |ok: bool| {
        if ok {
            Span::styled("✓ ", t.ok())
        } else {
            Span::styled("✗ ", t.error())
        }
    };
    let [x, y, z] = report.size_mm;
    let mut lines = vec![
        Line::from(vec![
            mark(report.manifold),
            Span::raw("watertight  "),
            mark(report.parts == 1),
            Span::raw(if report.parts == 1 {
                "one part  ".to_string()
            } else {
                format!("{} parts  ", report.parts)
            }),
            mark(report.base_flat),
            Span::raw("flat base"),
        ]),
        Line::from(vec![
            Span::styled("size ", t.muted()),
            Span::raw(format!("{x:.0} × {y:.0} × {z:.0} mm")),
        ]),
        Line::from(vec![
            Span::styled("volume ", t.muted()),
            Span::raw(format!("{:.1} cm³", report.volume_mm3 / 1000.0)),
            Span::styled("  overhang ", t.muted()),
            Span::raw(format!("{:.0}%", report.overhang_pct)),
        ]),
    ];
    if let Some(stroke) = report.thinnest_stroke_mm {
        lines.push(Line::from(vec![
            Span::styled("thinnest letter stroke ", t.muted()),
            Span::raw(format!("{stroke:.1} mm")),
        ]));
    }
    if report.warnings.is_empty() {
        lines.push(Line::from(Span::styled("✓ ready to print", t.ok())));
    }
    for w in &report.warnings {
        lines.push(Line::from(Span::styled(format!("⚠ {w}"), t.warn())));
    }
    lines
}

fn render_report(v: &View<'_, StudioScreen>, area: Rect, buf: &mut Buffer) {
    let t = &v.shared.theme;
    let updating = v.screen.recut_due.is_some() || v.shared.job_pending(&[JobKind::Recut]);
    let title = if updating {
        " Printability (updating…) "
    } else {
        " Printability "
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(false))
        .title_top(Span::styled(title, t.accent()));
    let lines = match &v.screen.report {
        Some(r) => report_lines(r, t),
        None => vec![Line::from(Span::styled(
            "measured once the solid is made",
            t.muted(),
        ))],
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(block)
        .render(area, buf);
}

fn render_engraving(v: &View<'_, StudioScreen>, area: Rect, buf: &mut Buffer) {
    let s = v.screen;
    let t = &v.shared.theme;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(s.focus < CONTINUE))
        .title_top(Span::styled(" Engraving and size ", t.accent()));
    let inner = block.inner(area);
    block.render(area, buf);
    let strip = inner.width.saturating_sub(8 + 10).clamp(6, 32);
    let fields = [
        ("Line 1", &s.line1, "name"),
        ("Line 2", &s.line2, "date"),
        ("Height", &s.height, "mm ↑↓"),
    ];
    for (i, (label, input, note)) in fields.into_iter().enumerate() {
        if i as u16 >= inner.height {
            return;
        }
        let w = if i == HEIGHT { 7 } else { strip };
        LineField {
            label,
            label_width: 8,
            input,
            width: w,
            focused: s.focus == i,
            error: s.errors[i].as_deref(),
            note: Some(note),
            theme: t,
        }
        .render(
            Rect {
                y: inner.y + i as u16,
                height: 1,
                ..inner
            },
            buf,
        );
    }
    if inner.height > 3 {
        let row = Rect {
            y: inner.y + 3,
            height: 1,
            ..inner
        };
        let line = match &s.notice {
            Some(n) => Line::from(Span::styled(format!(" {n}"), t.warn())),
            None => {
                let style = if s.focus == CONTINUE {
                    t.selected()
                } else {
                    t.accent()
                };
                Line::from(Span::styled(" [ Continue to checkout ▸ ] ", style))
            }
        };
        line.render(row, buf);
    }
}

impl Widget for View<'_, StudioScreen> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let sh = self.shared;
        let t = &sh.theme;
        let [left, right] = columns(area);
        let progress_h = (left.height / 2 + 1).clamp(11.min(left.height), 16);
        let [progress, report] =
            Layout::vertical([Constraint::Length(progress_h), Constraint::Min(3)]).areas(left);
        render_progress(&self, progress, buf);
        render_report(&self, report, buf);
        let [preview, engraving] = right_split(right);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border(false))
            .title_top(Span::styled(" Your keepsake ", t.accent()));
        block.render(preview, buf);
        let busy = sh.job_pending(&[JobKind::Solid, JobKind::Recut]);
        let placeholder = if busy {
            "the solid is being made"
        } else if sh.solid_pending {
            "rendering"
        } else {
            "no solid yet"
        };
        let spin = (busy || sh.solid_pending).then(|| spinner::frame(sh.tick));
        Picture {
            protocol: self.screen.picture.protocol(),
            placeholder,
            spinner: spin,
            theme: t,
        }
        .render(picture_rect(area), buf);
        render_engraving(&self, engraving, buf);
    }
}

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
        assert!(
            on_tick(&mut app).is_empty(),
            "the second edit moved the deadline"
        );
        app.shared.now = t0 + Duration::from_millis(901);
        let fx = on_tick(&mut app);
        let Some(Effect::StartJob { spec, .. }) = fx.first() else {
            panic!("a re-cut starts")
        };
        assert_eq!(spec.kind, JobKind::Recut);
        assert_eq!(spec.invalidate, Some(Stage::Fabrication));
        assert_eq!(
            spec.params.as_ref().map(|p| p.fab.line1.as_str()),
            Some("DAD!")
        );
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
        assert_eq!(
            app.studio.height.value(),
            "81",
            "letters are ignored in the height"
        );
        on_action(&mut app, Action::Edit(InputRequest::InsertChar('0')));
        assert_eq!(app.studio.errors[HEIGHT].as_deref(), Some("30-250 mm"));
        assert!(
            app.studio.recut_due.is_none(),
            "an invalid height is not cut"
        );
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
        assert!(
            matches!(fx.first(), Some(Effect::StartJob { spec, .. }) if spec.kind == JobKind::Quote)
        );
    }
}
