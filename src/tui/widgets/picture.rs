//! An image already encoded for the terminal, centred in its area; a placeholder line until then.

use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui_image::protocol::Protocol;
use ratatui_image::Image;

pub struct Picture<'a> {
    pub protocol: Option<&'a Protocol>,
    /// What to say while there is nothing to show (with a spinner frame when work is under way).
    pub placeholder: &'a str,
    pub spinner: Option<&'static str>,
    pub theme: &'a Theme,
}

impl Widget for Picture<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        if let Some(p) = self.protocol {
            let size = p.size();
            if size.width <= area.width && size.height <= area.height {
                let at = Rect {
                    x: area.x + (area.width - size.width) / 2,
                    y: area.y + (area.height - size.height) / 2,
                    width: size.width,
                    height: size.height,
                };
                Image::new(p).render(at, buf);
                return;
            }
        }
        let text = match self.spinner {
            Some(s) => format!("{s} {}", self.placeholder),
            None => self.placeholder.to_string(),
        };
        let lines = u16::try_from(text.chars().count() / area.width.max(1) as usize + 1).unwrap_or(1);
        let y = area.y + area.height.saturating_sub(lines) / 2;
        let at = Rect { y, height: area.bottom().saturating_sub(y), ..area };
        Paragraph::new(Line::from(Span::styled(text, self.theme.muted())))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(at, buf);
    }
}
