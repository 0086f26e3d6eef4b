//! Every studio screen, the help overlay, the too-small message and error states, drawn with
//! ratatui's TestBackend at 80x24 and 160x48. States are built without a terminal (see
//! `memoreez::tui::testing`), so this runs anywhere. Snapshots live in `snapshots/`.

use memoreez::tui::testing::{draw, scene};
use ratatui::style::Color;

const SCENES: [&str; 17] = [
    "sessions",
    "input-empty",
    "input",
    "input-errors",
    "gallery",
    "gallery-drawing",
    "studio-running",
    "studio-done",
    "studio-editing",
    "checkout",
    "checkout-placed",
    "checkout-earlier-order",
    "studio-save",
    "help",
    "confirm-quit",
    "error",
    "too-small",
];

fn snapshot(name: &str, w: u16, h: u16) {
    let app = match name {
        "too-small" => scene("input", w * 3 / 4, h * 3 / 4),
        other => scene(other, w, h),
    };
    let terminal = draw(&app);
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    });
}

#[test]
fn every_screen_at_80x24() {
    for name in SCENES {
        snapshot(name, 80, 24);
    }
}

#[test]
fn every_screen_at_160x48() {
    for name in SCENES {
        snapshot(name, 160, 48);
    }
}

/// Snapshots keep characters only; colour carries meaning in a few places, checked here.
#[test]
fn the_selected_card_and_errors_are_coloured_and_no_color_is_plain() {
    let app = scene("gallery", 80, 24);
    let terminal = draw(&app);
    let buf = terminal.backend().buffer();
    let accent = app.shared.theme.accent;
    assert_eq!(accent, Color::Rgb(0x8b, 0x5c, 0xf6));
    // Card 2 is selected: its left border (the second quarter of the width) is violet.
    let x = 80 / 4;
    assert_eq!(buf[(x, 3)].symbol(), "║");
    assert_eq!(buf[(x, 3)].fg, accent, "selected card border");
    assert_ne!(buf[(0, 3)].fg, accent, "other cards are not");

    let errors = scene("input-errors", 80, 24);
    let terminal = draw(&errors);
    let buf = terminal.backend().buffer();
    let red = errors.shared.theme.error;
    let any_red = (0..80).any(|x| (0..24).any(|y| buf[(x, y)].fg == red));
    assert!(any_red, "the validation message is drawn in the error colour");

    let mut plain = scene("gallery", 80, 24);
    plain.shared.theme = memoreez::tui::theme::Theme::monochrome();
    let terminal = draw(&plain);
    let buf = terminal.backend().buffer();
    // Only pictures keep colours under NO_COLOR; the frame around them uses none.
    for (x, y) in [(0, 0), (40, 0), (0, 3), (x, 3), (5, 23), (70, 22)] {
        assert_eq!(buf[(x, y)].fg, Color::Reset, "({x},{y})");
        assert_eq!(buf[(x, y)].bg, Color::Reset, "({x},{y})");
    }
}

#[test]
fn themes_change_colours_not_layout() {
    let base = draw(&scene("studio-done", 80, 24));
    for name in ["light", "high-contrast"] {
        let mut app = scene("studio-done", 80, 24);
        app.shared.theme = memoreez::tui::theme::Theme::load(name, None, false).unwrap();
        let other = draw(&app);
        let text = |t: &ratatui::Terminal<ratatui::backend::TestBackend>| {
            t.backend().buffer().content().iter().map(|c| c.symbol().to_string()).collect::<String>()
        };
        assert_eq!(text(&base), text(&other), "{name}");
        assert_ne!(base.backend().buffer(), other.backend().buffer(), "{name} colours differ");
    }
}
