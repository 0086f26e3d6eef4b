//! Four concepts side by side: move, pick one, or have one or all drawn again.

use crate::domain::{Origin, Stage, Style};
use crate::stage::ProgressEvent;
use crate::tui::action::Action;
use crate::tui::app::{App, ScreenId};
use crate::tui::images::ImageSlot;
use crate::tui::msg::{CardData, Effect, JobKind, JobSpec};
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Layout, Position, Rect};

#[derive(Clone, Default)]
pub struct Card {
    pub title: String,
    pub style: Option<Style>,
    pub sha256: Option<String>,
    pub picture: ImageSlot,
    pub error: Option<String>,
}

#[derive(Default)]
pub struct GalleryScreen {
    pub cards: [Card; 4],
    pub selected: usize,
    /// Numbers of the last concept read asked for and the last one applied.
    pub requested: u64,
    pub applied: u64,
}

pub const HELP: &[(&str, &str)] = &[
    ("← → ↑ ↓  h j k l", "move between the concepts"),
    ("1-4", "jump to a concept"),
    ("Enter  Space  click", "make the selected concept"),
    ("r", "draw the selected concept again"),
    ("R", "draw all four again"),
    ("Esc", "back to the facts (kept as typed)"),
    ("? F1", "this help"),
    ("q Ctrl-C", "quit (asks while something runs)"),
];

pub const HINTS: &str = "←→↑↓ move · Enter pick · r redraw · R redraw all · Esc back · ? help · q quit";

/// 2x2 or 1x4: whichever gives the (square) pictures more room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    Grid,
    Row,
}

fn cards_area(body: Rect) -> Rect {
    Rect { y: body.y + 1, height: body.height.saturating_sub(2), ..body }
}

fn split(area: Rect, arrangement: Arrangement) -> [Rect; 4] {
    match arrangement {
        Arrangement::Row => Layout::horizontal([Constraint::Ratio(1, 4); 4]).areas(area),
        Arrangement::Grid => {
            let [top, bottom] = Layout::vertical([Constraint::Ratio(1, 2); 2]).areas(area);
            let [a, b] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(top);
            let [c, d] = Layout::horizontal([Constraint::Ratio(1, 2); 2]).areas(bottom);
            [a, b, c, d]
        }
    }
}

/// Inside a card: the title lines, then the picture.
fn card_inner(card: Rect) -> (Rect, Rect) {
    let inner = Rect {
        x: card.x + 1,
        y: card.y + 1,
        width: card.width.saturating_sub(2),
        height: card.height.saturating_sub(2),
    };
    let title_h = if inner.height >= 12 { 2 } else { 1 };
    let title = Rect { height: title_h.min(inner.height), ..inner };
    let picture = Rect { y: inner.y + title.height, height: inner.height - title.height, ..inner };
    (title, picture)
}

/// Side in pixels of the largest square that fits `r`.
fn square_px(r: Rect, cell_px: (u16, u16)) -> u32 {
    (u32::from(r.width) * u32::from(cell_px.0)).min(u32::from(r.height) * u32::from(cell_px.1))
}

pub fn arrangement(body: Rect, cell_px: (u16, u16)) -> Arrangement {
    let area = cards_area(body);
    let px = |a| square_px(card_inner(split(area, a)[0]).1, cell_px);
    if px(Arrangement::Row) > px(Arrangement::Grid) {
        Arrangement::Row
    } else {
        Arrangement::Grid
    }
}

pub fn card_rects(body: Rect, cell_px: (u16, u16)) -> [Rect; 4] {
    split(cards_area(body), arrangement(body, cell_px))
}

pub fn image_rects(body: Rect, cell_px: (u16, u16)) -> [Rect; 4] {
    card_rects(body, cell_px).map(|r| card_inner(r).1)
}

impl GalleryScreen {
    pub fn reset(&mut self, selected: usize) {
        self.cards = Default::default();
        self.selected = selected.min(3);
    }

    pub fn known_shas(&self) -> [Option<String>; 4] {
        self.cards.clone().map(|c| c.sha256)
    }

    pub fn load(&mut self, seq: u64, cards: Vec<CardData>) {
        // Reads run in parallel: one that finishes after a newer one would bring back old state.
        if seq <= self.applied {
            return;
        }
        self.applied = seq;
        for data in cards {
            let Some(card) = self.cards.get_mut(data.slot) else {
                continue;
            };
            card.title = data.title;
            card.style = data.style;
            card.error = data.error;
            if data.sha256 != card.sha256 {
                // A row without a file is being drawn again: show the spinner, not the old picture.
                if data.image.is_some() || data.sha256.is_none() {
                    card.picture.set_image(data.image);
                    card.sha256 = data.sha256;
                }
            }
        }
    }
}

