//! Which faces meet at each vertex, in compressed rows: enough to walk across edges without hashing
//! every edge of a large mesh.

use crate::mesh::Mesh;
use rayon::prelude::*;

/// Faces around each vertex: `faces[start[v]..start[v + 1]]`.
pub(crate) struct VertexFaces {
    start: Vec<u32>,
    faces: Vec<u32>,
}

/// How the faces around one undirected edge use it, seen from a face that runs it as `a -> b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EdgeUse {
    /// Faces running `a -> b`, the asking face included.
    pub same: u32,
    /// Faces running `b -> a`.
    pub twin: u32,
    /// One other face on the edge (the last found), if any.
    pub other: Option<u32>,
}

impl EdgeUse {
    /// Two faces, and they agree on the edge's direction.
    pub fn is_consistent(&self) -> bool {
        self.same == 1 && self.twin == 1
    }
    /// Only the asking face: an edge of a hole.
    pub fn is_boundary(&self) -> bool {
        self.same + self.twin == 1
    }
    /// More than two faces share it: no orientation or filling can make that a surface.
    pub fn is_non_manifold(&self) -> bool {
        self.same + self.twin > 2
    }
}

/// Whether triangle `t` runs the directed edge `a -> b`.
pub(crate) fn runs(t: &[u32; 3], a: u32, b: u32) -> bool {
    (t[0] == a && t[1] == b) || (t[1] == a && t[2] == b) || (t[2] == a && t[0] == b)
}

impl VertexFaces {
    pub fn new(m: &Mesh) -> Self {
        let mut start = vec![0u32; m.vertices.len() + 1];
        for t in &m.triangles {
            for &i in t {
                start[i as usize + 1] += 1;
            }
        }
        for v in 0..m.vertices.len() {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut faces = vec![0u32; m.triangles.len() * 3];
        for (f, t) in m.triangles.iter().enumerate() {
            for &i in t {
                faces[fill[i as usize] as usize] = f as u32;
                fill[i as usize] += 1;
            }
        }
        Self { start, faces }
    }

    pub fn around(&self, v: u32) -> &[u32] {
        &self.faces[self.start[v as usize] as usize..self.start[v as usize + 1] as usize]
    }

    /// How the edge `a -> b` of face `f` is shared.
    pub fn edge_use(&self, tris: &[[u32; 3]], f: u32, a: u32, b: u32) -> EdgeUse {
        let mut u = EdgeUse { same: 0, twin: 0, other: None };
        for &g in self.around(a) {
            let t = &tris[g as usize];
            if runs(t, a, b) {
                u.same += 1;
            } else if runs(t, b, a) {
                u.twin += 1;
            } else {
                continue;
            }
            if g != f {
                u.other = Some(g);
            }
        }
        u
    }
}

/// Counts of the edges that keep a mesh from being a closed, consistently wound surface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EdgeCensus {
    /// Edges used by one face only.
    pub boundary: usize,
    /// Edges used by more than two faces.
    pub non_manifold: usize,
    /// Edges whose two faces run them the same way (neighbours wound oppositely).
    pub inconsistent: usize,
}

impl EdgeCensus {
    /// Walks every edge once; in parallel over the faces, with no edge hashing.
    pub fn of(m: &Mesh) -> Self {
        let vf = VertexFaces::new(m);
        let tris = &m.triangles;
        let per_face = |f: usize| {
            let t = &tris[f];
            let mut c = EdgeCensus::default();
            for k in 0..3 {
                let (a, b) = (t[k], t[(k + 1) % 3]);
                // Count each undirected edge once: from the face with the smallest index on it
                // (the rows of `vf` are in face order).
                let first = vf.around(a).iter().copied().find(|&g| {
                    let u = &tris[g as usize];
                    runs(u, a, b) || runs(u, b, a)
                });
                if first != Some(f as u32) {
                    continue;
                }
                let u = vf.edge_use(tris, f as u32, a, b);
                if u.is_boundary() {
                    c.boundary += 1;
                } else if u.is_non_manifold() {
                    c.non_manifold += 1;
                } else if !u.is_consistent() {
                    c.inconsistent += 1;
                }
            }
            c
        };
        (0..tris.len()).into_par_iter().map(per_face).reduce(EdgeCensus::default, |a, b| EdgeCensus {
            boundary: a.boundary + b.boundary,
            non_manifold: a.non_manifold + b.non_manifold,
            inconsistent: a.inconsistent + b.inconsistent,
        })
    }

    pub fn is_clean(&self) -> bool {
        *self == EdgeCensus::default()
    }
}
