//! Exact geometry -> mesh: a signed distance function sampled on a grid and meshed with marching
//! cubes. The procedural image backend uses it to hand over the very shape it drew, so image-to-3D
//! need not guess it back from the picture.

use crate::mesh::analysis::{is_closed_manifold, remove_degenerate, weld};
use crate::mesh::marching_cubes::{marching_cubes, Grid};
use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};
use rayon::prelude::*;

/// Finest and coarsest resolution accepted: 512 cells a side is half a gigabyte of samples.
const RESOLUTION: std::ops::RangeInclusive<usize> = 8..=512;
/// Sampling is reported in this many slabs.
const SLABS: usize = 16;

/// Meshes the solid where `sdf` is negative, inside `bounds` (min, max corners, model space).
///
/// `resolution` is the number of grid cells along the longest side of the bounds (clamped to
/// 8..=512); the grid has one more cell all round, whose outer layer is always taken as outside,
/// so the mesh is closed even where the shape reaches the bounds (it is cut off there). Vertices
/// are in model space, triangles counter-clockwise seen from outside. Every part is kept.
///
/// Progress: one step per slab of samples, then meshing and clean-up; cancellation is checked
/// between steps.
pub fn mesh_from_sdf(
    sdf: &(dyn Fn([f32; 3]) -> f32 + Sync),
    bounds: ([f32; 3], [f32; 3]),
    resolution: usize,
    progress: &dyn Progress,
) -> Result<Mesh, StageError> {
    let (lo, hi) = bounds;
    let extent = [0, 1, 2].map(|k| hi[k] - lo[k]);
    if !lo.iter().chain(&hi).all(|c| c.is_finite()) || extent.iter().any(|&e| e.is_nan() || e <= 0.0) {
        return Err(StageError::BadInput(format!(
            "the shape's bounds {lo:?} to {hi:?} do not enclose any space; each maximum must be \
             above its minimum"
        )));
    }
    let resolution = resolution.clamp(*RESOLUTION.start(), *RESOLUTION.end());
    let step = extent.iter().copied().fold(0.0, f32::max) / resolution as f32;
    let dims = extent.map(|e| (e / step).ceil() as usize + 3);
    let origin = lo.map(|c| c - step);
    let total = SLABS + 2;
    let check = |n: usize, message: &str| {
        progress.step(n, total, message);
        if progress.is_cancelled() {
            Err(StageError::Cancelled)
        } else {
            Ok(())
        }
    };

    let mut grid = Grid::filled(dims, 0.0);
    let plane = dims[1] * dims[2];
    let planes_per_slab = dims[0].div_ceil(SLABS);
    for (s, slab) in grid.values.chunks_mut(plane * planes_per_slab).enumerate() {
        slab.par_chunks_mut(plane).enumerate().for_each(|(n, values)| {
            let i = s * planes_per_slab + n;
            for j in 0..dims[1] {
                for k in 0..dims[2] {
                    let on_rim = i == 0 || j == 0 || k == 0 || i + 1 == dims[0] || j + 1 == dims[1] || k + 1 == dims[2];
                    let p = [origin[0] + step * i as f32, origin[1] + step * j as f32, origin[2] + step * k as f32];
                    // Inside is positive for marching cubes; the rim is forced outside.
                    let v = -sdf(p);
                    values[j * dims[2] + k] = if on_rim { v.min(-0.5 * step) } else { v };
                }
            }
        });
        check(s + 1, "sampling the shape")?;
    }
    // Fewer planes than slabs: report the rest as done.
    for s in grid.values.len().div_ceil(plane * planes_per_slab)..SLABS {
        check(s + 1, "sampling the shape")?;
    }

    let raw = marching_cubes(&grid, 0.0);
    check(SLABS + 1, "surface extracted")?;
    let mut mesh = remove_degenerate(&weld(&raw, 1e-6));
    if mesh.is_empty() {
        return Err(StageError::BadInput(
            "the shape is empty: its signed distance is positive everywhere inside its bounds".into(),
        ));
    }
    for v in &mut mesh.vertices {
        *v = [0, 1, 2].map(|k| origin[k] + step * v[k]);
    }
    if !is_closed_manifold(&mesh) {
        return Err(StageError::Failed(
            "meshing the shape gave a surface that is not closed (an internal error); try another \
             resolution"
                .into(),
        ));
    }
    check(SLABS + 2, "cleaned up")?;
    Ok(mesh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::analysis::{components, signed_volume};
    use crate::stage::NoProgress;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ball(c: [f32; 3], r: f32) -> impl Fn([f32; 3]) -> f32 + Sync {
        move |p| (0..3).map(|k| (p[k] - c[k]).powi(2)).sum::<f32>().sqrt() - r
    }

    #[test]
    fn ball_is_meshed_in_model_space() {
        let sdf = ball([0.2, -0.1, 0.3], 0.5);
        let m = mesh_from_sdf(&sdf, ([-0.4, -0.7, -0.3], [0.8, 0.5, 0.9]), 96, &NoProgress).unwrap();
        assert!(is_closed_manifold(&m));
        let exact = 4.0 / 3.0 * std::f64::consts::PI * 0.125;
        let v = signed_volume(&m);
        assert!((v - exact).abs() / exact < 0.02, "volume {v} vs {exact}");
        let (lo, hi) = m.bounds().unwrap();
        for (k, c) in [0.2f32, -0.1, 0.3].iter().enumerate() {
            assert!((lo[k] - (c - 0.5)).abs() < 0.01 && (hi[k] - (c + 0.5)).abs() < 0.01);
        }
    }

    #[test]
    fn shape_reaching_past_the_bounds_is_cut_and_closed() {
        let sdf = ball([0.0; 3], 1.0);
        let m = mesh_from_sdf(&sdf, ([-0.5; 3], [0.5; 3]), 32, &NoProgress).unwrap();
        assert!(is_closed_manifold(&m));
        let (lo, hi) = m.bounds().unwrap();
        assert!(lo.iter().all(|&c| c > -0.6) && hi.iter().all(|&c| c < 0.6));
    }

    #[test]
    fn separate_parts_are_all_kept() {
        let (a, b) = (ball([-0.5, 0.0, 0.0], 0.3), ball([0.5, 0.0, 0.0], 0.3));
        let sdf = move |p: [f32; 3]| a(p).min(b(p));
        let m = mesh_from_sdf(&sdf, ([-1.0; 3], [1.0; 3]), 48, &NoProgress).unwrap();
        assert_eq!(components(&m).len(), 2);
    }

    #[test]
    fn bad_bounds_and_empty_shapes_are_bad_input() {
        let sdf = ball([0.0; 3], 0.5);
        let flat = mesh_from_sdf(&sdf, ([-1.0, -1.0, 0.0], [1.0, 1.0, 0.0]), 32, &NoProgress);
        assert!(matches!(flat, Err(StageError::BadInput(_))));
        let nan = mesh_from_sdf(&sdf, ([f32::NAN; 3], [1.0; 3]), 32, &NoProgress);
        assert!(matches!(nan, Err(StageError::BadInput(_))));
        let far = ball([5.0; 3], 0.5);
        let empty = mesh_from_sdf(&far, ([-1.0; 3], [1.0; 3]), 32, &NoProgress);
        assert!(matches!(empty, Err(StageError::BadInput(m)) if m.contains("empty")));
    }

    struct Counting(AtomicUsize, usize);
    impl Progress for Counting {
        fn step(&self, n: usize, total: usize, _: &str) {
            assert_eq!(total, SLABS + 2);
            assert_eq!(n, self.0.fetch_add(1, Ordering::SeqCst) + 1, "steps in order");
        }
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            self.0.load(Ordering::SeqCst) >= self.1
        }
    }

    #[test]
    fn reports_every_step_and_stops_when_cancelled() {
        let sdf = ball([0.0; 3], 0.5);
        let all = Counting(AtomicUsize::new(0), usize::MAX);
        mesh_from_sdf(&sdf, ([-1.0; 3], [1.0; 3]), 8, &all).unwrap();
        assert_eq!(all.0.load(Ordering::SeqCst), SLABS + 2);
        let early = Counting(AtomicUsize::new(0), 3);
        let r = mesh_from_sdf(&sdf, ([-1.0; 3], [1.0; 3]), 64, &early);
        assert!(matches!(r, Err(StageError::Cancelled)));
        assert_eq!(early.0.load(Ordering::SeqCst), 3);
    }
}
