//! Measures and basic clean-up of a [`Mesh`]: volume, area, connected parts, the closed-manifold
//! check, vertex welding, degenerate faces.

use super::Mesh;
use crate::mesh::vec64::{cross, dot, sub};
use std::collections::HashMap;

fn vertex(m: &Mesh, i: u32) -> [f64; 3] {
    let v = m.vertices[i as usize];
    [v[0] as f64, v[1] as f64, v[2] as f64]
}

/// Twice the triangle's area vector (unnormalised normal), in f64.
fn doubled_normal(m: &Mesh, t: &[u32; 3]) -> [f64; 3] {
    let a = vertex(m, t[0]);
    cross(sub(vertex(m, t[1]), a), sub(vertex(m, t[2]), a))
}

/// Enclosed volume; positive when triangles are counter-clockwise seen from outside.
///
/// Exact for a closed mesh. Summed relative to the bounds' centre so that meshes far from the origin
/// keep their precision (for an open mesh the value therefore depends on that choice).
pub fn signed_volume(m: &Mesh) -> f64 {
    let Some((lo, hi)) = m.bounds() else {
        return 0.0;
    };
    let c = [0, 1, 2].map(|k| (lo[k] as f64 + hi[k] as f64) / 2.0);
    let sum: f64 = m
        .triangles
        .iter()
        .map(|t| {
            let [a, b, d] = t.map(|i| sub(vertex(m, i), c));
            dot(a, cross(b, d))
        })
        .sum();
    sum / 6.0
}

pub fn surface_area(m: &Mesh) -> f64 {
    m.triangles.iter().map(|t| dot(doubled_normal(m, t), doubled_normal(m, t)).sqrt() / 2.0).sum()
}

/// Union-find over vertex indices, with path halving.
struct DisjointSets(Vec<u32>);

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self((0..n as u32).collect())
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[x as usize];
            self.0[x as usize] = self.0[parent as usize];
            x = parent;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb) as usize] = ra.min(rb);
        }
    }
}

/// Triangle indices of each connected part (triangles sharing a vertex index are connected),
/// largest part first; parts of equal size keep the order of their first triangle.
pub fn components(m: &Mesh) -> Vec<Vec<usize>> {
    let mut sets = DisjointSets::new(m.vertices.len());
    for t in &m.triangles {
        sets.union(t[0], t[1]);
        sets.union(t[0], t[2]);
    }
    let mut part_of_root: HashMap<u32, usize> = HashMap::new();
    let mut parts: Vec<Vec<usize>> = Vec::new();
    for (ti, t) in m.triangles.iter().enumerate() {
        let root = sets.find(t[0]);
        let p = *part_of_root.entry(root).or_insert_with(|| {
            parts.push(Vec::new());
            parts.len() - 1
        });
        parts[p].push(ti);
    }
    // A stable sort keeps equal-sized parts in first-triangle order.
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    parts
}

/// True when the triangle repeats a corner or has exactly zero area.
pub fn is_degenerate(m: &Mesh, t: &[u32; 3]) -> bool {
    t[0] == t[1] || t[1] == t[2] || t[0] == t[2] || doubled_normal(m, t) == [0.0; 3]
}

/// True when every undirected edge is used by exactly two triangles, once in each direction, and no
/// triangle is degenerate. An empty mesh is not a closed manifold.
///
/// This is the edge condition only: two closed parts touching at a single vertex still pass.
pub fn is_closed_manifold(m: &Mesh) -> bool {
    if m.triangles.is_empty() {
        return false;
    }
    let n = m.vertices.len() as u32;
    if m.triangles.iter().any(|t| t.iter().any(|&i| i >= n) || is_degenerate(m, t)) {
        return false;
    }
    // Each directed edge must appear once, and its reverse once: walked over the faces around
    // each vertex rather than hashed, which is several times faster on large meshes.
    super::cleanup::EdgeCensus::of(m).is_clean()
}

