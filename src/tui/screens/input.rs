//! The facts: who is celebrated, their passions, something quirky, the occasion.

use crate::domain::{Facts, FactsError, Occasion, Stage, MAX_HOBBIES_CHARS, MAX_NAME_CHARS, MAX_QUIRK_CHARS};
use crate::pipeline::SessionParams;
use crate::tui::action::{Action, KeyContext};
use crate::tui::app::{App, ScreenId, View};
use crate::tui::msg::{Effect, JobKind, JobSpec};
use crate::tui::widgets::chips::Chips;
use crate::tui::widgets::field::Field;
use crate::tui::widgets::spinner;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use tui_input::{Input, InputRequest};

/// Fields in focus order; the occasion chips come last.
pub const FIELDS: usize = 4;
const OCCASION: usize = 3;
/// Longest engraving line the pedestal takes (as the headless `make`).

#[derive(Debug, Default)]
pub struct InputScreen {
    pub name: Input,
    pub hobbies: Input,
    pub quirk: Input,
    /// 0 = none, else `Occasion::ALL[i - 1]`.
    pub occasion: usize,
    pub focus: usize,
    pub errors: [Option<String>; 3],
    /// Waiting for the new session to be saved.
    pub busy: bool,
}

pub const HELP: &[(&str, &str)] = &[
    ("Tab ↓ / Shift-Tab ↑", "next / previous field"),
    ("← →  Home End", "move in the text (Ctrl or Alt + ← → by word)"),
    ("Backspace Del  Ctrl-W", "delete a character / the word before"),
    ("Ctrl-U  Ctrl-K", "delete to the start / to the end"),
    ("Enter", "next field; on the occasion: generate the concepts"),
    ("Ctrl-Enter  Ctrl-G", "generate from any field"),
    ("← →  (occasion)", "choose the occasion"),
    ("Esc", "back to the session list"),
    ("F1  ?", "this help (? outside text fields)"),
    ("Ctrl-Q  q", "quit (q outside text fields)"),
];

pub fn hints(ctx: KeyContext) -> &'static str {
    match ctx {
        KeyContext::Text => "Tab next field · Enter next · Ctrl-G generate · F1 help · Ctrl-Q quit",
        _ => "← → occasion · Enter generate · Tab fields · ? help · q quit",
    }
}

fn occasion_labels() -> Vec<&'static str> {
    std::iter::once("none").chain(Occasion::ALL.iter().map(|o| o.label())).collect()
}

impl InputScreen {
    pub fn key_context(&self) -> KeyContext {
        if self.focus == OCCASION {
            KeyContext::Command
        } else {
            KeyContext::Text
        }
    }

    fn field_mut(&mut self, i: usize) -> Option<&mut Input> {
        match i {
            0 => Some(&mut self.name),
            1 => Some(&mut self.hobbies),
            2 => Some(&mut self.quirk),
            _ => None,
        }
    }

    pub fn facts(&self) -> Facts {
        Facts {
            name: self.name.value().trim().to_string(),
            hobbies: self.hobbies.value().trim().to_string(),
            quirk: self.quirk.value().trim().to_string(),
            occasion: self.occasion.checked_sub(1).and_then(|i| Occasion::ALL.get(i).copied()),
        }
    }

    pub fn fill(&mut self, facts: &Facts) {
        self.name = Input::new(facts.name.clone());
        self.hobbies = Input::new(facts.hobbies.clone());
        self.quirk = Input::new(facts.quirk.clone());
        self.occasion = facts.occasion.and_then(|o| Occasion::ALL.iter().position(|x| *x == o)).map_or(0, |i| i + 1);
        self.errors = Default::default();
        self.busy = false;
    }

    /// Length limits checked as the person types, so the message appears where the problem is.
    fn check_lengths(&mut self) {
        let limits = [MAX_NAME_CHARS, MAX_HOBBIES_CHARS, MAX_QUIRK_CHARS];
        let names = ["name", "hobbies", "quirk"];
        for i in 0..3 {
            let n = [&self.name, &self.hobbies, &self.quirk][i].value().chars().count();
            if n > limits[i] {
                self.errors[i] = Some(FactsError::TooLong { field: names[i], max: limits[i], got: n }.to_string());
            } else if self.errors[i].as_deref().is_some_and(|e| e.contains("characters long")) {
                self.errors[i] = None;
            }
        }
    }

