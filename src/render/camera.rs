//! A perspective camera orbiting a target, in the print frame (millimetres, Z up, the front and its
//! engraving facing -Y). Azimuth 0 looks at the front; positive azimuth moves the eye towards +X.

use super::vec3::{add, cross, dot, normalize, scale, sub, V3};

/// Vertical field of view: narrow, like a product photo, so the piece is not distorted.
pub const DEFAULT_FOV_DEG: f32 = 28.0;
/// Share of the frame left around the fitted piece.
const FIT_MARGIN: f32 = 0.06;
/// Elevation is kept off the poles, where "up" is undefined.
const MAX_ELEVATION_DEG: f32 = 89.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    pub target: V3,
    pub azimuth_deg: f32,
    pub elevation_deg: f32,
    pub distance: f32,
    pub fov_deg: f32,
}

/// The camera's frame: `back` points from the scene to the eye.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Basis {
    pub eye: V3,
    pub right: V3,
    pub up: V3,
    pub back: V3,
}

/// World to clip space for one frame: `(x, y, w)` with `w` the distance in front of the eye.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub basis: Basis,
    /// tan of the half field of view, horizontally and vertically.
    pub tan_half: [f32; 2],
    /// Nearest distance drawn; anything closer is clipped away.
    pub near: f32,
}

impl Projection {
    /// Clip coordinates `[x, y, w]`: on screen where |x|, |y| <= w.
    pub fn clip(&self, p: V3) -> [f32; 3] {
        let d = sub(p, self.basis.eye);
        let w = -dot(d, self.basis.back);
        [dot(d, self.basis.right) / self.tan_half[0], dot(d, self.basis.up) / self.tan_half[1], w]
    }
}

impl Camera {
    /// The camera at `azimuth`/`elevation` that frames `bounds` in an image of `aspect` (width / height).
    pub fn fit(bounds: (V3, V3), azimuth_deg: f32, elevation_deg: f32, aspect: f32) -> Camera {
        let (lo, hi) = bounds;
        let target = scale(add(lo, hi), 0.5);
        let mut cam = Camera { target, azimuth_deg, elevation_deg, distance: 1.0, fov_deg: DEFAULT_FOV_DEG };
        cam.distance = cam.distance_to_fit(bounds, aspect);
        cam
    }

    /// The distance at which every corner of `bounds` lies inside the frame, with a margin.
    pub fn distance_to_fit(&self, bounds: (V3, V3), aspect: f32) -> f32 {
        let (lo, hi) = bounds;
        let corners = (0..8).map(|i| {
            [
                if i & 1 == 0 { lo[0] } else { hi[0] },
                if i & 2 == 0 { lo[1] } else { hi[1] },
                if i & 4 == 0 { lo[2] } else { hi[2] },
            ]
        });
        self.distance_to_fit_points(corners, aspect)
    }

    /// The distance at which every point lies inside the frame, with a margin: tighter than the
    /// bounding box for round pieces.
    pub fn distance_to_fit_points(&self, points: impl IntoIterator<Item = V3>, aspect: f32) -> f32 {
        let b = self.basis_at(1.0);
        let (tx, ty) = self.tan_half(aspect);
        let (tx, ty) = (tx * (1.0 - FIT_MARGIN), ty * (1.0 - FIT_MARGIN));
        let mut need = 1e-3f32;
        for c in points {
            let d = sub(c, self.target);
            // Depth towards the eye; the point needs distance >= depth + |offset| / tan.
            let toward = dot(d, b.back);
            need = need.max(toward + dot(d, b.right).abs() / tx).max(toward + dot(d, b.up).abs() / ty);
        }
        if need.is_finite() {
            need
        } else {
            1.0
        }
    }

    /// A close, level look at the front of the pedestal, where the engraving is cut. `pedestal_mm`
    /// is the pedestal's height (the piece stands on Z = bounds.min.z).
    pub fn engraving(bounds: (V3, V3), pedestal_mm: f32, aspect: f32) -> Camera {
        let (lo, hi) = bounds;
        let h = pedestal_mm.clamp(1.0, (hi[2] - lo[2]).max(1.0));
        let target = [(lo[0] + hi[0]) * 0.5, (lo[1] + hi[1]) * 0.5, lo[2] + h * 0.5];
        let mut cam = Camera { target, azimuth_deg: 0.0, elevation_deg: 8.0, distance: 1.0, fov_deg: DEFAULT_FOV_DEG };
        // Frame the pedestal's band: its full width and a little above and below.
        let band = ([lo[0], lo[1], lo[2] - 0.2 * h], [hi[0], hi[1], lo[2] + 1.2 * h]);
        let half_depth = (hi[1] - lo[1]) * 0.5;
        // The band's fit counts its back corners, which sit behind the front the camera looks at.
        cam.distance = (cam.distance_to_fit(band, aspect) - half_depth * 0.5).max(half_depth + 1.0);
        cam
    }

