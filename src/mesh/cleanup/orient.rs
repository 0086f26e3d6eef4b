//! Orientation: neighbours wound the same way (a breadth-first walk across shared edges), then each
//! closed shell turned so its faces point outwards (a cavity inside another shell points inwards).

use super::adjacency::VertexFaces;
use crate::mesh::vec64::{cross, dot};
use crate::mesh::Mesh;
use std::collections::VecDeque;

/// What [`orient`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Oriented {
    /// Faces flipped to agree with their neighbours.
    pub flipped: usize,
    /// Whole shells turned right way out.
    pub inverted_shells: usize,
    /// Edges where the walk met a contradiction (a one-sided surface such as a Moebius strip).
    pub conflicts: usize,
}

/// Turns each vertex-connected part outwards by its volume: enough for a mesh whose winding
/// already agrees across every edge (see [`super::EdgeCensus`]), and much cheaper than [`orient`].
pub(crate) fn orient_consistent(m: &mut Mesh) -> Oriented {
    let n = m.vertices.len();
    let parts = super::face_parts(m);
    let mut shell_of_root = vec![u32::MAX; n];
    let mut shells: Vec<Vec<u32>> = Vec::new();
    for (f, &r) in parts.iter().enumerate() {
        let r = r as usize;
        if shell_of_root[r] == u32::MAX {
            shell_of_root[r] = shells.len() as u32;
            shells.push(Vec::new());
        }
        shells[shell_of_root[r] as usize].push(f as u32);
    }
    let mut out = Oriented::default();
    turn_outwards(m, &shells, &mut out);
    out
}

/// Makes the winding agree across every two-face edge, then turns shells inside out where their
/// volume says so. Edges shared by three or more faces are not crossed (there is no right answer).
pub(crate) fn orient(m: &mut Mesh) -> Oriented {
    let mut out = Oriented::default();
    let vf = VertexFaces::new(m);
    let n = m.triangles.len();
    let mut shell_of = vec![u32::MAX; n];
    let mut shells: Vec<Vec<u32>> = Vec::new();
    let mut queue = VecDeque::new();
    for seed in 0..n {
        if shell_of[seed] != u32::MAX {
            continue;
        }
        let id = shells.len() as u32;
        shell_of[seed] = id;
        let mut members = vec![seed as u32];
        queue.push_back(seed as u32);
        while let Some(f) = queue.pop_front() {
            let t = m.triangles[f as usize];
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                let u = vf.edge_use(&m.triangles, f, a, b);
                let Some(g) = u.other.filter(|_| u.same + u.twin == 2) else { continue };
                // `u.same == 2` means the neighbour runs a -> b too: it is wound the other way.
                if shell_of[g as usize] == u32::MAX {
                    if u.same == 2 {
                        m.triangles[g as usize].swap(1, 2);
                        out.flipped += 1;
                    }
                    shell_of[g as usize] = id;
                    members.push(g);
                    queue.push_back(g);
                } else if u.same == 2 {
                    out.conflicts += 1;
                }
            }
        }
        shells.push(members);
    }
    turn_outwards(m, &shells, &mut out);
    out
}

fn centre(m: &Mesh) -> [f64; 3] {
    m.bounds().map_or([0.0; 3], |(lo, hi)| [0, 1, 2].map(|k| (f64::from(lo[k]) + f64::from(hi[k])) / 2.0))
}

fn corner(m: &Mesh, i: u32, c: [f64; 3]) -> [f64; 3] {
    let v = m.vertices[i as usize];
    [0, 1, 2].map(|k| f64::from(v[k]) - c[k])
}

fn shell_volume(m: &Mesh, faces: &[u32], c: [f64; 3]) -> f64 {
    faces
        .iter()
        .map(|&f| {
            let [a, b, d] = m.triangles[f as usize].map(|i| corner(m, i, c));
            dot(a, cross(b, d))
        })
        .sum::<f64>()
        / 6.0
}

/// Whether `p` (relative to `c`, as the corners) lies inside the closed shell `faces`: crossings of a ray in a direction no grid or
/// axis-aligned model lines up with, counted by parity.
fn inside(m: &Mesh, faces: &[u32], p: [f64; 3], c: [f64; 3]) -> bool {
    const DIR: [f64; 3] = [0.287_3, 0.193_1, 0.937_9];
    let mut crossings = 0usize;
    for &f in faces {
        let [a, b, d] = m.triangles[f as usize].map(|i| corner(m, i, c));
        let e1 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let e2 = [d[0] - a[0], d[1] - a[1], d[2] - a[2]];
        let h = cross(DIR, e2);
        let det = dot(e1, h);
        if det.abs() < 1e-300 {
            continue;
        }
        let s = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
        let u = dot(s, h) / det;
        if !(0.0..=1.0).contains(&u) {
            continue;
        }
        let q = cross(s, e1);
        let v = dot(DIR, q) / det;
        if v < 0.0 || u + v > 1.0 {
            continue;
        }
        if dot(e2, q) / det > 0.0 {
            crossings += 1;
        }
    }
    crossings % 2 == 1
}

fn turn_outwards(m: &mut Mesh, shells: &[Vec<u32>], out: &mut Oriented) {
    let c = centre(m);
    let volumes: Vec<f64> = shells.iter().map(|s| shell_volume(m, s, c)).collect();
    for (i, shell) in shells.iter().enumerate() {
        if volumes[i] >= 0.0 {
            continue;
        }
        // A shell pointing inwards is right when it is a cavity: inside an odd number of larger shells.
        let p = corner(m, m.triangles[shell[0] as usize][0], c);
        let enclosing = (0..shells.len())
            .filter(|&j| j != i && volumes[j].abs() > volumes[i].abs() && inside(m, &shells[j], p, c))
            .count();
        if enclosing % 2 == 1 {
            continue;
        }
        for &f in shell {
            m.triangles[f as usize].swap(1, 2);
        }
        out.inverted_shells += 1;
    }
}