    /// Validates; on failure puts the message under its field and focuses it.
    pub fn validate(&mut self) -> Option<Facts> {
        let facts = self.facts();
        self.errors = Default::default();
        self.check_lengths();
        if let Err(e) = facts.validate() {
            let idx = match &e {
                FactsError::Empty { field } | FactsError::TooLong { field, .. } => match *field {
                    "name" => 0,
                    "hobbies" => 1,
                    _ => 2,
                },
                FactsError::ControlChar(c) => {
                    [&facts.name, &facts.hobbies, &facts.quirk].iter().position(|s| s.contains(*c)).unwrap_or(0)
                }
            };
            self.errors[idx] = Some(e.to_string());
            self.focus = idx;
            return None;
        }
        Some(facts)
    }
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    let s = &mut app.input;
    match action {
        Action::NextField | Action::Down => s.focus = (s.focus + 1) % FIELDS,
        Action::PrevField | Action::Up => s.focus = (s.focus + FIELDS - 1) % FIELDS,
        Action::Submit if s.focus < OCCASION => s.focus += 1,
        Action::Submit | Action::SubmitAll => return generate(app),
        Action::Left if s.focus == OCCASION => s.occasion = s.occasion.saturating_sub(1),
        Action::Right if s.focus == OCCASION => s.occasion = (s.occasion + 1).min(Occasion::ALL.len()),
        Action::Select(i) if s.focus == OCCASION => s.occasion = (i + 1).min(Occasion::ALL.len()),
        Action::Edit(req) => {
            let focus = s.focus;
            if let Some(field) = s.field_mut(focus) {
                field.handle(req);
                if let Some(e) = s.errors.get_mut(focus) {
                    *e = None;
                }
                s.check_lengths();
            }
        }
        Action::Paste(text) => {
            let focus = s.focus;
            if let Some(field) = s.field_mut(focus) {
                // One-line fields: line breaks become the separators people mean by them.
                for c in text.trim_end().chars().map(|c| if c == '\n' || c == '\r' { ',' } else { c }) {
                    if !c.is_control() {
                        field.handle(InputRequest::InsertChar(c));
                    }
                }
                s.check_lengths();
            }
        }
        Action::Back if !app.sessions.rows.is_empty() => app.go(ScreenId::Sessions),
        _ => {}
    }
    Vec::new()
}

/// Saves the facts (a new session, or changed facts of the current one) and opens the gallery.
fn generate(app: &mut App) -> Vec<Effect> {
    if app.input.busy {
        return Vec::new();
    }
    let Some(facts) = app.input.validate() else {
        return Vec::new();
    };
    let Some(session) = app.shared.session.as_mut() else {
        app.input.busy = true;
        let mut params = SessionParams::default();
        params.fab.height_mm = app.shared.default_height_mm;
        params.fab.hollow = app.shared.hollow.default_spec();
        params.fab.line1 = crate::fab::spec::fit_line(&facts.name);
        return vec![Effect::CreateSession { facts, params }];
    };
    let id = session.id.clone();
    if session.facts == facts {
        app.go(ScreenId::Gallery);
        if app.gallery.cards.iter().all(|c| c.picture.image.is_none()) && !app.shared.jobs.busy() {
            return app.request_job(JobSpec::new(JobKind::Concepts, &id, Stage::Images));
        }
        return Vec::new();
    }
    // New facts: new ideas. Everything after them is redone; the old files stay in the store.
    session.facts = facts.clone();
    session.chosen = None;
    session.params.pick = None;
    app.studio.report = None;
    app.gallery.reset(0);
    for c in &mut app.gallery.cards {
        c.picture.set_image(None);
    }
    app.go(ScreenId::Gallery);
    let mut spec = JobSpec::new(JobKind::Concepts, &id, Stage::Images);
    spec.facts = Some(facts);
    spec.params = app.shared.session.as_ref().map(|s| s.params.clone());
    spec.invalidate = Some(Stage::Ideation);
    app.request_job(spec)
}

