//! Every kind of bad input gives the right exit code, a one-line reason, and loses nothing saved.

mod common;

use common::{stderr, Env};

fn make_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["make", "--name", "Dad", "--hobbies", "tennis", "--out", out];
    args.extend_from_slice(extra);
    args
}

/// Runs `make` with one field changed and expects exit 2 with `needle` in the message, before any work.
fn expect_bad(env: &Env, extra: &[&str], needle: &str) {
    let out_path = env.path("x.stl");
    let out_str = out_path.to_str().unwrap().to_string();
    let mut args = make_args(&out_str, &[]);
    // Later flags override earlier ones in clap only for repeated options we avoid; build fresh lists.
    let overridden: Vec<&str> = extra.iter().step_by(2).copied().collect();
    let mut i = 1;
    while i < args.len() {
        if overridden.contains(&args[i]) {
            args.drain(i..i + 2);
        } else {
            i += 2;
        }
    }
    args.extend_from_slice(extra);
    let out = env.run(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{extra:?} should be bad input; stderr:\n{err}");
    assert!(err.contains(needle), "{extra:?}: expected '{needle}' in:\n{err}");
    assert!(!out_path.exists(), "{extra:?}: nothing should be written");
}

#[test]
fn bad_facts_and_options_exit_2_with_a_reason() {
    let env = Env::new();
    expect_bad(&env, &["--hobbies", "   "], "hobbies is empty");
    expect_bad(&env, &["--hobbies", " , ; "], "hobbies is empty");
    expect_bad(&env, &["--name", ""], "name is empty");
    let long = "x".repeat(61);
    expect_bad(&env, &["--name", &long], "keep it to 60 or fewer");
    let long_hobbies = "golf, ".repeat(60);
    expect_bad(&env, &["--hobbies", &long_hobbies], "hobbies is");
    expect_bad(&env, &["--pick", "7"], "7 is not in 1..=4");
    expect_bad(&env, &["--height-mm", "20"], "outside 30-250");
    expect_bad(&env, &["--height-mm", "251"], "outside 30-250");
    expect_bad(&env, &["--line1", "漢字"], "'漢', '字'");
    expect_bad(
        &env,
        &["--line2", "Дмитрий 漢"],
        "--line2: the font has no glyphs for '漢'; use Latin letters or leave",
    );
    expect_bad(&env, &["--line2", "a very very long second line here"], "24 or fewer");
    expect_bad(&env, &["--occasion", "funeral"], "unknown occasion");
    expect_bad(&env, &["--email", "not-an-email"], "not an email");
    expect_bad(&env, &["--hollow", "0.5"], "--hollow 0.5: walls must be 1-10 mm thick");
    expect_bad(&env, &["--hollow", "2", "--drain-mm", "30"], "the drain hole must be 2-10 mm wide");
    expect_bad(&env, &["--drain-mm", "4"], "--drain-mm only applies to a hollow piece; add --hollow");
}

#[test]
fn unwritable_output_paths_exit_2_before_any_work() {
    let env = Env::new();
    let missing = env.path("no/such/folder/out.stl");
    expect_bad(&env, &["--out", missing.to_str().unwrap()], "does not exist");
    let folder = env.path("");
    expect_bad(&env, &["--out", folder.to_str().unwrap()], "is a folder");
    // Nothing was started, so no session exists.
    let out = env.run(&["sessions", "--json"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn a_corrupt_database_is_refused_with_advice_and_kept_as_it_was() {
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    let garbage = b"definitely not SQLite ".repeat(200);
    std::fs::write(env.data().join("memoreez.db"), &garbage).unwrap();
    let out_path = env.path("x.stl");
    let out = env.run(&make_args(out_path.to_str().unwrap(), &[]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("damaged or not a memoreez database"), "{err}");
    assert!(err.contains("move it aside"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert_eq!(std::fs::read(env.data().join("memoreez.db")).unwrap(), garbage);
}

#[test]
fn a_data_dir_that_cannot_be_created_exits_1_with_advice() {
    let env = Env::new();
    // A regular file where the data dir's parent should be: no one, root included, can create it.
    std::fs::write(env.path("file"), b"x").unwrap();
    let out_path = env.path("x.stl");
    let out = env
        .cmd()
        .env("MEMOREEZ_DATA_DIR", env.path("file/data"))
        .args(make_args(out_path.to_str().unwrap(), &[]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--data-dir"), "{}", stderr(&out));
}

#[test]
fn unknown_sessions_and_orders_say_how_to_list_them() {
    let env = Env::new();
    let out = env.run(&["sessions", "--resume", "abcdef12"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`memoreez sessions` lists them"));
    let out = env.run(&["orders", "show", "abcdef12"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`memoreez orders list`"));
}

#[test]
fn a_bad_config_file_is_named() {
    let env = Env::new();
    std::fs::write(env.path("c.toml"), "heigth_mm = 90\n").unwrap();
    let out_path = env.path("x.stl");
    let out = env
        .cmd()
        .arg("--config")
        .arg(env.path("c.toml"))
        .args(make_args(out_path.to_str().unwrap(), &[]))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("heigth_mm"), "{}", stderr(&out));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new();
    for args in [&["doctor"][..], &["models", "list"][..], &["sessions"][..]] {
        let mut child = env
            .cmd()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the first line is written, as with `| head -0`.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked") && out.status.code() != Some(101), "{args:?}: {:?} {err}", out.status);
        assert!(out.status.success() || out.status.signal() == Some(13), "{args:?}: {:?}", out.status);
    }
}
