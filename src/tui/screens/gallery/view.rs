//! Drawing the Gallery: four cards with title, style and picture, and a status line. Reads state only.

use super::{card_inner, card_rects, GalleryScreen};
use crate::domain::Stage;
use crate::tui::app::View;
use crate::tui::jobs::{clock, StageState};
use crate::tui::msg::JobKind;
use crate::tui::widgets::picture::Picture;
use crate::tui::widgets::{ellipsize, spinner};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

fn status_line(v: &View<'_, GalleryScreen>) -> Line<'static> {
    let sh = v.shared;
    let t = &sh.theme;
    if let Some(run) =
        sh.jobs.running.as_ref().filter(|r| matches!(r.spec.kind, JobKind::Concepts | JobKind::Regenerate))
    {
        let what = match &sh.progress.step {
            Some(s) if s.stage == Stage::Images => {
                format!("drawing: {} ({}/{})", s.message, s.n, s.total)
            }
            _ if sh.progress.state(Stage::Images) == StageState::Running => "drawing the concepts…".into(),
            _ => "thinking of four ideas…".into(),
        };
        return Line::from(vec![
            Span::styled(format!(" {} ", spinner::frame(sh.tick)), t.accent()),
            Span::raw(what),
            Span::styled(format!("  {}", clock(sh.now.saturating_duration_since(run.started))), t.muted()),
        ]);
    }
    if v.screen.cards.iter().all(|c| c.picture.image.is_some()) {
        Line::from(Span::styled(" All four drawn. Enter makes the selected one; r or R draws again.", t.muted()))
    } else {
        Line::from(Span::styled(" Some concepts are not drawn yet: r draws the selected one again.", t.warn()))
    }
}

impl Widget for View<'_, GalleryScreen> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let sh = self.shared;
        let t = &sh.theme;
        let name = sh.session.as_ref().map(|s| s.facts.name.as_str()).unwrap_or("them");
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" Four ideas for {name}"), t.accent()),
            Span::styled(" · pick the one to make", t.muted()),
        ]))
        .render(Rect { height: 1, ..area }, buf);
        let busy = sh.job_pending(&[JobKind::Concepts, JobKind::Regenerate]);
        for (i, rect) in card_rects(area, sh.cell_px).into_iter().enumerate() {
            let card = &self.screen.cards[i];
            let selected = i == self.screen.selected;
            let style_name = card.style.map(|s| s.label()).unwrap_or("…");
            let mut block = Block::bordered()
                .border_type(if selected { BorderType::Double } else { BorderType::Rounded })
                .border_style(sh.theme.border(selected))
                .title_top(Line::from(Span::styled(
                    format!(" {} · {style_name} ", i + 1),
                    if selected { t.selected() } else { t.muted() },
                )));
            if selected {
                block = block.title_bottom(Line::from(Span::styled(" Enter ▸ make ", t.accent())).right_aligned());
            }
            block.render(rect, buf);
            let (title_rect, picture_rect) = card_inner(rect);
            let title = if card.title.is_empty() { "…".to_string() } else { card.title.clone() };
            let max = usize::from(title_rect.width) * usize::from(title_rect.height);
            Paragraph::new(Span::styled(ellipsize(&title, max), if selected { t.accent() } else { t.base() }))
                .wrap(Wrap { trim: true })
                .render(title_rect, buf);
            let placeholder = match (&card.error, card.title.is_empty()) {
                (Some(e), _) => e.as_str(),
                (None, true) => "ideas on the way",
                (None, false) if busy => "drawing",
                (None, false) => "not drawn: press r",
            };
            Picture {
                protocol: card.picture.protocol(),
                placeholder,
                spinner: busy.then(|| spinner::frame(sh.tick)),
                theme: t,
            }
            .render(picture_rect, buf);
        }
        let bottom = Rect { y: area.bottom().saturating_sub(1), height: 1, ..area };
        status_line(&self).render(bottom, buf);
    }
}
