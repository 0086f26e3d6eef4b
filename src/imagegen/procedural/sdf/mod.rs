//! Signed distance trees: primitives, boolean and smooth blends, rigid transforms.
//!
//! Every node's function is 1-Lipschitz and zero on its surface (negative inside), so it never
//! overstates the distance to the surface: sphere tracing and marching cubes both rely on that.
//! Every node also keeps a box that holds its solid. A union skips a child whose box is farther away
//! than the nearest surface found so far; because it blends each child with the child's own box
//! distance (`max(child, box)`, same zero set), the skip changes no value, so the field is one
//! well-defined function whatever the query order.

mod eval;
mod outline;
mod panels;
mod polygon;

pub use outline::Outline;
pub use panels::PanelBall;
pub use polygon::{ellipse, Polygon};

use super::math::{v3, Aabb, Mat3, V3};

/// One node of a distance tree, with a box that holds its solid.
#[derive(Debug, Clone)]
pub struct Node {
    kind: Kind,
    bounds: Aabb,
    /// The box again as centre and half size, for the per-query box distance.
    centre: V3,
    half: V3,
}

#[derive(Debug, Clone)]
enum Kind {
    Sphere {
        r: f32,
    },
    RoundBox {
        half: V3,
        r: f32,
    },
    Capsule {
        a: V3,
        ba: V3,
        inv_len2: f32,
        r: f32,
    },
    Cylinder {
        r: f32,
        half_h: f32,
        round: f32,
    },
    Torus {
        major: f32,
        minor: f32,
    },
    Ellipsoid {
        radii: V3,
    },
    Extrude {
        outline: Outline,
        half_depth: f32,
        round: f32,
    },
    Bevel {
        outline: Outline,
        slope: f32,
        norm: f32,
    },
    Lathe {
        profile: Polygon,
    },
    Polytope {
        planes: Vec<(V3, f32)>,
    },
    Panels(Box<PanelBall>),
    Union(Vec<Node>),
    SmoothUnion {
        k: f32,
        children: Vec<Node>,
    },
    Subtract {
        base: Box<Node>,
        cut: Box<Node>,
        k: f32,
    },
    Intersect {
        a: Box<Node>,
        b: Box<Node>,
    },
    Transform {
        /// World to local rotation (the transpose of the placing rotation).
        inv: Mat3,
        offset: V3,
        scale: f32,
        /// No rotation and unit scale: a plain shift, the common case, evaluated cheaply.
        shift_only: bool,
        child: Box<Node>,
    },
    /// Mirror across the plane where the given axis (0 = x, 2 = z) is zero.
    Mirror(usize, Box<Node>),
    Repeat {
        period: V3,
        limit: V3,
        child: Box<Node>,
    },
    Polar {
        sector: f32,
        /// cos and sin of each copy's angle.
        turns: Vec<(f32, f32)>,
        child: Box<Node>,
    },
    Elongate {
        half: V3,
        child: Box<Node>,
    },
    Inflate {
        r: f32,
        child: Box<Node>,
    },
    Shell {
        half: f32,
        child: Box<Node>,
    },
}

impl Node {
    fn leaf(kind: Kind, bounds: Aabb) -> Node {
        Node { kind, bounds, centre: bounds.center(), half: bounds.size() * 0.5 }
    }

    pub fn sphere(r: f32) -> Node {
        Node::leaf(Kind::Sphere { r }, Aabb::centered(V3::splat(r)))
    }

    /// A box of half extents `half` whose edges are rounded by `r` (inside those extents).
    pub fn round_box(half: [f32; 3], r: f32) -> Node {
        let half = V3::from(half);
        let r = r.min(half.min_elem());
        Node::leaf(Kind::RoundBox { half, r }, Aabb::centered(half))
    }

    pub fn capsule(a: [f32; 3], b: [f32; 3], r: f32) -> Node {
        let (a, b) = (V3::from(a), V3::from(b));
        let ba = b - a;
        let len2 = ba.dot(ba);
        let bounds = Aabb::new(a.min(b), a.max(b)).expand(r);
        let inv_len2 = if len2 > 0.0 { 1.0 / len2 } else { 0.0 };
        Node::leaf(Kind::Capsule { a, ba, inv_len2, r }, bounds)
    }

    /// A chain of capsules through `points`, one tube of radius `r`.
    pub fn tube(points: &[[f32; 3]], r: f32) -> Node {
        let parts = points.windows(2).map(|w| Node::capsule(w[0], w[1], r)).collect();
        Node::union(parts)
    }

    /// A cylinder along y, centred on the origin, edges rounded by `round`.
    pub fn cylinder(r: f32, half_h: f32, round: f32) -> Node {
        let round = round.min(r).min(half_h);
        Node::leaf(Kind::Cylinder { r, half_h, round }, Aabb::centered(v3(r, half_h, r)))
    }

