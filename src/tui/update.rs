//! `update`: the one place messages change the studio's state. Screens handle their own actions;
//! this file routes messages to them and handles what spans screens (sessions, jobs, renders).

use super::action::{self, Action};
use super::app::{App, Overlay, ScreenId};
use super::images::ImageTarget;
use super::msg::{Effect, JobError, JobKind, JobOutput, JobSpec, Msg, Opened};
use super::preview;
use super::screens::{checkout, gallery, input, sessions, studio};
use crate::domain::Stage;
use crate::pipeline::Outputs;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Size;
use std::time::Instant;

/// The one entry point: applies `msg` at time `now` and returns the work to do.
pub fn update(app: &mut App, msg: Msg, now: Instant) -> Vec<Effect> {
    app.shared.now = now;
    let mut effects = match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => on_action(app, Action::Paste(text)),
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Resize(w, h) => {
            app.shared.size = Size::new(w, h);
            Vec::new()
        }
        Msg::Tick { rss_bytes } => {
            app.shared.tick = app.shared.tick.wrapping_add(1);
            if rss_bytes.is_some() {
                app.shared.progress.rss_bytes = rss_bytes;
            }
            let mut effects = studio::on_tick(app);
            effects.extend(preview::glue::on_tick(app));
            effects
        }
        Msg::SessionOpened(result) => on_session(app, result),
        Msg::Progress { job, event } => {
            if !app.shared.jobs.is_current(job) {
                return Vec::new();
            }
            app.shared.progress.apply(&event, now);
            gallery::on_progress(app, &event)
        }
        Msg::JobDone { job, result } => on_job_done(app, job, result),
        Msg::ConceptsLoaded { seq, session, cards } => {
            if app.shared.session_id() == Some(session.as_str()) {
                app.gallery.load(seq, cards);
            }
            Vec::new()
        }
        Msg::Encoded { key, result } => {
            match result {
                Ok(protocol) => {
                    let slot = match key.target {
                        ImageTarget::Card(i) => app.gallery.cards.get_mut(i).map(|c| &mut c.picture),
                        ImageTarget::Studio => Some(&mut app.studio.picture),
                        ImageTarget::Checkout => Some(&mut app.checkout.picture),
                    };
                    if let Some(slot) = slot {
                        slot.accept(key, protocol);
                    }
                }
                Err(e) => app.shared.progress.log(e),
            }
            Vec::new()
        }
        Msg::PreviewLoaded { version, result } => {
            preview::glue::on_loaded(app, version, result);
            Vec::new()
        }
        Msg::PreviewFrame { key, result } => {
            preview::glue::on_frame(app, key, result);
            Vec::new()
        }
        Msg::FilesSaved(result) => on_files_saved(app, result),
        Msg::SolidRendered { version, result } => {
            if version == app.shared.solid_version {
                app.shared.solid_pending = false;
                match result {
                    Ok(image) => {
                        app.studio.picture.set_image(Some(image.clone()));
                        app.checkout.picture.set_image(Some(image));
                    }
                    Err(e) => app.shared.progress.log(format!("preview: {e}")),
                }
            }
            Vec::new()
        }
    };
    effects.extend(app.sync_images());
    effects
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match action::from_key(key, app.key_context()) {
        Some(a) => on_action(app, a),
        None => Vec::new(),
    }
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if app.overlay.is_some() || app.too_small() {
        return Vec::new();
    }
    match app.screen {
        ScreenId::Gallery => gallery::on_mouse(app, m),
        _ => Vec::new(),
    }
}

pub fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    if let Some(overlay) = &app.overlay {
        return match (overlay, action) {
            (Overlay::ConfirmQuit, Action::Yes) => {
                app.quit = true;
                app.shared.jobs.cancel_all()
            }
            (Overlay::ConfirmQuit, Action::No | Action::Back | Action::Quit) => {
                app.overlay = None;
                Vec::new()
            }
            (Overlay::Help, Action::Help | Action::Back | Action::Submit | Action::Quit) => {
                app.overlay = None;
                Vec::new()
            }
            (Overlay::Message { .. }, Action::Back | Action::Submit | Action::Quit) => {
                app.overlay = None;
                Vec::new()
            }
            (Overlay::Save { .. }, action) => on_save_dialog(app, action),
            _ => Vec::new(),
        };
    }
    match action {
        Action::Quit => {
            if app.shared.jobs.busy() {
                app.overlay = Some(Overlay::ConfirmQuit);
            } else {
                app.quit = true;
            }
            Vec::new()
        }
        Action::Help => {
            app.overlay = Some(Overlay::Help);
            Vec::new()
        }
        Action::Save => save_files(app),
        a => match app.screen {
            ScreenId::Sessions => sessions::on_action(app, a),
            ScreenId::Input => input::on_action(app, a),
            ScreenId::Gallery => gallery::on_action(app, a),
            ScreenId::Studio => studio::on_action(app, a),
            ScreenId::Checkout => checkout::on_action(app, a),
        },
    }
}

