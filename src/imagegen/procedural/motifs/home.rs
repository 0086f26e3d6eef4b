//! Home and kitchen motifs.

use super::shapes::{deg, lerp};
use super::Variation;
use crate::imagegen::procedural::sdf::Node;
use std::f32::consts::FRAC_PI_2;

/// A cup of coffee on a saucer, with a handle and a curl of steam.
pub fn coffee_cup(v: &Variation) -> Node {
    let r = lerp(0.3, 0.34, v.a);
    let h = lerp(0.5, 0.58, v.b);
    let saucer =
        Node::lathe(vec![[0.0, 0.0], [0.3, 0.0], [0.5, 0.05], [0.54, 0.085], [0.5, 0.09], [0.32, 0.055], [0.0, 0.05]]);
    let base = 0.05;
    let cup = Node::lathe(vec![
        [0.0, base],
        [r * 0.7, base],
        [r * 0.86, base + 0.06],
        [r, base + h],
        [r - 0.045, base + h],
        [r * 0.88, base + h - 0.07],
        [0.0, base + h - 0.07],
    ])
    .inflate(0.012);
    let handle = Node::torus(h * 0.28, 0.042)
        .rotate_x(FRAC_PI_2)
        .at(r + 0.04, base + h * 0.55, 0.0)
        .intersect(Node::round_box([0.3, 0.4, 0.1], 0.0).at(r + 0.26, base + h * 0.5, 0.0));
    let steam_top = base + h + lerp(0.32, 0.4, v.c);
    let steam = Node::tube(
        &[
            [0.0, base + h - 0.08, 0.0],
            [0.07, base + h + 0.06, 0.0],
            [-0.05, base + h + 0.17, 0.0],
            [0.04, base + h + 0.28, 0.0],
            [0.0, steam_top, 0.0],
        ],
        0.04,
    );
    Node::smooth_union(0.03, vec![saucer, cup, handle, steam])
}

/// A gabled house, its gable end facing the viewer, with door, windows and chimney.
pub fn house(v: &Variation) -> Node {
    let w = lerp(0.3, 0.36, v.a);
    let wall_h = lerp(0.42, 0.5, v.b);
    let d = 0.3;
    let walls = Node::round_box([w, wall_h * 0.5, d], 0.015).at(0.0, wall_h * 0.5, 0.0);
    let roof_top = wall_h + lerp(0.32, 0.4, v.c);
    let roof =
        Node::extrude(vec![[-w - 0.09, wall_h - 0.04], [w + 0.09, wall_h - 0.04], [0.0, roof_top]], d + 0.06, 0.02);
    let attic = Node::extrude(vec![[-w, wall_h - 0.05], [w, wall_h - 0.05], [0.0, roof_top - 0.1]], d, 0.0);
    let chimney = Node::round_box([0.055, 0.14, 0.055], 0.01).at(w * 0.5, roof_top - 0.08, -0.1);
    let door = Node::round_box([0.075, 0.13, 0.04], 0.02).at(0.0, 0.13, d);
    let window = Node::round_box([0.065, 0.065, 0.04], 0.01);
    let mullions =
        Node::union(vec![Node::round_box([0.065, 0.01, 0.03], 0.0), Node::round_box([0.01, 0.065, 0.03], 0.0)]);
    let round_window = Node::cylinder(0.065, 0.05, 0.01).rotate_x(FRAC_PI_2).at(0.0, wall_h + 0.12, d + 0.06);
    let cut = Node::union(vec![
        door,
        window.clone().at(w * 0.58, wall_h * 0.55, d),
        window.at(-w * 0.58, wall_h * 0.55, d),
        round_window,
    ]);
    let frames = Node::union(vec![
        mullions.clone().at(w * 0.58, wall_h * 0.55, d - 0.02),
        mullions.at(-w * 0.58, wall_h * 0.55, d - 0.02),
    ]);
    let step = Node::round_box([0.11, 0.025, 0.05], 0.01).at(0.0, 0.025, d + 0.03);
    let knob = Node::sphere(0.018).at(0.04, 0.12, d - 0.01);
    Node::union(vec![Node::union(vec![walls, roof, attic, chimney]).smooth_subtract(cut, 0.01), frames, step, knob])
}

/// A two-tier cake with icing drips and candles.
pub fn cake(v: &Variation) -> Node {
    let r1 = lerp(0.4, 0.45, v.a);
    let h1 = lerp(0.26, 0.3, v.b);
    let r2 = r1 * 0.7;
    let h2 = h1 * 0.85;
    let tier1 = Node::cylinder(r1, h1 * 0.5, 0.03).at(0.0, h1 * 0.5, 0.0);
    let tier2 = Node::cylinder(r2, h2 * 0.5, 0.03).at(0.0, h1 + h2 * 0.5 - 0.01, 0.0);
    let drips = |r: f32, top: f32, n: u32| {
        Node::union(vec![
            Node::torus(r - 0.01, 0.035).at(0.0, top - 0.01, 0.0),
            Node::capsule([r - 0.005, top - 0.02, 0.0], [r - 0.005, top - 0.1, 0.0], 0.035).polar(n),
            Node::capsule([r - 0.005, top - 0.02, 0.0], [r - 0.005, top - 0.06, 0.0], 0.032)
                .rotate_y(deg(180.0) / n as f32)
                .polar(n),
        ])
    };
    let candle_h = lerp(0.16, 0.2, v.c);
    let top = h1 + h2 - 0.01;
    let candle = Node::union(vec![
        Node::cylinder(0.035, candle_h * 0.5, 0.01).at(0.0, top + candle_h * 0.5 - 0.01, 0.0),
        Node::smooth_union(
            0.03,
            vec![
                Node::sphere(0.035).at(0.0, top + candle_h + 0.04, 0.0),
                Node::cone(0.03, 0.0, 0.05).at(0.0, top + candle_h + 0.09, 0.0),
            ],
        ),
        Node::capsule([0.0, top + candle_h - 0.02, 0.0], [0.0, top + candle_h + 0.04, 0.0], 0.015),
    ]);
    let candles = Node::union(vec![
        candle.clone().at(0.0, 0.0, 0.04),
        candle.clone().at(-r2 * 0.5, -0.0, -0.06),
        candle.at(r2 * 0.5, 0.0, -0.06),
    ]);
    Node::union(vec![Node::smooth_union(0.02, vec![tier1, tier2]), drips(r1, h1, 12), drips(r2, top, 9), candles])
}

/// A chef's toque: a tall pleated band under a puffed crown.
pub fn chef_hat(v: &Variation) -> Node {
    let r = lerp(0.2, 0.23, v.a);
    let band_h = lerp(0.46, 0.54, v.b);
    let band = Node::cylinder(r, band_h * 0.5, 0.02).at(0.0, band_h * 0.5, 0.0);
    let pleats = Node::capsule([r + 0.004, 0.05, 0.0], [r + 0.004, band_h - 0.02, 0.0], 0.014).polar(16);
    let puff_r = lerp(0.12, 0.14, v.c);
    let crown_y = band_h + 0.05;
    let puffs = Node::smooth_union(
        0.05,
        vec![
            Node::sphere(puff_r).at(r * 0.78, crown_y, 0.0).polar(6),
            Node::sphere(r * 0.95).at(0.0, crown_y + 0.04, 0.0),
            Node::sphere(puff_r * 1.1).at(0.0, crown_y + r * 0.75, 0.0),
        ],
    );
    let brim = Node::torus(r + 0.005, 0.028).at(0.0, 0.03, 0.0);
    Node::union(vec![band.smooth_subtract(pleats, 0.008), puffs, brim])
}
