//! The one triangle mesh type every stage shares, and what works on it.

/// An indexed triangle mesh: f32 positions, u32 triangles, counter-clockwise seen from outside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mesh {
    pub vertices: Vec<[f32; 3]>,
    pub triangles: Vec<[u32; 3]>,
}

impl Mesh {
    pub fn new(vertices: Vec<[f32; 3]>, triangles: Vec<[u32; 3]>) -> Self {
        Self { vertices, triangles }
    }

    pub fn is_empty(&self) -> bool {
        self.triangles.is_empty()
    }

    /// Axis-aligned bounds as (min, max); None for a mesh without vertices.
    pub fn bounds(&self) -> Option<([f32; 3], [f32; 3])> {
        let first = *self.vertices.first()?;
        Some(self.vertices.iter().fold((first, first), |(mut lo, mut hi), v| {
            for k in 0..3 {
                lo[k] = lo[k].min(v[k]);
                hi[k] = hi[k].max(v[k]);
            }
            (lo, hi)
        }))
    }
}

pub mod analysis;
pub mod cleanup;
pub mod edt;
pub mod import;
pub mod io;
pub mod marching_cubes;
pub mod nearest;
pub mod threemf;
pub mod vec64;
pub mod voxel;
