//! Keys become actions here, once; screens only ever see actions.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::InputRequest;

/// Everything a person can ask for, whatever key they used.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `q` (outside text fields), Ctrl-C, Ctrl-Q.
    Quit,
    /// `?` (outside text fields) or F1.
    Help,
    /// Esc: back one screen, or close an overlay.
    Back,
    NextField,
    PrevField,
    Up,
    Down,
    Left,
    Right,
    /// PageUp / PageDown: bigger steps (height in mm).
    PageUp,
    PageDown,
    /// Enter: the focused thing's main action.
    Submit,
    /// Ctrl-Enter (or Ctrl-G, Ctrl-J where Ctrl-Enter cannot be told apart): the screen's main action from anywhere.
    SubmitAll,
    /// A text edit for the focused field.
    Edit(InputRequest),
    /// Pasted text.
    Paste(String),
    /// `r`: regenerate the selected concept.
    Regenerate,
    /// Ctrl-S: save the solid's STL and 3MF (and G-code once sliced) to the current directory.
    Save,
    /// `R`: regenerate all four.
    RegenerateAll,
    /// `1`-`4`: select a card.
    Select(usize),
    /// `n` on the session list.
    NewSession,
    /// Steering the Studio's rotating preview.
    Preview(PreviewKey),
    Yes,
    No,
}

/// Keys of the Studio's rotating preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreviewKey {
    /// Space: stop or resume turning.
    Pause,
    /// Arrows: one frame round (left/right), one step up or down.
    Orbit { azimuth: i8, elevation: i8 },
    /// `+` / `-`.
    Zoom(i8),
    /// `0`: the starting view, turning.
    Reset,
    /// `o`: tint overhangs beyond 45 degrees.
    Overhangs,
    /// `t`: tint walls too thin to print.
    ThinWalls,
    /// `e`: fly to the engraving (and back).
    Engraving,
}

/// What decides how a key is read: text fields take printable keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyContext {
    /// A text field has focus: letters are text.
    Text,
    /// Lists, cards, chips and buttons: letters are commands.
    Command,
    /// A yes/no question is open.
    Confirm,
    /// Commands, with the rotating preview taking arrows, space and its letters.
    Preview,
}

/// Maps one key press to an action, or nothing.
pub fn from_key(key: KeyEvent, ctx: KeyContext) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    if ctx == KeyContext::Preview && !ctrl && !alt {
        if let Some(k) = preview_key(key.code) {
            return Some(Action::Preview(k));
        }
    }
    // Keys that mean the same everywhere.
    match key.code {
        KeyCode::Char('c' | 'q') if ctrl => return Some(Action::Quit),
        KeyCode::F(1) => return Some(Action::Help),
        KeyCode::Esc => return Some(Action::Back),
        KeyCode::Tab => return Some(Action::NextField),
        KeyCode::BackTab => return Some(Action::PrevField),
        KeyCode::Enter if ctrl => return Some(Action::SubmitAll),
        KeyCode::Char('g' | 'j') if ctrl => return Some(Action::SubmitAll),
        KeyCode::Char('s') if ctrl => return Some(Action::Save),
        KeyCode::Enter => return Some(Action::Submit),
        KeyCode::Up => return Some(Action::Up),
        KeyCode::Down => return Some(Action::Down),
        KeyCode::PageUp => return Some(Action::PageUp),
        KeyCode::PageDown => return Some(Action::PageDown),
        _ => {}
    }
    match ctx {
        KeyContext::Confirm => match key.code {
            KeyCode::Char('y' | 'Y') => Some(Action::Yes),
            KeyCode::Char('n' | 'N') => Some(Action::No),
            KeyCode::Left => Some(Action::Left),
            KeyCode::Right => Some(Action::Right),
            _ => None,
        },
        KeyContext::Command | KeyContext::Preview => match key.code {
            KeyCode::Char('q') if !ctrl && !alt => Some(Action::Quit),
            KeyCode::Char('?') => Some(Action::Help),
            KeyCode::Left | KeyCode::Char('h') => Some(Action::Left),
            KeyCode::Right | KeyCode::Char('l') => Some(Action::Right),
            KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Char('j') => Some(Action::Down),
            KeyCode::Char('r') => Some(Action::Regenerate),
            KeyCode::Char('R') => Some(Action::RegenerateAll),
            KeyCode::Char('n') => Some(Action::NewSession),
            KeyCode::Char(' ') => Some(Action::Submit),
            KeyCode::Char(c @ '1'..='4') => Some(Action::Select(c as usize - '1' as usize)),
            _ => None,
        },
        KeyContext::Text => text_edit(key.code, ctrl, alt, shift).map(Action::Edit),
    }
}

fn preview_key(code: KeyCode) -> Option<PreviewKey> {
    Some(match code {
        KeyCode::Char(' ') => PreviewKey::Pause,
        KeyCode::Left => PreviewKey::Orbit { azimuth: -1, elevation: 0 },
        KeyCode::Right => PreviewKey::Orbit { azimuth: 1, elevation: 0 },
        KeyCode::Up => PreviewKey::Orbit { azimuth: 0, elevation: 1 },
        KeyCode::Down => PreviewKey::Orbit { azimuth: 0, elevation: -1 },
        KeyCode::Char('+' | '=') => PreviewKey::Zoom(1),
        KeyCode::Char('-' | '_') => PreviewKey::Zoom(-1),
        KeyCode::Char('0') => PreviewKey::Reset,
        KeyCode::Char('o') => PreviewKey::Overhangs,
        KeyCode::Char('t') => PreviewKey::ThinWalls,
        KeyCode::Char('e') => PreviewKey::Engraving,
        _ => return None,
    })
}

