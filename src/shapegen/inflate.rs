//! The offline image-to-3D backend: the cut-out's silhouette inflated like a balloon into a rounded
//! solid, thickest where the silhouette is widest, with a gentle relief pressed into the front from
//! the picture's shading.
//!
//! Silhouette -> distance to its edge (exact EDT) -> half-thickness h = k·sqrt(d·(2R − d)), the
//! profile of a sphere of radius R (the widest inscribed circle) so a disc becomes a ball, never
//! thinner than a minimum -> an occupancy field h(x, y) − |z| on a grid symmetric in Z ->
//! marching cubes -> one closed solid in model space.

use super::{ShapeGenerator, ShapeInput};
use crate::mesh::edt::squared_distance;
use crate::mesh::marching_cubes::{marching_cubes, Grid};
use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};
use image::imageops::FilterType;
use image::{Rgba, RgbaImage};

/// Inflates the cut-out's silhouette.
#[derive(Debug, Clone, PartialEq)]
pub struct InflateGenerator {
    /// Cells along the silhouette's longer side; the mesh has about 4·resolution² triangles.
    pub resolution: u32,
    /// Half-thickness at the widest point, as a share of the widest inscribed circle's radius
    /// (1.0: a disc becomes a ball).
    pub thickness: f32,
    /// Least half-thickness anywhere, as a share of the silhouette's longer side.
    pub min_thickness: f32,
    /// Deepest relief, for the darkest shading, as a share of the longer side.
    pub relief: f32,
}

impl Default for InflateGenerator {
    fn default() -> Self {
        Self { resolution: 160, thickness: 0.75, min_thickness: 0.03, relief: 0.025 }
    }
}

/// A cell is inside the silhouette when this much of it is covered (low enough that lines one pixel
/// wide survive the downsampling).
const COVERAGE: f32 = 0.3;
/// Relief never takes more than this share of the local half-thickness.
const RELIEF_SHARE: f32 = 0.35;
/// Empty cells around the silhouette and above and below the solid, so the surface closes.
const PAD: usize = 2;
const STEPS: usize = 5;

impl ShapeGenerator for InflateGenerator {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "inflate"
    }

    fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
        let step = |n: usize, message: &str| {
            progress.step(n, STEPS, message);
            if progress.is_cancelled() {
                Err(StageError::Cancelled)
            } else {
                Ok(())
            }
        };
        let cells = Cells::from_cutout(input.cutout, self.resolution.max(8))?;
        step(1, "silhouette traced")?;
        let heights = self.heights(&cells);
        step(2, "thickness profile from the distance to the edge")?;
        let grid = occupancy(&cells, &heights);
        step(3, "occupancy field sampled")?;
        let raw = marching_cubes(&grid, 0.0);
        step(4, "surface extracted")?;
        let mesh = fit_to_box(&raw, |[row, col, depth]| [col, -row, depth - (grid.dims[2] - 1) as f32 / 2.0])?;
        step(5, "cleaned up and fitted to the model box")?;
        Ok(mesh)
    }
}

/// The silhouette on the working grid: coverage and mean luminance per cell, `w` x `h`, row 0 at
/// the picture's top, with `PAD` empty cells all round.
struct Cells {
    w: usize,
    h: usize,
    inside: Vec<bool>,
    /// Luminance 0..1 of the covered part of each cell; meaningless where not inside.
    luminance: Vec<f32>,
}

