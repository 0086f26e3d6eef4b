//! Cavity ceilings a filament printer can build without support: a roof spans at most a short
//! bridge flat and otherwise closes in at 50° from horizontal or steeper, as the inside of a
//! church spire does. Supports a wide flat ceiling would need could never be taken out of the
//! cavity; a resin printer loses only a little volume by it.
//!
//! Worked top-down, one voxel layer at a time, on a `margin` per voxel: how far (in voxels,
//! sideways) the cavity reaches beyond it in this layer, negative outside the cavity. A layer's
//! margin is the layer above's, grown by [`SPREAD`] and capped by the distance to the cavity's
//! own sides in this layer; a region no roof above reaches starts a new roof: a flat strip a
//! bridge wide along its ridge (the voxels furthest from its sides), falling off sideways from
//! there, so a wide flat ceiling becomes a gable. The margin changes smoothly, so marching cubes
//! draws the roofs as slopes.

use crate::grid2d::{flood, neighbours4};
use crate::mesh::edt::squared_distance;
use crate::mesh::voxel::VoxelGrid;

/// Sideways reach gained per layer, in voxels: tan(40°), so roofs lean at most 40° from vertical
/// and stay clear of the 45° overhang limit.
const SPREAD: f32 = 0.839;
/// Widest flat ceiling left to bridge, mm: filament printers bridge 8 mm cleanly, and the sag of
/// a bridge inside a closed cavity is never seen.
pub const BRIDGE_MM: f32 = 8.0;
/// Margin of a voxel nothing reaches.
const NONE: f32 = -1.0e6;

/// The cavity field with roofs shaped: `cavity` is the distance beyond the wall (mm, cavity where
/// it is at least 0) on `grid`; the result is at least 0 only where the shaped cavity is.
pub fn shape(mut cavity: Vec<f32>, grid: &VoxelGrid) -> Vec<f32> {
    let [nx, ny, nz] = grid.dims;
    let step = grid.step as f32;
    let layer_len = nx * ny;
    let mut above = vec![NONE; layer_len];
    let mut here = vec![NONE; layer_len];
    let mut inside = vec![false; layer_len];
    for k in (0..nz).rev() {
        for (c, flag) in inside.iter_mut().enumerate() {
            *flag = cavity[c * nz + k] >= 0.0;
        }
        let sides: Vec<f32> = if inside.iter().any(|&i| i) {
            let walls: Vec<bool> = inside.iter().map(|&i| !i).collect();
            squared_distance(&walls, ny, nx).into_iter().map(f32::sqrt).collect()
        } else {
            vec![0.0; layer_len]
        };
        grow(&above, &inside, &sides, nx, ny, &mut here);
        start_new_roofs(&inside, &sides, BRIDGE_MM / 2.0 / step, nx, ny, &mut here);
        edge_walls(&inside, nx, ny, &mut here);
        for c in 0..layer_len {
            if inside[c] {
                let v = &mut cavity[c * nz + k];
                *v = v.min(here[c] * step);
            }
        }
        std::mem::swap(&mut above, &mut here);
    }
    cavity
}

/// Each cavity voxel's margin: the best of the 3 x 3 voxels above less the step across, grown by
/// a layer's spread, and no more than the distance to this layer's sides (half a voxel short of
/// the nearest wall voxel's centre, where the wall's face is).
fn grow(above: &[f32], inside: &[bool], sides: &[f32], nx: usize, ny: usize, here: &mut [f32]) {
    const DIAGONAL: f32 = std::f32::consts::SQRT_2;
    for i in 0..nx {
        for j in 0..ny {
            let c = i * ny + j;
            if !inside[c] {
                here[c] = NONE;
                continue;
            }
            let mut best = NONE;
            for di in -1isize..=1 {
                for dj in -1isize..=1 {
                    let (a, b) = (i as isize + di, j as isize + dj);
                    if a < 0 || b < 0 || a >= nx as isize || b >= ny as isize {
                        continue;
                    }
                    let m = above[a as usize * ny + b as usize];
                    if m <= NONE {
                        continue;
                    }
                    let across = match (di, dj) {
                        (0, 0) => 0.0,
                        (0, _) | (_, 0) => 1.0,
                        _ => DIAGONAL,
                    };
                    best = best.max(m - across);
                }
            }
            here[c] = if best <= NONE { NONE } else { (best + SPREAD).min(sides[c] - 0.5) };
        }
    }
}

/// Regions of this layer's cavity (side by side, face-connected) that no roof above reaches get a
/// gable of their own: a flat strip `half_bridge` voxels either side of the ridge, falling off
/// beyond it; a region no wider than a bridge stays whole.
fn start_new_roofs(inside: &[bool], sides: &[f32], half_bridge: f32, nx: usize, ny: usize, here: &mut [f32]) {
    let mut seen = vec![false; inside.len()];
    for start in 0..inside.len() {
        if !inside[start] || seen[start] {
            continue;
        }
        // A layer is a grid of nx rows of ny voxels.
        let cells = flood(start, ny, nx, &mut seen, |c| inside[c], neighbours4);
        if cells.iter().any(|&c| here[c] >= 0.0) {
            continue;
        }
        let ridge = cells.iter().map(|&c| sides[c]).fold(0.0, f32::max);
        for &c in &cells {
            here[c] = here[c].max((sides[c] - ridge + half_bridge).min(sides[c] - 0.5));
        }
    }
}

