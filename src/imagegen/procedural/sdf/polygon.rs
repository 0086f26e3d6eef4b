//! Exact signed distance to a closed 2D polygon (Inigo Quilez's `sdPolygon`, with per-edge
//! constants precomputed), the outline behind extrusions and lathes.

/// A simple closed polygon, either winding; inside is negative.
#[derive(Debug, Clone)]
pub struct Polygon {
    points: Vec<[f32; 2]>,
    /// Per edge `i` (from point `i` to point `i - 1`): the edge vector and 1 / its squared length.
    edges: Vec<([f32; 2], f32)>,
    /// Edges lying on x = 0 that are not surface: a lathe profile's axis.
    skip: Vec<bool>,
}

impl Polygon {
    /// `points` needs at least three entries; repeated points are dropped.
    pub fn new(points: Vec<[f32; 2]>) -> Polygon {
        Polygon::build(points, false)
    }

    /// A half-profile for revolving about the y axis: points with x >= 0, running from the axis back
    /// to the axis. Edges on the axis count for inside/outside but not for distance.
    pub fn profile(points: Vec<[f32; 2]>) -> Polygon {
        let points = points.into_iter().map(|[x, y]| [x.max(0.0), y]).collect();
        Polygon::build(points, true)
    }

    fn build(mut points: Vec<[f32; 2]>, skip_axis: bool) -> Polygon {
        points.dedup();
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        let n = points.len();
        let mut edges = Vec::with_capacity(n);
        let mut skip = Vec::with_capacity(n);
        for i in 0..n {
            let j = if i == 0 { n - 1 } else { i - 1 };
            let e = [points[j][0] - points[i][0], points[j][1] - points[i][1]];
            let len2 = e[0] * e[0] + e[1] * e[1];
            edges.push((e, if len2 > 0.0 { 1.0 / len2 } else { 0.0 }));
            skip.push(skip_axis && points[i][0] == 0.0 && points[j][0] == 0.0);
        }
        Polygon { points, edges, skip }
    }

    pub fn points(&self) -> &[[f32; 2]] {
        &self.points
    }

    /// Lower and upper corners of the polygon's box.
    pub fn extent(&self) -> ([f32; 2], [f32; 2]) {
        self.points.iter().fold(([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]), |(lo, hi), p| {
            ([lo[0].min(p[0]), lo[1].min(p[1])], [hi[0].max(p[0]), hi[1].max(p[1])])
        })
    }

    pub fn distance(&self, x: f32, y: f32) -> f32 {
        let mut d2 = f32::INFINITY;
        let mut sign = 1.0f32;
        let n = self.points.len();
        for i in 0..n {
            let vi = self.points[i];
            let vj = self.points[if i == 0 { n - 1 } else { i - 1 }];
            let (e, inv_len2) = self.edges[i];
            let w = [x - vi[0], y - vi[1]];
            if !self.skip[i] {
                let t = ((w[0] * e[0] + w[1] * e[1]) * inv_len2).clamp(0.0, 1.0);
                let b = [w[0] - e[0] * t, w[1] - e[1] * t];
                d2 = d2.min(b[0] * b[0] + b[1] * b[1]);
            }
            // Crossing number: flips once per edge that a ray towards +x from the point crosses.
            let c1 = y >= vi[1];
            let c2 = y < vj[1];
            let c3 = e[0] * w[1] > e[1] * w[0];
            if (c1 && c2 && c3) || (!c1 && !c2 && !c3) {
                sign = -sign;
            }
        }
        sign * d2.sqrt()
    }
}

/// Points of an ellipse centred at (cx, cy), counter-clockwise, `n` of them.
pub fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, n: usize) -> Vec<[f32; 2]> {
    (0..n)
        .map(|i| {
            let a = i as f32 / n as f32 * std::f32::consts::TAU;
            [cx + rx * a.cos(), cy + ry * a.sin()]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_distances_are_exact_for_either_winding() {
        let ccw = vec![[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]];
        let cw: Vec<_> = ccw.iter().rev().copied().collect();
        for sq in [Polygon::new(ccw), Polygon::new(cw)] {
            assert!((sq.distance(0.0, 0.0) + 1.0).abs() < 1e-6);
            assert!((sq.distance(3.0, 0.0) - 2.0).abs() < 1e-6);
            assert!((sq.distance(2.0, 2.0) - 2f32.sqrt()).abs() < 1e-6);
        }
    }

    #[test]
    fn profile_ignores_the_axis_edge() {
        // A revolved 1x2 cylinder profile: near the axis inside, the distance is to the caps.
        let p = Polygon::profile(vec![[0.0, -1.0], [1.0, -1.0], [1.0, 1.0], [0.0, 1.0]]);
        assert!((p.distance(0.0, 0.5) + 0.5).abs() < 1e-6);
        assert!((p.distance(0.5, 0.0) + 0.5).abs() < 1e-6);
    }
}
