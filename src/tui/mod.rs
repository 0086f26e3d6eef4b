//! The terminal studio: Input, Gallery, Studio and Checkout over the same pipeline as the headless
//! commands. State, update and view are kept apart: [`update::update`] is the only place state changes,
//! views only draw (`impl Widget`), and [`runtime`] does all I/O and CPU work off the UI thread.

pub mod action;
pub mod app;
pub mod event_loop;
pub mod graphics;
pub mod images;
pub mod jobs;
pub mod msg;
pub mod preview;
pub mod preview_worker;
pub mod runtime;
pub mod screens;
pub mod stderr;
pub mod still;
pub mod sysinfo;
#[doc(hidden)]
pub mod testing;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;

use crate::config::Config;
use crate::pipeline::{Backends, Pipeline};
use crate::store::Store;
use app::{App, Shared};
use graphics::{Graphics, TermHints};
use msg::Effect;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::execute;
use screens::sessions::SessionSummary;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use theme::Theme;
use thiserror::Error;

pub use crate::pipeline::Import;

/// Env var naming a file to which the studio appends start-up timings (`first_frame_ms=N`).
pub const TIMINGS_ENV: &str = "MEMOREEZ_TIMINGS";

#[derive(Debug, Error)]
pub enum TuiError {
    #[error("the studio needs a terminal; for scripts use `memoreez make` (see `memoreez --help`)")]
    NotATerminal,
    #[error("the terminal could not be set up: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("cannot start the background runtime: {0}")]
    Runtime(String),
    #[error(transparent)]
    Import(#[from] crate::pipeline::CreateError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}; `memoreez sessions` lists them")]
    NoSuchSession(String),
    #[error("{0}")]
    Backends(String),
}

/// Where the studio opens.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Start {
    /// The session list when there are sessions, else the input form.
    #[default]
    Auto,
    /// This session (id or unique prefix), at the step it reached.
    Resume(String),
    /// A new session from the person's own model or picture, at the Studio screen.
    Import(Import),
}

pub struct StudioOptions {
    pub store: Arc<Store>,
    /// Backends, prices and the default height come from here.
    pub config: Config,
    pub theme: Theme,
    pub start: Start,
}

/// The config dir's `themes/` folder, where people put their own themes.
pub fn user_theme_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "memoreez").map(|d| d.config_dir().join("themes"))
}

fn summaries(store: &Store) -> Result<Vec<SessionSummary>, TuiError> {
    Ok(store.list_sessions()?.iter().map(SessionSummary::from_row).collect())
}

/// Raw mode, alternate screen, paste and clicks.
fn setup_terminal(stderr: Option<std::os::fd::OwnedFd>) -> std::io::Result<ratatui::DefaultTerminal> {
    let terminal = ratatui::init();
    // ratatui's hook restores the screen on a panic; also switch clicks and paste off, and send
    // the report to the terminal rather than the log.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture, DisableBracketedPaste);
        if let Some(fd) = &stderr {
            stderr::restore(fd);
        }
        previous(info);
    }));
    execute!(std::io::stdout(), EnableBracketedPaste, EnableMouseCapture)?;
    Ok(terminal)
}

/// Lets Ctrl-Enter be told from Enter where the terminal supports it (kitty, foot, WezTerm...).
/// Asks the terminal, so it runs before the event reader starts; true when flags were pushed.
fn enhance_keyboard() -> bool {
    let enhanced = ratatui::crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false);
    enhanced
        && execute!(
            std::io::stdout(),
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )
        .is_ok()
}

fn restore_terminal(enhanced: bool) {
    let mut out = std::io::stdout();
    if enhanced {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(out, DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

/// Runs the studio until the person quits.
pub fn run(opts: StudioOptions) -> Result<(), TuiError> {
    let timings = std::env::var_os(TIMINGS_ENV).map(PathBuf::from);
    let note = |key: &str, ms: u128| {
        if let Some(path) = &timings {
            event_loop::record_timing(path, key, ms);
        }
    };
    let since_start = || sysinfo::since_process_start().map_or(0, |d| d.as_millis());
    note("studio_start_ms", since_start());
    let hints = TermHints::from_env();
    if !hints.is_tty {
        return Err(TuiError::NotATerminal);
    }
    let StudioOptions { store, config, theme, start } = opts;
    let start = match start {
        Start::Import(what) => {
            let mut params = crate::pipeline::SessionParams::default();
            params.fab.height_mm = config.height_mm;
            params.fab.hollow = config.hollow.default_spec();
            Start::Resume(crate::pipeline::create_from(&store, &what, None, params)?.0)
        }
        // A wrong id is said before the screen changes, not inside the studio.
        Start::Resume(id) => match store.session(&id) {
            Ok(row) => Start::Resume(row.id),
            Err(e) => return Err(TuiError::NoSuchSession(e.to_string())),
        },
        Start::Auto => Start::Auto,
    };
    let sessions = summaries(&store)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| TuiError::Runtime(e.to_string()))?;

    // Stray stderr output would scroll the screen; it goes to the data dir's log instead.
    let redirect = stderr::StderrToFile::redirect(&store.root().join("studio.log")).ok();
    let mut terminal = setup_terminal(redirect.as_ref().and_then(|r| r.original()))?;
    let mut shared = Shared::new(theme, terminal.size().unwrap_or_default(), Instant::now());
    shared.graphics = "…".into();
    shared.rates = config.pricing.clone();
    shared.default_height_mm = config.height_mm;
    shared.hollow = config.hollow.clone();
    let mut app = App::new(shared, sessions);
    let initial = match start {
        Start::Resume(id) => {
            app.sessions.opening = true;
            vec![Effect::OpenSession { id }]
        }
        _ => Vec::new(),
    };
    // The first frame goes out before anything slow: asking the terminal (a terminal that never
    // answers costs the query's timeout) and choosing backends (which may probe for a slicer).
    terminal.draw(|f| f.render_widget(&app, f.area()))?;
    note("first_frame_ms", since_start());
    // The queries must come before anything reads terminal events.
    let asked = Instant::now();
    let graphics = Graphics::detect(&hints);
    let enhanced = enhance_keyboard();
    note("terminal_queries_ms", asked.elapsed().as_millis());
    app.shared.graphics = graphics::protocol_name(graphics.protocol()).to_string();
    app.shared.graphics_note = graphics.note.clone();
    app.shared.cell_px = graphics.cell_px();
    let backends = match Backends::from_config(&config) {
        Ok(b) => b,
        Err(e) => {
            restore_terminal(enhanced);
            return Err(TuiError::Backends(e.to_string()));
        }
    };
    app.shared.backends = backends.labels().into_iter().collect();
    note("ready_ms", since_start());
    let pipeline = Pipeline::new(store, Arc::new(backends));

    let result = rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        event_loop::spawn_input_reader(tx.clone());
        let mut runtime = runtime::Runtime::new(pipeline, graphics.picker, tx);
        event_loop::run(&mut terminal, &mut app, &mut runtime, rx, initial).await
    });
    restore_terminal(enhanced);
    drop(redirect);
    // A job asked to stop gets a moment to finish its step; its saved outputs are safe either way.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    result.map_err(TuiError::Terminal)
}
