//! The validator suite of issue 4: solids for varied inputs (hobby sets, accented and long names,
//! two lines and none, 30 to 250 mm, imported meshes with holes), each made by the real pipeline
//! on the offline backends, ordered, and then checked with the tools printers use where they are
//! installed: `prusa-slicer --info` (manifold, one part), the G-code PrusaSlicer wrote (grams),
//! and admesh (nothing to repair). The order folder's 3MF is read back and must hold the same mesh
//! as its STL. Cases run on two threads in one process; the wall time is printed.

use memoreez::config::Config;
use memoreez::domain::Facts;
use memoreez::fab::{FabSpec, HollowSpec, Orientation};
use memoreez::mesh::import::{ImportOptions, UpAxis};
use memoreez::mesh::{analysis, io, Mesh};
use memoreez::pipeline::{create, create_from, Import};
use memoreez::pipeline::{Backends, OrderRequest, Outcome, Pipeline, SessionParams};
use memoreez::stage::CancelToken;
use memoreez::store::Store;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const HEIGHT_TOLERANCE_MM: f64 = 0.5;
const WORKERS: usize = 2;

enum Source {
    /// Facts through the whole offline journey.
    Facts { name: &'static str, hobbies: &'static str, pick: usize },
    /// A mesh file through the importer; `up` None leaves the orientation to auto-orient.
    Mesh { path: PathBuf, up: Option<UpAxis> },
}

struct Case {
    label: String,
    source: Source,
    height_mm: f32,
    line1: String,
    line2: String,
    /// Largest width the piece may have, mm: set where the orientation decides it.
    max_width_mm: Option<f64>,
    hollow: Option<HollowSpec>,
}

impl Case {
    fn hollow(self, wall_mm: f32) -> Case {
        let label = format!("{}, hollow {wall_mm} mm", self.label);
        Case { label, hollow: Some(HollowSpec { wall_mm, ..HollowSpec::default() }), ..self }
    }
}

fn facts(label: &str, name: &'static str, hobbies: &'static str, pick: usize, h: f32, l1: &str, l2: &str) -> Case {
    Case {
        label: label.into(),
        source: Source::Facts { name, hobbies, pick },
        height_mm: h,
        line1: l1.into(),
        line2: l2.into(),
        max_width_mm: None,
        hollow: None,
    }
}

fn mesh(label: &str, path: PathBuf, up: Option<UpAxis>, h: f32, l1: &str, max_width_mm: Option<f64>) -> Case {
    Case {
        label: label.into(),
        source: Source::Mesh { path, up },
        height_mm: h,
        line1: l1.into(),
        line2: String::new(),
        max_width_mm,
        hollow: None,
    }
}

/// A bust on a plinth, Z up as CAD tools write it, with two holes punched in it (a missing
/// triangle on the plinth's side and one on the head): 30 x 30 x 6 plinth, 50 mm column, head.
fn bust_with_holes() -> Mesh {
    use manifold_rs::Manifold;
    let plinth = Manifold::cube(30.0, 30.0, 6.0).translate(-15.0, -15.0, 0.0);
    let column = Manifold::cylinder(7.0, 5.0, 40.0, 48).translate(0.0, 0.0, 6.0);
    let head = Manifold::sphere(9.0, 48).translate(0.0, 0.0, 50.0);
    let m = memoreez::fab::manifold_io::to_mesh(&plinth.union(&column).union(&head));
    let top = m.vertices.iter().map(|v| v[2]).fold(f32::MIN, f32::max);
    let side = m.triangles.iter().position(|t| t.iter().all(|&i| m.vertices[i as usize][0] == 15.0));
    let crown = m.triangles.iter().position(|t| t.iter().any(|&i| m.vertices[i as usize][2] > top - 1.0));
    let (side, crown) = (side.expect("a plinth side face"), crown.expect("a face on the head"));
    let triangles = m.triangles.iter().enumerate().filter(|(i, _)| *i != side && *i != crown).map(|(_, t)| *t);
    let holey = Mesh::new(m.vertices.clone(), triangles.collect());
    assert!(!analysis::is_closed_manifold(&holey), "the fixture should have holes");
    holey
}

/// The same bust lying on its side: its up axis is +X.
fn lying(m: &Mesh) -> Mesh {
    Mesh::new(m.vertices.iter().map(|v| [v[2], v[1], -v[0]]).collect(), m.triangles.clone())
}