    /// A ring around the y axis.
    pub fn torus(major: f32, minor: f32) -> Node {
        let o = major + minor;
        Node::leaf(Kind::Torus { major, minor }, Aabb::centered(v3(o, minor, o)))
    }

    /// A frustum along y from radius `r_bottom` at `-half_h` to `r_top` at `+half_h`.
    pub fn cone(r_bottom: f32, r_top: f32, half_h: f32) -> Node {
        Node::lathe(vec![[0.0, -half_h], [r_bottom, -half_h], [r_top, half_h], [0.0, half_h]])
    }

    /// An ellipsoid. Its field is a lower bound (`(|p/r| - 1) * min r`), not the exact distance.
    pub fn ellipsoid(radii: [f32; 3]) -> Node {
        let radii = V3::from(radii);
        Node::leaf(Kind::Ellipsoid { radii }, Aabb::centered(radii))
    }

    /// A polygon in the xy plane extruded along z over `[-half_depth, half_depth]`, edges rounded.
    pub fn extrude(points: Vec<[f32; 2]>, half_depth: f32, round: f32) -> Node {
        Node::extrude_outline(Outline::polygon(points), half_depth, round)
    }

    /// An outline in the xy plane extruded along z over `[-half_depth, half_depth]`, edges rounded.
    pub fn extrude_outline(outline: Outline, half_depth: f32, round: f32) -> Node {
        let (lo, hi) = outline.extent();
        let round = round.min(half_depth);
        Node::leaf(
            Kind::Extrude { outline, half_depth, round },
            Aabb::new(v3(lo[0], lo[1], -half_depth), v3(hi[0], hi[1], half_depth)),
        )
    }

    /// A polygon in the xy plane grown into a ridged solid: its thickness along z falls off with
    /// slope `1 / slope` from the ridge, as on a faceted star ornament.
    pub fn bevel(points: Vec<[f32; 2]>, slope: f32) -> Node {
        let outline = Outline::polygon(points);
        let (lo, hi) = outline.extent();
        let depth = 0.5 * (hi[0] - lo[0]).min(hi[1] - lo[1]) / slope;
        Node::leaf(
            Kind::Bevel { outline, slope, norm: 1.0 / (1.0 + slope * slope).sqrt() },
            Aabb::new(v3(lo[0], lo[1], -depth), v3(hi[0], hi[1], depth)),
        )
    }

    /// A solid of revolution about y. `profile` is (radius, y) from the axis out and back to it.
    pub fn lathe(profile: Vec<[f32; 2]>) -> Node {
        let profile = Polygon::profile(profile);
        let (lo, hi) = profile.extent();
        Node::leaf(Kind::Lathe { profile }, Aabb::new(v3(-hi[0], lo[1], -hi[0]), v3(hi[0], hi[1], hi[0])))
    }

    /// The convex solid inside all planes `n . p <= d` (`n` normalised here). The caller gives a
    /// box that holds the solid; the field is a lower bound of the distance.
    pub fn polytope(planes: Vec<([f32; 3], f32)>, bounds: ([f32; 3], [f32; 3])) -> Node {
        let planes = planes
            .into_iter()
            .map(|(n, d)| {
                let n = V3::from(n);
                let l = n.length();
                (n / l, d / l)
            })
            .collect();
        Node::leaf(Kind::Polytope { planes }, Aabb::new(bounds.0.into(), bounds.1.into()))
    }

