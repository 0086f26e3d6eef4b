//! Exact distance from points to a mesh's surface, through an R*-tree of its triangles (rstar).

use super::vec64::point_triangle_distance;
use super::Mesh;
use rstar::{PointDistance, RTree, RTreeObject, AABB};

struct Triangle([[f64; 3]; 3]);

impl RTreeObject for Triangle {
    type Envelope = AABB<[f64; 3]>;

    fn envelope(&self) -> Self::Envelope {
        let [a, b, c] = self.0;
        AABB::from_corners(
            std::array::from_fn(|k| a[k].min(b[k]).min(c[k])),
            std::array::from_fn(|k| a[k].max(b[k]).max(c[k])),
        )
    }
}

impl PointDistance for Triangle {
    fn distance_2(&self, p: &[f64; 3]) -> f64 {
        point_triangle_distance(*p, self.0).powi(2)
    }
}

/// A mesh's triangles, ready for nearest-surface queries from many threads.
pub struct SurfaceDistance {
    tree: RTree<Triangle>,
}

impl SurfaceDistance {
    pub fn new(mesh: &Mesh) -> Self {
        let triangles =
            mesh.triangles.iter().map(|t| Triangle(t.map(|i| mesh.vertices[i as usize].map(f64::from)))).collect();
        Self { tree: RTree::bulk_load(triangles) }
    }

    /// Distance from `p` to the nearest point of any triangle; infinite for an empty mesh.
    pub fn to(&self, p: [f64; 3]) -> f64 {
        self.tree.nearest_neighbor(&p).map_or(f64::INFINITY, |t| point_triangle_distance(p, t.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use manifold_rs::Manifold;

    #[test]
    fn matches_brute_force_around_a_box() {
        let m = manifold_io::to_mesh(&Manifold::cube(4.0, 6.0, 2.0).union(&Manifold::sphere(1.5, 24)));
        let near = SurfaceDistance::new(&m);
        for n in 0..200 {
            let f = n as f64;
            let p = [(f * 0.37).sin() * 6.0, (f * 0.71).cos() * 7.0, (f * 0.13).sin() * 4.0];
            let brute = m
                .triangles
                .iter()
                .map(|t| point_triangle_distance(p, t.map(|i| m.vertices[i as usize].map(f64::from))))
                .fold(f64::INFINITY, f64::min);
            assert!((near.to(p) - brute).abs() < 1e-12, "{p:?}");
        }
        assert!(SurfaceDistance::new(&Mesh::default()).to([0.0; 3]).is_infinite());
    }
}
