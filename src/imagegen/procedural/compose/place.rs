//! Placing parts: measuring, scaling and standing motifs, and the slabs they stand on.

use super::FLOOR;
use crate::imagegen::procedural::math::{v3, V3};
use crate::imagegen::procedural::motifs::{Motif, Variation};
use crate::imagegen::procedural::sdf::Node;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How deep each part reaches into what it stands on, beyond its motif's own footing.
const MARGIN: f32 = 0.03;

/// The largest size a motif may take: it is scaled to the tallest height that keeps within all three.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fit {
    height: f32,
    width: f32,
    depth: f32,
}

impl Fit {
    pub(super) fn new(height: f32, width: f32, depth: f32) -> Fit {
        Fit { height, width, depth }
    }
}

/// A built motif with the box of its solid.
pub(super) struct Built {
    node: Node,
    lo: V3,
    hi: V3,
}

impl Built {
    /// Measures the solid by sampling. A node's own box can be much looser than its solid (the
    /// box of a rotated box), which would leave a motif floating above its base or scaled too
    /// small. The lowest inside sample is taken as the bottom, so a motif is never stood higher
    /// than its real foot; the other sides get a sample step of slack.
    fn new(node: Node) -> Built {
        let (lo, hi) = node.bounds();
        let (lo, hi) = (V3::from(lo), V3::from(hi));
        let n = 28;
        let step = (hi - lo) / n as f32;
        let mut found: Option<(V3, V3)> = None;
        for i in 0..=n {
            for j in 0..=n {
                for k in 0..=n {
                    let p = lo + step.mul_elem(v3(i as f32, j as f32, k as f32));
                    if node.eval(p.to_array()) < 0.0 {
                        found = Some(found.map_or((p, p), |(a, b)| (a.min(p), b.max(p))));
                    }
                }
            }
        }
        let (lo, hi) = match found {
            Some((a, b)) => {
                let low = (a - step).max(lo);
                let bottom = lowest_inside(&node, low, (b + step).min(hi), a.y, step.y);
                (v3(low.x, bottom, low.z), (b + step).min(hi))
            }
            None => (lo, hi),
        };
        Built { node, lo, hi }
    }

    fn size(&self) -> V3 {
        self.hi - self.lo
    }
}

/// The lowest height in `(y - step, y]` where the solid has a sample, at an eighth of a step:
/// the coarse grid's lowest inside sample can sit up to a step above the real bottom.
fn lowest_inside(node: &Node, lo: V3, hi: V3, y: f32, step: f32) -> f32 {
    let n = 36;
    for k in (1..8).rev() {
        let yy = y - step * k as f32 / 8.0;
        for i in 0..=n {
            for j in 0..=n {
                let x = lo.x + (hi.x - lo.x) * i as f32 / n as f32;
                let z = lo.z + (hi.z - lo.z) * j as f32 / n as f32;
                if node.eval([x, yy, z]) < 0.0 {
                    return yy;
                }
            }
        }
    }
    y
}

pub(super) fn build(motif: &Motif, v: &Variation) -> Built {
    Built::new(motif.build(v))
}

/// The scale that fits a motif into `fit`, and the motif's scaled size.
pub(super) fn fit_scale(built: &Built, fit: Fit) -> (f32, V3) {
    let size = built.size();
    let s = (fit.height / size.y).min(fit.width / size.x).min(fit.depth / size.z);
    (s, size * s)
}

/// A built motif placed in the scene: scaled into `fit`, tilted by `tilt` (about z, pivoting on its
/// foot), turned by `yaw`, and stood at `foot`, sunk so that even its raised side reaches below
/// `foot.y`. Also returns its scaled size.
pub(super) fn stand(motif: &Motif, built: Built, fit: Fit, tilt: f32, yaw: f32, foot: [f32; 3]) -> (Node, V3) {
    let (s, size) = fit_scale(&built, fit);
    let (lo, hi) = (built.lo, built.hi);
    let sink = motif.footing * size.y + MARGIN + 0.5 * size.x * tilt.abs().sin();
    let node = built
        .node
        .translate([-(lo.x + hi.x) * 0.5, -lo.y, -(lo.z + hi.z) * 0.5])
        .scale(s)
        .rotate_z(tilt)
        .rotate_y(yaw)
        .translate([foot[0], foot[1] - sink, foot[2]]);
    (node, size)
}

