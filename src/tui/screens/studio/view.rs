//! Drawing the Studio: the stages as they run, the printability report, the still render and the
//! engraving fields. Reads state only.

use super::{columns, picture_rect, right_split, StudioScreen, CONTINUE, HEIGHT, HOLLOW, STAGES};
use crate::domain::Stage;
use crate::fab::Printability;
use crate::tui::app::View;
use crate::tui::jobs::{clock, StageState};
use crate::tui::msg::JobKind;
use crate::tui::widgets::field::LineField;
use crate::tui::widgets::picture::Picture;
use crate::tui::widgets::{ellipsize, spinner};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, LineGauge, Paragraph, Widget, Wrap};

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
    let backend = sh.backends.iter().find(|(s, _)| *s == stage).map(|(_, b)| b.name.clone()).unwrap_or_default();
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
    let title = if sh.jobs.busy() { " Making the solid " } else { " Stages " };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(false))
        .title_top(Span::styled(title, t.accent()));
    let inner = block.inner(area);
    block.render(area, buf);
    let mut lines: Vec<Line> = STAGES.iter().map(|s| stage_line(v, *s)).collect();
    let n = lines.len() as u16;
    Paragraph::new(std::mem::take(&mut lines)).render(Rect { height: n.min(inner.height), ..inner }, buf);
    let mut y = inner.y + n;
    let row = |y: u16| Rect { x: inner.x + 1, y, width: inner.width.saturating_sub(2), height: 1 };
    if y < inner.bottom() {
        let (ratio, label) = match &sh.progress.step {
            Some(s) if s.total > 0 => (s.n as f64 / s.total as f64, format!("step {}/{}", s.n, s.total)),
            _ if sh.jobs.busy() => (0.0, "step -/-".to_string()),
            _ => (if v.screen.report.is_some() { 1.0 } else { 0.0 }, "idle".to_string()),
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
        let eta = sh.progress.step.as_ref().and_then(|s| s.eta).map(clock).unwrap_or_else(|| "-".into());
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
    Paragraph::new(tail)
        .render(Rect { x: inner.x + 1, y, width: inner.width.saturating_sub(2), height: rest as u16 }, buf);
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
            Span::raw(if report.parts == 1 { "one part  ".to_string() } else { format!("{} parts  ", report.parts) }),
            mark(report.base_flat),
            Span::raw("flat base"),
        ]),
        Line::from(vec![Span::styled("size ", t.muted()), Span::raw(format!("{x:.0} × {y:.0} × {z:.0} mm"))]),
        Line::from(vec![
            Span::styled("volume ", t.muted()),
            Span::raw(format!("{:.1} cm³", report.volume_mm3 / 1000.0)),
            Span::styled("  overhang ", t.muted()),
            Span::raw(format!("{:.0}%", report.overhang_pct)),
        ]),
    ];
    if report.overhang_mm2 > 0.0 {
        lines[2].spans.push(Span::raw(format!(" ({:.0} mm²)", report.overhang_mm2)));
    }
    if let Some(h) = &report.hollow {
        lines.push(Line::from(vec![
            Span::styled("hollow ", t.muted()),
            Span::raw(format!("{:.1} cm³ inside", h.cavity_mm3 / 1000.0)),
            Span::styled("  walls ", t.muted()),
            Span::raw(format!("≥ {} mm", h.wall_mm)),
            Span::styled("  drain ", t.muted()),
            Span::raw(format!("{} × {} mm", h.drain_holes, h.drain_mm)),
        ]));
    }
    if let Some(wall) = report.thinnest_wall_mm {
        lines.push(Line::from(vec![
            mark(report.thin_wall_mm2 == 0.0),
            Span::styled("thinnest wall ", t.muted()),
            Span::raw(format!("{wall:.1} mm")),
            Span::styled("  on the bed ", t.muted()),
            Span::raw(format!("{:.0} cm²", report.base_contact_mm2 / 100.0)),
        ]));
    }
    if let Some(stroke) = report.thinnest_stroke_mm {
        let mut letters =
            vec![Span::styled("thinnest letter stroke ", t.muted()), Span::raw(format!("{stroke:.1} mm"))];
        if let Some(cap) = report.cap_height_mm {
            letters.extend([Span::styled("  letters ", t.muted()), Span::raw(format!("{cap:.1} mm tall"))]);
        }
        lines.push(Line::from(letters));
    }
    if report.warnings.is_empty() {
        lines.push(Line::from(Span::styled("✓ ready to print", t.ok())));
    }
    for w in &report.warnings {
        lines.push(Line::from(Span::styled(format!("! {w}"), t.warn())));
    }
    lines
}

fn render_report(v: &View<'_, StudioScreen>, area: Rect, buf: &mut Buffer) {
    let t = &v.shared.theme;
    let updating = v.screen.recut_due.is_some() || v.shared.job_pending(&[JobKind::Recut]);
    let title = if updating { " Printability (updating…) " } else { " Printability " };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(false))
        .title_top(Span::styled(title, t.accent()));
    let lines = match &v.screen.report {
        Some(r) => report_lines(r, t),
        None => vec![Line::from(Span::styled("measured once the solid is made", t.muted()))],
    };
    Paragraph::new(lines).wrap(Wrap { trim: true }).block(block).render(area, buf);
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
    let fields = [("Line 1", &s.line1, "name"), ("Line 2", &s.line2, "date"), ("Height", &s.height, "mm ↑↓")];
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
        .render(Rect { y: inner.y + i as u16, height: 1, ..inner }, buf);
    }
    if inner.height > 3 {
        let focused = s.focus == HOLLOW;
        let (mark, what) = match s.hollow {
            Some(h) => ("[x]", format!("{} mm walls, drain", h.wall_mm)),
            None => ("[ ]", "solid".to_string()),
        };
        let mut spans = vec![
            Span::styled(
                format!("{}{:<7}", if focused { "▸" } else { " " }, "Hollow"),
                if focused { t.accent() } else { t.muted() },
            ),
            Span::styled(mark, if focused { t.selected() } else { t.accent() }),
            Span::raw(" "),
            Span::raw(what),
        ];
        if focused {
            spans.push(Span::styled("  space", t.muted()));
        }
        Line::from(spans).render(Rect { y: inner.y + 3, height: 1, ..inner }, buf);
    }
    if inner.height > 4 {
        let row = Rect { y: inner.y + 4, height: 1, ..inner };
        let line = match &s.notice {
            Some(n) => Line::from(Span::styled(format!(" {n}"), t.warn())),
            None => {
                let style = if s.focus == CONTINUE { t.selected() } else { t.accent() };
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
        let [progress, report] = Layout::vertical([Constraint::Length(progress_h), Constraint::Min(3)]).areas(left);
        render_progress(&self, progress, buf);
        render_report(&self, report, buf);
        let [preview, engraving] = right_split(right);
        let mut block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border(false))
            .title_top(Span::styled(" Your keepsake ", t.accent()));
        if let Some(status) = crate::tui::preview::status(&self.screen.preview) {
            block = block.title_bottom(Line::from(Span::styled(format!(" {status} "), t.muted())).right_aligned());
        }
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
        let shown = self.screen.preview.protocol().or(self.screen.picture.protocol());
        Picture { protocol: shown, placeholder, spinner: spin, theme: t }.render(picture_rect(area), buf);
        render_engraving(&self, engraving, buf);
    }
}
