//! Thin walls per face: a short ray from each face's centre straight into the solid; when it
//! leaves through the far side sooner than `min_mm`, the wall there is thinner than a nozzle can
//! print. Only that short segment is searched, through a uniform grid, so this stays cheap.

use super::vec3::{cross, dot, normalize, sub, V3};
use rayon::prelude::*;

/// Cells the grid may have at most; coarser cells beyond that.
const MAX_CELLS: usize = 1 << 21;

struct Grid {
    lo: V3,
    cell: f32,
    dims: [usize; 3],
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Grid {
    fn cell_of(&self, p: V3) -> [usize; 3] {
        [0, 1, 2].map(|k| (((p[k] - self.lo[k]) / self.cell).floor().max(0.0) as usize).min(self.dims[k] - 1))
    }

    fn build(p: &[V3], tris: &[[u32; 3]], min_cell: f32) -> Grid {
        let mut lo = p[0];
        let mut hi = p[0];
        for v in p {
            for k in 0..3 {
                lo[k] = lo[k].min(v[k]);
                hi[k] = hi[k].max(v[k]);
            }
        }
        let ext = sub(hi, lo);
        let mut cell = min_cell.max(1e-3);
        let dims = loop {
            let d = [0, 1, 2].map(|k| ((ext[k] / cell).ceil() as usize).max(1));
            if d[0] * d[1] * d[2] <= MAX_CELLS {
                break d;
            }
            cell *= 1.5;
        };
        let mut grid = Grid { lo, cell, dims, start: vec![0; dims[0] * dims[1] * dims[2] + 1], items: Vec::new() };
        let ranges: Vec<([usize; 3], [usize; 3])> = tris
            .iter()
            .map(|t| {
                let [a, b, c] = t.map(|i| p[i as usize]);
                let tl = [0, 1, 2].map(|k| a[k].min(b[k]).min(c[k]));
                let th = [0, 1, 2].map(|k| a[k].max(b[k]).max(c[k]));
                (grid.cell_of(tl), grid.cell_of(th))
            })
            .collect();
        let index = |x: usize, y: usize, z: usize| (z * dims[1] + y) * dims[0] + x;
        for (l, h) in &ranges {
            for z in l[2]..=h[2] {
                for y in l[1]..=h[1] {
                    for x in l[0]..=h[0] {
                        grid.start[index(x, y, z) + 1] += 1;
                    }
                }
            }
        }
        for i in 1..grid.start.len() {
            grid.start[i] += grid.start[i - 1];
        }
        let mut fill: Vec<u32> = grid.start.clone();
        grid.items = vec![0; *grid.start.last().unwrap_or(&0) as usize];
        for (f, (l, h)) in ranges.iter().enumerate() {
            for z in l[2]..=h[2] {
                for y in l[1]..=h[1] {
                    for x in l[0]..=h[0] {
                        let c = index(x, y, z);
                        grid.items[fill[c] as usize] = f as u32;
                        fill[c] += 1;
                    }
                }
            }
        }
        grid
    }
}

/// Distance along the ray `o + t d` to triangle `abc`, if it is hit at t > 0.
fn hit(o: V3, d: V3, a: V3, b: V3, c: V3) -> Option<f32> {
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
    let t = dot(e2, q) * inv;
    (t > 0.0).then_some(t)
}

/// For each triangle, whether the solid behind it is thinner than `min_mm`.
pub fn thin_faces(p: &[V3], tris: &[[u32; 3]], min_mm: f32) -> Vec<bool> {
    if tris.is_empty() || p.is_empty() || min_mm <= 0.0 {
        return vec![false; tris.len()];
    }
    let grid = Grid::build(p, tris, min_mm);
    tris.par_iter()
        .enumerate()
        .map(|(f, t)| {
            let [a, b, c] = t.map(|i| p[i as usize]);
            let n = normalize(cross(sub(b, a), sub(c, a)));
            let o = [0, 1, 2].map(|k| (a[k] + b[k] + c[k]) / 3.0);
            let d = [-n[0], -n[1], -n[2]];
            let end = [0, 1, 2].map(|k| o[k] + d[k] * min_mm);
            let l = grid.cell_of([0, 1, 2].map(|k| o[k].min(end[k])));
            let h = grid.cell_of([0, 1, 2].map(|k| o[k].max(end[k])));
            for z in l[2]..=h[2] {
                for y in l[1]..=h[1] {
                    for x in l[0]..=h[0] {
                        let cidx = (z * grid.dims[1] + y) * grid.dims[0] + x;
                        for &g in &grid.items[grid.start[cidx] as usize..grid.start[cidx + 1] as usize] {
                            if g as usize == f {
                                continue;
                            }
                            let [ga, gb, gc] = tris[g as usize].map(|i| p[i as usize]);
                            // Only a face the ray leaves through (facing along it) bounds the wall.
                            if dot(cross(sub(gb, ga), sub(gc, ga)), d) <= 0.0 {
                                continue;
                            }
                            if hit(o, d, ga, gb, gc).is_some_and(|t| t > 1e-4 && t < min_mm) {
                                return true;
                            }
                        }
                    }
                }
            }
            false
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::shapes::boxed;

    #[test]
    fn a_thin_plate_is_flagged_and_a_thick_block_is_not() {
        let plate = boxed([0.0, 0.0, 0.0], [20.0, 20.0, 0.5]);
        let flags = thin_faces(&plate.vertices, &plate.triangles, 0.8);
        // Top and bottom faces (4 triangles) face a wall 0.5 mm away; the rims look along the plate.
        assert_eq!(flags.iter().filter(|f| **f).count(), 4, "{flags:?}");
        let block = boxed([0.0, 0.0, 0.0], [20.0, 20.0, 5.0]);
        assert!(thin_faces(&block.vertices, &block.triangles, 0.8).iter().all(|f| !f));
    }
}