/// Ctrl-S in the Studio or Checkout: asks where to save the solid's files, no order needed.
fn save_files(app: &mut App) -> Vec<Effect> {
    if !matches!(app.screen, ScreenId::Studio | ScreenId::Checkout) {
        return Vec::new();
    }
    let Some(s) = app.shared.session.as_ref() else { return Vec::new() };
    if s.results.solid_sha256.is_none() || app.shared.job_pending(&[JobKind::Solid, JobKind::Recut]) {
        app.show_error("Nothing to save yet", "the printable solid is still being made; save once it shows".into());
        return Vec::new();
    }
    app.overlay = Some(Overlay::Save { error: None });
    Vec::new()
}

/// Keys in the save dialog: the path is edited; Enter saves there, Esc goes back.
fn on_save_dialog(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Edit(req) => {
            app.save_path.handle(req);
        }
        Action::Paste(text) => {
            for ch in text.trim().chars().filter(|c| !c.is_control()) {
                app.save_path.handle(tui_input::InputRequest::InsertChar(ch));
            }
        }
        Action::Submit | Action::SubmitAll => {
            let Some(s) = app.shared.session.as_ref() else { return Vec::new() };
            match save_outputs(app.save_path.value(), &file_stem(&s.facts.name, &s.id)) {
                Ok(outputs) => {
                    let session = s.id.clone();
                    app.overlay = None;
                    return vec![Effect::SaveFiles { session, outputs }];
                }
                Err(e) => app.overlay = Some(Overlay::Save { error: Some(e) }),
            }
        }
        Action::Back | Action::Quit => app.overlay = None,
        _ => {}
    }
    Vec::new()
}

/// What a typed path means: a file ending in `.stl` (the 3MF and G-code beside it, same name), or
/// a folder (empty: the current one) for `stem.stl`, `stem.3mf` and `stem.gcode`.
fn save_outputs(typed: &str, stem: &str) -> Result<Outputs, String> {
    let typed = typed.trim();
    let path = std::path::Path::new(if typed.is_empty() { "." } else { typed });
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("stl") => Ok(Outputs {
            stl: Some(path.to_path_buf()),
            threemf: Some(path.with_extension("3mf")),
            gcode: Some(path.with_extension("gcode")),
        }),
        Some("3mf" | "gcode" | "obj" | "ply" | "glb") => Err("name a folder, or a file ending in .stl".into()),
        _ => Ok(Outputs::in_dir(path, stem)),
    }
}

/// "grandma-rose-1a2b3c4d": the name in plain letters and the session, so saves never collide.
fn file_stem(name: &str, session: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "keepsake" } else { slug };
    format!("{slug}-{}", session.chars().take(8).collect::<String>())
}

fn on_files_saved(app: &mut App, result: Result<crate::pipeline::OutputFiles, String>) -> Vec<Effect> {
    match result {
        Ok(files) => {
            let mut lines: Vec<String> = [&files.stl, &files.threemf, &files.gcode]
                .into_iter()
                .flatten()
                .map(|p| p.display().to_string())
                .collect();
            lines.extend(files.notes);
            app.overlay = Some(Overlay::Message { title: "Files saved".into(), text: lines.join("\n"), error: false });
        }
        Err(e) => app.show_error("Cannot save the files", e),
    }
    Vec::new()
}

/// A session was created or reopened: fill every screen from it and go where it stopped.
fn on_session(app: &mut App, result: Result<Box<Opened>, String>) -> Vec<Effect> {
    let (info, order_dir) = match result {
        Ok(opened) => (opened.session, opened.order_dir),
        Err(e) => {
            app.input.busy = false;
            app.show_error("Cannot open the session", e);
            return Vec::new();
        }
    };
    app.input.fill(&info.facts);
    app.studio.fill(&info.params);
    app.checkout.fill(&info.params);
    app.studio.report = info.results.printability.clone();
    app.studio.picture.set_image(None);
    app.checkout.picture.set_image(None);
    app.sessions.opening = false;
    app.checkout.placed = match (&info.results.order_id, &order_dir) {
        (Some(id), Some(dir)) => Some(checkout::Placed { order_id: id.clone(), dir: dir.clone() }),
        _ => None,
    };
    app.gallery.reset(info.chosen.or(info.params.pick).unwrap_or(0));
    let id = info.id.clone();
    let step = info.step;
    let solid_made = info.results.printability.is_some();
    let picked = info.chosen.or(info.params.pick).is_some();
    app.shared.session = Some(info);
    let mut effects = gallery::reload(app);
    match step {
        Some(Stage::Slicing | Stage::Pricing) if solid_made => {
            app.go(ScreenId::Checkout);
            effects.extend(app.request_render());
            effects.extend(checkout::ensure_quote(app));
        }
        // A concept was picked (or a model imported): the person was in the studio.
        _ if picked => {
            app.go(ScreenId::Studio);
            if solid_made {
                effects.extend(app.request_render());
            } else {
                effects.extend(app.request_job(JobSpec::new(JobKind::Solid, &id, Stage::Fabrication)));
            }
        }
        _ => {
            app.go(ScreenId::Gallery);
            effects.extend(app.request_job(JobSpec::new(JobKind::Concepts, &id, Stage::Images)));
        }
    }
    effects
}

