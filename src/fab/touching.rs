//! Places where a finished surface touches itself: two vertices of different sheets on the very
//! same point, as booleans leave where a letter's groove grazes another or a part meets the
//! pedestal on an edge. In memory those are distinct vertices and the mesh is a closed manifold,
//! but an STL stores positions only, so every reader (PrusaSlicer, admesh, our own) joins them
//! and sees edges shared by four faces. Moving each such vertex a micrometre into its own sheet
//! keeps the shape and gives the file the topology the mesh has.

use crate::mesh::Mesh;
use std::collections::HashMap;

/// How far a touching vertex moves into its own sheet, mm: far above f32 rounding at the sizes
/// printed (about 0.015 µm at 250 mm), far below anything a printer resolves.
const NUDGE_MM: f64 = 1e-3;

/// The mesh with touching vertices moved apart, and how many vertices moved.
pub fn separate(mesh: &Mesh) -> (Mesh, usize) {
    let mut by_position: HashMap<[u32; 3], Vec<u32>> = HashMap::new();
    for (i, v) in mesh.vertices.iter().enumerate() {
        by_position.entry(v.map(f32::to_bits)).or_default().push(i as u32);
    }
    let touching: Vec<u32> = by_position.into_values().filter(|g| g.len() > 1).flatten().collect();
    if touching.is_empty() {
        return (mesh.clone(), 0);
    }
    // Sum of the other corners of every face round each touching vertex: their mean lies inside
    // that vertex's own sheet.
    let mut ring: HashMap<u32, ([f64; 3], f64)> = touching.iter().map(|&v| (v, ([0.0; 3], 0.0))).collect();
    for t in &mesh.triangles {
        for k in 0..3 {
            if let Some((sum, n)) = ring.get_mut(&t[k]) {
                for other in [t[(k + 1) % 3], t[(k + 2) % 3]] {
                    let p = mesh.vertices[other as usize];
                    for (s, c) in sum.iter_mut().zip(p) {
                        *s += f64::from(c);
                    }
                    *n += 1.0;
                }
            }
        }
    }
    let mut vertices = mesh.vertices.clone();
    let mut moved = 0;
    for (v, (sum, n)) in ring {
        if n == 0.0 {
            continue;
        }
        let here = mesh.vertices[v as usize].map(f64::from);
        let towards = [sum[0] / n - here[0], sum[1] / n - here[1], sum[2] / n - here[2]];
        let dist = (towards[0] * towards[0] + towards[1] * towards[1] + towards[2] * towards[2]).sqrt();
        if dist == 0.0 {
            continue;
        }
        let step = NUDGE_MM.min(0.1 * dist) / dist;
        vertices[v as usize] = [0, 1, 2].map(|k| (here[k] + step * towards[k]) as f32);
        moved += 1;
    }
    (Mesh::new(vertices, mesh.triangles.clone()), moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use crate::mesh::analysis;
    use manifold_rs::Manifold;

    /// Two cubes meeting along one edge, as distinct vertices on the same points.
    fn edge_to_edge() -> Mesh {
        let a = manifold_io::to_mesh(&Manifold::cube(10.0, 10.0, 10.0));
        let b = manifold_io::to_mesh(&Manifold::cube(10.0, 10.0, 10.0).translate(10.0, 10.0, 0.0));
        let n = a.vertices.len() as u32;
        let mut vertices = a.vertices.clone();
        vertices.extend(&b.vertices);
        let mut triangles = a.triangles.clone();
        triangles.extend(b.triangles.iter().map(|t| t.map(|i| i + n)));
        Mesh::new(vertices, triangles)
    }

    #[test]
    fn touching_sheets_are_moved_apart_so_a_position_based_reader_sees_a_manifold() {
        let m = edge_to_edge();
        assert!(analysis::is_closed_manifold(&m));
        assert!(!analysis::is_closed_manifold(&analysis::weld(&m, 0.0)), "an STL reader joins the edge");
        let (fixed, moved) = separate(&m);
        assert_eq!(moved, 4);
        assert!(analysis::is_closed_manifold(&analysis::weld(&fixed, 0.0)));
        let drift = m
            .vertices
            .iter()
            .zip(&fixed.vertices)
            .map(|(a, b)| (0..3).map(|k| (a[k] - b[k]).abs()).fold(0.0, f32::max));
        assert!(drift.fold(0.0, f32::max) <= 1.01e-3);
        let v = analysis::signed_volume(&fixed);
        // Big faces round a moved corner sweep a little volume: 4 x (1/3) x 150 mm² x 1 µm at most.
        assert!((v - 2000.0).abs() < 0.25, "{v}");
    }

    #[test]
    fn a_mesh_without_touching_points_is_left_as_it_is() {
        let m = manifold_io::to_mesh(&Manifold::cube(10.0, 10.0, 10.0));
        assert_eq!(separate(&m), (m.clone(), 0));
    }
}
