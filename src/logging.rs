//! The log: a file per day in the data dir's `logs/`, the last week kept, plain text without colour
//! codes. It never writes to the terminal, so the studio's screen stays clean; `MEMOREEZ_LOG` sets
//! the filter (default `memoreez=info`). `memoreez doctor` prints where it is.

use std::path::{Path, PathBuf};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Days of logs kept.
const KEEP_FILES: usize = 7;
const PREFIX: &str = "memoreez";

/// Where the logs of `data_dir` go.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The pattern of the log files, for people to look them up.
pub fn files(data_dir: &Path) -> PathBuf {
    dir(data_dir).join(format!("{PREFIX}.YYYY-MM-DD.log"))
}

/// Starts logging to `data_dir/logs`. A log that cannot be opened (a read-only data dir) is not worth
/// failing a command for: the reason comes back for the caller to mention or ignore.
pub fn init(data_dir: &Path) -> Result<(), String> {
    // The appender prunes old files before it makes the folder, and says so on stderr otherwise.
    std::fs::create_dir_all(dir(data_dir))
        .map_err(|e| format!("cannot make the log folder {}: {e}", dir(data_dir).display()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir(data_dir))
        .map_err(|e| format!("cannot open the log in {}: {e}", dir(data_dir).display()))?;
    let filter = EnvFilter::try_from_env("MEMOREEZ_LOG").unwrap_or_else(|_| EnvFilter::new("memoreez=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(appender)
        .try_init()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_go_to_a_dated_file_in_the_data_dir_without_colour_codes() {
        let data = tempfile::tempdir().unwrap();
        init(data.path()).unwrap();
        tracing::info!(stage = "solid", "a plain line");
        let files: Vec<_> = std::fs::read_dir(dir(data.path())).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("memoreez.") && name.ends_with(".log"), "{name}");
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("a plain line") && text.contains("stage=\"solid\""), "{text}");
        assert!(!text.contains("\x1b["), "no colour codes: {text:?}");
    }
}
