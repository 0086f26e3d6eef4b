//! Decimation to a face budget with meshoptimizer's quadric simplifier (through `meshopt`).

use super::weld::{compact, drop_degenerate, drop_duplicates};
use super::EdgeCensus;
use crate::mesh::Mesh;

/// Error limits tried in turn, relative to the model's size: the first keeps the shape closest,
/// the later ones let the simplifier reach the budget on busy surfaces.
const ERRORS: [f32; 3] = [0.005, 0.02, 0.08];

/// At most `budget` faces: simplified by edge collapses, open borders locked. Returns None when
/// the mesh is within budget, or when simplifying would open a surface that `was_closed` (then
/// the caller keeps the original).
pub(crate) fn decimate(m: &Mesh, budget: usize, was_closed: bool) -> Option<Mesh> {
    if m.triangles.len() <= budget || budget < 4 {
        return None;
    }
    let indices: Vec<u32> = m.triangles.iter().flatten().copied().collect();
    let mut best: Option<Mesh> = None;
    for error in ERRORS {
        let out = meshopt::simplify_decoder(
            &indices,
            &m.vertices,
            budget * 3,
            error,
            meshopt::SimplifyOptions::LockBorder,
            None,
        );
        let mut s = Mesh::new(m.vertices.clone(), out.chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect());
        drop_degenerate(&mut s);
        drop_duplicates(&mut s);
        compact(&mut s);
        if s.triangles.is_empty() || (was_closed && !EdgeCensus::of(&s).is_clean()) {
            continue;
        }
        let within = s.triangles.len() <= budget;
        best = Some(s);
        if within {
            break;
        }
    }
    best
}