/// Flips away zero-area triangles whose three corners lie on one line, as boolean operations leave
/// them: the neighbour across the long edge is split at the middle corner. The surface, its closure
/// and its orientation are unchanged; a sliver that cannot be fixed this way stays as it was.
pub fn flip_collinear(m: &Mesh) -> Mesh {
    let mut tris = m.triangles.clone();
    let dist2 = |a: u32, b: u32| {
        let (p, q) = (m.vertices[a as usize], m.vertices[b as usize]);
        (0..3).map(|k| f64::from(p[k] - q[k]).powi(2)).sum::<f64>()
    };
    for _round in 0..8 {
        let edge_of: HashMap<(u32, u32), usize> =
            tris.iter().enumerate().flat_map(|(i, t)| (0..3).map(move |k| ((t[k], t[(k + 1) % 3]), i))).collect();
        let mut touched = vec![false; tris.len()];
        let mut changed = false;
        for i in 0..tris.len() {
            let t = tris[i];
            if touched[i] || t[0] == t[1] || t[1] == t[2] || t[0] == t[2] || !is_degenerate(m, &t) {
                continue;
            }
            // The longest edge (a, b) has the third corner c lying on it.
            let k = (0..3).max_by(|&x, &y| dist2(t[x], t[(x + 1) % 3]).total_cmp(&dist2(t[y], t[(y + 1) % 3])));
            let k = k.unwrap_or(0);
            let (a, b, c) = (t[k], t[(k + 1) % 3], t[(k + 2) % 3]);
            let Some(&j) = edge_of.get(&(b, a)) else { continue };
            let Some(d) = tris[j].iter().copied().find(|&v| v != a && v != b) else { continue };
            if j == i || touched[j] || d == c {
                continue;
            }
            tris[i] = [c, a, d];
            tris[j] = [d, b, c];
            touched[i] = true;
            touched[j] = true;
            changed = true;
        }
        if !changed {
            break;
        }
    }
    Mesh::new(m.vertices.clone(), tris)
}

/// Drops vertices no triangle uses and renumbers the rest in their original order.
pub fn compact(m: &Mesh) -> Mesh {
    let mut remap = vec![u32::MAX; m.vertices.len()];
    let mut vertices = Vec::new();
    let triangles = m
        .triangles
        .iter()
        .map(|t| {
            t.map(|i| {
                let slot = &mut remap[i as usize];
                if *slot == u32::MAX {
                    *slot = vertices.len() as u32;
                    vertices.push(m.vertices[i as usize]);
                }
                *slot
            })
        })
        .collect();
    Mesh { vertices, triangles }
}

/// Rebuilds the mesh with each vertex replaced through `remap`, dropping triangles that lose a corner
/// and vertices nothing uses.
fn remapped(m: &Mesh, remap: &[u32]) -> Mesh {
    let triangles = m
        .triangles
        .iter()
        .map(|t| t.map(|i| remap[i as usize]))
        .filter(|t| t[0] != t[1] && t[1] != t[2] && t[0] != t[2])
        .collect();
    compact(&Mesh { vertices: m.vertices.clone(), triangles })
}

/// Merges vertices closer than `eps` (the first vertex of a cluster stays), drops triangles that
/// collapse and vertices nothing uses. `eps <= 0` merges only bit-identical positions.
pub fn weld(m: &Mesh, eps: f32) -> Mesh {
    let mut remap = Vec::with_capacity(m.vertices.len());
    if eps <= 0.0 || !eps.is_finite() {
        // 0.0 and -0.0 are the same point.
        let key = |v: &[f32; 3]| v.map(|c| if c == 0.0 { 0 } else { c.to_bits() });
        let mut seen: HashMap<[u32; 3], u32> = HashMap::with_capacity(m.vertices.len());
        for (i, v) in m.vertices.iter().enumerate() {
            remap.push(*seen.entry(key(v)).or_insert(i as u32));
        }
        return remapped(m, &remap);
    }
    // A hash grid with cells of side eps: any neighbour within eps lies in the 27 cells around.
    let cell = |v: &[f32; 3]| v.map(|c| (c as f64 / eps as f64).floor() as i64);
    let eps2 = eps as f64 * eps as f64;
    let mut grid: HashMap<[i64; 3], Vec<u32>> = HashMap::with_capacity(m.vertices.len());
    for (i, v) in m.vertices.iter().enumerate() {
        let c = cell(v);
        let p = [v[0] as f64, v[1] as f64, v[2] as f64];
        let mut found = None;
        'search: for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    let Some(reps) = grid.get(&[c[0] + dx, c[1] + dy, c[2] + dz]) else {
                        continue;
                    };
                    for &r in reps {
                        let d = sub(p, vertex(m, r));
                        if dot(d, d) < eps2 {
                            found = Some(r);
                            break 'search;
                        }
                    }
                }
            }
        }
        match found {
            Some(r) => remap.push(r),
            None => {
                remap.push(i as u32);
                grid.entry(c).or_default().push(i as u32);
            }
        }
    }
    remapped(m, &remap)
}

