//! Clean-up, union and engraving of an image-to-3D sized mesh: a blobby figure meshed by marching
//! cubes to about 700k faces (what Hunyuan3D-2 gives at its default 256^3 resolution), made
//! once outside the timed loop, then through the fabricator the app uses. Target: under 5 s.
//! The same piece hollowed (2 mm walls) is timed beside it, with the solid one as its reference.

use criterion::{criterion_group, criterion_main, Criterion};
use memoreez::fab::solid::OfflineFabricator;
use memoreez::fab::{FabSpec, Fabricator, HollowSpec};
use memoreez::mesh::cleanup::{self, CleanupOptions};
use memoreez::mesh::marching_cubes::{grid_from_fn, marching_cubes};
use memoreez::mesh::{analysis, Mesh};
use memoreez::stage::{NoProgress, Progress};
use std::time::{Duration, Instant};

/// Our figure is smoother than a generated one (no folds or hair), so it takes a finer grid than
/// Hunyuan3D's 256^3 to reach the same face count.
const GRID: usize = 470;

fn sphere(p: [f32; 3], c: [f32; 3], r: f32) -> f32 {
    ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2) + (p[2] - c[2]).powi(2)).sqrt() - r
}

/// Polynomial smooth minimum: blends the parts into one body with soft joins.
fn smin(a: f32, b: f32, k: f32) -> f32 {
    let h = (0.5 + 0.5 * (b - a) / k).clamp(0.0, 1.0);
    b + (a - b) * h - k * h * (1.0 - h)
}

/// A figure in model space (Y up, about +-1): body, head, arms, feet, and a wavy surface so the
/// mesh has detail everywhere, as generated figurines do.
fn figure(p: [f32; 3]) -> f32 {
    let parts = [
        ([0.0, -0.2, 0.0], 0.45),
        ([0.0, 0.45, 0.05], 0.3),
        ([-0.45, -0.05, 0.1], 0.16),
        ([0.45, -0.05, 0.1], 0.16),
        ([-0.2, -0.7, 0.1], 0.17),
        ([0.2, -0.7, 0.1], 0.17),
        ([0.12, 0.55, 0.3], 0.07),
        ([-0.12, 0.55, 0.3], 0.07),
    ];
    let d = parts.iter().map(|&(c, r)| sphere(p, c, r)).fold(f32::MAX, |a, b| smin(a, b, 0.12));
    d + 0.012 * (p[0] * 75.0).sin() * (p[1] * 70.0).sin() * (p[2] * 80.0).sin()
}

/// The raw mesh as the shape stage hands it over: model space, welded, closed.
fn raw_figure() -> Mesh {
    let step = 2.1 / (GRID - 1) as f32;
    let origin = [-1.05f32; 3];
    // Marching cubes takes higher values as inside.
    let grid = grid_from_fn([GRID; 3], origin, step, |p| -figure(p));
    let mut m = marching_cubes(&grid, 0.0);
    for v in &mut m.vertices {
        *v = [0, 1, 2].map(|k| origin[k] + step * v[k]);
    }
    m
}

/// Prints when each step of one untimed run ends, to show where the time goes.
struct Steps(Instant);

impl Progress for Steps {
    fn step(&self, n: usize, total: usize, message: &str) {
        eprintln!("  {:6.3} s  {n}/{total} {message}", self.0.elapsed().as_secs_f64());
    }
    fn note(&self, message: &str) {
        eprintln!("  {:6.3} s  {message}", self.0.elapsed().as_secs_f64());
    }
    fn is_cancelled(&self) -> bool {
        false
    }
}

fn bench(c: &mut Criterion) {
    let raw = raw_figure();
    eprintln!("raw figure: {} faces, {} vertices", raw.triangles.len(), raw.vertices.len());
    let spec = FabSpec { height_mm: 80.0, line1: "DAD".into(), line2: "60 YEARS".into(), ..FabSpec::default() };
    let p = OfflineFabricator.make_printable(&raw, &spec, &Steps(Instant::now())).expect("fabricate");
    eprintln!("finished solid: {} faces, {:?}", p.mesh.triangles.len(), p.report);

    let mut group = c.benchmark_group("cleanup");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    let opts = CleanupOptions { face_budget: Some(cleanup::DEFAULT_FACE_BUDGET - 40_000), ..CleanupOptions::default() };
    group.bench_function("clean_700k", |b| b.iter(|| cleanup::clean(&raw, &opts).expect("clean")));
    // Reference: the clean-up fabrication had before (weld, drop degenerate faces, keep the largest
    // part; no winding, holes or decimation), on the same mesh.
    group.bench_function("reference_old_clean_700k", |b| {
        b.iter(|| analysis::keep_largest_component(&analysis::remove_degenerate(&analysis::weld(&raw, 2.1e-6))))
    });
    group.bench_function("fabricate_700k", |b| {
        b.iter(|| OfflineFabricator.make_printable(&raw, &spec, &NoProgress).expect("fabricate"))
    });
    let hollow = FabSpec { hollow: Some(HollowSpec::default()), ..spec.clone() };
    let h = OfflineFabricator.make_printable(&raw, &hollow, &Steps(Instant::now())).expect("hollow");
    eprintln!("hollowed: {} faces, {:?}", h.mesh.triangles.len(), h.report.hollow);
    group.bench_function("fabricate_700k_hollow", |b| {
        b.iter(|| OfflineFabricator.make_printable(&raw, &hollow, &NoProgress).expect("fabricate hollow"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