fn cases(dir: &Path) -> Vec<Case> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meshes");
    let bust = bust_with_holes();
    let (upright, on_side) = (dir.join("bust_z_up.stl"), dir.join("bust_lying.stl"));
    io::write_stl(&upright, &bust).unwrap();
    io::write_stl(&on_side, &lying(&bust)).unwrap();
    // Standing, the piece is as wide as the pedestal round the plinth (half-diagonal 21 mm
    // at 80 / 62 scale, plus the 8 mm margin): about 2 x 35 mm; lying, it would be far wider.
    let standing = Some(75.0);
    vec![
        facts("tennis+coffee, two lines", "Dad", "tennis, coffee", 0, 80.0, "DAD", "60 YEARS"),
        facts("accents: Zoë", "Zoë", "gardening, cats", 1, 80.0, "Zoë", ""),
        facts("accents: Jürgen & Ana", "Jürgen & Ana", "hiking, photography", 2, 80.0, "Jürgen & Ana", "25 YEARS"),
        facts("long lines", "Grandpa", "fishing, chess", 3, 80.0, "HAPPY 90TH BIRTHDAY OPA", "FROM ALL YOUR GRANDKIDS"),
        facts("no lines", "Mia", "reading, music", 0, 80.0, "", ""),
        facts("30 mm, one line", "Ana", "running", 1, 30.0, "ANA", ""),
        facts("30 mm, two lines", "Leo", "guitar, dance", 2, 30.0, "LEO", "2026"),
        facts("250 mm, two lines", "Oma", "cycling, coffee", 3, 250.0, "Zoë", "1960 – 2026"),
        facts("40 mm, no lines", "Sam", "football", 0, 40.0, "", ""),
        facts("gaming+space", "Kai", "gaming, space", 1, 80.0, "KAI", ""),
        facts("120 mm, accent first", "Ève", "painting, watercolour", 2, 120.0, "Ève", ""),
        facts("110 mm, ampersand", "Max", "dogs, walking", 3, 110.0, "MAX & BELLA", "BEST FRIENDS"),
        facts("55 mm", "Ida", "cinema, star wars", 0, 55.0, "Ida", ""),
        facts("golf trophy", "Tom", "golf, winning", 1, 100.0, "CHAMPION", "2026"),
        facts("Cyrillic", "Dmitri", "chess, books", 2, 80.0, "Дмитрий", ""),
        facts("typed accent (e + U+0308)", "Zoe", "nature, flying", 3, 80.0, "Zoe\u{308}", ""),
        facts("65 mm", "Lou", "table tennis", 0, 65.0, "LOU", ""),
        facts("second line only", "Pat", "netball, pony", 1, 70.0, "", "SECOND LINE ONLY"),
        mesh("holey.stl, auto-oriented", fixtures.join("holey.stl"), None, 80.0, "HOLES", None),
        mesh("holey.stl, --up z", fixtures.join("holey.stl"), Some(UpAxis::Z), 45.0, "", None),
        mesh("bust with holes, Z up, auto", upright.clone(), None, 80.0, "BUST", standing),
        mesh("bust with holes, lying, auto", on_side, None, 80.0, "", standing),
        facts("tennis+coffee", "Dad", "tennis, coffee", 0, 80.0, "DAD", "60 YEARS").hollow(2.0),
        facts("150 mm, accents", "Zoë", "gardening, cats", 1, 150.0, "Zoë", "").hollow(3.0),
        mesh("bust with holes, Z up", upright.clone(), Some(UpAxis::Z), 80.0, "BUST", standing).hollow(2.0),
    ]
}

fn params(c: &Case, seed: u64, out: &Path, auto: bool) -> SessionParams {
    let orientation = if auto { Orientation::Auto } else { Orientation::Trusted };
    SessionParams {
        seed,
        fab: FabSpec {
            height_mm: c.height_mm,
            line1: c.line1.clone(),
            line2: c.line2.clone(),
            orientation,
            hollow: c.hollow,
        },
        outputs: memoreez::pipeline::Outputs {
            stl: Some(out.join("piece.stl")),
            threemf: Some(out.join("piece.3mf")),
            gcode: None,
        },
        order: Some(OrderRequest { email: "suite@example.com".into(), address: "Teststraße 1".into() }),
        ..SessionParams::default()
    }
}

