//! A row of choices (occasion, shipping region), wrapping onto more lines when narrow.

use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

pub struct Chips<'a> {
    pub label: &'a str,
    pub options: &'a [&'a str],
    pub selected: usize,
    pub focused: bool,
    pub hint: Option<&'a str>,
    pub theme: &'a Theme,
}

impl Widget for Chips<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let mut block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border(self.focused))
            .title_top(Line::from(Span::styled(
                format!(" {} ", self.label),
                if self.focused { t.accent() } else { t.muted() },
            )));
        if let Some(h) = self.hint {
            block = block.title_bottom(Line::from(Span::styled(format!(" {h} "), t.muted())).right_aligned());
        }
        let width = block.inner(area).width as usize;
        // Lay chips out by hand so that a chip ("new baby") never breaks across lines.
        let mut lines: Vec<Line> = Vec::new();
        let mut current: Vec<Span> = Vec::new();
        let mut used = 0usize;
        for (i, opt) in self.options.iter().enumerate() {
            let chosen = i == self.selected;
            let text = if chosen { format!("‹{opt}›") } else { format!(" {opt} ") };
            let style = match (chosen, self.focused) {
                (true, true) => t.selected(),
                (true, false) => t.accent(),
                _ => t.muted(),
            };
            let w = text.chars().count() + 1;
            if used > 0 && used + w > width {
                lines.push(Line::from(std::mem::take(&mut current)));
                used = 0;
            }
            used += w;
            current.push(Span::styled(text, style));
            current.push(Span::raw(" "));
        }
        lines.push(Line::from(current));
        Paragraph::new(lines).block(block).render(area, buf);
    }
}