/// Drops degenerate triangles (a repeated corner or zero area) and repeats of a triangle already
/// kept (same corners, same turn), then vertices nothing uses.
pub fn remove_degenerate(m: &Mesh) -> Mesh {
    let mut seen = std::collections::HashSet::with_capacity(m.triangles.len());
    let triangles = m
        .triangles
        .iter()
        .filter(|t| !is_degenerate(m, t))
        .filter(|t| {
            // Rotate so the smallest index leads: the same triangle gives the same key.
            let r = (0..3).min_by_key(|&k| t[k]).unwrap_or(0);
            seen.insert([t[r], t[(r + 1) % 3], t[(r + 2) % 3]])
        })
        .copied()
        .collect();
    compact(&Mesh { vertices: m.vertices.clone(), triangles })
}

/// The largest connected part alone (see [`components`]); an empty mesh stays empty.
pub fn keep_largest_component(m: &Mesh) -> Mesh {
    let Some(largest) = components(m).into_iter().next() else {
        return Mesh::default();
    };
    let triangles = largest.into_iter().map(|ti| m.triangles[ti]).collect();
    compact(&Mesh { vertices: m.vertices.clone(), triangles })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An axis-aligned box from `lo` to `hi`, 8 vertices, 12 outward counter-clockwise triangles.
    pub(crate) fn cuboid(lo: [f32; 3], hi: [f32; 3]) -> Mesh {
        let vertices = (0..8)
            .map(|i| {
                [
                    if i & 1 == 0 { lo[0] } else { hi[0] },
                    if i & 2 == 0 { lo[1] } else { hi[1] },
                    if i & 4 == 0 { lo[2] } else { hi[2] },
                ]
            })
            .collect();
        let quads = [
            [0, 2, 3, 1], // z = lo
            [4, 5, 7, 6], // z = hi
            [0, 1, 5, 4], // y = lo
            [2, 6, 7, 3], // y = hi
            [0, 4, 6, 2], // x = lo
            [1, 3, 7, 5], // x = hi
        ];
        let triangles = quads.iter().flat_map(|q| [[q[0], q[1], q[2]], [q[0], q[2], q[3]]]).collect();
        Mesh { vertices, triangles }
    }

    fn two_cubes() -> Mesh {
        let mut m = cuboid([0.0; 3], [1.0; 3]);
        let big = cuboid([5.0; 3], [7.0; 3]);
        let off = m.vertices.len() as u32;
        m.vertices.extend(big.vertices);
        m.triangles.extend(big.triangles.iter().map(|t| t.map(|i| i + off)));
        m
    }

    #[test]
    fn cube_volume_and_area_are_exact() {
        let m = cuboid([1.0, 2.0, 3.0], [3.0, 5.0, 7.0]);
        assert_eq!(signed_volume(&m), 24.0);
        assert_eq!(surface_area(&m), 2.0 * (6.0 + 8.0 + 12.0));
        let flipped =
            Mesh { vertices: m.vertices.clone(), triangles: m.triangles.iter().map(|t| [t[0], t[2], t[1]]).collect() };
        assert_eq!(signed_volume(&flipped), -24.0);
    }

    #[test]
    fn cube_is_closed_manifold() {
        assert!(is_closed_manifold(&cuboid([0.0; 3], [1.0; 3])));
        assert!(!is_closed_manifold(&Mesh::default()));
    }

    #[test]
    fn cube_without_a_face_is_not_manifold() {
        let mut m = cuboid([0.0; 3], [1.0; 3]);
        m.triangles.truncate(10);
        assert!(!is_closed_manifold(&m));
    }

    #[test]
    fn flipped_face_or_degenerate_face_is_not_manifold() {
        let mut m = cuboid([0.0; 3], [1.0; 3]);
        m.triangles[0] = [m.triangles[0][0], m.triangles[0][2], m.triangles[0][1]];
        assert!(!is_closed_manifold(&m));

        let mut m = cuboid([0.0; 3], [1.0; 3]);
        // Squashed flat: the edges still pair up, but the side triangles have zero area.
        for v in &mut m.vertices {
            v[2] = 0.0;
        }
        assert!(!is_closed_manifold(&m));
    }

    #[test]
    fn two_disjoint_cubes_are_two_components_largest_first() {
        let m = two_cubes();
        let parts = components(&m);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].len(), 12);
        assert_eq!(parts[1].len(), 12);
        // Equal sizes keep first-triangle order.
        assert_eq!(parts[0][0], 0);
        assert_eq!(parts[1][0], 12);
        assert!(is_closed_manifold(&m));
    }

    #[test]
    fn keep_largest_component_keeps_the_part_with_most_triangles() {
        let mut m = two_cubes();
        // A lone floating triangle makes a third, smallest part.
        let off = m.vertices.len() as u32;
        m.vertices.extend([[20.0, 0.0, 0.0], [21.0, 0.0, 0.0], [20.0, 1.0, 0.0]]);
        m.triangles.push([off, off + 1, off + 2]);
        assert_eq!(components(&m).len(), 3);
        let kept = keep_largest_component(&m);
        assert_eq!(kept.triangles.len(), 12);
        assert_eq!(kept.vertices.len(), 8);
        assert!(is_closed_manifold(&kept));
        assert_eq!(signed_volume(&kept), 1.0);
        assert!(keep_largest_component(&Mesh::default()).is_empty());
    }

    #[test]
    fn weld_merges_a_triangle_soup_into_a_closed_cube() {
        let cube = cuboid([0.0; 3], [1.0; 3]);
        // Every triangle with its own three vertices, nudged by less than eps.
        let mut soup = Mesh::default();
        for (ti, t) in cube.triangles.iter().enumerate() {
            for (k, &i) in t.iter().enumerate() {
                let v = cube.vertices[i as usize];
                let jitter = ((ti * 3 + k) % 5) as f32 * 1e-6;
                soup.vertices.push([v[0] + jitter, v[1] - jitter, v[2]]);
            }
            let base = ti as u32 * 3;
            soup.triangles.push([base, base + 1, base + 2]);
        }
        assert!(!is_closed_manifold(&soup));
        let welded = weld(&soup, 1e-4);
        assert_eq!(welded.vertices.len(), 8);
        assert_eq!(welded.triangles.len(), 12);
        assert!(is_closed_manifold(&welded));
        assert!((signed_volume(&welded) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn weld_drops_collapsed_triangles_and_unused_vertices() {
        let m = Mesh {
            vertices: vec![[0.0; 3], [1e-3, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [9.0; 3]],
            triangles: vec![[0, 1, 2], [1, 3, 2]],
        };
        let w = weld(&m, 0.01);
        assert_eq!(w.triangles, vec![[0, 1, 2]]);
        assert_eq!(w.vertices, vec![[0.0; 3], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]);
        // Exact welding merges only identical positions, 0.0 and -0.0 alike.
        let m = Mesh {
            vertices: vec![[0.0; 3], [-0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
            triangles: vec![[0, 2, 3], [1, 3, 2]],
        };
        let w = weld(&m, 0.0);
        assert_eq!(w.vertices.len(), 3);
        assert_eq!(w.triangles, vec![[0, 1, 2], [0, 2, 1]]);
    }

    #[test]
    fn remove_degenerate_drops_repeats_zero_area_and_duplicates() {
        let m = Mesh {
            vertices: vec![[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [7.0; 3]],
            triangles: vec![
                [0, 1, 2],
                [1, 2, 0], // the same triangle, rotated
                [0, 0, 2], // repeated corner
                [0, 1, 3], // collinear: zero area
                [0, 2, 1], // opposite turn: kept
            ],
        };
        let r = remove_degenerate(&m);
        assert_eq!(r.triangles, vec![[0, 1, 2], [0, 2, 1]]);
        assert_eq!(r.vertices.len(), 3);
    }

    #[test]
    fn collinear_slivers_are_flipped_away_keeping_the_solid() {
        // Split the triangle on edge 0->1 at the edge's midpoint and close the seam with the
        // zero-area triangle (0, 1, mid), as a boolean can leave it: closed, but with a sliver.
        let mut m = cuboid([0.0; 3], [1.0; 3]);
        let (a, b) = (0u32, 1u32);
        let mid = m.vertices.len() as u32;
        m.vertices.push([0.5, 0.0, 0.0]);
        let j = m.triangles.iter().position(|t| (0..3).any(|k| t[k] == a && t[(k + 1) % 3] == b)).unwrap();
        let t = m.triangles[j];
        let k = (0..3).find(|&k| t[k] == a && t[(k + 1) % 3] == b).unwrap();
        let c = t[(k + 2) % 3];
        m.triangles[j] = [a, mid, c];
        m.triangles.push([mid, b, c]);
        m.triangles.push([a, b, mid]);
        assert!(!is_closed_manifold(&m), "the sliver is degenerate");
        let fixed = flip_collinear(&m);
        assert!(is_closed_manifold(&fixed));
        assert!((signed_volume(&fixed) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn compact_keeps_order_and_geometry() {
        let m =
            Mesh { vertices: vec![[9.0; 3], [0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], triangles: vec![[1, 2, 3]] };
        let c = compact(&m);
        assert_eq!(c.vertices, m.vertices[1..].to_vec());
        assert_eq!(c.triangles, vec![[0, 1, 2]]);
    }
}