    fn tan_half(&self, aspect: f32) -> (f32, f32) {
        let ty = (self.fov_deg.clamp(1.0, 150.0).to_radians() * 0.5).tan();
        (ty * aspect.max(1e-3), ty)
    }

    fn basis_at(&self, distance: f32) -> Basis {
        let (sa, ca) = self.azimuth_deg.to_radians().sin_cos();
        let el = self.elevation_deg.clamp(-MAX_ELEVATION_DEG, MAX_ELEVATION_DEG).to_radians();
        let (se, ce) = el.sin_cos();
        let back = [sa * ce, -ca * ce, se];
        let right = normalize(cross([0.0, 0.0, 1.0], back));
        let up = cross(back, right);
        Basis { eye: add(self.target, scale(back, distance)), right, up, back }
    }

    pub fn basis(&self) -> Basis {
        self.basis_at(self.distance)
    }

    /// The projection for an image of `aspect`; `scene_radius` sets the near plane.
    pub fn projection(&self, aspect: f32, scene_radius: f32) -> Projection {
        let (tx, ty) = self.tan_half(aspect);
        // Close enough to clip little even with the eye inside the piece, far enough for depth precision.
        let near = (scene_radius * 1e-3).max(self.distance * 1e-3).max(1e-4);
        Projection { basis: self.basis(), tan_half: [tx, ty], near }
    }

    /// The same camera turned `by` degrees further around the piece.
    pub fn orbited(&self, azimuth_by: f32, elevation_by: f32) -> Camera {
        let el = (self.elevation_deg + elevation_by).clamp(-MAX_ELEVATION_DEG, MAX_ELEVATION_DEG);
        Camera { azimuth_deg: (self.azimuth_deg + azimuth_by).rem_euclid(360.0), elevation_deg: el, ..*self }
    }

    /// A camera part way (`t` in 0..1) from `self` to `to`, turning the short way round.
    pub fn lerp(&self, to: &Camera, t: f32) -> Camera {
        let t = t.clamp(0.0, 1.0);
        let mix = |a: f32, b: f32| a + (b - a) * t;
        let mut da = (to.azimuth_deg - self.azimuth_deg).rem_euclid(360.0);
        if da > 180.0 {
            da -= 360.0;
        }
        Camera {
            target: [
                mix(self.target[0], to.target[0]),
                mix(self.target[1], to.target[1]),
                mix(self.target[2], to.target[2]),
            ],
            azimuth_deg: (self.azimuth_deg + da * t).rem_euclid(360.0),
            elevation_deg: mix(self.elevation_deg, to.elevation_deg),
            distance: mix(self.distance, to.distance),
            fov_deg: mix(self.fov_deg, to.fov_deg),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azimuth_zero_looks_at_the_front_from_minus_y() {
        let cam = Camera { target: [0.0; 3], azimuth_deg: 0.0, elevation_deg: 0.0, distance: 10.0, fov_deg: 30.0 };
        let b = cam.basis();
        assert!((b.eye[1] + 10.0).abs() < 1e-4, "{:?}", b.eye);
        assert!((b.right[0] - 1.0).abs() < 1e-5 && (b.up[2] - 1.0).abs() < 1e-5);
        let side = cam.orbited(90.0, 0.0).basis();
        assert!((side.eye[0] - 10.0).abs() < 1e-3, "positive azimuth goes towards +X: {:?}", side.eye);
    }

    #[test]
    fn fit_keeps_every_corner_in_view() {
        let bounds = ([-10.0, -5.0, 0.0], [10.0, 5.0, 60.0]);
        for (az, el, aspect) in [(0.0, 0.0, 1.0), (-30.0, 20.0, 4.0 / 3.0), (120.0, 60.0, 0.5)] {
            let cam = Camera::fit(bounds, az, el, aspect);
            let p = cam.projection(aspect, 40.0);
            for i in 0..8 {
                let c = [
                    if i & 1 == 0 { -10.0 } else { 10.0 },
                    if i & 2 == 0 { -5.0 } else { 5.0 },
                    if i & 4 == 0 { 0.0 } else { 60.0 },
                ];
                let [x, y, w] = p.clip(c);
                assert!(w > 0.0 && x.abs() <= w && y.abs() <= w, "corner {c:?} at {az}/{el}");
            }
        }
    }

    #[test]
    fn lerp_turns_the_short_way() {
        let a = Camera { target: [0.0; 3], azimuth_deg: 350.0, elevation_deg: 0.0, distance: 1.0, fov_deg: 30.0 };
        let b = Camera { azimuth_deg: 10.0, ..a };
        assert!((a.lerp(&b, 0.5).azimuth_deg - 0.0).abs() < 1e-3 || (a.lerp(&b, 0.5).azimuth_deg - 360.0).abs() < 1e-3);
    }
}