    /// A pyramid over a convex base polygon (x, z) in the plane y = 0, either winding, apex at
    /// `apex` (above the plane).
    pub fn pyramid(base: &[[f32; 2]], apex: [f32; 3]) -> Node {
        let apex_v = V3::from(apex);
        let pts: Vec<V3> = base.iter().map(|&[x, z]| v3(x, 0.0, z)).collect();
        let mut planes = vec![([0.0, -1.0, 0.0], 0.0)];
        let mut bounds = Aabb::empty().include(apex_v);
        let inner = centroid(&pts).lerp(apex_v, 0.25);
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            let mut n = (b - a).cross(apex_v - a).normalize();
            if n.dot(a - inner) < 0.0 {
                n = -n;
            }
            planes.push((n.to_array(), n.dot(a)));
            bounds = bounds.include(a);
        }
        Node::polytope(planes, (bounds.lo.to_array(), bounds.hi.to_array()))
    }

    pub fn panel_ball(ball: PanelBall) -> Node {
        let r = ball.radius();
        Node::leaf(Kind::Panels(Box::new(ball)), Aabb::centered(V3::splat(r)))
    }

    pub fn union(children: Vec<Node>) -> Node {
        let bounds = children.iter().fold(Aabb::empty(), |b, c| b.union(&c.bounds));
        Node::leaf(Kind::Union(children), bounds)
    }

    /// A union whose joins are filleted over about `k`.
    pub fn smooth_union(k: f32, children: Vec<Node>) -> Node {
        if k <= 0.0 {
            return Node::union(children);
        }
        let bounds = children.iter().fold(Aabb::empty(), |b, c| b.union(&c.bounds)).expand(k * 0.25);
        Node::leaf(Kind::SmoothUnion { k, children }, bounds)
    }

    /// This solid and `other`, filleted where they meet.
    pub fn smooth_union_with(self, other: Node, k: f32) -> Node {
        Node::smooth_union(k, vec![self, other])
    }

    pub fn subtract(self, cut: Node) -> Node {
        self.smooth_subtract(cut, 0.0)
    }

    /// Cuts `cut` away with the new edge rounded over about `k`.
    pub fn smooth_subtract(self, cut: Node, k: f32) -> Node {
        let bounds = self.bounds;
        Node::leaf(Kind::Subtract { base: Box::new(self), cut: Box::new(cut), k }, bounds)
    }

    pub fn intersect(self, other: Node) -> Node {
        let bounds = self.bounds.intersect(&other.bounds);
        Node::leaf(Kind::Intersect { a: Box::new(self), b: Box::new(other) }, bounds)
    }

    /// Grows the solid by `r`, rounding every convex edge.
    pub fn inflate(self, r: f32) -> Node {
        let bounds = self.bounds.expand(r.max(0.0));
        Node::leaf(Kind::Inflate { r, child: Box::new(self) }, bounds)
    }

    /// A shell of thickness `2 * half` around the surface.
    pub fn shell(self, half: f32) -> Node {
        let bounds = self.bounds.expand(half);
        Node::leaf(Kind::Shell { half, child: Box::new(self) }, bounds)
    }

    /// The solid plus its mirror image across x = 0 (meant for parts built on the +x side).
    pub fn mirror_x(self) -> Node {
        let b = self.bounds;
        let mirrored = Aabb::new(v3(-b.hi.x, b.lo.y, b.lo.z), v3(-b.lo.x, b.hi.y, b.hi.z));
        Node::leaf(Kind::Mirror(0, Box::new(self)), b.union(&mirrored))
    }

    /// The solid plus its mirror image across z = 0 (meant for parts built on the +z side).
    pub fn mirror_z(self) -> Node {
        let b = self.bounds;
        let mirrored = Aabb::new(v3(b.lo.x, b.lo.y, -b.hi.z), v3(b.hi.x, b.hi.y, -b.lo.z));
        Node::leaf(Kind::Mirror(2, Box::new(self)), b.union(&mirrored))
    }

    /// Copies along each axis with a period > 0: `2 * limit + 1` copies centred on the original.
    /// The original should fit in one period so copies do not overlap.
    pub fn repeat(self, period: [f32; 3], limit: [u32; 3]) -> Node {
        let period = V3::from(period).max(V3::ZERO);
        let limit = v3(limit[0] as f32, limit[1] as f32, limit[2] as f32);
        let reach = period.mul_elem(limit);
        let bounds = Aabb::new(self.bounds.lo - reach, self.bounds.hi + reach);
        Node::leaf(Kind::Repeat { period, limit, child: Box::new(self) }, bounds)
    }

    /// `n` copies around the y axis; the original should sit within its sector around +x.
    pub fn polar(self, n: u32) -> Node {
        let b = self.bounds;
        let r = b.lo.x.hypot(b.lo.z).max(b.hi.x.hypot(b.hi.z)).max(b.lo.x.hypot(b.hi.z)).max(b.hi.x.hypot(b.lo.z));
        let bounds = Aabb::new(v3(-r, b.lo.y, -r), v3(r, b.hi.y, r));
        let n = n.max(1);
        let sector = std::f32::consts::TAU / n as f32;
        let turns = (0..n).map(|k| (k as f32 * sector).sin_cos()).map(|(s, c)| (c, s)).collect();
        Node::leaf(Kind::Polar { sector, turns, child: Box::new(self) }, bounds)
    }

    /// Stretches the solid by inserting `2 * half` along each axis through the origin (a sphere
    /// becomes a capsule, a torus a stadium-shaped ring).
    pub fn elongate(self, half: [f32; 3]) -> Node {
        let half = V3::from(half).max(V3::ZERO);
        let bounds = Aabb::new(self.bounds.lo - half, self.bounds.hi + half);
        Node::leaf(Kind::Elongate { half, child: Box::new(self) }, bounds)
    }

    pub fn translate(self, t: [f32; 3]) -> Node {
        self.transform(&Mat3::IDENTITY, 1.0, t.into())
    }

    pub fn at(self, x: f32, y: f32, z: f32) -> Node {
        self.translate([x, y, z])
    }

    pub fn rotate_x(self, a: f32) -> Node {
        self.transform(&Mat3::rot_x(a), 1.0, V3::ZERO)
    }

    pub fn rotate_y(self, a: f32) -> Node {
        self.transform(&Mat3::rot_y(a), 1.0, V3::ZERO)
    }

    pub fn rotate_z(self, a: f32) -> Node {
        self.transform(&Mat3::rot_z(a), 1.0, V3::ZERO)
    }

    /// Uniform scale about the origin (a uniform scale keeps the field a distance).
    pub fn scale(self, s: f32) -> Node {
        self.transform(&Mat3::IDENTITY, s, V3::ZERO)
    }

    /// Places the solid by `p -> rot * p * scale + offset`, merging with a transform below it.
    fn transform(self, rot: &Mat3, scale: f32, offset: V3) -> Node {
        let (inv, off, s, child) = match self.kind {
            Kind::Transform { inv, offset: t, scale: s, child, .. } => {
                (inv.mul(&rot.transpose()), offset + rot.mul_vec(t) * scale, s * scale, child)
            }
            kind => (rot.transpose(), offset, scale, Box::new(Node::leaf(kind, self.bounds))),
        };
        let bounds = child.bounds.transformed(&inv.transpose(), s, off);
        let shift_only = inv == Mat3::IDENTITY && s == 1.0;
        Node::leaf(Kind::Transform { inv, offset: off, scale: s, shift_only, child }, bounds)
    }

    /// Lower and upper corners of a box that holds the solid.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        (self.bounds.lo.to_array(), self.bounds.hi.to_array())
    }

    pub(crate) fn aabb(&self) -> Aabb {
        self.bounds
    }
}

