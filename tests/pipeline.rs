//! The runner's contract with counting fake backends: every output saved before the next stage, saved
//! stages skipped, damaged files redone, edits invalidate only what follows, cancellation keeps progress.

use image::RgbaImage;
use memoreez::domain::{Concept, Facts, Stage, Style};
use memoreez::fab::pricing::Rates;
use memoreez::fab::{FabSpec, Fabricator, Printability, Printable, SliceStats, Slicer};
use memoreez::ideation::Ideator;
use memoreez::imagegen::ImageGenerator;
use memoreez::matting::Matting;
use memoreez::mesh::Mesh;
use memoreez::pipeline::{Backends, OrderRequest, Pipeline, Reached, SessionParams};
use memoreez::shapegen::{ShapeGenerator, ShapeInput};
use memoreez::stage::{BackendKind, CancelToken, Progress, ProgressEvent, StageError};
use memoreez::store::{AssetKind, Store};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct Calls {
    ideation: AtomicUsize,
    images: AtomicUsize,
    matting: AtomicUsize,
    shape: AtomicUsize,
    fab: AtomicUsize,
    slicing: AtomicUsize,
    /// When set, the images backend pulls this token after drawing `cancel_after` images.
    cancel: CancelToken,
    cancel_after: AtomicUsize,
}

struct Fake(Arc<Calls>);

fn cube() -> Mesh {
    let v = (0..8).map(|i| [(i & 1) as f32, ((i >> 1) & 1) as f32, ((i >> 2) & 1) as f32]).collect();
    let t = vec![
        [0, 2, 1],
        [1, 2, 3],
        [4, 5, 6],
        [5, 7, 6],
        [0, 1, 4],
        [1, 5, 4],
        [2, 6, 3],
        [3, 6, 7],
        [0, 4, 2],
        [2, 4, 6],
        [1, 3, 5],
        [3, 7, 5],
    ];
    Mesh::new(v, t)
}

impl Ideator for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Offline
    }
    fn name(&self) -> &str {
        "fake"
    }
    fn concepts(&self, _: &Facts, seed: u64, _: &dyn Progress) -> Result<Vec<Concept>, StageError> {
        self.0.ideation.fetch_add(1, Ordering::SeqCst);
        Ok(Style::ALL
            .iter()
            .map(|&style| Concept { title: format!("{style} {seed}"), style, prompt: "a cube".into() })
            .collect())
    }
}

impl ImageGenerator for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Offline
    }
    fn name(&self) -> &str {
        "fake"
    }
    fn generate(&self, _: &Concept, seed: u64, _: &dyn Progress) -> Result<RgbaImage, StageError> {
        let n = self.0.images.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.0.cancel_after.load(Ordering::SeqCst) {
            self.0.cancel.cancel();
        }
        Ok(RgbaImage::from_pixel(8, 8, image::Rgba([seed as u8, 0, 0, 255])))
    }
}

impl Matting for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Offline
    }
    fn name(&self) -> &str {
        "fake"
    }
    fn cut_out(&self, image: &RgbaImage, _: &dyn Progress) -> Result<RgbaImage, StageError> {
        self.0.matting.fetch_add(1, Ordering::SeqCst);
        let mut cut = image.clone();
        cut.pixels_mut().for_each(|p| p.0[3] = 128);
        Ok(cut)
    }
}

impl ShapeGenerator for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Offline
    }
    fn name(&self) -> &str {
        "fake"
    }
    fn generate(&self, _: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
        self.0.shape.fetch_add(1, Ordering::SeqCst);
        if progress.is_cancelled() {
            return Err(StageError::Cancelled);
        }
        Ok(cube())
    }
}

impl Fabricator for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Offline
    }
    fn name(&self) -> &str {
        "fake"
    }
    fn make_printable(&self, raw: &Mesh, spec: &FabSpec, _: &dyn Progress) -> Result<Printable, StageError> {
        self.0.fab.fetch_add(1, Ordering::SeqCst);
        let report = Printability {
            manifold: true,
            parts: 1,
            volume_mm3: spec.height_mm as f64,
            size_mm: [1.0, 1.0, 1.0],
            warnings: vec![spec.line1.clone()],
            overhang_pct: 0.0,
            base_flat: true,
            thinnest_stroke_mm: None,
            ..Printability::default()
        };
        // Scaled to the height asked for, so a new height is a new solid (and a new file hash).
        let k = spec.height_mm / 80.0;
        let vertices = raw.vertices.iter().map(|v| v.map(|c| c * k)).collect();
        Ok(Printable { mesh: Mesh::new(vertices, raw.triangles.clone()), report })
    }
}

