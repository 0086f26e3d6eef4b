//! While the studio owns the screen, anything written to stderr (a library's warning, a stray debug
//! line) would scroll and scar it. Such output goes to a log file instead, and stderr comes back
//! when the studio ends.

use std::fs::{File, OpenOptions};
use std::os::fd::OwnedFd;
use std::path::Path;

pub struct StderrToFile {
    saved: OwnedFd,
}

impl StderrToFile {
    /// Points stderr (fd 2) at `path`, appending.
    pub fn redirect(path: &Path) -> std::io::Result<StderrToFile> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file: File = OpenOptions::new().create(true).append(true).open(path)?;
        let saved = rustix::io::dup(rustix::stdio::stderr())?;
        rustix::stdio::dup2_stderr(&file)?;
        Ok(StderrToFile { saved })
    }
}

impl StderrToFile {
    /// A copy of the real stderr, so a panic report can still reach the person.
    pub fn original(&self) -> Option<OwnedFd> {
        self.saved.try_clone().ok()
    }
}

/// Points stderr back at `fd` (the terminal).
pub fn restore(fd: &OwnedFd) {
    let _ = rustix::stdio::dup2_stderr(fd);
}

impl Drop for StderrToFile {
    fn drop(&mut self) {
        let _ = rustix::stdio::dup2_stderr(&self.saved);
    }
}
