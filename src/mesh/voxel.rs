//! A closed mesh on a regular grid of voxel centres: which centres lie inside, and which voxels the
//! surface passes through. Hollowing measures wall thickness on these grids.

use super::Mesh;
use rayon::prelude::*;

/// A regular grid of voxel centres, laid out as [`Grid`](super::marching_cubes::Grid): centre
/// (i, j, k) is at `origin + step * (i, j, k)` and index `(i * ny + j) * nz + k`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoxelGrid {
    pub origin: [f64; 3],
    pub step: f64,
    pub dims: [usize; 3],
}

impl VoxelGrid {
    /// A grid of `step`-sized voxels covering `lo..hi` with `pad` voxels to spare on every side.
    /// The origin is nudged off round numbers so that centres rarely land exactly on a vertex or
    /// edge of a model built from round dimensions.
    pub fn covering(lo: [f64; 3], hi: [f64; 3], step: f64, pad: usize) -> VoxelGrid {
        let nudge = std::f64::consts::FRAC_1_PI * step;
        let origin = std::array::from_fn(|a| lo[a] - pad as f64 * step + nudge);
        let dims = std::array::from_fn(|a| ((hi[a] - origin[a]) / step).ceil() as usize + pad + 1);
        VoxelGrid { origin, step, dims }
    }

    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        (i * self.dims[1] + j) * self.dims[2] + k
    }

    pub fn center(&self, i: usize, j: usize, k: usize) -> [f64; 3] {
        let s = self.step;
        [self.origin[0] + s * i as f64, self.origin[1] + s * j as f64, self.origin[2] + s * k as f64]
    }

    /// The voxel holding point `p`, or None outside the grid.
    pub fn cell_of(&self, p: [f64; 3]) -> Option<[usize; 3]> {
        let mut c = [0; 3];
        for a in 0..3 {
            let f = ((p[a] - self.origin[a]) / self.step + 0.5).floor();
            if f < 0.0 || f >= self.dims[a] as f64 {
                return None;
            }
            c[a] = f as usize;
        }
        Some(c)
    }
}

/// Which voxel centres lie inside a closed, outward-facing mesh: the winding number along a ray
/// up each column of centres. Each crossing is counted by exactly one of the triangles that share
/// an edge or vertex (a top-left rule on the projection), so a watertight mesh gives no leaks.
pub fn inside(mesh: &Mesh, grid: &VoxelGrid) -> Vec<bool> {
    let [nx, ny, nz] = grid.dims;
    let mut crossings: Vec<Vec<(f64, i32)>> = vec![Vec::new(); nx * ny];
    for t in &mesh.triangles {
        let [a, b, c] = t.map(|i| mesh.vertices[i as usize].map(f64::from));
        let area = cross2(a, b, c);
        if area == 0.0 {
            continue;
        }
        // Facing up (counter-clockwise seen from above) is where a ray going up leaves the solid.
        let (b, c, sign) = if area > 0.0 { (b, c, -1) } else { (c, b, 1) };
        let area = area.abs();
        let (i0, i1) = column_range(a[0].min(b[0]).min(c[0]), a[0].max(b[0]).max(c[0]), grid, 0);
        let (j0, j1) = column_range(a[1].min(b[1]).min(c[1]), a[1].max(b[1]).max(c[1]), grid, 1);
        for i in i0..i1 {
            for j in j0..j1 {
                let p = grid.center(i, j, 0);
                let (w0, w1, w2) = (edge(b, c, p), edge(c, a, p), edge(a, b, p));
                if owns(w0, b, c) && owns(w1, c, a) && owns(w2, a, b) {
                    let z = (w0 * a[2] + w1 * b[2] + w2 * c[2]) / area;
                    crossings[i * ny + j].push((z, sign));
                }
            }
        }
    }
    let mut mask = vec![false; grid.len()];
    mask.par_chunks_mut(nz).zip(crossings.par_iter_mut()).enumerate().for_each(|(col, (cells, hits))| {
        hits.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (i, j) = (col / ny, col % ny);
        let mut winding = 0;
        let mut next = 0;
        for (k, cell) in cells.iter_mut().enumerate() {
            let z = grid.center(i, j, k)[2];
            while next < hits.len() && hits[next].0 < z {
                winding += hits[next].1;
                next += 1;
            }
            *cell = winding > 0;
        }
    });
    mask
}

