//! The whole studio walk over the real pipeline with offline backends, without a terminal: keys in,
//! background work waited for, the order's files checked on disk; then a restart resumes it.

use memoreez::config::Config;
use memoreez::pipeline::{Backends, Pipeline};
use memoreez::store::Store;
use memoreez::tui::app::ScreenId;
use memoreez::tui::testing::Driver;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use std::sync::Arc;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(600);

fn pipeline(dir: &std::path::Path) -> Pipeline {
    let store = Store::open(dir).expect("store");
    let backends = Backends::from_config(&Config::default()).expect("offline backends");
    Pipeline::new(Arc::new(store), Arc::new(backends))
}

#[test]
fn from_facts_to_a_saved_order_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut d = Driver::new(pipeline(&data), 80, 24);
    assert_eq!(d.app.screen, ScreenId::Input, "no sessions yet: the form comes first");

    d.type_text("Dad");
    d.key(KeyCode::Tab);
    d.type_text("tennis, coffee");
    d.key_with(KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert!(
        d.wait_until(LONG, |a| a.screen == ScreenId::Gallery
            && !a.shared.jobs.busy()
            && a.gallery.cards.iter().all(|c| c.picture.protocol().is_some())),
        "four concepts drawn and shown"
    );
    assert!(d.app.gallery.cards.iter().all(|c| !c.title.is_empty() && c.style.is_some()));

    // Redraw one: its picture changes.
    let before = d.app.gallery.cards[0].sha256.clone();
    d.key(KeyCode::Char('r'));
    assert!(d.wait_until(LONG, |a| !a.shared.jobs.busy() && a.gallery.cards[0].picture.protocol().is_some()));
    assert_ne!(d.app.gallery.cards[0].sha256, before, "a new image for concept 1");

    d.key(KeyCode::Right);
    d.key(KeyCode::Enter);
    assert_eq!(d.app.screen, ScreenId::Studio);
    assert!(
        d.wait_until(LONG, |a| a.studio.report.is_some()
            && !a.shared.jobs.busy()
            && a.studio.picture.protocol().is_some()),
        "the solid is made and shown"
    );
    assert_eq!(d.app.shared.session.as_ref().and_then(|s| s.chosen), Some(1));

    // The rotating preview: its turntable is built in the background and turns; space pauses it,
    // and then nothing wakes the loop.
    assert!(d.wait_until(LONG, |a| a.studio.preview.frames.iter().all(Option::is_some)), "the turntable is built");
    let at = d.app.studio.preview.index;
    assert!(d.wait_until(LONG, |a| a.studio.preview.index != at), "the piece turns");
    d.key(KeyCode::Char(' '));
    assert!(!d.app.studio.preview.playing);
    assert_eq!(d.app.next_wakeup(std::time::Instant::now()), None, "paused: no clock runs");

    // An engraving edit re-cuts the pedestal after the debounce.
    d.key(KeyCode::Tab);
    d.key(KeyCode::Tab);
    d.type_text("60 YEARS");
    assert!(d.app.studio.recut_due.is_some());
    assert!(d.wait_until(LONG, |a| a.studio.recut_due.is_none() && !a.shared.jobs.busy() && a.studio.report.is_some()));
    assert_eq!(d.app.shared.session.as_ref().map(|s| s.params.fab.line2.as_str()), Some("60 YEARS"));

    d.key_with(KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert_eq!(d.app.screen, ScreenId::Checkout);
    assert!(d.wait_until(LONG, |a| a.shared.session.as_ref().is_some_and(|s| s.results.slice.is_some())
        && !a.shared.jobs.busy()));

    d.type_text("not-an-email");
    d.key_with(KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert!(d.app.checkout.errors[0].is_some(), "the email is checked before anything is saved");
    d.key_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    d.type_text("ann@example.org");
    d.key(KeyCode::Tab);
    d.key(KeyCode::Right);
    d.key(KeyCode::Tab);
    d.type_text("12 Rue des Fleurs, Paris");
    d.key_with(KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert!(d.wait_until(LONG, |a| a.checkout.placed.is_some()), "the order is placed");
    let placed = d.app.checkout.placed.clone().unwrap();
    for file in ["model.stl", "model.3mf"] {
        assert!(placed.dir.join(file).is_file(), "{file} in {}", placed.dir.display());
    }

    // Esc walks back with everything kept.
    d.key(KeyCode::Esc);
    assert_eq!(d.app.screen, ScreenId::Studio);
    assert_eq!(d.app.studio.line2.value(), "60 YEARS");
    d.key(KeyCode::Esc);
    d.key(KeyCode::Esc);
    assert_eq!(d.app.screen, ScreenId::Input);
    assert_eq!(d.app.input.hobbies.value(), "tennis, coffee");

    // A restart offers the session and reopens it at checkout, with the order shown.
    drop(d);
    let mut again = Driver::new(pipeline(&data), 80, 24);
    assert_eq!(again.app.screen, ScreenId::Sessions);
    assert_eq!(again.app.sessions.rows.first().map(|r| r.reached.as_str()), Some("ordered"));
    again.key(KeyCode::Enter);
    assert!(again.wait_until(LONG, |a| a.screen == ScreenId::Checkout && a.checkout.placed.is_some()));
}