/// Makes the piece through the library pipeline in a private data dir.
fn make(c: &Case, seed: u64, dir: &Path) -> Result<(Store, Outcome), String> {
    let mut cfg = Config { data_dir: Some(dir.join("data")), ..Config::default() };
    // Pinned, so a machine with Hunyuan3D weights runs the same quick backend as CI.
    cfg.backends.shape = memoreez::config::ShapeBackend::Motif;
    let store = Store::open(&dir.join("data")).map_err(|e| e.to_string())?;
    let session = match &c.source {
        Source::Facts { name, hobbies, pick } => {
            let facts =
                Facts { name: name.to_string(), hobbies: hobbies.to_string(), quirk: String::new(), occasion: None };
            let p = SessionParams { pick: Some(*pick), ..params(c, seed, dir, false) };
            create(&store, &facts, p).map_err(|e| e.to_string())?
        }
        Source::Mesh { path, up } => {
            let what = Import::Mesh(path.clone(), ImportOptions { units: None, up: *up });
            let (id, _) =
                create_from(&store, &what, None, params(c, seed, dir, up.is_none())).map_err(|e| e.to_string())?;
            id
        }
    };
    let backends = Backends::from_config(&cfg).map_err(|e| e.to_string())?;
    let pipeline = Pipeline::new(Arc::new(store), Arc::new(backends));
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let outcome = pipeline.finish_blocking(&session, tx, CancelToken::new()).map_err(|e| e.to_string())?;
    drop(pipeline);
    Ok((Store::open(&dir.join("data")).map_err(|e| e.to_string())?, outcome))
}

struct Tools {
    prusa: bool,
    admesh: bool,
}

/// Everything wrong with one case, empty when it passed.
fn check(c: &Case, seed: u64, tools: &Tools) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let (store, outcome) = match make(c, seed, dir.path()) {
        Ok(v) => v,
        Err(e) => return vec![format!("make failed: {e}")],
    };
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let r = &outcome.results;
    let Some(order_id) = r.order_id.clone() else {
        return vec!["no order was placed".into()];
    };
    let order = store.order(&order_id).unwrap();
    let in_order = |p: &Option<PathBuf>| p.as_ref().map(|p| store.root().join(p));
    let Some(stl) = in_order(&order.stl_path).filter(|p| p.is_file()) else {
        return vec!["the order folder has no STL".into()];
    };

    // Our own measures of the file the printer gets.
    let mesh = io::read_stl(&std::fs::read(&stl).unwrap()).unwrap();
    let (lo, hi) = mesh.bounds().unwrap();
    let height = f64::from(hi[2] - lo[2]);
    expect(
        (height - f64::from(c.height_mm)).abs() <= HEIGHT_TOLERANCE_MM && lo[2].abs() < 1e-3,
        format!("height {height:.3} mm from z = {}, asked {}", lo[2], c.height_mm),
    );
    expect(analysis::is_closed_manifold(&mesh), "the STL is not a closed manifold".into());
    expect(analysis::components(&mesh).len() == 1, "the STL is not one part".into());
    if let Some(w) = c.max_width_mm {
        let width = f64::from((hi[0] - lo[0]).max(hi[1] - lo[1]));
        expect(width <= w, format!("{width:.1} mm wide, more than {w} mm: it was not stood up"));
    }
    let report = r.printability.clone().unwrap_or_default();
    expect(report.manifold && report.parts == 1, format!("printability says {report:?}"));
    if !c.line1.trim().is_empty() || !c.line2.trim().is_empty() {
        expect(report.cap_height_mm.is_some(), "the report has no lettering".into());
    }
    if c.hollow.is_some() {
        let hollowed = report.hollow.as_ref().is_some_and(|h| h.drain_holes >= 1 && h.cavity_mm3 > 0.0);
        expect(hollowed, format!("asked to hollow, the report says {:?}", report.hollow));
    }

    // The slice: PrusaSlicer's G-code in the order folder when it is installed.
    let slice = r.slice.clone();
    expect(slice.as_ref().is_some_and(|s| s.grams > 0.0), format!("no grams: {slice:?}"));
    if tools.prusa {
        expect(
            slice.as_ref().is_some_and(|s| s.slicer.starts_with("PrusaSlicer")),
            format!("not sliced by PrusaSlicer: {slice:?}"),
        );
        match in_order(&order.gcode_path).and_then(|g| std::fs::read_to_string(g).ok()) {
            Some(g) => {
                let stats = memoreez::fab::prusa::read_stats(g.as_bytes());
                expect(stats.as_ref().is_ok_and(|(grams, _)| *grams > 0.0), format!("G-code stats {stats:?}"));
            }
            None => expect(false, "the order folder has no G-code".into()),
        }
        problems.extend(prusa_info(&stl, c.height_mm));
    }
    if tools.admesh {
        problems.extend(admesh_repairs(&stl));
    }
    match in_order(&order.threemf_path) {
        Some(p) => problems.extend(threemf_problems(&p, &mesh)),
        None => problems.push("the order folder has no 3MF".into()),
    }
    problems
}

