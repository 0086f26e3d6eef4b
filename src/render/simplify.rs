//! Fewer triangles for display only: the printed solid is never touched. meshoptimizer keeps the
//! silhouette and flat areas; when topology stops it short of the budget, the sloppy variant
//! (which may merge nearby parts) gets the rest of the way.

use crate::mesh::Mesh;

/// Triangles a preview draws at most by default.
pub const PREVIEW_BUDGET: usize = 150_000;

/// `mesh` with at most `budget` triangles (the same mesh when it already fits).
pub fn for_display(mesh: &Mesh, budget: usize) -> Mesh {
    let budget = budget.max(4);
    if mesh.triangles.len() <= budget {
        return mesh.clone();
    }
    let indices: Vec<u32> = mesh.triangles.iter().flatten().copied().collect();
    let target = budget * 3;
    // Error is relative to the mesh's extent: 0.5 % keeps letters and faces recognisable.
    let mut out =
        meshopt::simplify_decoder(&indices, &mesh.vertices, target, 5e-3, meshopt::SimplifyOptions::None, None);
    if out.len() > target {
        out = meshopt::simplify_decoder(&indices, &mesh.vertices, target, 2e-2, meshopt::SimplifyOptions::None, None);
    }
    if out.len() > target {
        out = meshopt::simplify_sloppy_decoder(&out, &mesh.vertices, target, 1.0, None);
    }
    let triangles = out.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    Mesh::new(mesh.vertices.clone(), triangles)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finely divided flat grid: `n` x `n` quads.
    fn grid(n: u32) -> Mesh {
        let mut v = Vec::new();
        for y in 0..=n {
            for x in 0..=n {
                v.push([x as f32, y as f32, ((x * 7 + y * 3) % 5) as f32 * 0.01]);
            }
        }
        let mut t = Vec::new();
        for y in 0..n {
            for x in 0..n {
                let i = y * (n + 1) + x;
                t.push([i, i + 1, i + n + 2]);
                t.push([i, i + n + 2, i + n + 1]);
            }
        }
        Mesh::new(v, t)
    }

    #[test]
    fn meshes_over_budget_are_reduced_and_small_ones_kept() {
        let big = grid(100);
        assert_eq!(big.triangles.len(), 20_000);
        let small = for_display(&big, 2_000);
        assert!(small.triangles.len() <= 2_000 && small.triangles.len() > 100, "{}", small.triangles.len());
        assert_eq!(for_display(&big, 50_000).triangles.len(), 20_000);
    }
}
