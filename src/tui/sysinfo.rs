//! Numbers about this process for the progress pane and the start-up timing.

/// Resident memory from /proc/self/statm (pages in RAM x page size); None off Linux.
pub fn rss_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// Time since this process was started by the kernel, from /proc: covers what runs before `main`.
pub fn since_process_start() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces; fields restart after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let start_ticks: f64 = rest.split_whitespace().nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
    let hz = rustix::param::clock_ticks_per_second() as f64;
    let secs = uptime - start_ticks / hz;
    (secs >= 0.0).then(|| std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_its_own_numbers_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(super::rss_bytes().is_some_and(|b| b > 1024 * 1024));
            assert!(super::since_process_start().is_some_and(|d| d.as_secs() < 24 * 3600));
        }
    }
}
