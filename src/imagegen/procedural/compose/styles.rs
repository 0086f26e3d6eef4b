//! The four looks: how each style arranges its motifs and base.

use super::place::{
    all_heights, build, disc, enclosing_circle, fit_scale, footprint, near_ground, signed, stadium, stand, tilt_limit,
    Fit,
};
use super::FLOOR;
use crate::imagegen::procedural::motifs::{self, Motif, Variation};
use crate::imagegen::procedural::sdf::Node;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Turn towards the camera (which looks from the front right) that the main motifs get, so their
/// faces read, with seeded play around it.
const FACE_CAMERA: f32 = 0.15;

/// One chunky main motif with a playful tilt, a small companion at its feet, on a round base.
pub(super) fn whimsical(main: &Motif, companion: &Motif, rng: &mut ChaCha8Rng) -> Node {
    let thickness = 0.15;
    let top = FLOOR + thickness;
    let v = Variation::from_rng(rng);
    let fit = Fit::new(1.5, 1.2, 1.0);
    let node = build(main, &v);
    let limit = tilt_limit(fit_scale(&node, fit).1.x, 0.12);
    let tilt = signed(rng, 0.14, 0.28).clamp(-limit, limit);
    let yaw = FACE_CAMERA + signed(rng, 0.05, 0.2);
    let foot = [-0.1 * tilt.signum(), top, -0.1];
    let (main_node, main_size) = stand(main, node, fit, tilt, yaw, foot);
    let main_heights = all_heights(&main_node);
    let (_, main_reach) = enclosing_circle(&footprint(&[&main_node], &main_heights));
    let cv = Variation::from_rng(rng);
    let comp_node = build(companion, &cv);
    let comp_fit = Fit::new(0.8, 0.72, 0.6);
    let comp_w = fit_scale(&comp_node, comp_fit).1.x;
    // The companion stands at the front, on the side the main motif leans away from, just
    // touching the main motif's footprint.
    let side = -tilt.signum();
    let angle = side * rng.random_range(0.6..0.9);
    let dist = 0.75 * main_reach + 0.3 * comp_w;
    let comp_foot = [foot[0] + dist * angle.sin(), top, foot[2] + dist * angle.cos()];
    let comp_yaw = FACE_CAMERA - (yaw - FACE_CAMERA);
    let (comp, _) = stand(companion, comp_node, comp_fit, tilt * 0.5, comp_yaw, comp_foot);
    // The base is centred under what stands on it, not on the axis.
    let (centre, reach) = enclosing_circle(&footprint(&[&main_node, &comp], &near_ground(top)));
    let radius = (reach + 0.1).max(0.42 * main_size.x).clamp(0.5, 0.95);
    let base = disc(radius, top, thickness).at(centre[0], 0.0, centre[1]);
    Node::smooth_union(0.05, vec![base, main_node, comp])
}

/// The main motif tall and upright on a stepped plinth with a star medallion.
pub(super) fn heroic(main: &Motif, rng: &mut ChaCha8Rng) -> Node {
    let v = Variation::from_rng(rng);
    let node = build(main, &v);
    let fit = Fit::new(1.6, 1.05, 1.0);
    let size = fit_scale(&node, fit).1;
    let top_half = (0.5 * size.x.max(size.z) + 0.1).clamp(0.4, 0.62);
    let steps = [(top_half + 0.24, 0.2), (top_half + 0.12, 0.12), (top_half, 0.1)];
    let mut y = FLOOR;
    let mut parts = Vec::new();
    for (half, h) in steps {
        parts.push(Node::round_box([half, h * 0.5 + 0.01, half], 0.025).at(0.0, y + h * 0.5, 0.0));
        y += h;
    }
    let front = steps[0].0;
    parts.push(Node::bevel(motifs::star_outline(5, 0.085, 0.037), 1.3).inflate(0.005).at(0.0, FLOOR + 0.1, front));
    let yaw = FACE_CAMERA * 0.5 + signed(rng, 0.0, 0.08);
    let (hero, _) = stand(main, node, fit, 0.0, yaw, [0.0, y, 0.0]);
    Node::union(vec![Node::smooth_union(0.02, parts), hero])
}