/// Voxels the surface passes through, found by sampling every triangle at most `step / 2` apart.
/// Returns the mask and how far any surface point can be from the nearest sample.
pub fn touched(mesh: &Mesh, grid: &VoxelGrid) -> (Vec<bool>, f64) {
    let spacing = grid.step / 2.0;
    let cells: Vec<usize> = mesh
        .triangles
        .par_iter()
        .flat_map_iter(|t| {
            let [a, b, c] = t.map(|i| mesh.vertices[i as usize].map(f64::from));
            let longest = dist(a, b).max(dist(b, c)).max(dist(c, a));
            let n = ((longest / spacing).ceil() as usize).max(1);
            let mut out = Vec::new();
            for u in 0..=n {
                for v in 0..=n - u {
                    let (s, t) = (u as f64 / n as f64, v as f64 / n as f64);
                    let p = std::array::from_fn(|k| a[k] + s * (b[k] - a[k]) + t * (c[k] - a[k]));
                    if let Some([i, j, k]) = grid.cell_of(p) {
                        out.push(grid.index(i, j, k));
                    }
                }
            }
            out
        })
        .collect();
    let mut mask = vec![false; grid.len()];
    for c in cells {
        mask[c] = true;
    }
    (mask, spacing)
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Twice the signed area of the triangle's shadow on the XY plane.
fn cross2(a: [f64; 3], b: [f64; 3], c: [f64; 3]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Twice the signed area of (u, v, p) on the XY plane: positive when p is left of u -> v.
fn edge(u: [f64; 3], v: [f64; 3], p: [f64; 3]) -> f64 {
    (v[0] - u[0]) * (p[1] - u[1]) - (v[1] - u[1]) * (p[0] - u[0])
}

/// Whether a point with edge value `w` belongs to the triangle: strictly inside, or on an edge
/// that this rule gives to this side. The same edge walked the other way by a neighbour is given
/// to exactly one of the two.
fn owns(w: f64, u: [f64; 3], v: [f64; 3]) -> bool {
    if w != 0.0 {
        return w > 0.0;
    }
    let (dx, dy) = (v[0] - u[0], v[1] - u[1]);
    dy > 0.0 || (dy == 0.0 && dx < 0.0)
}

/// Column indices along `axis` whose centres lie in `lo..=hi`, as a half-open range.
fn column_range(lo: f64, hi: f64, grid: &VoxelGrid, axis: usize) -> (usize, usize) {
    let first = ((lo - grid.origin[axis]) / grid.step).ceil().max(0.0) as usize;
    let last = ((hi - grid.origin[axis]) / grid.step).floor();
    if last < 0.0 {
        return (0, 0);
    }
    (first, (last as usize + 1).min(grid.dims[axis]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use manifold_rs::Manifold;

    fn grid_for(m: &Mesh, step: f64) -> VoxelGrid {
        let (lo, hi) = m.bounds().unwrap();
        VoxelGrid::covering(lo.map(f64::from), hi.map(f64::from), step, 2)
    }

    #[test]
    fn sphere_centres_inside_match_the_radius() {
        let m = manifold_io::to_mesh(&Manifold::sphere(10.0, 128));
        let g = grid_for(&m, 0.5);
        let mask = inside(&m, &g);
        let mut wrong = 0;
        for i in 0..g.dims[0] {
            for j in 0..g.dims[1] {
                for k in 0..g.dims[2] {
                    let p = g.center(i, j, k);
                    let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
                    // The faceted sphere lies within 0.05 mm inside the true one.
                    if (r - 10.0).abs() > 0.05 && mask[g.index(i, j, k)] != (r < 10.0) {
                        wrong += 1;
                    }
                }
            }
        }
        assert_eq!(wrong, 0);
    }

    #[test]
    fn centres_on_edges_and_vertices_do_not_leak() {
        // A cube whose faces and vertices sit exactly on column lines, without the nudge.
        let m = manifold_io::to_mesh(&Manifold::cube(4.0, 4.0, 4.0));
        let g = VoxelGrid { origin: [-1.0, -1.0, -0.5], step: 1.0, dims: [7, 7, 6] };
        let mask = inside(&m, &g);
        for i in 0..7 {
            for j in 0..7 {
                let column: Vec<bool> = (0..6).map(|k| mask[g.index(i, j, k)]).collect();
                let any = column.iter().any(|&c| c);
                // Inside a column, exactly the centres between z = 0 and 4; no column leaks above.
                if any {
                    assert_eq!(column, [false, true, true, true, true, false], "column {i} {j}");
                }
                let strictly_inside = (2..=4).contains(&i) && (2..=4).contains(&j);
                if strictly_inside {
                    assert!(any, "column {i} {j} inside the cube came out empty");
                }
            }
        }
    }

    #[test]
    fn touched_voxels_lie_within_reach_of_the_surface() {
        let m = manifold_io::to_mesh(&Manifold::sphere(8.0, 96));
        let g = grid_for(&m, 0.4);
        let (mask, spacing) = touched(&m, &g);
        assert!(spacing <= 0.2);
        let half_diagonal = 0.4 * 3f64.sqrt() / 2.0;
        let mut count = 0;
        for i in 0..g.dims[0] {
            for j in 0..g.dims[1] {
                for k in 0..g.dims[2] {
                    if mask[g.index(i, j, k)] {
                        count += 1;
                        let p = g.center(i, j, k);
                        let r = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
                        assert!((r - 8.0).abs() <= half_diagonal + 0.05, "voxel at radius {r}");
                    }
                }
            }
        }
        // The sphere's area over a voxel face's area, roughly: every voxel it crosses is found.
        let area = 4.0 * std::f64::consts::PI * 64.0;
        assert!(count as f64 > area / (0.4 * 0.4), "{count} voxels touched");
    }
}