fn centroid(pts: &[V3]) -> V3 {
    pts.iter().fold(V3::ZERO, |a, &b| a + b) / pts.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn primitives_measure_exact_distances() {
        assert!(near(Node::sphere(1.0).eval([2.0, 0.0, 0.0]), 1.0));
        assert!(near(Node::round_box([1.0, 1.0, 1.0], 0.1).eval([0.0, 3.0, 0.0]), 2.0));
        assert!(near(Node::capsule([0.0, 0.0, 0.0], [0.0, 2.0, 0.0], 0.5).eval([1.5, 1.0, 0.0]), 1.0));
        assert!(near(Node::cylinder(1.0, 1.0, 0.0).eval([0.0, 0.0, 0.0]), -1.0));
        assert!(near(Node::torus(1.0, 0.25).eval([1.0, 0.0, 0.0]), -0.25));
        assert!(near(Node::cone(1.0, 0.0, 1.0).eval([0.0, 2.0, 0.0]), 1.0));
        let square = vec![[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]];
        assert!(near(Node::extrude(square, 0.5, 0.0).eval([0.0, 0.0, 1.5]), 1.0));
    }

    #[test]
    fn transforms_compose_and_keep_distances() {
        let n = Node::capsule([0.0, 0.0, 0.0], [1.0, 0.0, 0.0], 0.1)
            .rotate_z(std::f32::consts::FRAC_PI_2)
            .scale(2.0)
            .at(1.0, 0.0, 0.0);
        // The capsule now runs from (1,0,0) to (1,2,0) with radius 0.2.
        assert!(near(n.eval([1.0, 1.0, 0.0]), -0.2));
        assert!(near(n.eval([2.0, 1.0, 0.0]), 0.8));
        let (lo, hi) = n.bounds();
        assert!(lo[1] <= -0.2 + 1e-4 && hi[1] >= 2.2 - 1e-4);
    }

    #[test]
    fn culled_union_equals_plain_minimum() {
        let parts: Vec<Node> = (0..6).map(|i| Node::sphere(0.3).at(i as f32 * 0.5 - 1.2, 0.0, 0.0)).collect();
        let u = Node::union(parts.clone());
        for x in [-2.0f32, -1.0, -0.3, 0.0, 0.4, 1.7, 3.0] {
            let p = [x, 0.2, 0.1];
            let plain = parts.iter().map(|c| c.eval(p)).fold(f32::INFINITY, f32::min);
            assert!(near(u.eval(p), plain));
        }
    }

    #[test]
    fn pyramid_contains_its_axis_and_excludes_outside() {
        let sq = [[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [1.0, -1.0]];
        let p = Node::pyramid(&sq, [0.0, 2.0, 0.0]);
        assert!(p.eval([0.0, 1.0, 0.0]) < 0.0);
        assert!(p.eval([0.0, 2.5, 0.0]) > 0.0);
        assert!(p.eval([1.5, 0.5, 0.0]) > 0.0);
        assert!(p.eval([0.0, -0.5, 0.0]) > 0.0);
    }
}
