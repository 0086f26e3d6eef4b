//! The session lifecycle through the public commands: a person's own picture is honoured, a damaged
//! session row is refused by name, files are written only where asked, and one vocabulary of steps.

mod common;

use common::{read_stl, stderr, stdout_json, Env};
use memoreez::mesh::analysis;
use memoreez::store::{AssetKind, Store};

/// A grey ellipse (`w` x `h` pixels of subject) on a white picture, like a photo of one object.
fn ellipse_picture(path: &std::path::Path, w: u32, h: u32) {
    let (cw, ch) = (w + 80, h + 80);
    let img = image::RgbImage::from_fn(cw, ch, |x, y| {
        let dx = (x as f32 + 0.5 - cw as f32 / 2.0) / (w as f32 / 2.0);
        let dy = (y as f32 + 0.5 - ch as f32 / 2.0) / (h as f32 / 2.0);
        if dx * dx + dy * dy <= 1.0 {
            image::Rgb([120, 120, 120])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    img.save(path).unwrap();
}

/// Width over height of the figurine alone: the slice of the solid above its pedestal.
fn figure_ratio(stl: &std::path::Path) -> f32 {
    let mesh = read_stl(stl);
    let (lo, hi) = mesh.bounds().unwrap();
    // The pedestal is at least 8 mm and 12% of the piece; well above it only the figure remains.
    let above = lo[2] + 0.3 * (hi[2] - lo[2]);
    let (mut xmin, mut xmax, mut zmax) = (f32::MAX, f32::MIN, f32::MIN);
    for v in mesh.vertices.iter().filter(|v| v[2] > above) {
        xmin = xmin.min(v[0]);
        xmax = xmax.max(v[0]);
        zmax = zmax.max(v[2]);
    }
    (xmax - xmin) / (zmax - above)
}

fn make_from_picture(env: &Env, picture: &std::path::Path, out: &std::path::Path) -> serde_json::Value {
    let args = ["make", "--image", picture.to_str().unwrap(), "--seed", "1", "--out", out.to_str().unwrap()];
    let run = env.run(&args);
    assert!(run.status.success(), "make --image failed:\n{}", stderr(&run));
    stdout_json(&run)
}

#[test]
fn an_own_picture_is_inflated_as_it_is_not_replaced_by_clip_art() {
    let env = Env::new();
    let (wide, tall) = (env.path("wide.png"), env.path("tall.png"));
    ellipse_picture(&wide, 300, 120);
    ellipse_picture(&tall, 120, 300);
    let (wide_stl, tall_stl) = (env.path("wide.stl"), env.path("tall.stl"));
    let j = make_from_picture(&env, &wide, &wide_stl);
    make_from_picture(&env, &tall, &tall_stl);

    let (w, t) = (figure_ratio(&wide_stl), figure_ratio(&tall_stl));
    assert!(w > 1.5 * t, "the wide picture gives a wider figure than the tall one: {w:.2} vs {t:.2}");
    assert!(w > 1.2 && t < 0.8, "each follows its picture's shape: wide {w:.2}, tall {t:.2}");

    // No concepts were invented: the picture is kept once, and no ideas or images stage ran.
    assert!(j["concept"].is_null(), "{}", j["concept"]);
    assert!(j["backends"]["shape"]["name"].as_str().unwrap().contains("inflat"), "{}", j["backends"]);
    assert_eq!(j["backends"]["shape"]["kind"], "offline");
    assert!(j["backends"]["ideas"].is_null(), "no ideas for a picture: {}", j["backends"]);
    let store = Store::open(&env.data()).unwrap();
    let session = j["session"].as_str().unwrap();
    assert_eq!(store.assets(session, AssetKind::ConceptImage).unwrap().len(), 1);
    let list = env.run(&["sessions", "--json"]);
    let rows: Vec<serde_json::Value> =
        String::from_utf8_lossy(&list.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.iter().all(|r| r["origin"] == "picture" && r["about"] == "own picture"), "{rows:?}");
    // Every step was done, the order aside: the list says the last one, in the steps' one vocabulary.
    assert!(rows.iter().all(|r| r["reached"] == "price"), "{rows:?}");
}

#[test]
fn a_damaged_session_row_is_refused_by_name_and_listed_as_damaged() {
    let env = Env::new();
    let out = env.path("a.stl");
    let args = ["make", "--name", "Ann", "--hobbies", "golf", "--seed", "3", "--out", out.to_str().unwrap()];
    let run = env.run(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let session = stdout_json(&run)["session"].as_str().unwrap().to_string();
    {
        let conn = rusqlite::Connection::open(env.data().join("memoreez.db")).unwrap();
        conn.execute("UPDATE sessions SET params = '{\"seed\": \"three\"' WHERE id = ?1", [&session]).unwrap();
    }
    let resume = env.run(&["sessions", "--resume", &session[..8]]);
    assert_eq!(resume.status.code(), Some(1));
    let err = stderr(&resume);
    assert!(err.contains(&format!("session {} is damaged", &session[..8])), "{err}");
    assert!(err.contains("start a new session"), "{err}");
    let list = env.run(&["sessions"]);
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("damaged") && text.contains("choices cannot be read"), "{text}");
}

#[test]
fn files_go_only_where_asked_and_a_resume_writes_the_solid_with_out() {
    let env = Env::new();
    let out = env.path("dad.stl");
    let args = ["make", "--name", "Dad", "--hobbies", "chess", "--seed", "5", "--out", out.to_str().unwrap()];
    let run = env.run(&args);
    assert!(run.status.success(), "{}", stderr(&run));
    let j = stdout_json(&run);
    assert!(out.exists());
    assert!(!env.path("dad.gcode").exists(), "no G-code without --gcode");
    assert!(j["files"]["gcode"].is_null());

    let again = env.path("again.stl");
    let session = j["session"].as_str().unwrap();
    let resume = env.run(&["sessions", "--resume", session, "--out", again.to_str().unwrap()]);
    assert!(resume.status.success(), "{}", stderr(&resume));
    assert_eq!(stdout_json(&resume)["files"]["stl"], again.to_str().unwrap());
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&out).unwrap(), "the same saved solid");

    let same = env.run(&[
        "make",
        "--name",
        "A",
        "--hobbies",
        "b",
        "--out",
        out.to_str().unwrap(),
        "--3mf",
        out.to_str().unwrap(),
    ]);
    assert_eq!(same.status.code(), Some(2));
    assert!(stderr(&same).contains("name the same file"), "{}", stderr(&same));
}

#[test]
fn the_stage_commands_chained_by_files_make_the_same_solid_as_make() {
    let env = Env::new();
    let p = |name: &str| env.path(name).to_str().unwrap().to_string();
    let facts = ["--name", "Dad", "--hobbies", "tennis, coffee"];
    let ok = |args: &[&str]| {
        let out = env.run(args);
        assert!(out.status.success(), "{args:?} failed:\n{}", stderr(&out));
        out
    };
    let made = p("make.stl");
    ok(&[&["make"], &facts[..], &["--seed", "7", "--pick", "2", "--line1", "DAD", "--out", &made]].concat());

    ok(&[&["ideas"], &facts[..], &["--seed", "7", "--out", &p("concepts.json")]].concat());
    let concepts: serde_json::Value = serde_json::from_slice(&std::fs::read(p("concepts.json")).unwrap()).unwrap();
    assert_eq!(concepts["concepts"].as_array().map(Vec::len), Some(4));
    ok(&["draw", "--concepts", &p("concepts.json"), "--pick", "2", "--out", &p("picture.png")]);
    ok(&["cutout", "--image", &p("picture.png"), "--out", &p("cutout.png")]);
    let shape = ["shape", "--backend", "auto", "--concepts", &p("concepts.json"), "--pick", "2"];
    ok(&[&shape[..], &["--image", &p("cutout.png"), "--out", &p("raw.stl")]].concat());
    let solid = ok(&["solid", "--raw", "--mesh", &p("raw.stl"), "--line1", "DAD", "--out", &p("chained.stl")]);
    assert_eq!(stdout_json(&solid)["printability"]["manifold"], true);

    // The same solid: the same volume and box. Not byte for byte: the union's triangulation differs
    // by a few hundred faces from one run of `make` to the next with the same seed.
    let (a, b) = (read_stl(std::path::Path::new(&made)), read_stl(&env.path("chained.stl")));
    let (va, vb) = (analysis::signed_volume(&a), analysis::signed_volume(&b));
    assert!((va - vb).abs() < 1e-6 * va, "volumes {va} and {vb} mm³");
    let ((la, ha), (lb, hb)) = (a.bounds().unwrap(), b.bounds().unwrap());
    for k in 0..3 {
        assert!(
            (la[k] - lb[k]).abs() < 1e-4 && (ha[k] - hb[k]).abs() < 1e-4,
            "boxes {la:?}..{ha:?} and {lb:?}..{hb:?}"
        );
    }
    assert!(analysis::is_closed_manifold(&b));
}

#[test]
fn the_stage_commands_refuse_bad_files_with_exit_2_and_a_reason() {
    let env = Env::new();
    let junk = env.path("junk.json");
    std::fs::write(&junk, "{\"seed\": 1}").unwrap();
    let j = junk.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (&["draw", "--concepts", j, "--out", "x.png"], "not a concepts file from `memoreez ideas`"),
        (&["cutout", "--image", j, "--out", "x.png"], "cannot read the picture"),
        (&["solid", "--mesh", j, "--out", "x.stl"], "junk.json"),
        (&["ideas", "--name", "Ann", "--hobbies", " , "], "hobbies is empty"),
    ];
    for (args, says) in cases {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let ideas = env.run(&["ideas", "--name", "Ann", "--hobbies", "golf", "--seed", "4"]);
    assert!(ideas.status.success(), "{}", stderr(&ideas));
    let j = stdout_json(&ideas);
    assert_eq!((j["seed"].as_u64(), j["concepts"].as_array().map(Vec::len)), (Some(4), Some(4)));
}