fn on_job_done(app: &mut App, job: u64, result: Result<Box<JobOutput>, JobError>) -> Vec<Effect> {
    let now = app.shared.now;
    let (spec, mut effects) = app.shared.jobs.finish(job, now);
    let Some(spec) = spec else { return effects };
    if effects.iter().any(|e| matches!(e, Effect::StartJob { .. })) {
        app.shared.progress.reset();
    }
    let out = match result {
        Ok(out) => out,
        Err(e) if e.cancelled => {
            app.shared.progress.log("stopped; what was finished is saved".into());
            return effects;
        }
        Err(e) => {
            app.shared.progress.log(format!("failed: {}", e.message));
            if spec.kind == JobKind::Order {
                app.checkout.ordering = false;
            }
            // A later request already supersedes this one: no need to interrupt with an old failure.
            if !app.shared.jobs.busy() {
                app.show_error("Something went wrong", e.message);
            }
            return effects;
        }
    };
    if let Some(s) = app.shared.session.as_mut().filter(|s| s.id == spec.session) {
        s.results = out.outcome.results.clone();
        if out.outcome.chosen.is_some() {
            s.chosen = out.outcome.chosen;
        }
        s.step = Some(spec.until);
    }
    match spec.kind {
        JobKind::Concepts | JobKind::Regenerate => effects.extend(gallery::reload(app)),
        JobKind::Solid | JobKind::Recut => {
            app.studio.report = out.outcome.results.printability.clone();
            if app.shared.jobs.queued.is_none() && !app.shared.job_pending(&[JobKind::Recut]) {
                effects.extend(app.request_render());
            }
        }
        JobKind::Quote => {}
        JobKind::Order => {
            app.checkout.ordering = false;
            if let (Some(id), Some(dir)) = (out.outcome.results.order_id.clone(), out.order_dir) {
                app.checkout.placed = Some(checkout::Placed { order_id: id, dir });
            }
        }
    }
    effects
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::ProgressEvent;
    use crate::tui::msg::JobSpec;
    use crate::tui::testing::{app_at, with_session};
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
        let now = app.shared.now;
        update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now)
    }

    #[test]
    fn ctrl_s_asks_where_then_saves_the_solid_without_an_order() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        let ctrl_s = |app: &mut App| {
            let now = app.shared.now;
            update(app, Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)), now)
        };
        assert!(ctrl_s(&mut app).is_empty());
        assert!(matches!(&app.overlay, Some(Overlay::Message { error: true, .. })), "no solid yet: said so");
        app.overlay = None;
        if let Some(s) = app.shared.session.as_mut() {
            s.results.solid_sha256 = Some("ab".into());
        }
        assert!(ctrl_s(&mut app).is_empty());
        assert_eq!(app.overlay, Some(Overlay::Save { error: None }));
        assert_eq!(app.key_context(), action::KeyContext::Text, "letters type into the path");
        key(&mut app, KeyCode::Backspace);
        for ch in "out/dad.3mf".chars() {
            key(&mut app, KeyCode::Char(ch));
        }
        assert!(key(&mut app, KeyCode::Enter).is_empty());
        assert!(matches!(&app.overlay, Some(Overlay::Save { error: Some(e) }) if e.contains(".stl")));
        for _ in 0..3 {
            key(&mut app, KeyCode::Backspace);
        }
        for ch in "stl".chars() {
            key(&mut app, KeyCode::Char(ch));
        }
        match key(&mut app, KeyCode::Enter).as_slice() {
            [Effect::SaveFiles { outputs, .. }] => {
                assert_eq!(outputs.stl.as_deref(), Some(std::path::Path::new("out/dad.stl")));
                assert_eq!(outputs.threemf.as_deref(), Some(std::path::Path::new("out/dad.3mf")));
                assert_eq!(outputs.gcode.as_deref(), Some(std::path::Path::new("out/dad.gcode")));
            }
            _ => panic!("Enter saves"),
        }
        assert_eq!(app.overlay, None);
    }

    #[test]
    fn a_folder_gets_files_named_after_the_person_and_the_session() {
        let outputs = save_outputs("  ", "dad-5f3c9a1e").unwrap();
        assert_eq!(outputs.stl.as_deref(), Some(std::path::Path::new("./dad-5f3c9a1e.stl")));
        let outputs = save_outputs("~/prints", "x").unwrap();
        assert_eq!(outputs.gcode.as_deref(), Some(std::path::Path::new("~/prints/x.gcode")));
        assert_eq!(file_stem("Grandma Rosé & Co.", "0123456789"), "grandma-ros-co-01234567");
        assert_eq!(file_stem("李", "abc"), "keepsake-abc");
    }

    #[test]
    fn quitting_asks_while_a_job_runs_and_stops_it_on_yes() {
        let mut app = with_session(app_at(ScreenId::Gallery, 80, 24));
        key(&mut app, KeyCode::Char('r'));
        assert!(app.shared.jobs.busy());
        key(&mut app, KeyCode::Char('q'));
        assert_eq!(app.overlay, Some(Overlay::ConfirmQuit));
        key(&mut app, KeyCode::Char('n'));
        assert!(app.overlay.is_none() && !app.quit, "n stays");
        key(&mut app, KeyCode::Char('q'));
        let fx = key(&mut app, KeyCode::Char('y'));
        assert!(app.quit);
        assert!(matches!(fx.as_slice(), [Effect::CancelJob { .. }]));
        let mut idle = app_at(ScreenId::Gallery, 80, 24);
        key(&mut idle, KeyCode::Char('q'));
        assert!(idle.quit, "nothing running: q quits at once");
    }

    #[test]
    fn help_opens_per_screen_and_esc_closes_it_keeping_the_screen() {
        let mut app = with_session(app_at(ScreenId::Input, 80, 24));
        key(&mut app, KeyCode::F(1));
        assert_eq!(app.overlay, Some(Overlay::Help));
        key(&mut app, KeyCode::Esc);
        assert!(app.overlay.is_none());
        assert_eq!(app.screen, ScreenId::Input);
        assert_eq!(app.input.name.value(), "Dad");
    }

    #[test]
    fn esc_walks_back_keeping_what_was_typed() {
        let mut app = with_session(app_at(ScreenId::Checkout, 80, 24));
        key(&mut app, KeyCode::Char('a'));
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, ScreenId::Studio);
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, ScreenId::Gallery);
        key(&mut app, KeyCode::Esc);
        assert_eq!(app.screen, ScreenId::Input);
        assert_eq!(app.checkout.email.value(), "a");
        assert_eq!(app.studio.line2.value(), "60 YEARS");
    }

    #[test]
    fn events_from_a_replaced_job_are_ignored() {
        let mut app = with_session(app_at(ScreenId::Studio, 80, 24));
        let now = app.shared.now;
        let _ = app.shared.jobs.request(JobSpec::new(JobKind::Solid, "s", Stage::Fabrication), now);
        let stale = Msg::Progress { job: 99, event: ProgressEvent::Skipped { stage: Stage::Shape } };
        update(&mut app, stale, now);
        assert_eq!(app.shared.progress.state(Stage::Shape), crate::tui::jobs::StageState::Waiting);
        let current = Msg::Progress { job: 1, event: ProgressEvent::Skipped { stage: Stage::Shape } };
        update(&mut app, current, now);
        assert_eq!(app.shared.progress.state(Stage::Shape), crate::tui::jobs::StageState::Saved);
    }

    #[test]
    fn an_older_concept_read_never_undoes_a_newer_one() {
        let mut app = with_session(app_at(ScreenId::Gallery, 80, 24));
        let card = |sha: Option<&str>| crate::tui::msg::CardData {
            slot: 2,
            title: "t".into(),
            style: None,
            sha256: sha.map(str::to_string),
            image: sha.map(|_| std::sync::Arc::new(crate::tui::testing::sample_image(2))),
            error: None,
        };
        let session = crate::tui::testing::SESSION_ID.to_string();
        let now = app.shared.now;
        update(&mut app, Msg::ConceptsLoaded { seq: 2, session: session.clone(), cards: vec![card(Some("new"))] }, now);
        update(&mut app, Msg::ConceptsLoaded { seq: 1, session, cards: vec![card(None)] }, now);
        assert_eq!(app.gallery.cards[2].sha256.as_deref(), Some("new"));
        assert!(app.gallery.cards[2].picture.image.is_some());
    }

    #[test]
    fn too_small_asks_for_no_pictures_and_resizing_back_does() {
        let mut app = with_session(app_at(ScreenId::Gallery, 60, 20));
        assert!(app.too_small());
        assert!(app.sync_images().is_empty());
        let now = app.shared.now;
        let fx = update(&mut app, Msg::Resize(80, 24), now);
        assert_eq!(fx.iter().filter(|e| matches!(e, Effect::Encode { .. })).count(), 4);
    }
}
