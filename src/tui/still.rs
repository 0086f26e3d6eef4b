//! A still picture of the finished solid: an orthographic z-buffer rasteriser with smooth clay
//! shading, kept deliberately small. The rotating preview (and `render/`'s own rasteriser) replace it.

use crate::mesh::Mesh;
use image::{Rgba, RgbaImage};

/// Camera: turned 30 degrees around Z and looking 20 degrees down, as a person sees a figurine on
/// a table. Print frame: Z up, the front faces -Y.
const AZIMUTH_DEG: f32 = -30.0;
const ELEVATION_DEG: f32 = 20.0;
/// Share of the image left empty around the solid.
const MARGIN: f32 = 0.06;

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn normalize(v: [f32; 3]) -> [f32; 3] {
    let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    if l > 0.0 {
        [v[0] / l, v[1] / l, v[2] / l]
    } else {
        [0.0, 0.0, 1.0]
    }
}

/// World (Z up) to view space: x right, y up, z towards the eye.
fn to_view(p: [f32; 3]) -> [f32; 3] {
    let (sa, ca) = AZIMUTH_DEG.to_radians().sin_cos();
    let (se, ce) = ELEVATION_DEG.to_radians().sin_cos();
    let x = ca * p[0] - sa * p[1];
    let depth = sa * p[0] + ca * p[1]; // into the screen (the front faces -Y)
    let y = ce * p[2] + se * depth;
    let z = se * p[2] - ce * depth;
    [x, y, z]
}

/// Clay: a key light from the upper left, a fill, and a sky/ground ambient; linear 0..1.
fn shade(n: [f32; 3]) -> f32 {
    let key = normalize([-0.5, 0.7, 0.8]);
    let fill = normalize([0.8, 0.1, 0.5]);
    let d = |l: [f32; 3]| (n[0] * l[0] + n[1] * l[1] + n[2] * l[2]).max(0.0);
    let ambient = 0.18 + 0.10 * (0.5 + 0.5 * n[1]);
    (ambient + 0.68 * d(key) + 0.22 * d(fill)).min(1.0)
}

/// Renders `mesh` into a `width` x `height` image over `background`.
pub fn render(mesh: &Mesh, width: u32, height: u32, background: [u8; 3]) -> RgbaImage {
    let bg = Rgba([background[0], background[1], background[2], 255]);
    let mut img = RgbaImage::from_pixel(width.max(1), height.max(1), bg);
    if mesh.is_empty() || width == 0 || height == 0 {
        return img;
    }
    let view: Vec<[f32; 3]> = mesh.vertices.iter().map(|&v| to_view(v)).collect();
    let mut normals = vec![[0.0f32; 3]; view.len()];
    for t in &mesh.triangles {
        let [a, b, c] = t.map(|i| view.get(i as usize).copied().unwrap_or_default());
        let n = cross(sub(b, a), sub(c, a));
        for &i in t {
            if let Some(acc) = normals.get_mut(i as usize) {
                acc[0] += n[0];
                acc[1] += n[1];
                acc[2] += n[2];
            }
        }
    }
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for v in &view {
        for k in 0..2 {
            lo[k] = lo[k].min(v[k]);
            hi[k] = hi[k].max(v[k]);
        }
    }
    let (w, h) = (width as f32, height as f32);
    let span = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-6);
    let scale = (1.0 - 2.0 * MARGIN) * w.min(h) / span;
    let (cx, cy) = ((lo[0] + hi[0]) * 0.5, (lo[1] + hi[1]) * 0.5);
    let screen = |v: [f32; 3]| [w * 0.5 + (v[0] - cx) * scale, h * 0.5 - (v[1] - cy) * scale, v[2]];
    let mut depth = vec![f32::MIN; (width * height) as usize];
    for t in &mesh.triangles {
        let idx = t.map(|i| i as usize);
        if idx.iter().any(|&i| i >= view.len()) {
            continue;
        }
        let p = idx.map(|i| screen(view[i]));
        let area = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
        // Screen y points down, so a front face (counter-clockwise seen from outside) has negative area.
        if area >= 0.0 {
            continue;
        }
        let x0 = p.iter().map(|q| q[0]).fold(f32::MAX, f32::min).floor().max(0.0) as u32;
        let x1 = p.iter().map(|q| q[0]).fold(f32::MIN, f32::max).ceil().min(w - 1.0) as u32;
        let y0 = p.iter().map(|q| q[1]).fold(f32::MAX, f32::min).floor().max(0.0) as u32;
        let y1 = p.iter().map(|q| q[1]).fold(f32::MIN, f32::max).ceil().min(h - 1.0) as u32;
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let e = |a: [f32; 3], b: [f32; 3]| (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0]);
                let (w0, w1, w2) = (e(p[1], p[2]) / area, e(p[2], p[0]) / area, e(p[0], p[1]) / area);
                if w0 < 0.0 || w1 < 0.0 || w2 < 0.0 {
                    continue;
                }
                let z = w0 * p[0][2] + w1 * p[1][2] + w2 * p[2][2];
                let slot = (y * width + x) as usize;
                if z <= depth[slot] {
                    continue;
                }
                depth[slot] = z;
                let n = [0, 1, 2].map(|k| w0 * normals[idx[0]][k] + w1 * normals[idx[1]][k] + w2 * normals[idx[2]][k]);
                let l = shade(normalize(n));
                let tone = |base: f32| ((base * l).powf(1.0 / 2.2) * 255.0).round().clamp(0.0, 255.0) as u8;
                img.put_pixel(x, y, Rgba([tone(0.78), tone(0.74), tone(0.70), 255]));
            }
        }
    }
    img
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
