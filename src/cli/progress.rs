//! Progress on stderr: bars on a terminal, one plain line per event otherwise (logs, tests, pipes).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use memoreez::domain::Stage;
use memoreez::stage::ProgressEvent;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// One line per event, for when stderr is not a terminal.
pub fn plain_line(ev: &ProgressEvent) -> String {
    match ev {
        ProgressEvent::Started { stage, backend } => format!("[{}] started ({backend})", stage.key()),
        ProgressEvent::Skipped { stage } => format!("[{}] skipped: already saved", stage.key()),
        ProgressEvent::Step { stage, n, total, message, elapsed, eta } => format!(
            "[{}] {n}/{total} {message} ({}{})",
            stage.key(),
            secs(*elapsed),
            eta.map(|e| format!(", eta {}", secs(e))).unwrap_or_default()
        ),
        ProgressEvent::Note { stage, message } => format!("[{}] {message}", stage.key()),
        ProgressEvent::Finished { stage, elapsed } => format!("[{}] done in {}", stage.key(), secs(*elapsed)),
        ProgressEvent::Failed { stage, error } => format!("[{}] failed: {error}", stage.key()),
    }
}

pub async fn show(mut rx: UnboundedReceiver<ProgressEvent>) {
    if !std::io::stderr().is_terminal() {
        while let Some(ev) = rx.recv().await {
            eprintln!("{}", plain_line(&ev));
        }
        return;
    }
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{prefix:>16} {bar:24.magenta/blue} {pos}/{len} {msg} [{elapsed}, eta {eta}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    let mut bars: HashMap<Stage, ProgressBar> = HashMap::new();
    while let Some(ev) = rx.recv().await {
        match &ev {
            ProgressEvent::Started { stage, backend } => {
                let bar = multi.add(ProgressBar::new(1));
                bar.set_style(style.clone());
                bar.set_prefix(stage.label());
                bar.set_message(format!("({backend})"));
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(*stage, bar);
            }
            ProgressEvent::Skipped { stage } => {
                let _ = multi.println(format!("{:>16} already saved, skipped", stage.label()));
            }
            ProgressEvent::Step { stage, n, total, message, .. } => {
                if let Some(bar) = bars.get(stage) {
                    bar.set_length(*total as u64);
                    bar.set_position(*n as u64);
                    bar.set_message(message.clone());
                }
            }
            ProgressEvent::Note { stage, message } => {
                let _ = multi.println(format!("{:>16} {message}", stage.label()));
            }
            ProgressEvent::Finished { stage, elapsed } => {
                if let Some(bar) = bars.remove(stage) {
                    bar.finish_with_message(format!("done in {}", secs(*elapsed)));
                }
            }
            ProgressEvent::Failed { stage, error } => {
                if let Some(bar) = bars.remove(stage) {
                    bar.abandon_with_message(format!("failed: {error}"));
                }
            }
        }
    }
}