/// `prusa-slicer --info`: manifold, one part, the asked height.
fn prusa_info(stl: &Path, height_mm: f32) -> Vec<String> {
    let out = Command::new("prusa-slicer").arg("--info").arg(stl).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let value = |key: &str| {
        text.lines().filter_map(|l| l.split_once('=')).find(|(k, _)| k.trim() == key).map(|(_, v)| v.trim().to_string())
    };
    let mut p = Vec::new();
    if value("manifold").as_deref() != Some("yes") {
        p.push(format!("prusa-slicer --info: manifold = {:?}", value("manifold")));
    }
    if value("number_of_parts").as_deref() != Some("1") {
        p.push(format!("prusa-slicer --info: number_of_parts = {:?}", value("number_of_parts")));
    }
    let z: Option<f64> = value("size_z").and_then(|v| v.parse().ok());
    if !z.is_some_and(|z| (z - f64::from(height_mm)).abs() <= HEIGHT_TOLERANCE_MM) {
        p.push(format!("prusa-slicer --info: size_z = {z:?}, asked {height_mm}"));
    }
    p
}

/// admesh's report: every repair count must be zero and the piece one part.
fn admesh_repairs(stl: &Path) -> Vec<String> {
    let out = Command::new("admesh").arg(stl).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // Lines are "Key   :   n  [more columns]"; the first number after the colon is the one.
    let first_number = |key: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(key))
            .and_then(|l| l.split_once(':'))
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    let mut p = Vec::new();
    if first_number("Number of parts") != Some(1) {
        p.push(format!("admesh: number of parts {:?}", first_number("Number of parts")));
    }
    for key in [
        "Degenerate facets",
        "Edges fixed",
        "Facets removed",
        "Facets added",
        "Facets reversed",
        "Backwards edges",
        "Normals fixed",
        "Total disconnected facets",
    ] {
        if first_number(key) != Some(0) {
            p.push(format!("admesh had to repair: {key} = {:?}", first_number(key)));
        }
    }
    p
}

/// The 3MF core spec's package and model, and the same mesh as the STL.
fn threemf_problems(path: &Path, stl_mesh: &Mesh) -> Vec<String> {
    let mut p = Vec::new();
    let bytes = std::fs::read(path).unwrap();
    let mut zip = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => return vec![format!("3MF is not a zip: {e}")],
    };
    let mut part = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).ok().and_then(|mut f| f.read_to_string(&mut s).ok()).map(|_| s)
    };
    let (types, rels, model) = (part("[Content_Types].xml"), part("_rels/.rels"), part("3D/3dmodel.model"));
    if !types.as_deref().is_some_and(|t| {
        t.contains("application/vnd.ms-package.3dmanufacturing-3dmodel+xml")
            && t.contains("application/vnd.openxmlformats-package.relationships+xml")
    }) {
        p.push(format!("3MF [Content_Types].xml lacks the model or rels type: {types:?}"));
    }
    if !rels.as_deref().is_some_and(|r| {
        r.contains("Target=\"/3D/3dmodel.model\"")
            && r.contains("Type=\"http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel\"")
    }) {
        p.push(format!("3MF _rels/.rels does not point at the model: {rels:?}"));
    }
    let Some(model) = model else {
        p.push("3MF has no 3D/3dmodel.model".into());
        return p;
    };
    let parsed = parse_model(&model);
    if parsed.unit.as_deref() != Some("millimeter") {
        p.push(format!("3MF unit {:?}", parsed.unit));
    }
    if parsed.objects != 1 || parsed.items != 1 {
        p.push(format!("3MF has {} objects and {} build items, not one each", parsed.objects, parsed.items));
    }
    if parsed.vertices != stl_mesh.vertices || parsed.triangles != stl_mesh.triangles {
        p.push(format!(
            "3MF mesh ({} vertices, {} triangles) differs from the STL ({}, {})",
            parsed.vertices.len(),
            parsed.triangles.len(),
            stl_mesh.vertices.len(),
            stl_mesh.triangles.len()
        ));
    }
    p
}