/// Concepts arriving: read the new ones back as they are saved.
pub fn on_progress(app: &mut App, event: &ProgressEvent) -> Vec<Effect> {
    let reload = matches!(
        event,
        ProgressEvent::Finished { stage: Stage::Ideation, .. }
            | ProgressEvent::Step { stage: Stage::Images, .. }
            | ProgressEvent::Finished { stage: Stage::Images, .. }
            | ProgressEvent::Skipped { stage: Stage::Ideation }
    );
    if reload {
        self::reload(app)
    } else {
        Vec::new()
    }
}

/// Reads the session's concepts back (only new pictures are decoded).
pub fn reload(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.shared.session_id().map(str::to_string) else { return Vec::new() };
    let g = &mut app.gallery;
    g.requested += 1;
    vec![Effect::LoadConcepts { seq: g.requested, session: id, known: g.known_shas() }]
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    let arrangement = arrangement(app.body(), app.shared.cell_px);
    let g = &mut app.gallery;
    let sel = g.selected;
    match (action, arrangement) {
        (Action::Left, _) if sel % 2 == 1 || arrangement == Arrangement::Row => g.selected = sel.saturating_sub(1),
        (Action::Right, Arrangement::Row) => g.selected = (sel + 1).min(3),
        (Action::Right, Arrangement::Grid) if sel % 2 == 0 => g.selected = sel + 1,
        (Action::Up, Arrangement::Row) => g.selected = sel.saturating_sub(1),
        (Action::Down, Arrangement::Row) => g.selected = (sel + 1).min(3),
        (Action::Up, Arrangement::Grid) if sel >= 2 => g.selected = sel - 2,
        (Action::Down, Arrangement::Grid) if sel < 2 => g.selected = sel + 2,
        (Action::Select(i), _) => g.selected = i.min(3),
        (Action::Submit | Action::SubmitAll, _) => return pick(app),
        (Action::Regenerate, _) => return regenerate(app, &[sel]),
        (Action::RegenerateAll, _) => return regenerate(app, &[0, 1, 2, 3]),
        (Action::Back, _) => app.go(ScreenId::Input),
        _ => {}
    }
    Vec::new()
}

