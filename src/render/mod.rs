//! Software rendering of meshes: clay shading for concept images, previews and thumbnails.

pub mod shading;
