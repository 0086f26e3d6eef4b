//! Wall thickness by inward ray casting: from the centre of each face along its inward normal to
//! the first surface met on the other side. Triangles are bucketed in a uniform grid so a ray only
//! tests the few triangles in the cells it crosses, which keeps 200k-face solids well under a second.
//!
//! One ray misjudges surface relief: beside an engraved letter it crosses the groove's wall a few
//! tenths in, though solid material lies just below. Where the straight ray says "thin", a cone of
//! rays around it decides (the median, as in the shape diameter function): across a real wall
//! every ray is short, across relief most rays run deep.

use crate::mesh::vec64::{cross, dot, sub};
use crate::mesh::Mesh;
use rayon::prelude::*;

/// Grid cells per triangle, roughly: a few triangles per cell.
const CELLS_PER_TRIANGLE: f64 = 1.0;
/// Most cells along one axis, so a long thin piece does not get a huge grid.
const MAX_CELLS_PER_AXIS: usize = 256;
/// Hits closer than this share of the piece's size are the face's own neighbourhood, not a wall.
const SELF_HIT_FRACTION: f64 = 1e-6;
/// Half-angle of the cone of rays, degrees, and how many rays go round it.
const CONE_DEGREES: f64 = 30.0;
const CONE_RAYS: usize = 8;

/// Thickness at each face in the mesh's units; `f32::INFINITY` where the ray left the piece
/// without meeting a surface (open meshes, or rays along a seam) and for degenerate faces. Faces
/// whose straight ray is shorter than `recheck_below` are measured again with a cone of rays.
pub fn per_face(mesh: &Mesh, recheck_below: f64) -> Vec<f32> {
    let Some(grid) = Grid::new(mesh) else {
        return vec![f32::INFINITY; mesh.triangles.len()];
    };
    (0..mesh.triangles.len())
        .into_par_iter()
        .map(|i| {
            let [a, b, c] = corners(mesh, i);
            let n = cross(sub(b, a), sub(c, a));
            let len = dot(n, n).sqrt();
            if len == 0.0 {
                return f32::INFINITY;
            }
            let inward = [-n[0] / len, -n[1] / len, -n[2] / len];
            let centre = [(a[0] + b[0] + c[0]) / 3.0, (a[1] + b[1] + c[1]) / 3.0, (a[2] + b[2] + c[2]) / 3.0];
            let straight = grid.first_hit(mesh, centre, inward, i).unwrap_or(f64::INFINITY);
            if straight >= recheck_below {
                return straight as f32;
            }
            // Slanted rays count by their depth along the normal, so a flat wall reads its true
            // thickness from every ray.
            let depth = CONE_DEGREES.to_radians().cos();
            let mut all: Vec<f64> = cone(inward)
                .into_iter()
                .map(|d| grid.first_hit(mesh, centre, d, i).map_or(f64::INFINITY, |t| t * depth))
                .chain(std::iter::once(straight))
                .collect();
            all.sort_by(f64::total_cmp);
            all[all.len() / 2] as f32
        })
        .collect()
}

