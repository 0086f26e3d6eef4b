//! A one-line text field in a bordered box: label on top, counter or hint bottom right, an inline
//! error bottom left, and a drawn cursor (a reversed cell) when focused.

use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};
use tui_input::Input;

pub struct Field<'a> {
    pub label: &'a str,
    pub input: &'a Input,
    pub focused: bool,
    pub error: Option<&'a str>,
    /// Bottom-right text, such as "12/60".
    pub hint: Option<String>,
    /// Shown dimmed while the field is empty.
    pub placeholder: &'a str,
    pub theme: &'a Theme,
}

impl Widget for Field<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let mut block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(if self.error.is_some() { t.error() } else { t.border(self.focused) })
            .title_top(Line::from(Span::styled(
                format!(" {} ", self.label),
                if self.focused { t.accent() } else { t.muted() },
            )));
        // An error takes the whole bottom border (shortened to fit); the counter returns once it is fixed.
        match (self.error, &self.hint) {
            (Some(err), _) => {
                let room = usize::from(area.width.saturating_sub(6));
                block = block
                    .title_bottom(Line::from(Span::styled(format!(" {} ", super::ellipsize(err, room)), t.error())));
            }
            (None, Some(hint)) => {
                block = block.title_bottom(Line::from(Span::styled(format!(" {hint} "), t.muted())).right_aligned());
            }
            (None, None) => {}
        }
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let width = inner.width.saturating_sub(1) as usize;
        // Unfocused fields show their start; the focused one scrolls to keep the cursor in view.
        let scroll = if self.focused { self.input.visual_scroll(width) } else { 0 };
        if self.input.value().is_empty() {
            Paragraph::new(Span::styled(self.placeholder, t.muted().add_modifier(Modifier::ITALIC))).render(inner, buf);
        } else {
            let scroll_cols = u16::try_from(scroll).unwrap_or(u16::MAX);
            Paragraph::new(self.input.value()).scroll((0, scroll_cols)).render(inner, buf);
        }
        if self.focused {
            let col = self.input.visual_cursor().saturating_sub(scroll);
            let x = inner.x.saturating_add(u16::try_from(col).unwrap_or(u16::MAX));
            if x < inner.right() {
                if let Some(cell) = buf.cell_mut((x, inner.y)) {
                    cell.set_style(cell.style().add_modifier(Modifier::REVERSED));
                }
            }
        }
    }
}

/// A field on one row: a label, the value on a tinted strip, then an error or a note.
pub struct LineField<'a> {
    pub label: &'a str,
    pub label_width: u16,
    pub input: &'a Input,
    /// Width of the value strip; the rest of the row is for the note.
    pub width: u16,
    pub focused: bool,
    pub error: Option<&'a str>,
    pub note: Option<&'a str>,
    pub theme: &'a Theme,
}

impl Widget for LineField<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        if area.height == 0 {
            return;
        }
        let row = Rect { height: 1, ..area };
        let label_style = if self.focused { t.accent() } else { t.muted() };
        let marker = if self.focused { "▸" } else { " " };
        Paragraph::new(Span::styled(format!("{marker}{}", self.label), label_style))
            .render(Rect { width: self.label_width.min(row.width), ..row }, buf);
        let x = row.x + self.label_width.min(row.width);
        let width = self.width.min(row.right().saturating_sub(x));
        let strip = Rect { x, width, ..row };
        let strip_style =
            if t.monochrome { ratatui::style::Style::new().add_modifier(Modifier::UNDERLINED) } else { t.cursor_row() };
        buf.set_style(strip, strip_style);
        let inner = Rect { x: strip.x + 1, width: strip.width.saturating_sub(2), ..strip };
        let scroll = if self.focused { self.input.visual_scroll(inner.width.saturating_sub(1) as usize) } else { 0 };
        Paragraph::new(self.input.value()).scroll((0, u16::try_from(scroll).unwrap_or(u16::MAX))).render(inner, buf);
        if self.focused {
            let col = u16::try_from(self.input.visual_cursor().saturating_sub(scroll)).unwrap_or(u16::MAX);
            let cx = inner.x.saturating_add(col);
            if cx < inner.right() {
                if let Some(cell) = buf.cell_mut((cx, inner.y)) {
                    cell.set_style(cell.style().add_modifier(Modifier::REVERSED));
                }
            }
        }
        let note_x = strip.right() + 1;
        if note_x < row.right() {
            let rest = Rect { x: note_x, width: row.right() - note_x, ..row };
            let span = match (self.error, self.note) {
                (Some(e), _) => Span::styled(e, t.error()),
                (None, Some(n)) => Span::styled(n, t.muted()),
                (None, None) => Span::raw(""),
            };
            Paragraph::new(Line::from(span)).render(rest, buf);
        }
    }
}
