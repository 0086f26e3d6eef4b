//! Small vector, rotation and box maths for the distance fields and the ray marcher.
//! Public APIs take and give `[f32; 3]`; this is the working form inside the module.

use std::ops::{Add, Div, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

pub const fn v3(x: f32, y: f32, z: f32) -> V3 {
    V3 { x, y, z }
}

impl V3 {
    pub const ZERO: V3 = v3(0.0, 0.0, 0.0);

    pub fn splat(s: f32) -> V3 {
        v3(s, s, s)
    }
    pub fn dot(self, o: V3) -> f32 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }
    pub fn cross(self, o: V3) -> V3 {
        v3(self.y * o.z - self.z * o.y, self.z * o.x - self.x * o.z, self.x * o.y - self.y * o.x)
    }
    pub fn length(self) -> f32 {
        self.dot(self).sqrt()
    }
    /// Unit vector; the zero vector stays zero rather than turning into NaN.
    pub fn normalize(self) -> V3 {
        let l = self.length();
        if l > 0.0 {
            self / l
        } else {
            self
        }
    }
    pub fn abs(self) -> V3 {
        v3(self.x.abs(), self.y.abs(), self.z.abs())
    }
    pub fn max(self, o: V3) -> V3 {
        v3(self.x.max(o.x), self.y.max(o.y), self.z.max(o.z))
    }
    pub fn min(self, o: V3) -> V3 {
        v3(self.x.min(o.x), self.y.min(o.y), self.z.min(o.z))
    }
    pub fn max_elem(self) -> f32 {
        self.x.max(self.y).max(self.z)
    }
    pub fn min_elem(self) -> f32 {
        self.x.min(self.y).min(self.z)
    }
    pub fn mul_elem(self, o: V3) -> V3 {
        v3(self.x * o.x, self.y * o.y, self.z * o.z)
    }
    pub fn div_elem(self, o: V3) -> V3 {
        v3(self.x / o.x, self.y / o.y, self.z / o.z)
    }
    pub fn lerp(self, o: V3, t: f32) -> V3 {
        self + (o - self) * t
    }
    pub fn to_array(self) -> [f32; 3] {
        [self.x, self.y, self.z]
    }
}

impl From<[f32; 3]> for V3 {
    fn from(a: [f32; 3]) -> V3 {
        v3(a[0], a[1], a[2])
    }
}

