//! The still picture of the finished solid (the checkout's picture, thumbnails): the clay
//! renderer's usual three-quarter view.

use crate::mesh::Mesh;
use image::RgbaImage;

/// Renders `mesh` into a `width` x `height` image over `background`.
pub fn render(mesh: &Mesh, width: u32, height: u32, background: [u8; 3]) -> RgbaImage {
    crate::render::still(mesh, width, height, background)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A closed tetrahedron, counter-clockwise from outside, standing on Z = 0.
    fn tetra() -> Mesh {
        Mesh::new(
            vec![[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [5.0, 8.0, 0.0], [5.0, 3.0, 12.0]],
            vec![[0, 2, 1], [0, 1, 3], [1, 2, 3], [2, 0, 3]],
        )
    }

    #[test]
    fn draws_the_solid_centred_over_the_background() {
        let img = render(&tetra(), 64, 64, [1, 2, 3]);
        assert_eq!(img.get_pixel(0, 0).0, [1, 2, 3, 255]);
        let centre = img.get_pixel(32, 32).0;
        assert_ne!(centre, [1, 2, 3, 255], "the middle shows the solid");
        let covered = img.pixels().filter(|p| p.0 != [1, 2, 3, 255]).count();
        assert!(covered > 64 * 64 / 8, "the solid fills a good part of the picture: {covered}");
    }

    #[test]
    fn empty_and_broken_meshes_do_not_panic() {
        assert_eq!(render(&Mesh::default(), 8, 8, [0, 0, 0]).get_pixel(4, 4).0, [0, 0, 0, 255]);
        let broken = Mesh::new(vec![[0.0; 3]], vec![[0, 5, 9]]);
        render(&broken, 8, 8, [0, 0, 0]);
    }
}