impl Slicer for Fake {
    fn kind(&self) -> BackendKind {
        BackendKind::Offline
    }
    fn name(&self) -> &str {
        "fake"
    }
    fn slice(&self, _: &Mesh, _: &Path, _: &Path, _: &dyn Progress) -> Result<(SliceStats, bool), StageError> {
        self.0.slicing.fetch_add(1, Ordering::SeqCst);
        Ok((SliceStats { grams: 100.0, minutes: 60.0, slicer: "fake".into() }, false))
    }
}

fn setup() -> (tempfile::TempDir, Pipeline, Arc<Calls>, String) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let calls = Arc::new(Calls::default());
    let fake = || Arc::new(Fake(calls.clone()));
    let backends = Backends {
        ideator: fake(),
        images: fake(),
        matting: fake(),
        shape: fake(),
        fab: fake(),
        slicer: fake(),
        rates: Rates::default(),
    };
    let pipeline = Pipeline::new(store.clone(), Arc::new(backends));
    let facts = Facts { name: "A".into(), hobbies: "cubes".into(), quirk: String::new(), occasion: None };
    let params = SessionParams { seed: 3, ..SessionParams::default() };
    let session = store.create_session(&facts, &serde_json::to_value(&params).unwrap()).unwrap();
    (dir, pipeline, calls, session.id)
}

fn run(
    p: &Pipeline,
    id: &str,
    until: Stage,
) -> (Result<memoreez::pipeline::Outcome, memoreez::pipeline::PipelineError>, Vec<ProgressEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let r = p.run_blocking(id, until, tx, CancelToken::new());
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (r, events)
}

fn counts(c: &Calls) -> [usize; 6] {
    [&c.ideation, &c.images, &c.matting, &c.shape, &c.fab, &c.slicing].map(|a| a.load(Ordering::SeqCst))
}

fn set_pick(p: &Pipeline, id: &str, pick: usize) {
    let mut params = p.load(id).unwrap().params;
    params.pick = Some(pick);
    p.save_params(id, &params).unwrap();
}

#[test]
fn the_gallery_stops_at_images_and_the_rest_runs_once_after_the_pick() {
    let (_dir, p, calls, id) = setup();
    let (r, _) = run(&p, &id, Stage::Images);
    assert_eq!(r.unwrap().concepts.len(), 4);
    assert_eq!(counts(&calls), [1, 4, 0, 0, 0, 0]);
    assert_eq!(p.store.session(&id).unwrap().step, Some(Stage::Images));

    let (r, _) = run(&p, &id, Stage::Pricing);
    assert!(matches!(r, Err(memoreez::pipeline::PipelineError::NeedsPick)));

    set_pick(&p, &id, 2);
    let (r, events) = run(&p, &id, Stage::Pricing);
    let out = r.unwrap();
    assert_eq!(out.chosen, Some(2));
    assert_eq!(counts(&calls), [1, 4, 1, 1, 1, 1]);
    assert!(events.contains(&ProgressEvent::Skipped { stage: Stage::Ideation }));
    assert!(events.contains(&ProgressEvent::Skipped { stage: Stage::Images }));
    let quote = out.results.quote.unwrap();
    assert_eq!(quote.total_cents, 300 + 1200 + 800);

    // A second run redoes nothing.
    run(&p, &id, Stage::Pricing).0.unwrap();
    assert_eq!(counts(&calls), [1, 4, 1, 1, 1, 1]);
}

#[test]
fn a_damaged_file_is_redone_and_only_that() {
    let (dir, p, calls, id) = setup();
    set_pick(&p, &id, 0);
    run(&p, &id, Stage::Pricing).0.unwrap();
    let cutout = &p.store.assets(&id, AssetKind::Cutout).unwrap()[0];
    let raw = &p.store.assets(&id, AssetKind::RawMesh).unwrap()[0];
    std::fs::write(dir.path().join(cutout.path.as_ref().unwrap()), b"garbage").unwrap();
    std::fs::remove_file(dir.path().join(raw.path.as_ref().unwrap())).unwrap();
    run(&p, &id, Stage::Pricing).0.unwrap();
    // Matting and shape ran again; fabrication kept its saved solid (its file is intact).
    assert_eq!(counts(&calls), [1, 4, 2, 2, 1, 1]);
}