#[derive(Default)]
struct Model {
    unit: Option<String>,
    objects: usize,
    items: usize,
    vertices: Vec<[f32; 3]>,
    triangles: Vec<[u32; 3]>,
}

fn parse_model(xml: &str) -> Model {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut m = Model::default();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k.as_bytes())
                        .and_then(|a| String::from_utf8(a.value.to_vec()).ok())
                };
                let num = |k: &str| attr(k).and_then(|v| v.parse::<f32>().ok()).unwrap_or(f32::NAN);
                let idx = |k: &str| attr(k).and_then(|v| v.parse::<u32>().ok()).unwrap_or(u32::MAX);
                match e.name().as_ref() {
                    b"model" => m.unit = attr("unit"),
                    b"object" => m.objects += 1,
                    b"item" => m.items += 1,
                    b"vertex" => m.vertices.push([num("x"), num("y"), num("z")]),
                    b"triangle" => m.triangles.push([idx("v1"), idx("v2"), idx("v3")]),
                    _ => {}
                }
            }
            Ok(_) => {}
        }
    }
    m
}

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--help").output().is_ok()
}

/// The fabricator alone, outside the pipeline, on a figurine-like body and head with two lines.
#[test]
fn the_fabricators_solid_passes_the_tools() {
    use manifold_rs::Manifold;
    use memoreez::fab::{solid::OfflineFabricator, Fabricator};
    let body = Manifold::sphere(0.55, 64).scale(1.0, 1.2, 0.8).translate(0.0, -0.35, 0.0);
    let head = Manifold::sphere(0.35, 64).translate(0.05, 0.6, 0.1);
    let raw = memoreez::fab::manifold_io::to_mesh(&body.union(&head));
    let spec = FabSpec { height_mm: 80.0, line1: "DAD".into(), line2: "60 YEARS".into(), ..FabSpec::default() };
    let p = OfflineFabricator.make_printable(&raw, &spec, &memoreez::stage::NoProgress).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stl = dir.path().join("piece.stl");
    io::write_stl(&stl, &p.mesh).unwrap();
    let mut problems = Vec::new();
    if on_path("prusa-slicer") {
        problems.extend(prusa_info(&stl, spec.height_mm));
    } else {
        eprintln!("prusa-slicer not on PATH: skipped its --info check");
    }
    if on_path("admesh") {
        problems.extend(admesh_repairs(&stl));
    } else {
        eprintln!("admesh not on PATH: skipped its repair check");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_piece_is_printable_by_the_tools_printers_use() {
    let tools = Tools { prusa: memoreez::fab::prusa::detect().is_some(), admesh: on_path("admesh") };
    if !tools.prusa {
        eprintln!("prusa-slicer not on PATH: skipped --info, slicing and G-code checks (install prusa-slicer)");
    }
    if !tools.admesh {
        eprintln!("admesh not on PATH: skipped the repair checks (install admesh)");
    }
    let fixtures = tempfile::tempdir().unwrap();
    let cases = cases(fixtures.path());
    assert!(cases.len() >= 20);
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(c) = cases.get(i) else { break };
                let t = Instant::now();
                let problems = check(c, 1000 + i as u64, &tools);
                eprintln!("{:5.1} s  {:2}. {} ({} mm)", t.elapsed().as_secs_f64(), i + 1, c.label, c.height_mm);
                for p in &problems {
                    failures.lock().unwrap().push(format!("{}: {p}", c.label));
                }
            });
        }
    });
    eprintln!("{} cases in {:.1} s on {WORKERS} threads", cases.len(), started.elapsed().as_secs_f64());
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}
