//! Software rendering of meshes: clay shading for concept images, previews, turntables and stills.
//!
//! A mesh is prepared once ([`DisplayMesh::prepare`]: cleaned, simplified to the preview budget,
//! normals split at creases, ambient occlusion and printability flags), then drawn from any
//! [`Camera`] by the [`Renderer`].

pub mod ao;
pub mod camera;
pub mod display;
pub mod encode;
pub mod matcap;
pub mod raster;
pub mod shading;
pub mod shapes;
pub mod simplify;
pub mod turntable;
pub mod vec3;

pub use camera::Camera;
pub use display::{DisplayMesh, PrepareOptions};
pub use raster::{render, RenderOptions, Renderer};

use crate::mesh::Mesh;
use image::RgbaImage;

/// The usual still of `mesh` (front, three-quarter view) at `width` x `height` over `background`.
pub fn still(mesh: &Mesh, width: u32, height: u32, background: [u8; 3]) -> RgbaImage {
    let display = DisplayMesh::prepare(mesh, &PrepareOptions { thin_walls: false, ..PrepareOptions::default() });
    let cam = turntable::still_camera(&display, width.max(1) as f32 / height.max(1) as f32);
    render(&display, &cam, &RenderOptions { width, height, background, ..RenderOptions::default() })
}