/// Largest tilt that keeps a part of width `w` within `reach` below its foot.
pub(super) fn tilt_limit(w: f32, reach: f32) -> f32 {
    (2.0 * reach / w.max(1e-3)).min(1.0).asin()
}

/// A round slab whose top is at `top`.
pub(super) fn disc(radius: f32, top: f32, thickness: f32) -> Node {
    Node::cylinder(radius, thickness * 0.5, thickness * 0.35).at(0.0, top - thickness * 0.5, 0.0)
}

/// Cuts everything below the floor so the solid stands on one flat face.
pub(super) fn flatten_bottom(root: Node) -> Node {
    let (lo, hi) = root.bounds();
    let half = [(hi[0] - lo[0]) * 0.5 + 0.1, (hi[1] - FLOOR) * 0.5 + 0.1, (hi[2] - lo[2]) * 0.5 + 0.1];
    let keep = Node::round_box(half, 0.0).at((hi[0] + lo[0]) * 0.5, FLOOR + half[1], (hi[2] + lo[2]) * 0.5);
    root.intersect(keep)
}

/// A flat slab with semicircular ends, its top at `top`.
pub(super) fn stadium(half_len: f32, radius: f32, top: f32, thickness: f32) -> Node {
    disc(radius, top, thickness).elongate([half_len, 0.0, 0.0])
}

/// A random magnitude in `lo..hi` with a random sign.
pub(super) fn signed(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    let m = rng.random_range(lo..hi);
    if rng.random_bool(0.5) {
        m
    } else {
        -m
    }
}

/// Points (x, z) where `nodes` have material at any of the heights `ys`, sampled on a grid over
/// each box.
pub(super) fn footprint(nodes: &[&Node], ys: &[f32]) -> Vec<[f32; 2]> {
    let n = 32;
    let mut points = Vec::new();
    for node in nodes {
        let (lo, hi) = node.bounds();
        for i in 0..=n {
            for j in 0..=n {
                let x = lo[0] + (hi[0] - lo[0]) * i as f32 / n as f32;
                let z = lo[2] + (hi[2] - lo[2]) * j as f32 / n as f32;
                if ys.iter().any(|&y| node.eval([x, y, z]) < 0.0) {
                    points.push([x, z]);
                }
            }
        }
    }
    points
}

/// Heights just above a base top where parts count as standing on it: a base must reach under
/// whatever sits this low, or it would overhang.
pub(super) fn near_ground(top: f32) -> [f32; 3] {
    [top + 0.01, top + 0.05, top + 0.1]
}

/// Heights spread over a part's box, for how far it reaches sideways anywhere.
pub(super) fn all_heights(node: &Node) -> Vec<f32> {
    let (lo, hi) = node.bounds();
    (0..10).map(|i| lo[1] + (hi[1] - lo[1]) * (i as f32 + 0.5) / 10.0).collect()
}

/// A circle around `points`: the centre of their box and the farthest point's distance.
pub(super) fn enclosing_circle(points: &[[f32; 2]]) -> ([f32; 2], f32) {
    let (lo, hi) = points.iter().fold(([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]), |(lo, hi), p| {
        ([lo[0].min(p[0]), lo[1].min(p[1])], [hi[0].max(p[0]), hi[1].max(p[1])])
    });
    if points.is_empty() {
        return ([0.0, 0.0], 0.0);
    }
    let c = [(lo[0] + hi[0]) * 0.5, (lo[1] + hi[1]) * 0.5];
    let r = points.iter().map(|p| (p[0] - c[0]).hypot(p[1] - c[1])).fold(0.0, f32::max);
    (c, r)
}