#[test]
fn an_engraving_edit_redoes_fabrication_and_after_only() {
    let (_dir, p, calls, id) = setup();
    set_pick(&p, &id, 1);
    run(&p, &id, Stage::Pricing).0.unwrap();
    p.invalidate_from(&id, Stage::Fabrication).unwrap();
    assert_eq!(p.store.session(&id).unwrap().step, Some(Stage::Shape));
    let mut params = p.load(&id).unwrap().params;
    params.fab.line1 = "NEW".into();
    p.save_params(&id, &params).unwrap();
    let out = run(&p, &id, Stage::Pricing).0.unwrap();
    assert_eq!(counts(&calls), [1, 4, 1, 1, 2, 2]);
    assert_eq!(out.results.printability.unwrap().warnings, ["NEW"]);
}

#[test]
fn cancelling_mid_stage_keeps_what_was_saved_and_the_next_run_finishes_only_the_rest() {
    let (_dir, p, calls, id) = setup();
    set_pick(&p, &id, 0);
    calls.cancel_after.store(2, Ordering::SeqCst);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let err = p.run_blocking(&id, Stage::Pricing, tx, calls.cancel.clone()).unwrap_err();
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(counts(&calls), [1, 2, 0, 0, 0, 0], "stopped between images");
    let drawn = p.store.assets(&id, AssetKind::ConceptImage).unwrap().iter().filter(|a| a.path.is_some()).count();
    assert_eq!(drawn, 2, "the two finished images are saved");
    run(&p, &id, Stage::Pricing).0.unwrap();
    assert_eq!(counts(&calls), [1, 4, 1, 1, 1, 1], "only the two missing images were drawn");
}

#[test]
fn an_edit_after_an_order_shows_the_order_was_for_an_earlier_version_and_a_new_one_can_be_placed() {
    let (_dir, p, _calls, id) = setup();
    let mut params = p.load(&id).unwrap().params;
    params.pick = Some(1);
    params.order = Some(OrderRequest { email: "a@b.example".into(), address: "1 Main St".into() });
    p.save_params(&id, &params).unwrap();
    let finish = || p.finish_blocking(&id, tokio::sync::mpsc::unbounded_channel().0, CancelToken::new());
    let first = finish().unwrap().results.order_id.expect("an order is placed");
    assert_eq!(p.load(&id).unwrap().reached(), Reached::Ordered);
    finish().unwrap();
    assert_eq!(p.store.list_orders().unwrap().len(), 1, "finishing again places no second order");

    // The height changes after the order: the solid is made again, and the order stands for the old one.
    p.invalidate_from(&id, Stage::Fabrication).unwrap();
    params.fab.height_mm = 120.0;
    p.save_params(&id, &params).unwrap();
    run(&p, &id, Stage::Pricing).0.unwrap();
    let s = p.load(&id).unwrap();
    assert_eq!(s.reached(), Reached::Step(Stage::Pricing), "no longer shown as ordered");
    assert_eq!(s.results.order_id.as_deref(), Some(first.as_str()), "the earlier order is remembered");
    assert!(!s.results.order_is_current());

    let second = finish().unwrap().results.order_id.unwrap();
    assert_ne!(second, first);
    let orders = p.store.list_orders().unwrap();
    assert_eq!(orders.len(), 2);
    let shas: Vec<_> = orders.iter().map(|o| o.solid_sha256.clone().unwrap()).collect();
    assert_ne!(shas[0], shas[1], "each order records the solid it was priced on");
    assert_eq!(p.load(&id).unwrap().reached(), Reached::Ordered);
}

#[test]
fn the_saved_solid_is_written_where_asked_without_running_anything_or_ordering() {
    let (dir, p, calls, id) = setup();
    let out = memoreez::pipeline::Outputs::in_dir(&dir.path().join("saved"), "dad");
    let err = p.save_files(&id, &out).unwrap_err();
    assert!(matches!(err, memoreez::pipeline::PipelineError::NoSolid), "{err}");
    set_pick(&p, &id, 0);
    run(&p, &id, Stage::Fabrication).0.unwrap();
    let before = counts(&calls);

    let files = p.save_files(&id, &out).unwrap();
    assert_eq!(counts(&calls), before, "nothing ran again");
    let solid = p.store.assets(&id, AssetKind::FinalMesh).unwrap().pop().unwrap();
    assert_eq!(std::fs::read(files.stl.unwrap()).unwrap(), p.store.read_file(&solid).unwrap());
    assert_eq!(&std::fs::read(files.threemf.unwrap()).unwrap()[..2], b"PK");
    assert!(files.gcode.is_none() && files.notes.iter().any(|n| n.contains("no G-code")), "{:?}", files.notes);
    assert!(p.store.list_orders().unwrap().is_empty());
}
