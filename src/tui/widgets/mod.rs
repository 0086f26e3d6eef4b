//! Small drawing pieces the screens share. They draw only; state lives in the screens.

pub mod chips;
pub mod field;
pub mod picture;
pub mod popup;
pub mod spinner;

use ratatui::layout::Rect;

/// `area` with `dx` columns and `dy` rows taken off each side, never negative.
pub fn shrink(area: Rect, dx: u16, dy: u16) -> Rect {
    Rect {
        x: area.x.saturating_add(dx),
        y: area.y.saturating_add(dy),
        width: area.width.saturating_sub(dx * 2),
        height: area.height.saturating_sub(dy * 2),
    }
}

/// Cuts `text` to `max` characters, ending in an ellipsis when shortened.
pub fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
