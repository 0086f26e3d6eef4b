//! Evaluating a distance tree at a point, with the box culling described in the parent module.

use super::{Kind, Node};
use crate::imagegen::procedural::math::{v3, V3};

/// Length of a 2D vector (`hypot` guards against overflow we cannot have, at a cost).
fn len2(x: f32, y: f32) -> f32 {
    (x * x + y * y).sqrt()
}

/// Polynomial smooth minimum; its partial derivatives sum to 1, so it keeps 1-Lipschitz inputs so.
fn smin(a: f32, b: f32, k: f32) -> f32 {
    let h = (0.5 + 0.5 * (b - a) / k).clamp(0.0, 1.0);
    b + (a - b) * h - k * h * (1.0 - h)
}

fn smax(a: f32, b: f32, k: f32) -> f32 {
    -smin(-a, -b, k)
}

impl Node {
    /// The field at `p`: negative inside, never more than the distance to the surface.
    pub fn eval(&self, p: [f32; 3]) -> f32 {
        self.eval_v(p.into())
    }

    /// Signed distance to the node's box.
    fn box_distance(&self, p: V3) -> f32 {
        let q = (p - self.centre).abs() - self.half;
        q.max(V3::ZERO).length() + q.max_elem().min(0.0)
    }

    /// The field blended with the node's box: same zero set, and at least the box distance.
    fn eval_boxed(&self, p: V3) -> f32 {
        self.eval_v(p).max(self.box_distance(p))
    }

    pub(crate) fn eval_v(&self, p: V3) -> f32 {
        match &self.kind {
            Kind::Sphere { r } => p.length() - r,
            Kind::RoundBox { half, r } => {
                let q = p.abs() - *half + V3::splat(*r);
                q.max(V3::ZERO).length() + q.max_elem().min(0.0) - r
            }
            Kind::Capsule { a, ba, inv_len2, r } => {
                let pa = p - *a;
                let h = (pa.dot(*ba) * inv_len2).clamp(0.0, 1.0);
                (pa - *ba * h).length() - r
            }
            Kind::Cylinder { r, half_h, round } => {
                let dx = (p.x * p.x + p.z * p.z).sqrt() - r + round;
                let dy = p.y.abs() - half_h + round;
                dx.max(dy).min(0.0) + len2(dx.max(0.0), dy.max(0.0)) - round
            }
            Kind::Torus { major, minor } => len2((p.x * p.x + p.z * p.z).sqrt() - major, p.y) - minor,
            Kind::Ellipsoid { radii } => (p.div_elem(*radii).length() - 1.0) * radii.min_elem(),
            Kind::Extrude { outline, half_depth, round } => {
                let wx = outline.distance(p.x, p.y) + round;
                let wy = p.z.abs() - half_depth + round;
                wx.max(wy).min(0.0) + len2(wx.max(0.0), wy.max(0.0)) - round
            }
            Kind::Bevel { outline, slope, norm } => (outline.distance(p.x, p.y) + slope * p.z.abs()) * norm,
            Kind::Lathe { profile } => profile.distance((p.x * p.x + p.z * p.z).sqrt(), p.y),
            Kind::Polytope { planes } => planes.iter().map(|(n, d)| n.dot(p) - d).fold(f32::NEG_INFINITY, f32::max),
            Kind::Panels(ball) => ball.eval(p),
            Kind::Union(children) => union_eval(children, p),
            Kind::SmoothUnion { k, children } => {
                let mut acc = f32::INFINITY;
                for c in children {
                    let b = c.box_distance(p);
                    if acc.is_infinite() {
                        acc = c.eval_v(p).max(b);
                    } else if b < acc + k {
                        acc = smin(acc, c.eval_v(p).max(b), *k);
                    }
                }
                acc
            }
            Kind::Subtract { base, cut, k } => {
                let a = base.eval_v(p);
                // max(a, -cut) is a wherever the cut's box is farther than -a (plus the fillet).
                if a + cut.box_distance(p) >= *k {
                    return a;
                }
                let b = -cut.eval_boxed(p);
                if *k > 0.0 {
                    smax(a, b, *k)
                } else {
                    a.max(b)
                }
            }
            Kind::Intersect { a, b } => a.eval_v(p).max(b.eval_v(p)),
            Kind::Transform { offset, shift_only: true, child, .. } => child.eval_v(p - *offset),
            Kind::Transform { inv, offset, scale, child, .. } => {
                child.eval_v(inv.mul_vec(p - *offset) / *scale) * scale
            }
            Kind::Mirror(0, child) => child.eval_v(v3(p.x.abs(), p.y, p.z)),
            Kind::Mirror(_, child) => child.eval_v(v3(p.x, p.y, p.z.abs())),
            Kind::Repeat { period, limit, child } => repeat_eval(child, *period, *limit, p),
            Kind::Elongate { half, child } => child.eval_v(p - p.max(-*half).min(*half)),
            Kind::Polar { sector, turns, child } => {
                // The point's own sector and the nearer neighbour: the nearest copy is one of them.
                let n = turns.len() as i64;
                let a = p.z.atan2(p.x) / sector;
                let k = a.round();
                let other = if a > k { k + 1.0 } else { k - 1.0 };
                let at = |k: f32| {
                    let (c, s) = turns[(k as i64).rem_euclid(n) as usize];
                    child.eval_boxed(v3(p.x * c + p.z * s, p.y, p.z * c - p.x * s))
                };
                at(k).min(at(other))
            }
            Kind::Inflate { r, child } => child.eval_boxed(p) - r,
            Kind::Shell { half, child } => child.eval_boxed(p).abs() - half,
        }
    }
}

/// Nearest child first, then only the children whose boxes are nearer than the best so far.
fn union_eval(children: &[Node], p: V3) -> f32 {
    let mut boxes = [0.0f32; 32];
    if children.len() > boxes.len() {
        return children.iter().map(|c| c.eval_boxed(p)).fold(f32::INFINITY, f32::min);
    }
    let mut first = 0;
    for (i, c) in children.iter().enumerate() {
        boxes[i] = c.box_distance(p);
        if boxes[i] < boxes[first] {
            first = i;
        }
    }
    let Some(nearest) = children.get(first) else {
        return f32::INFINITY;
    };
    let mut best = nearest.eval_v(p).max(boxes[first]);
    for (i, c) in children.iter().enumerate() {
        if i != first && boxes[i] < best {
            best = best.min(c.eval_v(p).max(boxes[i]));
        }
    }
    best
}

/// The cell the point is in and, per repeated axis, the nearer neighbouring cell.
fn repeat_eval(child: &Node, period: V3, limit: V3, p: V3) -> f32 {
    // Offsets of the cells to try on one axis: its own and, if different, the nearer neighbour.
    let axis = |x: f32, s: f32, l: f32| -> ([f32; 2], usize) {
        if s <= 0.0 {
            return ([0.0, 0.0], 1);
        }
        let k = (x / s).round().clamp(-l, l);
        let n = (k + (x - k * s).signum()).clamp(-l, l);
        ([k * s, n * s], if n == k { 1 } else { 2 })
    };
    let (ax, nx) = axis(p.x, period.x, limit.x);
    let (ay, ny) = axis(p.y, period.y, limit.y);
    let (az, nz) = axis(p.z, period.z, limit.z);
    let mut best = f32::INFINITY;
    for ox in &ax[..nx] {
        for oy in &ay[..ny] {
            for oz in &az[..nz] {
                best = best.min(child.eval_boxed(p - v3(*ox, *oy, *oz)));
            }
        }
    }
    best
}
