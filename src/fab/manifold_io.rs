//! The one place where our [`Mesh`] crosses into manifold-rs and back.
//!
//! manifold-rs reports no status: a mesh it cannot accept, or an operation that fails, comes back as
//! an empty solid. Every crossing here checks for that and turns it into an error that says which
//! step failed.

use crate::mesh::{analysis, Mesh};
use crate::stage::StageError;
use manifold_rs::Manifold;

/// Our mesh as a manifold-rs solid. The mesh must be closed and oriented (every edge shared by
/// exactly two triangles, once each way) and enclose a positive volume; weld it first if it came
/// from a triangle soup.
pub fn to_manifold(mesh: &Mesh, what: &str) -> Result<Manifold, StageError> {
    if !analysis::is_closed_manifold(mesh) {
        return Err(StageError::Failed(format!(
            "{what} is not a closed, watertight surface (some edges are open or shared by more than two \
             faces), so it cannot be combined into a solid"
        )));
    }
    if analysis::signed_volume(mesh) <= 0.0 {
        return Err(StageError::Failed(format!(
            "{what} is inside out (its faces point inwards), so it cannot be combined into a solid"
        )));
    }
    rebuild(mesh, what)
}

/// A solid again from a mesh that manifold-rs itself produced and that was only moved vertex by
/// vertex since (same triangles, no folds), so its topology is known to be closed. Skips the
/// full check, which would also refuse slivers the move may have flattened.
pub fn rebuild(mesh: &Mesh, what: &str) -> Result<Manifold, StageError> {
    let flat: Vec<f32> = mesh.vertices.iter().flatten().copied().collect();
    let idx: Vec<u32> = mesh.triangles.iter().flatten().copied().collect();
    non_empty(manifold_rs::Mesh::new(&flat, &idx).to_manifold(), what)
}

/// A manifold-rs solid as our mesh (positions only, shared vertices, outward counter-clockwise,
/// no two corners of a triangle on the same point).
pub fn to_mesh(solid: &Manifold) -> Mesh {
    let m = solid.to_mesh();
    let stride = (m.num_props() as usize).max(3);
    let props = m.vertices();
    let vertices: Vec<[f32; 3]> = props.chunks_exact(stride).map(|p| [p[0], p[1], p[2]]).collect();
    let triangles: Vec<[u32; 3]> = m.indices().chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect();
    let mesh = Mesh::new(vertices, triangles);
    // Extra vertex properties make manifold split vertices along seams, and rounding its doubles
    // to f32 can put the two ends of a tiny edge on the same point, leaving zero-area triangles.
    // Merging identical positions fixes both (the collapsed triangles go).
    let coincident = mesh.triangles.iter().any(|t| {
        let [a, b, c] = t.map(|i| mesh.vertices[i as usize]);
        a == b || b == c || a == c
    });
    let mesh = if stride > 3 || coincident { analysis::weld(&mesh, 0.0) } else { mesh };
    // Unions can also leave zero-area slivers with three distinct corners on one line.
    if mesh.triangles.iter().any(|t| analysis::is_degenerate(&mesh, t)) {
        analysis::flip_collinear(&mesh)
    } else {
        mesh
    }
}

/// Passes a solid on, or names the step that left nothing.
pub fn non_empty(solid: Manifold, what: &str) -> Result<Manifold, StageError> {
    if solid.is_empty() {
        Err(StageError::Failed(format!("{what} produced an empty solid; the geometry is degenerate or not watertight")))
    } else {
        Ok(solid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tetra() -> Mesh {
        Mesh::new(
            vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            vec![[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]],
        )
    }

    #[test]
    fn round_trip_keeps_a_closed_positive_solid() {
        let t = tetra();
        assert!(analysis::signed_volume(&t) > 0.0);
        let back = to_mesh(&to_manifold(&t, "the test solid").unwrap());
        assert!(analysis::is_closed_manifold(&back));
        assert!((analysis::signed_volume(&back) - 1.0 / 6.0).abs() < 1e-6);
    }

    #[test]
    fn open_mesh_is_refused_with_a_clear_message() {
        let mut t = tetra();
        t.triangles.pop();
        let Err(err) = to_manifold(&t, "the figurine") else { panic!("an open mesh was accepted") };
        let err = err.to_string();
        assert!(err.starts_with("the figurine is not a closed"), "{err}");
    }

    #[test]
    fn empty_results_become_errors() {
        let solid = Manifold::cube(1.0, 1.0, 1.0).trim_by_plane(0.0, 0.0, 1.0, 5.0);
        let Err(err) = non_empty(solid, "cutting the base") else { panic!("an empty solid passed") };
        let err = err.to_string();
        assert!(err.contains("cutting the base produced an empty solid"), "{err}");
    }
}
