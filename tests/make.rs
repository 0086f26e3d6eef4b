//! `memoreez make` end to end on the offline backends: JSON, files, database rows, orders.

mod common;

use common::{read_stl, stderr, stdout_json, Env};
use memoreez::mesh::analysis;
use memoreez::store::{AssetKind, Store};

#[test]
fn make_writes_a_printable_solid_the_json_and_the_rows_then_the_order_moves_on() {
    let env = Env::new();
    let stl = env.path("dad.stl");
    let threemf = env.path("dad.3mf");
    let out = env.run(&[
        "make",
        "--name",
        "Dad",
        "--hobbies",
        "tennis, coffee",
        "--pick",
        "2",
        "--line1",
        "DAD",
        "--line2",
        "60 YEARS",
        "--seed",
        "7",
        "--out",
        stl.to_str().unwrap(),
        "--3mf",
        threemf.to_str().unwrap(),
        "--email",
        "kid@example.com",
        "--region",
        "international",
    ]);
    assert!(out.status.success(), "make failed:\n{}", stderr(&out));
    let j = stdout_json(&out);

    // The summary.
    let session = j["session"].as_str().unwrap().to_string();
    assert_eq!(j["concept"]["style"], "Heroic", "pick 2 is the second style");
    assert!(j["concept"]["prompt"].as_str().unwrap().contains("tennis"));
    assert_eq!(j["files"]["stl"], stl.to_str().unwrap());
    assert_eq!(j["files"]["3mf"], threemf.to_str().unwrap());
    let grams = j["print"]["grams"].as_f64().unwrap();
    assert!(grams > 5.0 && grams < 500.0, "grams {grams}");
    assert!(j["print"]["minutes"].as_f64().unwrap() > 10.0);
    let price = &j["price"];
    assert_eq!(price["currency"], "EUR");
    assert_eq!(price["service_cents"], 1200);
    assert_eq!(price["shipping_cents"], 1800);
    assert_eq!(price["material_cents"].as_i64().unwrap(), (grams * 3.0).ceil() as i64);
    assert_eq!(price["total_cents"].as_i64().unwrap(), price["material_cents"].as_i64().unwrap() + 1200 + 1800);
    let p = &j["printability"];
    assert_eq!(p["manifold"], true);
    assert_eq!(p["parts"], 1);
    assert!((p["size_mm"][2].as_f64().unwrap() - 80.0).abs() < 0.5, "height {}", p["size_mm"]);

    // The file itself: one closed solid, about 80 mm tall, base on Z = 0.
    let mesh = read_stl(&stl);
    assert!(analysis::is_closed_manifold(&mesh));
    assert_eq!(analysis::components(&mesh).len(), 1);
    assert!(analysis::signed_volume(&mesh) > 0.0);
    let (lo, hi) = mesh.bounds().unwrap();
    assert!(lo[2].abs() < 0.01 && (hi[2] - 80.0).abs() < 0.5, "z range {} .. {}", lo[2], hi[2]);
    let zip = std::fs::read(&threemf).unwrap();
    assert_eq!(&zip[..2], b"PK");

    // The rows.
    let store = Store::open(&env.data()).unwrap();
    let row = store.session(&session).unwrap();
    assert_eq!(row.step, Some(memoreez::domain::Stage::Pricing));
    assert_eq!(row.chosen_concept, Some(1));
    assert_eq!(store.assets(&session, AssetKind::ConceptImage).unwrap().len(), 4);
    for kind in [AssetKind::Cutout, AssetKind::RawMesh, AssetKind::FinalMesh] {
        let assets = store.assets(&session, kind).unwrap();
        assert_eq!(assets.len(), 1, "{kind:?}");
        assert!(store.read_file(&assets[0]).is_ok(), "{kind:?} file intact");
    }

    // The order, its files, and its life.
    let order_id = j["order"].as_str().unwrap().to_string();
    let order = store.order(&order_id).unwrap();
    assert_eq!(order.email, "kid@example.com");
    assert_eq!(order.total_cents, price["total_cents"].as_i64().unwrap());
    assert!(env.data().join(order.stl_path.as_ref().unwrap()).is_file());
    assert!(env.data().join(order.threemf_path.as_ref().unwrap()).is_file());
    let picture = env.data().join(order.stl_path.as_ref().unwrap()).with_file_name("preview.png");
    assert!(image::open(&picture).is_ok_and(|i| i.width() == 800), "the order folder has its picture");
    drop(store);

    let list = env.run(&["orders", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains(&order_id[..8]));
    let bad = env.run(&["orders", "advance", &order_id[..8], "shipped"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("allowed next: paid, cancelled"), "{}", stderr(&bad));
    for state in ["paid", "printing", "shipped"] {
        let out = env.run(&["orders", "advance", &order_id[..8], state]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout_json(&out)["state"], state);
    }
    let shown = stdout_json(&env.run(&["orders", "show", &order_id]));
    assert_eq!(shown["history"].as_array().unwrap().len(), 4);

    let sessions = env.run(&["sessions"]);
    assert!(String::from_utf8_lossy(&sessions.stdout).contains(&session[..8]));
}

#[test]
fn hollow_pieces_come_out_one_closed_shell_with_the_asked_walls() {
    let env = Env::new();
    let make = |name: &str, extra: &[&str]| {
        let stl = env.path(name);
        let mut args = vec!["make", "--name", "Ada", "--hobbies", "reading", "--seed", "3", "--out"];
        args.push(stl.to_str().unwrap());
        args.extend_from_slice(extra);
        let out = env.run(&args);
        assert!(out.status.success(), "{extra:?}:\n{}", stderr(&out));
        (stdout_json(&out), read_stl(&stl))
    };
    let (solid, _) = make("solid.stl", &[]);
    assert!(solid["printability"].get("hollow").is_none(), "solid unless asked");

    let (hollow, mesh) = make("hollow.stl", &["--hollow", "2.5", "--drain-mm", "5"]);
    let h = &hollow["printability"]["hollow"];
    assert_eq!(
        (h["wall_mm"].as_f64(), h["drain_mm"].as_f64(), h["drain_holes"].as_u64()),
        (Some(2.5), Some(5.0), Some(1))
    );
    assert!(analysis::is_closed_manifold(&mesh) && analysis::components(&mesh).len() == 1);
    let (vs, vh) = (solid["printability"]["volume_mm3"].as_f64().unwrap(), analysis::signed_volume(&mesh));
    let cavity = h["cavity_mm3"].as_f64().unwrap();
    assert!(
        cavity > 1000.0 && (vs - vh - cavity).abs() < 0.05 * cavity,
        "solid {vs:.0}, hollow {vh:.0}, cavity {cavity:.0}"
    );
}