/// Two motifs fused side by side on an oval base.
pub(super) fn hybrid(a: &Motif, b: &Motif, rng: &mut ChaCha8Rng) -> Node {
    let thickness = 0.15;
    let top = FLOOR + thickness;
    let fit = Fit::new(1.3, 0.95, 0.9);
    let (va, vb) = (Variation::from_rng(rng), Variation::from_rng(rng));
    let turn = rng.random_range(0.1..0.3);
    let (node_a, node_b) = (build(a, &va), build(b, &vb));
    let (wa, wb) = (fit_scale(&node_a, fit).1.x, fit_scale(&node_b, fit).1.x);
    // A's right edge and B's left edge overlap around x = 0 (a box is emptier than its solid,
    // so by a good part of the narrower width), then the pair is centred.
    let overlap = 0.25 * wa.min(wb) + 0.05;
    let (xa, xb) = (overlap * 0.5 - wa * 0.5, wb * 0.5 - overlap * 0.5);
    let shift = -((xa - wa * 0.5) + (xb + wb * 0.5)) * 0.5;
    let (na, _) = stand(a, node_a, fit, 0.0, FACE_CAMERA + turn, [xa + shift, top, 0.0]);
    let (nb, _) = stand(b, node_b, fit, 0.0, FACE_CAMERA - turn, [xb + shift, top, 0.0]);
    let half_len = ((wa + wb - overlap) * 0.5 - 0.35).max(0.1);
    let base = stadium(half_len, 0.55, top, thickness);
    Node::smooth_union(0.05, vec![base, Node::smooth_union(0.12, vec![na, nb])])
}

/// A twisted stack of rounded blocks threaded by a tilted hoop, the main motif crowning it at a
/// bold angle, a second motif (if any) leaning at its foot; blended softly into one sculptural form.
pub(super) fn artistic(main: &Motif, second: Option<&Motif>, rng: &mut ChaCha8Rng) -> Node {
    let thickness = 0.12;
    let top = FLOOR + thickness;
    let mut parts = vec![disc(0.62, top, thickness)];
    let mut y = top - 0.02;
    let mut turn = rng.random_range(0.0..1.0);
    let twist = signed(rng, 0.3, 0.5);
    for (half, h) in [(0.3, 0.1), (0.24, 0.09), (0.18, 0.08)] {
        parts.push(Node::round_box([half, h, half], 0.035).rotate_y(turn).at(0.0, y + h, 0.0));
        y += 2.0 * h - 0.02;
        turn += twist;
    }
    let crown_top = y;
    parts.push(Node::torus(0.5, 0.03).rotate_x(rng.random_range(1.05..1.2)).rotate_y(rng.random_range(-0.7..0.7)).at(
        0.0,
        (top + crown_top) * 0.5,
        0.0,
    ));
    let v = Variation::from_rng(rng);
    let fit = Fit::new(1.15, 0.95, 0.85);
    let node = build(main, &v);
    let limit = tilt_limit(fit_scale(&node, fit).1.x, 0.1);
    let tilt = signed(rng, 0.2, 0.35).clamp(-limit, limit);
    let yaw = FACE_CAMERA + signed(rng, 0.15, 0.4);
    let (crown, _) = stand(main, node, fit, tilt, yaw, [0.0, crown_top, 0.0]);
    parts.push(crown);
    if let Some(m) = second {
        let sv = Variation::from_rng(rng);
        let side = -tilt.signum();
        let fit = Fit::new(0.58, 0.5, 0.42);
        let foot = [0.36 * side, top, 0.32];
        let (small, _) = stand(m, build(m, &sv), fit, -0.15 * side, FACE_CAMERA, foot);
        parts.push(small);
    }
    Node::smooth_union(0.04, parts)
}
