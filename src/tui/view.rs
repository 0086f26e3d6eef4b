//! The whole frame: header, the current screen, key hints, status line, overlays; or, when the
//! terminal is too small, how big it must be. Drawing only: no state changes, no I/O.

use super::action::KeyContext;
use super::app::{frame_areas, App, Overlay, ScreenId, View, MIN_HEIGHT, MIN_WIDTH};
use super::screens::{checkout, gallery, input, sessions, studio};
use super::widgets::ellipsize;
use super::widgets::popup::{Dialog, Help, PathPrompt};
use crate::domain::Stage;
use crate::pipeline::BackendLabel;
use crate::stage::BackendKind;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// A backend on the status line: its name, and its kind where it is not the built-in default.
fn status_label(stage: Stage, b: &BackendLabel) -> String {
    match b.kind {
        Some(kind) if kind != BackendKind::Offline => format!("{stage} {} ({kind})", b.name),
        _ => format!("{stage} {}", b.name),
    }
}

fn help_for(screen: ScreenId) -> &'static [(&'static str, &'static str)] {
    match screen {
        ScreenId::Sessions => sessions::HELP,
        ScreenId::Input => input::HELP,
        ScreenId::Gallery => gallery::HELP,
        ScreenId::Studio => studio::HELP,
        ScreenId::Checkout => checkout::HELP,
    }
}

fn hints_for(app: &App) -> &'static str {
    let ctx = app.key_context();
    match (app.overlay.as_ref(), app.screen) {
        (Some(Overlay::ConfirmQuit), _) => "y quit · n stay",
        (Some(_), _) => "Esc close",
        (None, ScreenId::Sessions) => sessions::HINTS,
        (None, ScreenId::Input) => input::hints(ctx),
        (None, ScreenId::Gallery) => gallery::HINTS,
        (None, ScreenId::Studio) => studio::hints(ctx),
        (None, ScreenId::Checkout) => checkout::hints(ctx),
    }
}

fn render_too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.shared.theme;
    let (w, h) = (app.shared.size.width, app.shared.size.height);
    let lines = vec![
        Line::from(Span::styled("memoreez needs a bigger terminal", t.accent())),
        Line::from(format!("at least {MIN_WIDTH} × {MIN_HEIGHT}; this one is {w} × {h}")),
        Line::from(Span::styled("enlarge the window or make the font smaller · q quits", t.muted())),
    ];
    let y = area.y + area.height.saturating_sub(3) / 2;
    Paragraph::new(lines)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(Rect { y, height: area.bottom() - y, ..area }, buf);
}

fn render_header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.shared.theme;
    let mut spans = vec![Span::styled(" ◆ memoreez ", t.selected()), Span::raw(" ")];
    let steps = [ScreenId::Input, ScreenId::Gallery, ScreenId::Studio, ScreenId::Checkout];
    if app.screen == ScreenId::Sessions {
        spans.push(Span::styled("Sessions", t.accent()));
    } else {
        for (i, s) in steps.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" › ", t.muted()));
            }
            let style = if *s == app.screen { t.accent() } else { t.muted() };
            spans.push(Span::styled(s.title(), style));
        }
    }
    Line::from(spans).render(area, buf);
    let help = if app.key_context() == KeyContext::Text { "F1 help " } else { "? help " };
    Line::from(Span::styled(help, t.muted())).right_aligned().render(area, buf);
}

fn render_status(app: &App, area: Rect, buf: &mut Buffer) {
    let sh = &app.shared;
    let t = &sh.theme;
    let id = sh.session_id().map(|id| id.chars().take(8).collect::<String>()).unwrap_or_else(|| "new".into());
    let backends = sh.backends.iter().map(|(s, b)| status_label(*s, b)).collect::<Vec<_>>().join(" · ");
    let left = format!(" session {id} │ {backends}");
    let right = format!(" images: {} ", sh.graphics);
    let room = usize::from(area.width).saturating_sub(right.chars().count());
    let style = if t.monochrome { t.cursor_row() } else { ratatui::style::Style::new().fg(t.muted).bg(t.surface) };
    buf.set_style(area, style);
    Line::from(Span::raw(ellipsize(&left, room))).render(area, buf);
    Line::from(Span::raw(right)).right_aligned().render(area, buf);
}

fn render_overlay(app: &App, overlay: &Overlay, area: Rect, buf: &mut Buffer) {
    let t = &app.shared.theme;
    match overlay {
        Overlay::Help => {
            let mut notes = vec![format!("images: {} ({})", app.shared.graphics, app.shared.graphics_note)];
            let kinds: Vec<String> = app
                .shared
                .backends
                .iter()
                .map(|(s, b)| match &b.model {
                    Some(m) => format!("{s} {b} {m}"),
                    None => format!("{s} {b}"),
                })
                .collect();
            if !kinds.is_empty() {
                notes.push(format!("backends: {}", kinds.join(", ")));
            }
            let title = format!("{} keys", app.screen.title());
            Help { title: &title, keys: help_for(app.screen), notes: &notes, theme: t }.render(area, buf);
        }
        Overlay::ConfirmQuit => {
            let stage = app.shared.jobs.running.as_ref().map(|r| r.spec.until.label()).unwrap_or("a job");
            let message = format!(
                "Work towards the {stage} stage is still running.\nQuit anyway? Everything finished so far is saved; reopen the session later to continue."
            );
            Dialog { title: "Quit memoreez?", message: &message, answers: "y quit · n stay", error: false, theme: t }
                .render(area, buf);
        }
        Overlay::Save { error } => PathPrompt {
            title: "Save the files",
            message: "Save to a folder, or to a file ending in .stl:",
            input: &app.save_path,
            error: error.as_deref(),
            theme: t,
        }
        .render(area, buf),
        Overlay::Message { title, text, error } => {
            Dialog { title, message: text, answers: "Enter or Esc closes", error: *error, theme: t }.render(area, buf);
        }
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        buf.set_style(area, self.shared.theme.base());
        if self.too_small() {
            render_too_small(self, area, buf);
            return;
        }
        let areas = frame_areas(self.shared.size);
        render_header(self, areas.header, buf);
        let sh = &self.shared;
        match self.screen {
            ScreenId::Sessions => View { screen: &self.sessions, shared: sh }.render(areas.body, buf),
            ScreenId::Input => View { screen: &self.input, shared: sh }.render(areas.body, buf),
            ScreenId::Gallery => View { screen: &self.gallery, shared: sh }.render(areas.body, buf),
            ScreenId::Studio => View { screen: &self.studio, shared: sh }.render(areas.body, buf),
            ScreenId::Checkout => View { screen: &self.checkout, shared: sh }.render(areas.body, buf),
        }
        Line::from(Span::styled(format!(" {}", hints_for(self)), sh.theme.muted())).render(areas.hints, buf);
        render_status(self, areas.status, buf);
        if let Some(overlay) = &self.overlay {
            render_overlay(self, overlay, areas.body, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_names_a_backends_kind_unless_it_is_built_in() {
        let offline = BackendLabel { name: "templates".into(), kind: Some(BackendKind::Offline), model: None };
        assert_eq!(status_label(Stage::Ideation, &offline), "ideas templates");
        let local = BackendLabel { name: "hunyuan3d".into(), kind: Some(BackendKind::Local), model: None };
        assert_eq!(status_label(Stage::Shape, &local), "shape hunyuan3d (local)");
    }
}