/// Wall voxels beside the cavity get the margin of their best cavity neighbour less a step (at
/// most -0.5: the wall's face is half a voxel out), so the layer below grows from where the
/// cavity really ends; other wall voxels stay unreached.
fn edge_walls(inside: &[bool], nx: usize, ny: usize, here: &mut [f32]) {
    let cavity: Vec<f32> = here.to_vec();
    for c in (0..nx * ny).filter(|&c| !inside[c]) {
        here[c] = neighbours4(c, ny, nx)
            .filter(|&n| inside[n] && cavity[n] > NONE)
            .map(|n| cavity[n].min(0.5) - 1.0)
            .fold(NONE, f32::max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A box-shaped cavity field: distance beyond the wall inside a box of voxels.
    fn boxed(dims: [usize; 3], lo: [usize; 3], hi: [usize; 3]) -> Vec<f32> {
        let mut f = vec![-1.0; dims.iter().product()];
        for i in lo[0]..hi[0] {
            for j in lo[1]..hi[1] {
                for k in lo[2]..hi[2] {
                    f[(i * dims[1] + j) * dims[2] + k] = 1.0;
                }
            }
        }
        f
    }

    fn grid(dims: [usize; 3]) -> VoxelGrid {
        VoxelGrid { origin: [0.0; 3], step: 1.0, dims }
    }

    /// Cavity voxels in layer k.
    fn layer(f: &[f32], dims: [usize; 3], k: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for i in 0..dims[0] {
            for j in 0..dims[1] {
                if f[(i * dims[1] + j) * dims[2] + k] >= 0.0 {
                    out.push((i, j));
                }
            }
        }
        out
    }

    #[test]
    fn a_flat_ceiling_becomes_a_gable_no_wider_than_its_slope_allows() {
        // A box cavity 41 voxels long, 31 wide and 40 tall, ceiling at layer 41; 1 mm voxels.
        let dims = [43, 33, 44];
        let g = grid(dims);
        let shaped = shape(boxed(dims, [1, 1, 2], [42, 32, 42]), &g);
        let width = |cells: &[(usize, usize)]| {
            let (a, b) = (cells.iter().map(|c| c.1).min().unwrap(), cells.iter().map(|c| c.1).max().unwrap());
            b - a + 1
        };
        // The top layer keeps a strip along the ridge (j = 16) no wider than a bridge.
        let top = layer(&shaped, dims, 41);
        assert!(!top.is_empty() && width(&top) as f32 <= BRIDGE_MM + 1.0, "{top:?}");
        assert!(top.iter().all(|&(_, j)| j.abs_diff(16) as f32 <= BRIDGE_MM / 2.0));
        // Layer by layer down, the cavity widens by less than a voxel a side per layer on average.
        let (mut previous, mut layers) = (width(&top), 0);
        for k in (3..41).rev() {
            let w = width(&layer(&shaped, dims, k));
            assert!(w <= previous + 2, "layer {k} widens by more than a voxel a side");
            previous = w;
            layers += 1;
            if w == 30 {
                break;
            }
        }
        let rate = (30 - width(&top)) as f32 / 2.0 / layers as f32;
        assert!(rate <= SPREAD + 0.05, "the roof spreads {rate:.2} voxels a layer");
        // Far enough down the whole box is cavity again.
        assert_eq!(layer(&shaped, dims, 10).len(), 41 * 31);
    }

    #[test]
    fn no_material_hangs_further_than_a_bridge_from_material_below() {
        // A cavity that steps out under a ledge: narrow shaft on top of a wide, tall room.
        let dims = [40, 40, 50];
        let mut f = boxed(dims, [2, 2, 2], [38, 38, 34]);
        for (c, v) in boxed(dims, [17, 17, 34], [23, 23, 48]).into_iter().enumerate() {
            f[c] = f[c].max(v);
        }
        let shaped = shape(f.clone(), &grid(dims));
        let cavity = |i: usize, j: usize, k: usize| shaped[(i * dims[1] + j) * dims[2] + k] >= 0.0;
        let reach = (BRIDGE_MM / 2.0).ceil() as isize + 1;
        for k in 1..dims[2] - 1 {
            for i in 1..dims[0] - 1 {
                for j in 1..dims[1] - 1 {
                    // Material at k + 1 over cavity needs material in layer k within a bridge.
                    if !cavity(i, j, k + 1) && cavity(i, j, k) {
                        let held = (-reach..=reach).any(|di| {
                            (-reach..=reach).any(|dj| {
                                let (a, b) = (i as isize + di, j as isize + dj);
                                a >= 0
                                    && b >= 0
                                    && (a as usize) < dims[0]
                                    && (b as usize) < dims[1]
                                    && !cavity(a as usize, b as usize, k)
                            })
                        });
                        assert!(held, "voxel ({i}, {j}, {}) hangs over the cavity", k + 1);
                    }
                }
            }
        }
        // The shaft is kept whole and the room's lower part too: roofs cost volume near ceilings only.
        assert!((17..23).all(|i| (17..23).all(|j| (34..48).all(|k| cavity(i, j, k)))));
        assert_eq!(layer(&shaped, dims, 5).len(), 36 * 36);
    }
}
