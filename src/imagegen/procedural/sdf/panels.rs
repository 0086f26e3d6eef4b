//! A ball whose surface is cut into the 12 pentagons and 20 hexagons of a football by grooves.
//!
//! Each panel is a cone from the centre bounded by planes through the centre, so the distance to the
//! seams inside a panel is the smallest distance to those planes: exact and 1-Lipschitz.

use crate::imagegen::procedural::math::{v3, V3};

#[derive(Debug, Clone)]
pub struct PanelBall {
    radius: f32,
    half_width: f32,
    depth: f32,
    centers: Vec<V3>,
    /// Per panel: unit normals of its bounding planes, pointing into the panel.
    walls: Vec<Vec<V3>>,
}

impl PanelBall {
    pub fn football(radius: f32, groove_width: f32, groove_depth: f32) -> PanelBall {
        let pentagons = icosahedron();
        let hexagons: Vec<V3> = icosahedron_faces(&pentagons)
            .iter()
            .map(|&[a, b, c]| (pentagons[a] + pentagons[b] + pentagons[c]).normalize())
            .collect();
        // Angle from a pentagon's centre to its edge on a truncated icosahedron (edge 1:
        // inradius 0.688 at distance 2.3275 from the middle).
        let pent_edge = (0.688f32 / 2.3275).atan();
        let mut centers = pentagons.clone();
        centers.extend(&hexagons);
        let mut walls = vec![Vec::new(); centers.len()];
        for i in 0..centers.len() {
            for j in 0..centers.len() {
                let (a, b) = (centers[i], centers[j]);
                let angle = a.dot(b).clamp(-1.0, 1.0).acos();
                if i == j || angle > 0.8 {
                    continue;
                }
                // Where the seam between a and b sits, as an angle from a.
                let seam = match (i < 12, j < 12) {
                    (true, _) => pent_edge,
                    (false, true) => angle - pent_edge,
                    (false, false) => angle * 0.5,
                };
                let axis = a.cross(b).normalize();
                let toward_b = axis.cross(a);
                let boundary = a * seam.cos() + toward_b * seam.sin();
                let normal = boundary.cross(axis).normalize();
                let normal = if normal.dot(a) < 0.0 { -normal } else { normal };
                walls[i].push(normal);
            }
        }
        PanelBall { radius, half_width: groove_width * 0.5, depth: groove_depth, centers, walls }
    }

    pub fn radius(&self) -> f32 {
        self.radius
    }

    /// Distance from `p` to the seams of the panel it lies in (0 on a seam).
    fn seam_distance(&self, p: V3) -> f32 {
        let mut best = 0;
        let mut best_dot = f32::NEG_INFINITY;
        for (i, c) in self.centers.iter().enumerate() {
            let d = c.dot(p);
            if d > best_dot {
                best_dot = d;
                best = i;
            }
        }
        self.walls[best].iter().map(|n| n.dot(p)).fold(f32::INFINITY, f32::min).abs()
    }

    pub fn eval(&self, p: V3) -> f32 {
        let r = p.length();
        let ball = r - self.radius;
        // Grooves only reach `depth` below the surface, so they never split the ball.
        let cut = (self.seam_distance(p) - self.half_width).max(self.radius - self.depth - r);
        ball.max(-cut)
    }
}

fn icosahedron() -> Vec<V3> {
    let g = (1.0 + 5f32.sqrt()) * 0.5;
    let mut v = Vec::with_capacity(12);
    for s1 in [-1.0, 1.0] {
        for s2 in [-1.0, 1.0] {
            v.push(v3(0.0, s1, s2 * g));
            v.push(v3(s1, s2 * g, 0.0));
            v.push(v3(s2 * g, 0.0, s1));
        }
    }
    v.into_iter().map(V3::normalize).collect()
}

/// The 20 triangles of the icosahedron: triples of mutually adjacent vertices.
fn icosahedron_faces(v: &[V3]) -> Vec<[usize; 3]> {
    let edge = (1..v.len()).map(|j| v[0].dot(v[j])).fold(f32::NEG_INFINITY, f32::max);
    let near = |a: usize, b: usize| (v[a].dot(v[b]) - edge).abs() < 1e-3;
    let mut faces = Vec::new();
    for a in 0..v.len() {
        for b in a + 1..v.len() {
            for c in b + 1..v.len() {
                if near(a, b) && near(b, c) && near(a, c) {
                    faces.push([a, b, c]);
                }
            }
        }
    }
    faces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn football_has_twelve_pentagons_and_twenty_hexagons() {
        let b = PanelBall::football(1.0, 0.04, 0.03);
        assert_eq!(b.centers.len(), 32);
        assert!(b.walls[..12].iter().all(|w| w.len() == 5));
        assert!(b.walls[12..].iter().all(|w| w.len() == 6));
        // A panel centre is solid surface, a point on a seam is cut in.
        assert!(b.eval(b.centers[0] * 1.0).abs() < 1e-5);
        assert!(b.eval(b.centers[0] * 0.9) < 0.0);
    }
}
