//! A data dir on a full or read-only disk: a clear message, exit 1, and nothing saved earlier lost.
//! Needs a small tmpfs; it mounts one inside a private mount namespace (`unshare -rm`), which works for
//! root and for users with unprivileged namespaces. Where neither works the test says so and passes.

mod common;

use common::Env;
use std::process::Command;

/// Runs `script` with $BIN set, inside a private mount namespace; None when namespaces are unavailable.
fn in_namespace(env: &Env, script: &str) -> Option<std::process::Output> {
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!("note: no private mount namespace here (unshare -rm failed); storage fault test skipped");
        return None;
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["-rm", "sh", "-c", script])
        .env("BIN", env!("CARGO_BIN_EXE_memoreez"))
        .env("T", env.dir.path())
        .env("HOME", env.dir.path())
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env_remove("MEMOREEZ_DATA_DIR")
        .env_remove("MEMOREEZ_TEST_PAUSE_AT");
    Some(cmd.output().expect("run unshare"))
}

#[test]
fn a_full_disk_stops_with_advice_and_keeps_what_was_saved() {
    let env = Env::new();
    // 192 KiB holds the database and the ideas, not four concept images.
    let script = r#"
        set -u
        mkdir -p "$T/d"
        mount -t tmpfs -o size=192k tmpfs "$T/d" || { echo "MOUNT-FAILED"; exit 0; }
        "$BIN" --data-dir "$T/d" make --name Dad --hobbies "tennis, coffee" --seed 1 --out "$T/o.stl" 2> "$T/err.txt"
        echo "rc=$?"
        "$BIN" --data-dir "$T/d" sessions --json > "$T/list.txt" 2>> "$T/err2.txt"
        echo "list_rc=$?"
    "#;
    let Some(out) = in_namespace(&env, script) else { return };
    let stdout = String::from_utf8_lossy(&out.stdout);
    if stdout.contains("MOUNT-FAILED") {
        eprintln!("note: tmpfs mount refused here; storage fault test skipped");
        return;
    }
    let err = std::fs::read_to_string(env.path("err.txt")).unwrap_or_default();
    assert!(stdout.contains("rc=1"), "expected exit 1: {stdout}\n{err}");
    assert!(err.contains("is full"), "message should say the disk is full:\n{err}");
    assert!(err.contains("free some space"), "and what to do:\n{err}");
    assert!(stdout.contains("list_rc=0"), "the database must still open: {stdout}");
    let list = std::fs::read_to_string(env.path("list.txt")).unwrap_or_default();
    let session: serde_json::Value = serde_json::from_str(list.lines().next().unwrap_or("{}")).unwrap();
    assert_eq!(session["reached"], "ideas", "the ideas saved before the disk filled are kept: {list}");
}

#[test]
fn a_read_only_data_dir_is_refused_with_advice() {
    let env = Env::new();
    let script = r#"
        set -u
        mkdir -p "$T/ro"
        mount -t tmpfs -o ro,size=64k tmpfs "$T/ro" || { echo "MOUNT-FAILED"; exit 0; }
        "$BIN" --data-dir "$T/ro/data" make --name Dad --hobbies tennis --out "$T/o.stl" 2> "$T/err.txt"
        echo "rc=$?"
    "#;
    let Some(out) = in_namespace(&env, script) else { return };
    let stdout = String::from_utf8_lossy(&out.stdout);
    if stdout.contains("MOUNT-FAILED") {
        eprintln!("note: tmpfs mount refused here; storage fault test skipped");
        return;
    }
    let err = std::fs::read_to_string(env.path("err.txt")).unwrap_or_default();
    assert!(stdout.contains("rc=1"), "{stdout}\n{err}");
    assert!(err.contains("read-only"), "{err}");
    assert!(err.contains("--data-dir"), "{err}");
}