impl Cells {
    fn from_cutout(cutout: &RgbaImage, resolution: u32) -> Result<Self, StageError> {
        let Some((x0, y0, x1, y1)) = opaque_box(cutout) else {
            return Err(StageError::BadInput(
                "the cut-out is fully transparent, so there is no shape to inflate; check the \
                 background removal or use a picture with a visible subject"
                    .into(),
            ));
        };
        let (bw, bh) = (x1 - x0, y1 - y0);
        let scale = resolution as f32 / bw.max(bh) as f32;
        let (cw, ch) = (((bw as f32 * scale).round() as u32).max(1), ((bh as f32 * scale).round() as u32).max(1));
        // Premultiplied and hard-edged, so coverage and colour average correctly.
        let crop = RgbaImage::from_fn(bw, bh, |x, y| {
            let c = cutout.get_pixel(x0 + x, y0 + y);
            if c[3] >= 128 {
                Rgba([c[0], c[1], c[2], 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let small = image::imageops::resize(&crop, cw, ch, FilterType::Triangle);
        let (w, h) = (cw as usize + 2 * PAD, ch as usize + 2 * PAD);
        let mut coverage = vec![0.0f32; w * h];
        let mut luminance = vec![0.0f32; w * h];
        for (x, y, c) in small.enumerate_pixels() {
            let i = (y as usize + PAD) * w + x as usize + PAD;
            coverage[i] = c[3] as f32 / 255.0;
            if c[3] > 0 {
                let [r, g, b] = [c[0], c[1], c[2]].map(|v| v as f32 / c[3] as f32);
                luminance[i] = (0.2126 * r + 0.7152 * g + 0.0722 * b).min(1.0);
            }
        }
        let max_coverage = coverage.iter().copied().fold(0.0, f32::max);
        // A subject thinner than a cell everywhere keeps its best-covered cells.
        let threshold = COVERAGE.min(max_coverage * 0.5);
        let mut inside: Vec<bool> = coverage.iter().map(|&c| c > 0.0 && c >= threshold).collect();
        bridge_diagonals(&mut inside, w, h);
        Ok(Self { w, h, inside, luminance })
    }

    fn longer_side(&self) -> f32 {
        (self.w.max(self.h) - 2 * PAD) as f32
    }
}

/// Cells that touch only at a corner would come out as separate solids (marching cubes does not
/// join them through an ambiguous face), so one of the two cells beside them is filled in.
fn bridge_diagonals(inside: &mut [bool], w: usize, h: usize) {
    for y in 0..h.saturating_sub(1) {
        for x in 0..w.saturating_sub(1) {
            let [a, b, c, d] = [y * w + x, y * w + x + 1, (y + 1) * w + x, (y + 1) * w + x + 1];
            if inside[a] && inside[d] && !inside[b] && !inside[c] {
                inside[b] = true;
            } else if inside[b] && inside[c] && !inside[a] && !inside[d] {
                inside[a] = true;
            }
        }
    }
}

/// Bounding box (x0, y0, x1, y1) of pixels with alpha >= 128; None when there are none.
fn opaque_box(img: &RgbaImage) -> Option<(u32, u32, u32, u32)> {
    img.enumerate_pixels().filter(|(_, _, c)| c[3] >= 128).fold(None, |b, (x, y, _)| {
        let (x0, y0, x1, y1) = b.unwrap_or((x, y, x + 1, y + 1));
        Some((x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)))
    })
}

/// Half-thickness of the front and back surfaces per cell; negative outside the silhouette (the
/// signed distance to it), so the surface closes at the silhouette's edge.
struct Heights {
    front: Vec<f32>,
    back: Vec<f32>,
}

impl InflateGenerator {
    fn heights(&self, cells: &Cells) -> Heights {
        let (w, h) = (cells.w, cells.h);
        let outside: Vec<bool> = cells.inside.iter().map(|&i| !i).collect();
        let to_outside = squared_distance(&outside, w, h);
        let to_inside = squared_distance(&cells.inside, w, h);
        // Distance to the silhouette's edge, which runs half-way between inside and outside cells.
        let edge_distance: Vec<f32> = (0..w * h)
            .map(|i| if cells.inside[i] { to_outside[i].sqrt() - 0.5 } else { 0.5 - to_inside[i].sqrt() })
            .collect();
        let radius = edge_distance.iter().copied().fold(0.5, f32::max);
        let floor = self.min_thickness * cells.longer_side();
        let back: Vec<f32> = (0..w * h)
            .map(|i| {
                let d = edge_distance[i];
                if !cells.inside[i] {
                    return d;
                }
                let d = d.min(radius);
                (self.thickness * (d * (2.0 * radius - d)).sqrt()).max(floor)
            })
            .collect();
        let darkness = darkness(cells);
        let depth = self.relief * cells.longer_side();
        let front = (0..w * h)
            .map(|i| {
                let press = (depth * darkness[i]).min(RELIEF_SHARE * back[i].max(0.0));
                back[i] - press
            })
            .collect();
        Heights { front, back }
    }
}

/// 0 for the lightest and 1 for the darkest shading inside the silhouette, lightly blurred;
/// all 0 when the subject is one flat tone. Percentiles keep a few extreme pixels from setting the
/// scale.
fn darkness(cells: &Cells) -> Vec<f32> {
    let (w, h) = (cells.w, cells.h);
    let mut blurred = vec![0.0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if !cells.inside[i] {
                continue;
            }
            let (mut sum, mut n) = (0.0, 0);
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    if cells.inside[ny * w + nx] {
                        sum += cells.luminance[ny * w + nx];
                        n += 1;
                    }
                }
            }
            blurred[i] = sum / n as f32;
        }
    }
    let mut tones: Vec<f32> = (0..w * h).filter(|&i| cells.inside[i]).map(|i| blurred[i]).collect();
    tones.sort_by(f32::total_cmp);
    let at = |q: f32| tones.get(((tones.len() - 1) as f32 * q) as usize).copied().unwrap_or(0.0);
    let (dark, light) = (at(0.05), at(0.95));
    if light - dark < 0.02 {
        return vec![0.0; w * h];
    }
    (0..w * h)
        .map(|i| if cells.inside[i] { ((light - blurred[i]) / (light - dark)).clamp(0.0, 1.0) } else { 0.0 })
        .collect()
}

/// The solid as an occupancy field: positive inside, the front (relief) towards +depth. Axes are
/// (row, column, depth); depth runs symmetrically around the grid's middle.
fn occupancy(cells: &Cells, heights: &Heights) -> Grid {
    let tallest = heights.front.iter().chain(&heights.back).copied().fold(0.0, f32::max);
    let half = tallest.ceil() as usize + PAD;
    let dims = [cells.h, cells.w, 2 * half + 1];
    let mut grid = Grid::filled(dims, -1.0);
    for row in 0..cells.h {
        for col in 0..cells.w {
            let i = row * cells.w + col;
            let (front, back) = (heights.front[i], heights.back[i]);
            for k in 0..dims[2] {
                let z = k as f32 - half as f32;
                let at = grid.index(row, col, k);
                grid.values[at] = (front - z).min(back + z);
            }
        }
    }
    grid
}

/// Marching-cubes output -> the generator's model space: `place` maps a vertex from grid units to
/// (x, y, z) with Y up and the front towards +Z (it must not mirror); the result is welded, only its
/// largest part kept, centred and scaled to fit [-1, 1].
fn fit_to_box(raw: &Mesh, place: impl Fn([f32; 3]) -> [f32; 3]) -> Result<Mesh, StageError> {
    use crate::mesh::analysis::{is_closed_manifold, keep_largest_component, remove_degenerate, weld};
    let mut mesh = keep_largest_component(&remove_degenerate(&weld(raw, 1e-6)));
    for v in &mut mesh.vertices {
        *v = place(*v);
    }
    let Some((lo, hi)) = mesh.bounds() else {
        return Err(StageError::Failed(
            "the inflated shape came out empty; the silhouette may be too small to build".into(),
        ));
    };
    let centre = [0, 1, 2].map(|k| (lo[k] + hi[k]) / 2.0);
    let half = (0..3).map(|k| (hi[k] - lo[k]) / 2.0).fold(f32::MIN_POSITIVE, f32::max);
    for v in &mut mesh.vertices {
        *v = [0, 1, 2].map(|k| ((v[k] - centre[k]) / half).clamp(-1.0, 1.0));
    }
    if !is_closed_manifold(&mesh) {
        return Err(StageError::Failed(
            "the generated surface is not a closed solid (an internal error in shape generation); \
             try another picture or the hunyuan3d backend"
                .into(),
        ));
    }
    Ok(mesh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::analysis::{components, is_closed_manifold, signed_volume};
    use crate::stage::NoProgress;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn cutout(side: u32, paint: impl Fn(f32, f32) -> Option<[u8; 3]>) -> RgbaImage {
        RgbaImage::from_fn(side, side, |x, y| match paint(x as f32 + 0.5, y as f32 + 0.5) {
            Some([r, g, b]) => Rgba([r, g, b, 255]),
            None => Rgba([0, 0, 0, 0]),
        })
    }

    fn run(img: &RgbaImage) -> Result<Mesh, StageError> {
        InflateGenerator::default().generate(&ShapeInput { cutout: img, concept: None, seed: 1 }, &NoProgress)
    }

    fn assert_solid(m: &Mesh) {
        assert!(is_closed_manifold(m), "not a closed manifold");
        assert_eq!(components(m).len(), 1);
        assert!(signed_volume(m) > 0.0);
        let (lo, hi) = m.bounds().unwrap();
        assert!(lo.iter().chain(&hi).all(|c| c.abs() <= 1.0));
        assert!((0..3).any(|k| hi[k] - lo[k] > 1.999), "fits the box on its longest axis");
    }

    #[test]
    fn disc_becomes_one_symmetric_solid() {
        let img = cutout(256, |x, y| ((x - 128.0).hypot(y - 128.0) < 100.0).then_some([150, 150, 150]));
        let m = run(&img).unwrap();
        assert_solid(&m);
        let (lo, hi) = m.bounds().unwrap();
        // Round in X and Y, symmetric front to back, about 0.75 of the width deep.
        assert!((hi[0] - hi[1]).abs() < 0.02 && (lo[0] - lo[1]).abs() < 0.02);
        assert!((hi[2] + lo[2]).abs() < 0.02, "z from {} to {}", lo[2], hi[2]);
        assert!((hi[2] - 0.75).abs() < 0.05, "depth {}", hi[2]);
        // An oblate spheroid with semi-axes 1, 1, 0.75.
        let expected = 4.0 / 3.0 * std::f64::consts::PI * 0.75;
        let v = signed_volume(&m);
        assert!((v - expected).abs() / expected < 0.05, "volume {v} vs {expected}");
    }

    #[test]
    fn image_top_is_plus_y() {
        // A wide bar at the top and a narrow stem below it, like a T.
        let img = cutout(200, |x, y| {
            let bar = y > 20.0 && y < 60.0 && x > 20.0 && x < 180.0;
            let stem = (60.0..180.0).contains(&y) && (x - 100.0).abs() < 15.0;
            (bar || stem).then_some([120, 120, 120])
        });
        let m = run(&img).unwrap();
        assert_solid(&m);
        let wide_top = m.vertices.iter().filter(|v| v[1] > 0.6).map(|v| v[0].abs()).fold(0.0, f32::max);
        let wide_bottom = m.vertices.iter().filter(|v| v[1] < -0.6).map(|v| v[0].abs()).fold(0.0, f32::max);
        assert!(wide_top > 0.9 && wide_bottom < 0.3, "top {wide_top} bottom {wide_bottom}");
    }

    #[test]
    fn thin_line_and_ring_are_solids() {
        let line = cutout(512, |x, y| ((y - 256.0).abs() < 0.6 && x > 40.0 && x < 470.0).then_some([90, 90, 90]));
        assert_solid(&run(&line).unwrap());
        let diagonal = cutout(300, |x, y| ((x - y).abs() < 0.8 && x > 30.0 && x < 270.0).then_some([90, 90, 90]));
        assert_solid(&run(&diagonal).unwrap());
        let ring = cutout(300, |x, y| {
            let r = (x - 150.0).hypot(y - 150.0);
            (r > 60.0 && r < 130.0).then_some([200, 180, 160])
        });
        let m = run(&ring).unwrap();
        assert_solid(&m);
        // The hole goes through: nothing near the centre.
        assert!(m.vertices.iter().all(|v| v[0].hypot(v[1]) > 0.4));
        let dot = cutout(64, |x, y| ((x - 20.0).hypot(y - 40.0) < 1.5).then_some([0, 0, 0]));
        assert_solid(&run(&dot).unwrap());
    }

    #[test]
    fn dark_shading_presses_the_front_in_only() {
        let flat = cutout(200, |x, y| ((x - 100.0).hypot(y - 100.0) < 90.0).then_some([200, 200, 200]));
        let shaded = cutout(200, |x, y| {
            let r = (x - 100.0).hypot(y - 100.0);
            (r < 90.0).then_some(if r < 30.0 { [40, 40, 40] } else { [200, 200, 200] })
        });
        let (a, b) = (run(&flat).unwrap(), run(&shaded).unwrap());
        assert_solid(&b);
        let depth = |m: &Mesh| {
            let (lo, hi) = m.bounds().unwrap();
            hi[2] - lo[2]
        };
        assert!(signed_volume(&b) < signed_volume(&a));
        // Only the front loses its peak (by about 0.04 of the width): the back still reaches 0.75.
        assert!(depth(&b) < depth(&a) - 0.02, "depth {} vs {}", depth(&b), depth(&a));
        assert!(depth(&b) > depth(&a) - 0.1);
    }

    #[test]
    fn empty_cutout_is_bad_input() {
        let err = run(&RgbaImage::new(64, 64)).unwrap_err();
        assert!(matches!(&err, StageError::BadInput(m) if m.contains("transparent")), "{err}");
    }

    struct CancelAt(usize, AtomicUsize);
    impl Progress for CancelAt {
        fn step(&self, n: usize, total: usize, _: &str) {
            assert_eq!(total, STEPS);
            self.1.store(n, Ordering::SeqCst);
        }
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            self.1.load(Ordering::SeqCst) >= self.0
        }
    }

    #[test]
    fn cancel_stops_between_phases() {
        let img = cutout(64, |x, y| ((x - 32.0).hypot(y - 32.0) < 20.0).then_some([100, 100, 100]));
        let input = ShapeInput { cutout: &img, concept: None, seed: 0 };
        for at in 1..=STEPS {
            let p = CancelAt(at, AtomicUsize::new(0));
            assert!(matches!(InflateGenerator::default().generate(&input, &p), Err(StageError::Cancelled)));
            assert_eq!(p.1.load(Ordering::SeqCst), at, "stopped right after step {at}");
        }
    }
}