impl Add for V3 {
    type Output = V3;
    fn add(self, o: V3) -> V3 {
        v3(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}
impl Sub for V3 {
    type Output = V3;
    fn sub(self, o: V3) -> V3 {
        v3(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}
impl Mul<f32> for V3 {
    type Output = V3;
    fn mul(self, s: f32) -> V3 {
        v3(self.x * s, self.y * s, self.z * s)
    }
}
impl Div<f32> for V3 {
    type Output = V3;
    fn div(self, s: f32) -> V3 {
        v3(self.x / s, self.y / s, self.z / s)
    }
}
impl Neg for V3 {
    type Output = V3;
    fn neg(self) -> V3 {
        v3(-self.x, -self.y, -self.z)
    }
}

/// A 3x3 matrix stored by rows; used for rotations only, so its inverse is its transpose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mat3 {
    pub rows: [V3; 3],
}

impl Mat3 {
    pub const IDENTITY: Mat3 = Mat3 { rows: [v3(1.0, 0.0, 0.0), v3(0.0, 1.0, 0.0), v3(0.0, 0.0, 1.0)] };

    pub fn rot_x(a: f32) -> Mat3 {
        let (s, c) = a.sin_cos();
        Mat3 { rows: [v3(1.0, 0.0, 0.0), v3(0.0, c, -s), v3(0.0, s, c)] }
    }
    pub fn rot_y(a: f32) -> Mat3 {
        let (s, c) = a.sin_cos();
        Mat3 { rows: [v3(c, 0.0, s), v3(0.0, 1.0, 0.0), v3(-s, 0.0, c)] }
    }
    pub fn rot_z(a: f32) -> Mat3 {
        let (s, c) = a.sin_cos();
        Mat3 { rows: [v3(c, -s, 0.0), v3(s, c, 0.0), v3(0.0, 0.0, 1.0)] }
    }
    pub fn mul_vec(&self, v: V3) -> V3 {
        v3(self.rows[0].dot(v), self.rows[1].dot(v), self.rows[2].dot(v))
    }
    pub fn transpose(&self) -> Mat3 {
        let [a, b, c] = self.rows;
        Mat3 { rows: [v3(a.x, b.x, c.x), v3(a.y, b.y, c.y), v3(a.z, b.z, c.z)] }
    }
    pub fn mul(&self, o: &Mat3) -> Mat3 {
        let t = o.transpose();
        let row = |r: V3| v3(r.dot(t.rows[0]), r.dot(t.rows[1]), r.dot(t.rows[2]));
        Mat3 { rows: [row(self.rows[0]), row(self.rows[1]), row(self.rows[2])] }
    }
}

/// An axis-aligned box; every node of a distance tree keeps one around its solid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Aabb {
    pub lo: V3,
    pub hi: V3,
}

impl Aabb {
    pub fn new(lo: V3, hi: V3) -> Aabb {
        Aabb { lo, hi }
    }
    pub fn centered(half: V3) -> Aabb {
        Aabb { lo: -half, hi: half }
    }
    pub fn empty() -> Aabb {
        Aabb { lo: V3::splat(f32::INFINITY), hi: V3::splat(f32::NEG_INFINITY) }
    }
    pub fn union(&self, o: &Aabb) -> Aabb {
        Aabb { lo: self.lo.min(o.lo), hi: self.hi.max(o.hi) }
    }
    pub fn intersect(&self, o: &Aabb) -> Aabb {
        Aabb { lo: self.lo.max(o.lo), hi: self.hi.min(o.hi) }
    }
    pub fn expand(&self, r: f32) -> Aabb {
        Aabb { lo: self.lo - V3::splat(r), hi: self.hi + V3::splat(r) }
    }
    pub fn include(&self, p: V3) -> Aabb {
        Aabb { lo: self.lo.min(p), hi: self.hi.max(p) }
    }
    pub fn center(&self) -> V3 {
        (self.lo + self.hi) * 0.5
    }
    pub fn size(&self) -> V3 {
        self.hi - self.lo
    }
    pub fn corners(&self) -> [V3; 8] {
        let (l, h) = (self.lo, self.hi);
        [
            v3(l.x, l.y, l.z),
            v3(h.x, l.y, l.z),
            v3(l.x, h.y, l.z),
            v3(h.x, h.y, l.z),
            v3(l.x, l.y, h.z),
            v3(h.x, l.y, h.z),
            v3(l.x, h.y, h.z),
            v3(h.x, h.y, h.z),
        ]
    }
    /// The box of this box's corners after `p -> rot * p * scale + offset`.
    pub fn transformed(&self, rot: &Mat3, scale: f32, offset: V3) -> Aabb {
        self.corners().iter().fold(Aabb::empty(), |b, &c| b.include(rot.mul_vec(c) * scale + offset))
    }
    /// Entry and exit distances of a ray, if it meets the box in front of its origin.
    pub fn ray_span(&self, origin: V3, dir: V3) -> Option<(f32, f32)> {
        let mut t0 = 0.0f32;
        let mut t1 = f32::INFINITY;
        for (o, d, lo, hi) in [
            (origin.x, dir.x, self.lo.x, self.hi.x),
            (origin.y, dir.y, self.lo.y, self.hi.y),
            (origin.z, dir.z, self.lo.z, self.hi.z),
        ] {
            if d.abs() < 1e-12 {
                if o < lo || o > hi {
                    return None;
                }
                continue;
            }
            let (a, b) = ((lo - o) / d, (hi - o) / d);
            t0 = t0.max(a.min(b));
            t1 = t1.min(a.max(b));
        }
        (t0 <= t1).then_some((t0, t1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotations_are_orthonormal_and_compose() {
        let r = Mat3::rot_x(0.3).mul(&Mat3::rot_y(-1.1)).mul(&Mat3::rot_z(2.0));
        let p = v3(0.3, -0.7, 1.9);
        let back = r.transpose().mul_vec(r.mul_vec(p));
        assert!((back - p).length() < 1e-5);
        assert!((r.mul_vec(p).length() - p.length()).abs() < 1e-5);
        let z90 = Mat3::rot_z(std::f32::consts::FRAC_PI_2).mul_vec(v3(1.0, 0.0, 0.0));
        assert!((z90 - v3(0.0, 1.0, 0.0)).length() < 1e-6);
    }

    #[test]
    fn ray_span_enters_and_leaves_the_box() {
        let b = Aabb::centered(v3(1.0, 2.0, 3.0));
        let (t0, t1) = b.ray_span(v3(-5.0, 0.0, 0.0), v3(1.0, 0.0, 0.0)).unwrap();
        assert!((t0 - 4.0).abs() < 1e-6 && (t1 - 6.0).abs() < 1e-6);
        assert!(b.ray_span(v3(-5.0, 5.0, 0.0), v3(1.0, 0.0, 0.0)).is_none());
    }
}
