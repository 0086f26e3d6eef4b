//! Outline and number helpers shared by the motif builders.

use std::f32::consts::{PI, TAU};

pub fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

pub fn deg(d: f32) -> f32 {
    d * PI / 180.0
}

/// A regular star outline with `points` tips, one tip straight up, centred on the origin.
pub fn star(points: usize, outer: f32, inner: f32) -> Vec<[f32; 2]> {
    (0..points * 2)
        .map(|i| {
            let a = PI / 2.0 + i as f32 * PI / points as f32;
            let r = if i % 2 == 0 { outer } else { inner };
            [r * a.cos(), r * a.sin()]
        })
        .collect()
}

/// A regular polygon with `n` corners, the first at angle `phase`.
pub fn regular(n: usize, r: f32, phase: f32) -> Vec<[f32; 2]> {
    (0..n)
        .map(|i| {
            let a = phase + i as f32 * TAU / n as f32;
            [r * a.cos(), r * a.sin()]
        })
        .collect()
}

/// Points along a quadratic Bezier curve in 3D, `n + 1` of them.
pub fn bezier(a: [f32; 3], b: [f32; 3], c: [f32; 3], n: usize) -> Vec<[f32; 3]> {
    (0..=n)
        .map(|i| {
            let t = i as f32 / n as f32;
            let (u, w) = ((1.0 - t) * (1.0 - t), t * t);
            let m = 2.0 * t * (1.0 - t);
            [u * a[0] + m * b[0] + w * c[0], u * a[1] + m * b[1] + w * c[1], u * a[2] + m * b[2] + w * c[2]]
        })
        .collect()
}
