//! 2D outlines for extrusions: polygons, ellipses, a heart, and rings around any of them. All
//! exact signed distances (negative inside).

use super::polygon::Polygon;

#[derive(Debug, Clone)]
pub enum Outline {
    Polygon(Polygon),
    Ellipse {
        cx: f32,
        cy: f32,
        rx: f32,
        ry: f32,
    },
    /// Inigo Quilez's heart: tip at the origin, `size` tall.
    Heart {
        size: f32,
    },
    /// A band of half width `half` along another outline's edge.
    Ring {
        inner: Box<Outline>,
        half: f32,
    },
}

/// Height and half width of the unit heart before scaling.
const HEART_TOP: f32 = 0.75 + std::f32::consts::SQRT_2 / 4.0;
const HEART_HALF_WIDTH: f32 = 0.25 + std::f32::consts::SQRT_2 / 4.0;

impl Outline {
    pub fn polygon(points: Vec<[f32; 2]>) -> Outline {
        Outline::Polygon(Polygon::new(points))
    }

    pub fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32) -> Outline {
        Outline::Ellipse { cx, cy, rx, ry }
    }

    pub fn heart(size: f32) -> Outline {
        Outline::Heart { size }
    }

    /// A band `width` wide centred on this outline's edge.
    pub fn ring(self, width: f32) -> Outline {
        Outline::Ring { inner: Box::new(self), half: width * 0.5 }
    }

    /// Lower and upper corners of the outline's box.
    pub fn extent(&self) -> ([f32; 2], [f32; 2]) {
        match self {
            Outline::Polygon(p) => p.extent(),
            Outline::Ellipse { cx, cy, rx, ry } => ([cx - rx, cy - ry], [cx + rx, cy + ry]),
            Outline::Heart { size } => {
                let s = size / HEART_TOP;
                ([-HEART_HALF_WIDTH * s, 0.0], [HEART_HALF_WIDTH * s, *size])
            }
            Outline::Ring { inner, half } => {
                let (lo, hi) = inner.extent();
                ([lo[0] - half, lo[1] - half], [hi[0] + half, hi[1] + half])
            }
        }
    }

    pub fn distance(&self, x: f32, y: f32) -> f32 {
        match self {
            Outline::Polygon(p) => p.distance(x, y),
            Outline::Ellipse { cx, cy, rx, ry } => ellipse_distance(x - cx, y - cy, *rx, *ry),
            Outline::Heart { size } => {
                let s = size / HEART_TOP;
                heart_distance(x / s, y / s) * s
            }
            Outline::Ring { inner, half } => inner.distance(x, y).abs() - half,
        }
    }
}

/// Distance to an axis-aligned ellipse: Newton iteration on the parameter angle of the nearest
/// point (Inigo Quilez's robust variant; the closed form loses precision in f32).
fn ellipse_distance(x: f32, y: f32, a: f32, b: f32) -> f32 {
    let (px, py) = (x.abs(), y.abs());
    if (a - b).abs() < 1e-6 {
        return (px * px + py * py).sqrt() - a;
    }
    let mut w: f32 = if a * (px - a) < b * (py - b) { std::f32::consts::FRAC_PI_2 } else { 0.0 };
    for _ in 0..4 {
        let (s, c) = w.sin_cos();
        let (ux, uy) = (a * c, b * s);
        let (vx, vy) = (-a * s, b * c);
        let (dx, dy) = (px - ux, py - uy);
        let den = dx * ux + dy * uy + vx * vx + vy * vy;
        if den.abs() > 1e-12 {
            w += (dx * vx + dy * vy) / den;
        }
        w = w.clamp(0.0, std::f32::consts::FRAC_PI_2);
    }
    let (s, c) = w.sin_cos();
    let d = ((px - a * c) * (px - a * c) + (py - b * s) * (py - b * s)).sqrt();
    if (px / a) * (px / a) + (py / b) * (py / b) > 1.0 {
        d
    } else {
        -d
    }
}

/// Inigo Quilez's exact heart, tip at the origin, HEART_TOP tall.
fn heart_distance(x: f32, y: f32) -> f32 {
    let x = x.abs();
    if y + x > 1.0 {
        return ((x - 0.25) * (x - 0.25) + (y - 0.75) * (y - 0.75)).sqrt() - std::f32::consts::SQRT_2 / 4.0;
    }
    let a = x * x + (y - 1.0) * (y - 1.0);
    let m = 0.5 * (x + y).max(0.0);
    let b = (x - m) * (x - m) + (y - m) * (y - m);
    a.min(b).sqrt() * (x - y).signum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ellipse_distances_match_the_axes() {
        let e = Outline::ellipse(0.0, 0.0, 2.0, 1.0);
        assert!((e.distance(3.0, 0.0) - 1.0).abs() < 1e-4);
        assert!((e.distance(0.0, 3.0) - 2.0).abs() < 1e-4);
        assert!((e.distance(0.0, 0.0) + 1.0).abs() < 1e-4);
        assert!((e.distance(1.9, 0.0) + 0.1).abs() < 1e-3);
    }

    #[test]
    fn ellipse_matches_a_finely_sampled_outline() {
        let e = Outline::ellipse(0.1, -0.2, 0.3, 0.45);
        let fine = Polygon::new(crate::imagegen::procedural::sdf::ellipse(0.1, -0.2, 0.3, 0.45, 4000));
        for i in 0..400 {
            let (x, y) = ((i % 20) as f32 * 0.06 - 0.5, (i / 20) as f32 * 0.07 - 0.9);
            let (a, b) = (e.distance(x, y), fine.distance(x, y));
            assert!((a - b).abs() < 2e-3, "({x}, {y}): {a} vs {b}");
        }
    }

    #[test]
    fn heart_and_ring_have_the_right_sides() {
        let h = Outline::heart(1.0);
        assert!(h.distance(0.0, 0.5) < 0.0);
        assert!(h.distance(0.0, -0.2) > 0.0);
        assert!(h.distance(0.0, 1.2) > 0.0);
        let r = Outline::ellipse(0.0, 0.0, 1.0, 1.0).ring(0.2);
        assert!(r.distance(1.0, 0.0) < 0.0);
        assert!((r.distance(0.0, 0.0) - 0.9).abs() < 1e-4);
    }
}