pub fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if m.kind != MouseEventKind::Down(MouseButton::Left) {
        return Vec::new();
    }
    let at = Position::new(m.column, m.row);
    let hit = card_rects(app.body(), app.shared.cell_px).iter().position(|r| r.contains(at));
    match hit {
        Some(i) if i == app.gallery.selected => pick(app),
        Some(i) => {
            app.gallery.selected = i;
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// Makes the selected concept: to the Studio, where the 3D stages run.
fn pick(app: &mut App) -> Vec<Effect> {
    let slot = app.gallery.selected;
    if app.gallery.cards[slot].title.is_empty() {
        return Vec::new();
    }
    let pending = app.shared.job_pending(&[JobKind::Solid, JobKind::Recut]);
    let made = app.studio.report.is_some();
    let Some(session) = app.shared.session.as_mut() else {
        return Vec::new();
    };
    let fab = app.studio.fab_spec_or(&session.params.fab);
    let id = session.id.clone();
    let same = session.chosen == Some(slot) && session.params.fab == fab;
    app.screen = ScreenId::Studio;
    app.overlay = None;
    if same && (made || pending) {
        return Vec::new();
    }
    let invalidate = match session.chosen {
        Some(c) if c != slot => Some(Stage::Matting),
        _ if session.params.fab != fab => Some(Stage::Fabrication),
        _ => None,
    };
    session.params.pick = Some(slot);
    session.params.fab = fab;
    session.chosen = Some(slot);
    let mut spec = JobSpec::new(JobKind::Solid, &id, Stage::Fabrication);
    spec.params = Some(session.params.clone());
    spec.invalidate = invalidate;
    app.studio.report = None;
    app.studio.recut_due = None;
    app.studio.picture.set_image(None);
    app.checkout.picture.set_image(None);
    app.request_job(spec)
}

fn regenerate(app: &mut App, slots: &[usize]) -> Vec<Effect> {
    // A person's own picture or model is not drawn, so there is nothing to draw again.
    let Some(session) = app.shared.session.as_mut().filter(|s| s.params.origin == Origin::Facts) else {
        return Vec::new();
    };
    let slots: Vec<usize> = slots.iter().copied().filter(|&s| !app.gallery.cards[s].title.is_empty()).collect();
    if slots.is_empty() {
        return Vec::new();
    }
    let mut spec = JobSpec::new(JobKind::Regenerate, &session.id, Stage::Images);
    for &s in &slots {
        session.params.regenerations[s] = session.params.regenerations[s].wrapping_add(1);
        let card = &mut app.gallery.cards[s];
        card.picture.set_image(None);
        card.sha256 = None;
        card.error = None;
    }
    if session.chosen.is_some_and(|c| slots.contains(&c)) {
        // The picked concept looks different now: its cut-out and solid are out of date.
        spec.invalidate = Some(Stage::Matting);
        session.chosen = None;
        app.studio.report = None;
    }
    spec.params = Some(session.params.clone());
    spec.clear_images = slots;
    app.request_job(spec)
}

mod view;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::{app_at, with_session};

    #[test]
    fn layout_follows_the_terminal_shape() {
        let body = |w, h| crate::tui::app::frame_areas(ratatui::layout::Size::new(w, h)).body;
        assert_eq!(arrangement(body(80, 24), (10, 20)), Arrangement::Row);
        assert_eq!(arrangement(body(100, 60), (10, 20)), Arrangement::Grid);
        let rects = card_rects(body(160, 48), (10, 20));
        assert!(rects.iter().all(|r| r.width >= 38), "{rects:?}");
    }

    #[test]
    fn arrows_move_in_the_grid_and_the_row() {
        let mut app = app_at(ScreenId::Gallery, 80, 24);
        on_action(&mut app, Action::Right);
        on_action(&mut app, Action::Right);
        assert_eq!(app.gallery.selected, 2);
        on_action(&mut app, Action::Right);
        on_action(&mut app, Action::Right);
        assert_eq!(app.gallery.selected, 3, "stops at the end");
        let mut grid = app_at(ScreenId::Gallery, 100, 60);
        on_action(&mut grid, Action::Down);
        assert_eq!(grid.gallery.selected, 2);
        on_action(&mut grid, Action::Right);
        assert_eq!(grid.gallery.selected, 3);
        on_action(&mut grid, Action::Up);
        assert_eq!(grid.gallery.selected, 1);
        on_action(&mut grid, Action::Select(0));
        assert_eq!(grid.gallery.selected, 0);
    }

    #[test]
    fn regenerate_bumps_the_seed_and_clears_the_picture() {
        let mut app = with_session(app_at(ScreenId::Gallery, 80, 24));
        app.gallery.selected = 1;
        let fx = on_action(&mut app, Action::Regenerate);
        let Some(Effect::StartJob { spec, .. }) = fx.first() else { panic!("a job starts") };
        assert_eq!(spec.kind, JobKind::Regenerate);
        assert_eq!(spec.clear_images, vec![1]);
        assert_eq!(spec.params.as_ref().map(|p| p.regenerations), Some([0, 1, 0, 0]));
        assert!(app.gallery.cards[1].picture.image.is_none());
        assert!(app.gallery.cards[0].picture.image.is_some());
        let fx = on_action(&mut app, Action::RegenerateAll);
        assert!(matches!(fx.first(), Some(Effect::CancelJob { .. })), "the newer request stops the running one");
        assert_eq!(app.shared.jobs.queued.as_ref().map(|q| q.clear_images.len()), Some(4));
    }

    #[test]
    fn enter_picks_and_opens_the_studio_with_a_solid_job() {
        let mut app = with_session(app_at(ScreenId::Gallery, 80, 24));
        app.gallery.selected = 2;
        let fx = on_action(&mut app, Action::Submit);
        assert_eq!(app.screen, ScreenId::Studio);
        let Some(Effect::StartJob { spec, .. }) = fx.first() else { panic!("a job starts") };
        assert_eq!((spec.kind, spec.until), (JobKind::Solid, Stage::Fabrication));
        assert_eq!(spec.params.as_ref().and_then(|p| p.pick), Some(2));
        assert_eq!(spec.invalidate, None);
        // Back, then a different pick: the old cut-out is dropped.
        on_action(&mut app, Action::Back);
        app.go(ScreenId::Gallery);
        app.gallery.selected = 0;
        on_action(&mut app, Action::Submit);
        assert_eq!(app.shared.jobs.queued.as_ref().and_then(|q| q.invalidate), Some(Stage::Matting));
    }
}