/// Readline-style editing on one line.
fn text_edit(code: KeyCode, ctrl: bool, alt: bool, _shift: bool) -> Option<InputRequest> {
    use InputRequest::*;
    Some(match code {
        KeyCode::Left if ctrl || alt => GoToPrevWord,
        KeyCode::Right if ctrl || alt => GoToNextWord,
        KeyCode::Left => GoToPrevChar,
        KeyCode::Right => GoToNextChar,
        KeyCode::Home => GoToStart,
        KeyCode::End => GoToEnd,
        KeyCode::Backspace if ctrl || alt => DeletePrevWord,
        KeyCode::Backspace => DeletePrevChar,
        KeyCode::Delete if ctrl || alt => DeleteNextWord,
        KeyCode::Delete => DeleteNextChar,
        KeyCode::Char('a') if ctrl => GoToStart,
        KeyCode::Char('e') if ctrl => GoToEnd,
        KeyCode::Char('b') if ctrl => GoToPrevChar,
        KeyCode::Char('f') if ctrl => GoToNextChar,
        KeyCode::Char('b') if alt => GoToPrevWord,
        KeyCode::Char('f') if alt => GoToNextWord,
        KeyCode::Char('w') if ctrl => DeletePrevWord,
        KeyCode::Char('h') if ctrl => DeletePrevChar,
        KeyCode::Char('d') if ctrl => DeleteNextChar,
        KeyCode::Char('d') if alt => DeleteNextWord,
        KeyCode::Char('u') if ctrl => DeleteFromStart,
        KeyCode::Char('k') if ctrl => DeleteTillEnd,
        KeyCode::Char(c) if !ctrl && !alt => InsertChar(c),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn letters_are_text_in_fields_and_commands_elsewhere() {
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(from_key(q, KeyContext::Text), Some(Action::Edit(InputRequest::InsertChar('q'))));
        assert_eq!(from_key(q, KeyContext::Command), Some(Action::Quit));
        let r = key(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert_eq!(from_key(r, KeyContext::Command), Some(Action::RegenerateAll));
        assert_eq!(from_key(key(KeyCode::Char('l'), KeyModifiers::NONE), KeyContext::Command), Some(Action::Right));
        assert_eq!(from_key(key(KeyCode::Char('3'), KeyModifiers::NONE), KeyContext::Command), Some(Action::Select(2)));
    }

    #[test]
    fn quitting_help_and_generate_work_from_text_fields() {
        let ctrl = KeyModifiers::CONTROL;
        assert_eq!(from_key(key(KeyCode::Char('c'), ctrl), KeyContext::Text), Some(Action::Quit));
        assert_eq!(from_key(key(KeyCode::F(1), KeyModifiers::NONE), KeyContext::Text), Some(Action::Help));
        assert_eq!(from_key(key(KeyCode::Enter, ctrl), KeyContext::Text), Some(Action::SubmitAll));
        assert_eq!(from_key(key(KeyCode::Char('g'), ctrl), KeyContext::Text), Some(Action::SubmitAll));
        assert_eq!(from_key(key(KeyCode::Enter, KeyModifiers::NONE), KeyContext::Text), Some(Action::Submit));
    }

    #[test]
    fn word_jumps_and_deletes() {
        let t = |code, m| from_key(key(code, m), KeyContext::Text);
        assert_eq!(t(KeyCode::Left, KeyModifiers::CONTROL), Some(Action::Edit(InputRequest::GoToPrevWord)));
        assert_eq!(t(KeyCode::Char('w'), KeyModifiers::CONTROL), Some(Action::Edit(InputRequest::DeletePrevWord)));
        assert_eq!(t(KeyCode::Home, KeyModifiers::NONE), Some(Action::Edit(InputRequest::GoToStart)));
        assert_eq!(t(KeyCode::Delete, KeyModifiers::NONE), Some(Action::Edit(InputRequest::DeleteNextChar)));
    }

    #[test]
    fn the_preview_takes_arrows_space_and_its_letters_but_not_quit() {
        let p = |code| from_key(key(code, KeyModifiers::NONE), KeyContext::Preview);
        assert_eq!(p(KeyCode::Char(' ')), Some(Action::Preview(PreviewKey::Pause)));
        assert_eq!(p(KeyCode::Up), Some(Action::Preview(PreviewKey::Orbit { azimuth: 0, elevation: 1 })));
        assert_eq!(p(KeyCode::Char('e')), Some(Action::Preview(PreviewKey::Engraving)));
        assert_eq!(p(KeyCode::Char('q')), Some(Action::Quit));
        assert_eq!(p(KeyCode::Enter), Some(Action::Submit));
        assert_eq!(from_key(key(KeyCode::Up, KeyModifiers::NONE), KeyContext::Command), Some(Action::Up));
    }

    #[test]
    fn releases_are_ignored_and_confirm_reads_y_n() {
        let mut k = key(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(from_key(k, KeyContext::Confirm), Some(Action::Yes));
        k.kind = KeyEventKind::Release;
        assert_eq!(from_key(k, KeyContext::Confirm), None);
    }
}
