//! Clay shading: an untextured, matte, neutral-grey look on white, as a sculptor's maquette photographed
//! in a soft box. Shared by the ray-marched concept images and the mesh rasteriser.
//!
//! The lights are fixed relative to the camera (a key from the upper left on the camera side, a dim
//! fill from the right, a sky/ground ambient and a rim), so a surface's shade depends only on its normal
//! in camera terms, like a matcap, plus ambient occlusion and an optional shadow factor.

/// Unit vectors pointing from the surface towards each light, in the frame the normals are given in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LightRig {
    pub key: [f32; 3],
    pub fill: [f32; 3],
    /// The world's up, for the sky/ground ambient.
    pub up: [f32; 3],
}

impl LightRig {
    /// Lights placed for a camera with the given basis (`back` points from the scene to the eye).
    pub fn camera_relative(right: [f32; 3], up: [f32; 3], back: [f32; 3]) -> LightRig {
        let mix = |r: f32, u: f32, b: f32| {
            normalize([
                right[0] * r + up[0] * u + back[0] * b,
                right[1] * r + up[1] * u + back[1] * b,
                right[2] * r + up[2] * u + back[2] * b,
            ])
        };
        LightRig { key: mix(-0.6, 0.95, 0.55), fill: mix(0.9, 0.1, 0.35), up }
    }

    /// Lights for normals already in view space (x right, y up, z towards the eye).
    pub fn view_space() -> LightRig {
        LightRig::camera_relative([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0])
    }
}

/// The material and light strengths. `Default` is the house look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClayLook {
    pub albedo: f32,
    pub key: f32,
    /// How far the key light wraps past the terminator: softer, more clay-like falloff.
    pub wrap: f32,
    pub fill: f32,
    pub sky: f32,
    pub ground: f32,
    pub rim: f32,
    pub sheen: f32,
    pub sheen_power: f32,
    /// Brightest linear value a lit surface reaches, so the subject stays clearly off the white.
    pub ceiling: f32,
}

impl Default for ClayLook {
    fn default() -> ClayLook {
        ClayLook {
            albedo: 0.8,
            key: 1.0,
            wrap: 0.2,
            fill: 0.14,
            sky: 0.32,
            ground: 0.08,
            rim: 0.18,
            sheen: 0.05,
            sheen_power: 16.0,
            ceiling: 0.78,
        }
    }
}

/// One visible surface point, vectors in the same frame as the [`LightRig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurfacePoint {
    /// Unit outward normal.
    pub normal: [f32; 3],
    /// Unit vector from the point towards the eye.
    pub to_eye: [f32; 3],
    /// Ambient occlusion, 1 = open, 0 = fully enclosed.
    pub occlusion: f32,
    /// Key light visibility, 1 = lit, 0 = in shadow.
    pub shadow: f32,
}

impl ClayLook {
    /// Linear radiance of the point, in `[0, ceiling]`.
    pub fn shade(&self, rig: &LightRig, s: &SurfacePoint) -> f32 {
        let n = s.normal;
        let ao = s.occlusion.clamp(0.0, 1.0);
        let lit = s.shadow.clamp(0.0, 1.0);
        let wrapped = |l: [f32; 3]| ((dot(n, l) + self.wrap) / (1.0 + self.wrap)).max(0.0);
        let key = self.key * wrapped(rig.key) * (0.35 + 0.65 * lit);
        let fill = self.fill * wrapped(rig.fill);
        let hemi = 0.5 + 0.5 * dot(n, rig.up);
        let ambient = (self.ground + (self.sky - self.ground) * hemi) * ao;
        // Occlusion also darkens the direct light a little: the "AO render" look of clay previews.
        let diffuse = self.albedo * (key + fill) * (0.55 + 0.45 * ao) + self.albedo * ambient;
        let facing = dot(n, s.to_eye).max(0.0);
        let rim = self.rim * (1.0 - facing).powi(3) * ao;
        let half = normalize(add(rig.key, s.to_eye));
        let sheen = self.sheen * dot(n, half).max(0.0).powf(self.sheen_power) * lit;
        tone(diffuse + rim + sheen, self.ceiling)
    }
}

/// A soft shoulder towards `ceiling`: linear in the darks, never clipping, no flat highlights.
fn tone(x: f32, ceiling: f32) -> f32 {
    let x = x.max(0.0);
    ceiling * (1.0 - (-x / ceiling).exp())
}

/// Linear [0, 1] to an sRGB byte. `dither` in [-0.5, 0.5) breaks up banding in smooth gradients.
pub fn encode_srgb(linear: f32, dither: f32) -> u8 {
    // Pure white stays exactly 255 whatever the dither: the cut-out floods over it.
    if linear >= 1.0 {
        return 255;
    }
    let l = linear.max(0.0);
    let s = if l <= 0.003_130_8 { 12.92 * l } else { 1.055 * l.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0 + 0.5 + dither).clamp(0.0, 255.0) as u8
}

/// A fixed per-pixel offset in [-0.5, 0.5) (a hash, so images stay byte-for-byte reproducible).
pub fn dither(x: u32, y: u32) -> f32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h & 0xFFFF) as f32 / 65536.0 - 0.5
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn add(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn normalize(a: [f32; 3]) -> [f32; 3] {
    let l = dot(a, a).sqrt();
    if l > 0.0 {
        [a[0] / l, a[1] / l, a[2] / l]
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(normal: [f32; 3], occlusion: f32) -> SurfacePoint {
        SurfacePoint { normal: normalize(normal), to_eye: [0.0, 0.0, 1.0], occlusion, shadow: 1.0 }
    }

    #[test]
    fn lit_clay_stays_grey_and_below_white() {
        let look = ClayLook::default();
        let rig = LightRig::view_space();
        let brightest = look.shade(&rig, &point(rig.key, 1.0));
        assert!(brightest < look.ceiling && encode_srgb(brightest, 0.49) < 235);
        let facing = look.shade(&rig, &point([0.0, 0.0, 1.0], 1.0));
        assert!(encode_srgb(facing, 0.0) > 120);
    }

    #[test]
    fn occlusion_and_facing_away_darken() {
        let look = ClayLook::default();
        let rig = LightRig::view_space();
        let open = look.shade(&rig, &point([0.0, 0.0, 1.0], 1.0));
        let closed = look.shade(&rig, &point([0.0, 0.0, 1.0], 0.2));
        let away = look.shade(&rig, &point([0.6, -0.6, 0.3], 1.0));
        assert!(closed < open && away < open);
    }

    #[test]
    fn srgb_encoding_hits_the_ends_and_dither_is_bounded() {
        assert_eq!(encode_srgb(0.0, 0.0), 0);
        assert_eq!(encode_srgb(1.0, 0.0), 255);
        assert_eq!(encode_srgb(0.2158, 0.0), 128);
        assert_eq!(encode_srgb(1.0, -0.5), 255);
        for (x, y) in [(0, 0), (511, 3), (17, 400)] {
            let d = dither(x, y);
            assert!((-0.5..0.5).contains(&d));
        }
    }
}