impl Widget for View<'_, InputScreen> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.shared.theme;
        let s = self.screen;
        let width = area.width.saturating_sub(4).min(96);
        let col = Rect { x: area.x + (area.width - width) / 2, width, ..area };
        let chips_h = if width >= 92 { 3 } else { 4 };
        let [intro, name, hobbies, quirk, occasion, button, message] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Length(chips_h),
            Constraint::Length(2),
            Constraint::Min(0),
        ])
        .areas(col);
        Paragraph::new(vec![
            Line::from(Span::styled("Who are we celebrating?", t.accent())),
            Line::from(Span::styled("A few facts, and we sketch four keepsake figurines to choose from.", t.muted())),
        ])
        .wrap(Wrap { trim: true })
        .render(intro, buf);
        let fields = [
            ("Who is celebrated", &s.name, MAX_NAME_CHARS, "a name or a relation: Dad, Zoë, my sister"),
            ("Passions and hobbies", &s.hobbies, MAX_HOBBIES_CHARS, "comma separated: tennis, coffee, jazz"),
            ("Something quirky (optional)", &s.quirk, MAX_QUIRK_CHARS, "always wears a bow tie"),
        ];
        for (i, ((label, input, max, placeholder), rect)) in fields.into_iter().zip([name, hobbies, quirk]).enumerate()
        {
            Field {
                label,
                input,
                focused: s.focus == i,
                error: s.errors[i].as_deref(),
                hint: Some(format!("{}/{max}", input.value().chars().count())),
                placeholder,
                theme: t,
            }
            .render(rect, buf);
        }
        let labels = occasion_labels();
        Chips {
            label: "Occasion (optional)",
            options: &labels,
            selected: s.occasion,
            focused: s.focus == OCCASION,
            hint: (s.focus == OCCASION).then_some("← → choose"),
            theme: t,
        }
        .render(occasion, buf);
        let label = if s.busy {
            format!("{} saving…", spinner::frame(self.shared.tick))
        } else {
            "[ Generate concepts ▸ ]".to_string()
        };
        let style = if s.focus == OCCASION { t.selected() } else { t.accent() };
        Paragraph::new(vec![
            Line::from(Span::styled(label, style)),
            Line::from(Span::styled("Enter on the occasion or Ctrl-G from anywhere", t.muted())),
        ])
        .alignment(Alignment::Center)
        .render(button, buf);
        // The border shows a shortened message; the whole of the first one is spelled out here.
        if let Some(err) = s.errors.iter().flatten().next() {
            Paragraph::new(Span::styled(format!("! {err}"), t.error())).wrap(Wrap { trim: true }).render(message, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::testing::app_at;

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            on_action(app, Action::Edit(InputRequest::InsertChar(c)));
        }
    }

    #[test]
    fn tab_moves_through_fields_and_wraps() {
        let mut app = app_at(ScreenId::Input, 80, 24);
        assert_eq!(app.input.key_context(), KeyContext::Text);
        for expected in [1, 2, 3, 0] {
            on_action(&mut app, Action::NextField);
            assert_eq!(app.input.focus, expected);
        }
        on_action(&mut app, Action::PrevField);
        assert_eq!(app.input.focus, 3);
        assert_eq!(app.input.key_context(), KeyContext::Command);
    }

    #[test]
    fn cursor_editing_and_paste() {
        let mut app = app_at(ScreenId::Input, 80, 24);
        type_text(&mut app, "Dad rocks");
        on_action(&mut app, Action::Edit(InputRequest::GoToPrevWord));
        on_action(&mut app, Action::Edit(InputRequest::DeletePrevChar));
        assert_eq!(app.input.name.value(), "Dadrocks");
        on_action(&mut app, Action::Edit(InputRequest::GoToStart));
        on_action(&mut app, Action::Edit(InputRequest::DeleteNextChar));
        assert_eq!(app.input.name.value(), "adrocks");
        on_action(&mut app, Action::Edit(InputRequest::GoToEnd));
        on_action(&mut app, Action::Edit(InputRequest::DeletePrevWord));
        assert_eq!(app.input.name.value(), "");
        on_action(&mut app, Action::NextField);
        on_action(&mut app, Action::Paste("tennis\ncoffee\n".into()));
        assert_eq!(app.input.hobbies.value(), "tennis,coffee");
    }

    #[test]
    fn validation_puts_the_message_under_the_field() {
        let mut app = app_at(ScreenId::Input, 80, 24);
        type_text(&mut app, "Dad");
        let fx = on_action(&mut app, Action::SubmitAll);
        assert!(fx.is_empty());
        assert_eq!(app.input.focus, 1, "focus moves to the empty hobbies");
        assert!(app.input.errors[1].as_deref().is_some_and(|e| e.contains("hobbies is empty")));
        type_text(&mut app, "tennis");
        assert!(app.input.errors[1].is_none(), "typing clears the message");
        on_action(&mut app, Action::Edit(InputRequest::GoToEnd));
        type_text(&mut app, &"x".repeat(MAX_HOBBIES_CHARS));
        assert!(app.input.errors[1].as_deref().is_some_and(|e| e.contains("keep it to 300")));
    }

    #[test]
    fn enter_walks_the_fields_then_generates_a_session() {
        let mut app = app_at(ScreenId::Input, 80, 24);
        type_text(&mut app, "Dad");
        on_action(&mut app, Action::Submit);
        type_text(&mut app, "tennis, coffee");
        on_action(&mut app, Action::Submit);
        on_action(&mut app, Action::Submit);
        on_action(&mut app, Action::Right);
        on_action(&mut app, Action::Right);
        assert_eq!(app.input.facts().occasion, Some(Occasion::Graduation));
        let fx = on_action(&mut app, Action::Submit);
        match fx.as_slice() {
            [Effect::CreateSession { facts, params }] => {
                assert_eq!(facts.name, "Dad");
                assert_eq!(params.fab.line1, "Dad");
            }
            _ => panic!("expected a new session"),
        }
        assert!(app.input.busy);
        assert!(on_action(&mut app, Action::SubmitAll).is_empty(), "no second session while saving");
    }
}
