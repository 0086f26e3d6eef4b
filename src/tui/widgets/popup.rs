//! Boxes drawn over a screen: the help overlay, a yes/no question, a message.

use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

/// A centred rectangle of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn frame<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border(true))
        .style(theme.panel())
        .title_top(Line::from(Span::styled(format!(" {title} "), theme.accent())))
}

/// The keys of one screen, two columns.
pub struct Help<'a> {
    pub title: &'a str,
    pub keys: &'a [(&'a str, &'a str)],
    /// Lines under the keys: the image protocol, the backends.
    pub notes: &'a [String],
    pub theme: &'a Theme,
}

impl Widget for Help<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let key_w = self.keys.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
        let mut lines: Vec<Line> = self
            .keys
            .iter()
            .map(|(k, what)| Line::from(vec![Span::styled(format!("{k:>key_w$}  "), t.accent()), Span::raw(*what)]))
            .collect();
        if !self.notes.is_empty() {
            lines.push(Line::raw(""));
            lines.extend(self.notes.iter().map(|n| Line::from(Span::styled(n.clone(), t.muted()))));
        }
        let width = 72u16.min(area.width);
        let text_w = usize::from(width.saturating_sub(2)).max(1);
        let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(text_w)).sum();
        let rect = centered(area, width, u16::try_from(rows + 2).unwrap_or(u16::MAX));
        Clear.render(rect, buf);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(
                frame(self.title, t)
                    .title_bottom(Line::from(Span::styled(" Esc or ? closes ", t.muted())).right_aligned()),
            )
            .render(rect, buf);
    }
}

/// A message with a choice of answers shown underneath.
pub struct Dialog<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub answers: &'a str,
    pub error: bool,
    pub theme: &'a Theme,
}

impl Widget for Dialog<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let width = 60u16.min(area.width);
        let text_w = width.saturating_sub(4).max(1) as usize;
        let rows = self.message.lines().map(|l| l.chars().count().max(1).div_ceil(text_w)).sum::<usize>();
        let h = u16::try_from(rows + 4).unwrap_or(u16::MAX);
        let rect = centered(area, width, h);
        Clear.render(rect, buf);
        let style = if self.error { t.error() } else { t.accent() };
        let block = frame(self.title, t)
            .border_style(style)
            .title_bottom(Line::from(Span::styled(format!(" {} ", self.answers), t.muted())).right_aligned());
        let inner = block.inner(rect);
        block.render(rect, buf);
        let text = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
        };
        Paragraph::new(self.message).wrap(Wrap { trim: false }).render(text, buf);
    }
}

/// A box asking for a path: what it is for, the field, and what went wrong with the last one.
pub struct PathPrompt<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub input: &'a tui_input::Input,
    pub error: Option<&'a str>,
    pub theme: &'a Theme,
}

impl Widget for PathPrompt<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let rect = centered(area, 64, 8);
        Clear.render(rect, buf);
        let block = frame(self.title, t)
            .border_style(t.accent())
            .title_bottom(Line::from(Span::styled(" Enter save · Esc cancel ", t.muted())).right_aligned());
        let inner = block.inner(rect);
        block.render(rect, buf);
        let row = |dy: u16| Rect { x: inner.x + 1, y: inner.y + dy, width: inner.width.saturating_sub(2), height: 1 };
        if inner.height < 5 {
            return;
        }
        Paragraph::new(self.message).render(row(1), buf);
        let field = row(3);
        super::field::LineField {
            label: "",
            label_width: 1,
            input: self.input,
            width: field.width.saturating_sub(1),
            focused: true,
            error: None,
            note: None,
            theme: t,
        }
        .render(field, buf);
        if let Some(e) = self.error {
            Paragraph::new(Span::styled(e, t.error())).render(row(4), buf);
        }
    }
}
