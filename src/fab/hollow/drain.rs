//! Drain holes: which pockets of the cavity a straight hole from the bed can reach, and where.
//! A pocket no hole can reach, or too small to be worth one, is left solid.

use super::Drain;
use crate::mesh::voxel::VoxelGrid;
use std::collections::VecDeque;

/// Cavity voxels needed above a drain's top, so the hole opens into the cavity, not a wall.
const DRAIN_OPENING_VOXELS: usize = 3;

/// What placing drains needs to know about the piece and the hole.
#[derive(Clone, Copy)]
pub(super) struct Site<'a> {
    pub grid: &'a VoxelGrid,
    /// Which voxel centres lie inside the solid.
    pub inside: &'a [bool],
    /// The first voxel layer above the bed.
    pub bed: usize,
    /// The hole's radius in voxels, with one to spare.
    pub radius_cells: isize,
    /// The wall's thickness in voxels.
    pub wall_cells: isize,
    /// Pockets with fewer voxels stay solid.
    pub min_cells: usize,
    /// Where a drain goes among equally low places (x, y).
    pub prefer: [f64; 2],
}

/// A drain for every pocket of `field` (cavity where at least 0) worth one and reachable from the
/// bed; the other pockets are filled in (set below 0). Returns the drains and how many pockets big
/// enough to hollow were left solid because no hole could reach them.
pub(super) fn place(field: &mut [f32], site: &Site) -> (Vec<Drain>, usize) {
    let mut pockets = pockets(field, site.grid, 0.0);
    pockets.sort_by_key(|p| std::cmp::Reverse(p.cells.len()));
    let mut labels = vec![u32::MAX; field.len()];
    for (n, pocket) in pockets.iter().enumerate() {
        for &c in &pocket.cells {
            labels[c] = n as u32;
        }
    }
    let (mut drains, mut sealed) = (Vec::new(), 0);
    for (n, pocket) in pockets.iter().enumerate() {
        let big = pocket.cells.len() >= site.min_cells;
        match big.then(|| find_drain(pocket, n as u32, &labels, site)).flatten() {
            Some(d) => drains.push(d),
            None => {
                sealed += usize::from(big);
                for &c in &pocket.cells {
                    field[c] = -1.0;
                }
            }
        }
    }
    (drains, sealed)
}

/// One connected region of voxels far enough from the surface.
struct Pocket {
    cells: Vec<usize>,
}

/// Face-connected regions where `distance >= level`.
fn pockets(distance: &[f32], grid: &VoxelGrid, level: f32) -> Vec<Pocket> {
    let [nx, ny, nz] = grid.dims;
    let mut seen = vec![false; distance.len()];
    let mut out = Vec::new();
    let mut queue = VecDeque::new();
    for start in 0..distance.len() {
        if seen[start] || distance[start] < level {
            continue;
        }
        seen[start] = true;
        queue.push_back(start);
        let mut cells = Vec::new();
        while let Some(c) = queue.pop_front() {
            cells.push(c);
            let (i, j, k) = (c / (ny * nz), (c / nz) % ny, c % nz);
            let mut visit = |n: usize| {
                if !seen[n] && distance[n] >= level {
                    seen[n] = true;
                    queue.push_back(n);
                }
            };
            if i > 0 {
                visit(c - ny * nz);
            }
            if i + 1 < nx {
                visit(c + ny * nz);
            }
            if j > 0 {
                visit(c - nz);
            }
            if j + 1 < ny {
                visit(c + nz);
            }
            if k > 0 {
                visit(c - 1);
            }
            if k + 1 < nz {
                visit(c + 1);
            }
        }
        out.push(Pocket { cells });
    }
    out
}

/// The lowest place a drain can rise straight from the bed into pocket `label`, nearest
/// `site.prefer` among the lowest. The hole may cross open space below the piece and the floor
/// under the pocket; a longer run through material is allowed only with a wall's thickness of
/// material all round it, so it never cuts into a slim part on its way up.
fn find_drain(pocket: &Pocket, label: u32, labels: &[u32], site: &Site) -> Option<Drain> {
    let Site { grid, inside, bed, radius_cells, wall_cells, prefer, .. } = *site;
    let [nx, ny, nz] = grid.dims;
    // The pocket's floor: its lowest cell in each column.
    let mut floor = std::collections::HashMap::new();
    for &c in &pocket.cells {
        let (col, k) = (c / nz, c % nz);
        floor.entry(col).and_modify(|f: &mut usize| *f = (*f).min(k)).or_insert(k);
    }
    let mut candidates: Vec<(usize, f64, usize)> = floor
        .iter()
        .map(|(&col, &k)| {
            let p = grid.center(col / ny, col % ny, k);
            (k, (p[0] - prefer[0]).hypot(p[1] - prefer[1]), col)
        })
        .collect();
    // Column last, so equally good places (a symmetric floor) give the same choice every run.
    candidates.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let disk = |col: usize, r: isize| {
        let (ci, cj) = ((col / ny) as isize, (col % ny) as isize);
        (-r..=r)
            .flat_map(move |di| (-r..=r).map(move |dj| (di, dj)))
            .filter(move |(di, dj)| di * di + dj * dj <= r * r)
            .map(move |(di, dj)| {
                let (i, j) = (ci + di, cj + dj);
                (i >= 0 && j >= 0 && i < nx as isize && j < ny as isize).then(|| i as usize * ny + j as usize)
            })
    };
    // The top of the hole (a cell index) when one fits under this column.
    let fits = |col: usize| -> Option<usize> {
        let mut floors = Vec::new();
        for c in disk(col, radius_cells) {
            floors.push((c?, *floor.get(&c?)?));
        }
        let top = floors.iter().map(|&(_, f)| f).max()? + 1;
        let mut lowest_exit = top;
        for &(c, f) in &floors {
            let base = c * nz;
            // The pocket fills the column from its floor to above the hole's top.
            if top + DRAIN_OPENING_VOXELS > nz || (f..top + DRAIN_OPENING_VOXELS).any(|k| labels[base + k] != label) {
                return None;
            }
            lowest_exit = lowest_exit.min(solid_run_below(&inside[base..base + nz], bed, f)?);
        }
        let drilled = floors.iter().map(|&(_, f)| f).min()? - lowest_exit;
        if drilled as isize > 2 * wall_cells + 2 {
            for c in disk(col, radius_cells + wall_cells) {
                let base = c? * nz;
                if (lowest_exit..top).any(|k| !inside[base + k]) {
                    return None;
                }
            }
        }
        Some(top)
    };
    let (top, col) = candidates.into_iter().find_map(|(_, _, col)| fits(col).map(|top| (top, col)))?;
    let p = grid.center(col / ny, col % ny, top);
    Some(Drain { x: p[0], y: p[1], top_z: p[2] })
}

/// Where the material under a pocket's floor at `floor` ends going down this column of inside
/// flags (the bed, or the underside of the piece), or None when another part of the piece lies
/// further down, so a hole from the bed would cut through it.
fn solid_run_below(column: &[bool], bed: usize, floor: usize) -> Option<usize> {
    let mut k = floor;
    while k > bed && column[k - 1] {
        k -= 1;
    }
    (bed..k).all(|below| !column[below]).then_some(k)
}
