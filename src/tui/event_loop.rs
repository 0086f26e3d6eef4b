//! One loop: terminal events (from a reader thread), job progress and results, and a tick only while
//! something animates. It drains everything pending, then draws once; with nothing to do it sleeps.

use super::app::App;
use super::msg::{Effect, Msg};
use super::runtime::Runtime;
use super::sysinfo;
use super::update::update;
use ratatui::crossterm::event::{self, Event, KeyEventKind, MouseEventKind};
use ratatui::DefaultTerminal;
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Reads terminal events on a thread of its own (blocking reads cost no CPU) and forwards those
/// the studio uses. Mouse motion is dropped here so that moving the pointer never redraws.
pub fn spawn_input_reader(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || loop {
        let msg = match event::read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
            Ok(Event::Paste(text)) => Msg::Paste(text),
            Ok(Event::Mouse(m)) if matches!(m.kind, MouseEventKind::Down(_)) => Msg::Mouse(m),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => break,
        };
        if tx.send(msg).is_err() {
            break;
        }
    });
}

fn apply(app: &mut App, runtime: &mut Runtime, msg: Msg) {
    for effect in update(app, msg, Instant::now()) {
        runtime.run(effect);
    }
}

/// Appends `key=N` (milliseconds) to `path`, for measurements.
pub fn record_timing(path: &Path, key: &str, ms: u128) {
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{key}={ms}");
    }
}

pub async fn run(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    runtime: &mut Runtime,
    mut rx: UnboundedReceiver<Msg>,
    initial: Vec<Effect>,
) -> std::io::Result<()> {
    for effect in initial {
        runtime.run(effect);
    }
    let mut last_tick = Instant::now();
    loop {
        // Every pass follows a change (a message was applied), so every pass draws once.
        let drawing = Instant::now();
        terminal.draw(|f| f.render_widget(&*app, f.area()))?;
        // A measurement, like the memory sample: a slow terminal gets fewer preview frames.
        app.studio.preview.draw_cost = drawing.elapsed();
        if app.quit {
            return Ok(());
        }
        let msg = match app.next_wakeup(last_tick) {
            Some(at) => tokio::select! {
                m = rx.recv() => m,
                () = tokio::time::sleep_until(at.into()) => Some(Msg::Tick { rss_bytes: sysinfo::rss_bytes() }),
            },
            None => rx.recv().await,
        };
        let Some(msg) = msg else { return Ok(()) };
        if matches!(msg, Msg::Tick { .. }) {
            last_tick = Instant::now();
        }
        apply(app, runtime, msg);
        while let Ok(msg) = rx.try_recv() {
            apply(app, runtime, msg);
        }
    }
}
