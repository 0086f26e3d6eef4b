//! Welding nearby vertices, and dropping faces that carry no surface: collapsed, zero-area, or a
//! repeat of another face.

use super::hash::map_with_capacity;
use crate::mesh::{analysis, Mesh};

/// Merges vertices closer than `eps` (the first of a cluster stays) and renumbers the triangles;
/// returns how many vertices were merged away. Unused vertices stay (they are dropped later).
///
/// A hash grid with cells much larger than `eps`: a vertex looks into a neighbouring cell only when
/// it lies within `eps` of that side, so most vertices probe a single cell.
pub(crate) fn weld(m: &mut Mesh, eps: f32) -> usize {
    let n = m.vertices.len();
    if n == 0 {
        return 0;
    }
    let eps = f64::from(eps.max(0.0));
    let cell = if eps > 0.0 { eps * 16.0 } else { 1.0 };
    let eps2 = eps * eps;
    let mut head = map_with_capacity::<[i64; 3], u32>(n);
    // Representatives in the same cell, chained: next[i] follows i.
    let mut next = vec![u32::MAX; n];
    let mut remap = vec![0u32; n];
    let mut merged = 0;
    for i in 0..n {
        let p = m.vertices[i].map(f64::from);
        let key = |o: [i64; 3]| [0, 1, 2].map(|k| (p[k] / cell).floor() as i64 + o[k]);
        let home = key([0; 3]);
        // Per axis: the home cell, then a neighbour on a side closer than eps.
        let mut offsets = [[0i64; 3]; 3];
        let mut counts = [1usize; 3];
        for k in 0..3 {
            if eps > 0.0 {
                let lo = home[k] as f64 * cell;
                if p[k] - lo <= eps {
                    offsets[k][counts[k]] = -1;
                    counts[k] += 1;
                }
                if lo + cell - p[k] <= eps {
                    offsets[k][counts[k]] = 1;
                    counts[k] += 1;
                }
            }
        }
        let mut found = None;
        'search: for &dx in &offsets[0][..counts[0]] {
            for &dy in &offsets[1][..counts[1]] {
                for &dz in &offsets[2][..counts[2]] {
                    let mut r = head.get(&key([dx, dy, dz])).copied().unwrap_or(u32::MAX);
                    while r != u32::MAX {
                        let q = m.vertices[r as usize].map(f64::from);
                        let d2: f64 = (0..3).map(|k| (p[k] - q[k]).powi(2)).sum();
                        if d2 <= eps2 {
                            found = Some(r);
                            break 'search;
                        }
                        r = next[r as usize];
                    }
                }
            }
        }
        remap[i] = match found {
            Some(r) => {
                merged += 1;
                r
            }
            None => {
                let slot = head.entry(home).or_insert(u32::MAX);
                next[i] = *slot;
                *slot = i as u32;
                i as u32
            }
        };
    }
    if merged > 0 {
        for t in &mut m.triangles {
            *t = t.map(|i| remap[i as usize]);
        }
    }
    merged
}

/// Drops triangles that repeat a corner or have exactly zero area; returns how many.
pub(crate) fn drop_degenerate(m: &mut Mesh) -> usize {
    let before = m.triangles.len();
    let vertices = &m.vertices;
    m.triangles.retain(|t| {
        !(t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) && {
            let [a, b, c] = t.map(|i| vertices[i as usize].map(f64::from));
            let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
            let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
            let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
            n != [0.0; 3]
        }
    });
    before - m.triangles.len()
}

/// Drops repeated faces: copies with the same turn become one, and a face present with both turns
/// (a wall of zero thickness) goes entirely. Returns how many faces went.
pub(crate) fn drop_duplicates(m: &mut Mesh) -> usize {
    const NONE: u32 = u32::MAX;
    // Sorted corners -> first face seen with each turn.
    let mut firsts = map_with_capacity::<[u32; 3], [u32; 2]>(m.triangles.len());
    let key = |t: &[u32; 3]| {
        let r = (0..3).min_by_key(|&k| t[k]).unwrap_or(0);
        let (s, x, y) = (t[r], t[(r + 1) % 3], t[(r + 2) % 3]);
        ([s, x.min(y), x.max(y)], usize::from(x > y))
    };
    for (f, t) in m.triangles.iter().enumerate() {
        let (k, turn) = key(t);
        let e = firsts.entry(k).or_insert([NONE; 2]);
        if e[turn] == NONE {
            e[turn] = f as u32;
        }
    }
    if firsts.len() == m.triangles.len() {
        return 0;
    }
    let before = m.triangles.len();
    let mut f = 0u32;
    m.triangles.retain(|t| {
        let (k, turn) = key(t);
        let e = firsts[&k];
        let keep = e[turn] == f && e[1 - turn] == NONE;
        f += 1;
        keep
    });
    before - m.triangles.len()
}

/// Drops unused vertices, keeping the order of the rest.
pub(crate) fn compact(m: &mut Mesh) {
    *m = analysis::compact(m);
}