/// Unit directions on a cone of [`CONE_DEGREES`] around the unit vector `axis`.
fn cone(axis: [f64; 3]) -> [[f64; 3]; CONE_RAYS] {
    // Any vector not parallel to the axis gives the first of two perpendiculars.
    let helper = if axis[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
    let u = cross(axis, helper);
    let ul = dot(u, u).sqrt();
    let u = [u[0] / ul, u[1] / ul, u[2] / ul];
    let v = cross(axis, u);
    let (s, c) = CONE_DEGREES.to_radians().sin_cos();
    std::array::from_fn(|k| {
        let phi = k as f64 * std::f64::consts::TAU / CONE_RAYS as f64;
        let (ps, pc) = phi.sin_cos();
        [0, 1, 2].map(|j| c * axis[j] + s * (pc * u[j] + ps * v[j]))
    })
}

fn corners(mesh: &Mesh, i: usize) -> [[f64; 3]; 3] {
    mesh.triangles[i].map(|v| mesh.vertices[v as usize].map(f64::from))
}

/// Triangle indices bucketed by the grid cells their bounding boxes touch (compressed rows).
struct Grid {
    lo: [f64; 3],
    cell: f64,
    dims: [usize; 3],
    starts: Vec<u32>,
    items: Vec<u32>,
    min_t: f64,
}

impl Grid {
    fn new(mesh: &Mesh) -> Option<Grid> {
        let (lo, hi) = mesh.bounds()?;
        let (lo, hi) = (lo.map(f64::from), hi.map(f64::from));
        let size = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
        let longest = size.iter().copied().fold(0.0, f64::max);
        if mesh.triangles.is_empty() || longest <= 0.0 || !longest.is_finite() {
            return None;
        }
        // Cube cells sized for about one triangle each; flat axes still get one cell.
        let volume = size.iter().map(|s| s.max(longest * 1e-3)).product::<f64>();
        let mut cell = (volume / (CELLS_PER_TRIANGLE * mesh.triangles.len() as f64)).cbrt();
        cell = cell.max(longest / MAX_CELLS_PER_AXIS as f64);
        let dims = size.map(|s| ((s / cell).floor() as usize + 1).min(MAX_CELLS_PER_AXIS + 1));
        let mut grid =
            Grid { lo, cell, dims, starts: Vec::new(), items: Vec::new(), min_t: longest * SELF_HIT_FRACTION };

        let ranges: Vec<[[usize; 3]; 2]> = (0..mesh.triangles.len())
            .map(|i| {
                let [a, b, c] = corners(mesh, i);
                let mn = [0, 1, 2].map(|k| a[k].min(b[k]).min(c[k]));
                let mx = [0, 1, 2].map(|k| a[k].max(b[k]).max(c[k]));
                [grid.cell_of(mn), grid.cell_of(mx)]
            })
            .collect();
        let n_cells = dims[0] * dims[1] * dims[2];
        let mut counts = vec![0u32; n_cells + 1];
        for r in &ranges {
            grid.for_cells(r, |c| counts[c + 1] += 1);
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        let mut fill = counts.clone();
        let mut items = vec![0u32; counts[n_cells] as usize];
        for (i, r) in ranges.iter().enumerate() {
            grid.for_cells(r, |c| {
                items[fill[c] as usize] = i as u32;
                fill[c] += 1;
            });
        }
        grid.starts = counts;
        grid.items = items;
        Some(grid)
    }

    fn cell_of(&self, p: [f64; 3]) -> [usize; 3] {
        [0, 1, 2].map(|k| (((p[k] - self.lo[k]) / self.cell).floor().max(0.0) as usize).min(self.dims[k] - 1))
    }

    fn index(&self, c: [usize; 3]) -> usize {
        (c[2] * self.dims[1] + c[1]) * self.dims[0] + c[0]
    }

    fn for_cells(&self, r: &[[usize; 3]; 2], mut f: impl FnMut(usize)) {
        for z in r[0][2]..=r[1][2] {
            for y in r[0][1]..=r[1][1] {
                for x in r[0][0]..=r[1][0] {
                    f(self.index([x, y, z]));
                }
            }
        }
    }

    /// Distance along `dir` (unit) from `origin` to the nearest triangle other than `skip`, walking
    /// the cells the ray crosses in order (Amanatides and Woo) and stopping once a hit lies before
    /// the next cell.
    fn first_hit(&self, mesh: &Mesh, origin: [f64; 3], dir: [f64; 3], skip: usize) -> Option<f64> {
        let mut cell = self.cell_of(origin);
        let mut step = [0i64; 3];
        let mut t_max = [f64::INFINITY; 3];
        let mut t_delta = [f64::INFINITY; 3];
        for k in 0..3 {
            if dir[k] > 0.0 {
                step[k] = 1;
                let edge = self.lo[k] + (cell[k] + 1) as f64 * self.cell;
                t_max[k] = (edge - origin[k]) / dir[k];
                t_delta[k] = self.cell / dir[k];
            } else if dir[k] < 0.0 {
                step[k] = -1;
                let edge = self.lo[k] + cell[k] as f64 * self.cell;
                t_max[k] = (edge - origin[k]) / dir[k];
                t_delta[k] = -self.cell / dir[k];
            }
        }
        let mut best: Option<f64> = None;
        loop {
            let c = self.index(cell);
            for &tri in &self.items[self.starts[c] as usize..self.starts[c + 1] as usize] {
                let tri = tri as usize;
                if tri == skip {
                    continue;
                }
                if let Some(t) = intersect(origin, dir, corners(mesh, tri)) {
                    if t > self.min_t && best.is_none_or(|b| t < b) {
                        best = Some(t);
                    }
                }
            }
            let k = if t_max[0] <= t_max[1] && t_max[0] <= t_max[2] {
                0
            } else if t_max[1] <= t_max[2] {
                1
            } else {
                2
            };
            if best.is_some_and(|b| b <= t_max[k]) {
                return best;
            }
            let next = cell[k] as i64 + step[k];
            if step[k] == 0 || next < 0 || next >= self.dims[k] as i64 {
                return best;
            }
            cell[k] = next as usize;
            t_max[k] += t_delta[k];
        }
    }
}

/// Möller and Trumbore: distance along the ray to the triangle, either side facing.
fn intersect(o: [f64; 3], d: [f64; 3], [a, b, c]: [[f64; 3]; 3]) -> Option<f64> {
    let e1 = sub(b, a);
    let e2 = sub(c, a);
    let p = cross(d, e2);
    let det = dot(e1, p);
    if det.abs() < 1e-12 {
        return None;
    }
    let inv = 1.0 / det;
    let s = sub(o, a);
    let u = dot(s, p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = cross(s, e1);
    let v = dot(d, q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    Some(dot(e2, q) * inv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use manifold_rs::Manifold;

    /// Brute force: every triangle, no grid.
    fn brute(mesh: &Mesh) -> Vec<f32> {
        (0..mesh.triangles.len())
            .map(|i| {
                let [a, b, c] = corners(mesh, i);
                let n = cross(sub(b, a), sub(c, a));
                let len = dot(n, n).sqrt();
                let d = [-n[0] / len, -n[1] / len, -n[2] / len];
                let o = [(a[0] + b[0] + c[0]) / 3.0, (a[1] + b[1] + c[1]) / 3.0, (a[2] + b[2] + c[2]) / 3.0];
                (0..mesh.triangles.len())
                    .filter(|&j| j != i)
                    .filter_map(|j| intersect(o, d, corners(mesh, j)))
                    .filter(|t| *t > 1e-9)
                    .fold(f64::INFINITY, f64::min) as f32
            })
            .collect()
    }

    #[test]
    fn a_slab_is_as_thick_as_it_is_everywhere_across() {
        let m = manifold_io::to_mesh(&Manifold::cube(30.0, 20.0, 0.6));
        let t = per_face(&m, 0.0);
        // Top and bottom faces see the 0.6 mm; the side faces see across the slab.
        for (i, th) in t.iter().enumerate() {
            let [a, b, c] = corners(&m, i);
            let nz = cross(sub(b, a), sub(c, a))[2];
            if nz.abs() > 1e-9 {
                assert!((th - 0.6).abs() < 1e-4, "face {i}: {th}");
            } else {
                assert!(*th >= 20.0 - 1e-3, "side face {i}: {th}");
            }
        }
    }

    #[test]
    fn grid_walk_agrees_with_brute_force() {
        let shape = Manifold::sphere(10.0, 48)
            .difference(&Manifold::sphere(9.0, 40))
            .union(&Manifold::cube(3.0, 30.0, 2.0).translate(-1.5, -15.0, -1.0));
        let m = manifold_io::to_mesh(&shape);
        let fast = per_face(&m, 0.0);
        let slow = brute(&m);
        let same = fast.iter().zip(&slow).filter(|(a, b)| (*a - *b).abs() < 1e-3 || a == b).count();
        assert_eq!(same, m.triangles.len(), "{} of {} faces differ", m.triangles.len() - same, m.triangles.len());
        // The hollow sphere's shell is about 1 mm thick.
        let shell = fast.iter().filter(|t| (**t - 1.0).abs() < 0.1).count();
        assert!(shell > m.triangles.len() / 3, "{shell} shell faces");
    }

    #[test]
    fn relief_beside_a_groove_is_not_a_thin_wall_but_a_thin_fin_is() {
        // A block with a 0.6 mm deep groove, and a 0.5 mm fin standing 10 mm tall.
        let groove =
            Manifold::cube(20.0, 20.0, 10.0).difference(&Manifold::cube(0.4, 20.0, 0.6).translate(10.0, 0.0, 9.4));
        let fin = Manifold::cube(20.0, 20.0, 5.0).union(&Manifold::cube(0.5, 20.0, 10.0).translate(10.0, 0.0, 5.0));
        for (shape, thin) in [(groove, false), (fin, true)] {
            let m = manifold_io::to_mesh(&shape);
            let t = per_face(&m, 0.8);
            let flagged = t.iter().filter(|t| **t < 0.8).count();
            assert_eq!(flagged > 0, thin, "{flagged} faces flagged: {t:?}");
        }
    }

    #[test]
    fn cone_rays_are_unit_and_at_the_angle() {
        let axis = [0.0, 0.6, -0.8];
        for d in cone(axis) {
            assert!((dot(d, d) - 1.0).abs() < 1e-12);
            assert!((dot(d, axis) - CONE_DEGREES.to_radians().cos()).abs() < 1e-12);
        }
    }

    #[test]
    fn open_and_empty_meshes_give_infinity() {
        assert!(per_face(&Mesh::default(), 1.0).is_empty());
        let one = Mesh::new(vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], vec![[0, 1, 2]]);
        assert_eq!(per_face(&one, 1.0), vec![f32::INFINITY]);
    }
}
