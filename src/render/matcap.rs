//! The clay look as a lookup table over view-space normals (a matcap), built for each frame from
//! [`ClayLook`] and the camera-relative lights, so shading a vertex costs a table read instead of
//! the full light sum. Two tables, fully open and fully occluded, are mixed by the vertex's
//! occlusion.

use super::shading::{ClayLook, LightRig, SurfacePoint};
use super::vec3::V3;

/// Table cells per axis over normal x, y in [-1, 1].
const N: usize = 64;

pub struct Matcap {
    open: Vec<f32>,
    closed: Vec<f32>,
}

impl Matcap {
    /// `world_up` is the world's up in view space (x right, y up, z towards the eye).
    pub fn new(look: &ClayLook, world_up: V3) -> Matcap {
        let mut rig = LightRig::view_space();
        rig.up = world_up;
        let mut open = vec![0.0; N * N];
        let mut closed = vec![0.0; N * N];
        for j in 0..N {
            for i in 0..N {
                let n = normal_at(i as f32 / (N - 1) as f32 * 2.0 - 1.0, 1.0 - j as f32 / (N - 1) as f32 * 2.0);
                let point = |occlusion| SurfacePoint { normal: n, to_eye: [0.0, 0.0, 1.0], occlusion, shadow: 1.0 };
                open[j * N + i] = look.shade(&rig, &point(1.0));
                closed[j * N + i] = look.shade(&rig, &point(0.0));
            }
        }
        Matcap { open, closed }
    }

    /// Linear radiance for a unit view-space normal with `occlusion` (1 open, 0 closed).
    pub fn shade(&self, n: V3, occlusion: f32) -> f32 {
        let fx = ((n[0].clamp(-1.0, 1.0) + 1.0) * 0.5 * (N - 1) as f32).clamp(0.0, (N - 1) as f32 - 1e-3);
        let fy = ((1.0 - n[1].clamp(-1.0, 1.0)) * 0.5 * (N - 1) as f32).clamp(0.0, (N - 1) as f32 - 1e-3);
        let (i, j) = (fx as usize, fy as usize);
        let (tx, ty) = (fx - i as f32, fy - j as f32);
        let at = |t: &[f32]| {
            let a = t[j * N + i] + (t[j * N + i + 1] - t[j * N + i]) * tx;
            let b = t[(j + 1) * N + i] + (t[(j + 1) * N + i + 1] - t[(j + 1) * N + i]) * tx;
            a + (b - a) * ty
        };
        let o = occlusion.clamp(0.0, 1.0);
        at(&self.closed) + (at(&self.open) - at(&self.closed)) * o
    }
}

/// The unit normal seen at matcap position (x, y); outside the disc it lies on the silhouette.
fn normal_at(x: f32, y: f32) -> V3 {
    let r2 = x * x + y * y;
    if r2 >= 1.0 {
        let r = r2.sqrt();
        [x / r, y / r, 0.0]
    } else {
        [x, y, (1.0 - r2).sqrt()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_look_and_occlusion_darkens() {
        let look = ClayLook::default();
        let m = Matcap::new(&look, [0.0, 1.0, 0.0]);
        let rig = LightRig::view_space();
        let exact = look.shade(
            &rig,
            &SurfacePoint { normal: [0.0, 0.0, 1.0], to_eye: [0.0, 0.0, 1.0], occlusion: 1.0, shadow: 1.0 },
        );
        assert!((m.shade([0.0, 0.0, 1.0], 1.0) - exact).abs() < 0.01);
        assert!(m.shade([0.0, 0.0, 1.0], 0.2) < m.shade([0.0, 0.0, 1.0], 1.0));
        // The key light comes from the upper left.
        assert!(m.shade([-0.5, 0.5, 0.707], 1.0) > m.shade([0.5, -0.5, 0.707], 1.0));
    }
}
