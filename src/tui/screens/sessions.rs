//! The session list shown on start when earlier sessions exist: resume one or begin anew.

use crate::pipeline::Listing;
use crate::store::SessionRow;
use crate::tui::action::Action;
use crate::tui::app::{App, ScreenId, View};
use crate::tui::msg::Effect;
use crate::tui::widgets::ellipsize;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

/// One line of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    pub id: String,
    pub name: String,
    /// The hobbies, or "own picture" / "own model".
    pub about: String,
    /// How far it got, in the one vocabulary of steps ("solid", "ordered", ...).
    pub reached: String,
    /// "2025-01-31 18:04", from the last update.
    pub updated: String,
}

impl SessionSummary {
    pub fn from_row(row: &SessionRow) -> SessionSummary {
        let Listing { name, about, reached, .. } = Listing::of(row);
        SessionSummary {
            id: row.id.clone(),
            name,
            about,
            reached,
            updated: row.updated_at.replace('T', " ").chars().take(16).collect(),
        }
    }
}

#[derive(Debug, Default)]
pub struct SessionsScreen {
    pub rows: Vec<SessionSummary>,
    pub cursor: usize,
    pub opening: bool,
}

impl SessionsScreen {
    pub fn new(rows: Vec<SessionSummary>) -> SessionsScreen {
        SessionsScreen { rows, cursor: 0, opening: false }
    }
}

pub const HELP: &[(&str, &str)] = &[
    ("↑ ↓  k j", "move"),
    ("Enter", "resume the session where it stopped"),
    ("n", "start a new keepsake"),
    ("? F1", "this help"),
    ("q Ctrl-C", "quit"),
];

pub const HINTS: &str = "↑↓ move · Enter resume · n new · ? help · q quit";

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    let s = &mut app.sessions;
    match action {
        Action::Up | Action::Left => s.cursor = s.cursor.saturating_sub(1),
        Action::Down | Action::Right => s.cursor = (s.cursor + 1).min(s.rows.len().saturating_sub(1)),
        Action::Submit | Action::SubmitAll => {
            if let Some(row) = s.rows.get(s.cursor) {
                s.opening = true;
                return vec![Effect::OpenSession { id: row.id.clone() }];
            }
        }
        Action::NewSession => {
            app.input = Default::default();
            app.shared.session = None;
            app.go(ScreenId::Input);
        }
        _ => {}
    }
    Vec::new()
}

impl Widget for View<'_, SessionsScreen> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.shared.theme;
        let s = self.screen;
        let [intro, list] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
        Paragraph::new(vec![
            Line::from(Span::styled(
                " Welcome back. Pick up where you left off, or press n for a new keepsake.",
                t.accent(),
            )),
            Line::raw(""),
        ])
        .render(intro, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border(true))
            .title_top(Line::from(Span::styled(format!(" Sessions ({}) ", s.rows.len()), t.accent())))
            .title_bottom(Line::from(Span::styled(if s.opening { " opening… " } else { "" }, t.muted())));
        let inner = block.inner(list);
        block.render(list, buf);
        let name_w = 16usize;
        let fixed = 2 + 8 + 2 + 14 + 2 + 16 + 2 + name_w + 2;
        let hobby_w = (inner.width as usize).saturating_sub(fixed).max(4);
        let mut lines = vec![Line::from(Span::styled(
            format!("  {:<8}  {:<14}  {:<16}  {:<name_w$}  {}", "id", "reached", "updated", "name", "about"),
            t.muted(),
        ))];
        let visible = inner.height.saturating_sub(1) as usize;
        let first = s.cursor.saturating_sub(visible.saturating_sub(1));
        for (i, row) in s.rows.iter().enumerate().skip(first).take(visible) {
            let text = format!(
                "{} {:<8}  {:<14}  {:<16}  {:<name_w$}  {}",
                if i == s.cursor { "▸" } else { " " },
                row.id.chars().take(8).collect::<String>(),
                row.reached,
                row.updated,
                ellipsize(&row.name, name_w),
                ellipsize(&row.about, hobby_w),
            );
            let style = if i == s.cursor { t.cursor_row() } else { t.base() };
            lines.push(Line::from(Span::styled(text, style)));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}
