//! Sports and fitness motifs.

use super::shapes::{bezier, deg, lerp, regular};
use super::Variation;
use crate::imagegen::procedural::sdf::{Node, Outline, PanelBall};
use std::f32::consts::FRAC_PI_2;

/// A tennis racket standing on its handle, a ball leaning on the grip.
pub fn racket_and_ball(v: &Variation) -> Node {
    let rx = lerp(0.25, 0.29, v.a);
    let ry = rx * lerp(1.22, 1.36, v.b);
    let head_y = 0.56 + ry;
    // An oval head: a circle stretched by a straight run, which costs far less than an ellipse.
    let stretch = ry - rx;
    let frame = Node::extrude_outline(Outline::ellipse(0.0, 0.0, rx + 0.025, rx + 0.025).ring(0.05), 0.04, 0.02)
        .elongate([0.0, stretch, 0.0])
        .at(0.0, head_y, 0.0);
    let bed = {
        let plate = Node::round_box([rx + 0.01, ry + 0.01, 0.016], 0.0);
        let mains = Node::round_box([0.009, ry + 0.01, 0.027], 0.008).repeat([0.065, 0.0, 0.0], [4, 0, 0]);
        let crosses = Node::round_box([rx + 0.01, 0.009, 0.027], 0.008).repeat([0.0, 0.065, 0.0], [0, 6, 0]);
        let head = Node::cylinder(rx + 0.015, 0.05, 0.0).rotate_x(FRAC_PI_2).elongate([0.0, stretch, 0.0]);
        Node::union(vec![plate, mains, crosses]).intersect(head).at(0.0, head_y, 0.0)
    };
    let throat = Node::union(vec![
        Node::capsule([0.0, 0.4, 0.0], [-rx * 0.62, 0.5 + ry * 0.22, 0.0], 0.032),
        Node::capsule([0.0, 0.4, 0.0], [rx * 0.62, 0.5 + ry * 0.22, 0.0], 0.032),
    ]);
    let handle = Node::union(vec![
        Node::extrude(regular(8, 0.05, deg(22.5)), 0.21, 0.012).rotate_x(FRAC_PI_2).at(0.0, 0.25, 0.0),
        Node::cylinder(0.062, 0.03, 0.015).at(0.0, 0.03, 0.0),
    ]);
    let racket = Node::smooth_union(0.03, vec![frame, throat, handle]);
    let ball_r = lerp(0.12, 0.14, v.c);
    let seam = Node::torus(ball_r * 0.94, 0.011).at(0.0, ball_r * 0.34, 0.0).rotate_x(0.5).rotate_z(0.7);
    let ball = Node::sphere(ball_r).smooth_subtract(seam, 0.006).at(0.05 + ball_r * 0.85, ball_r, 0.03);
    Node::union(vec![racket, bed, ball])
}

/// A football with pentagon and hexagon panels.
pub fn football(v: &Variation) -> Node {
    let r = 0.5;
    Node::panel_ball(PanelBall::football(r, lerp(0.026, 0.034, v.a), 0.022))
        .rotate_y(v.b * 1.2)
        .rotate_x(0.3 + v.c * 0.3)
        .at(0.0, r, 0.0)
}

/// A bicycle in side view, wheels as solid discs inside chunky tyres.
pub fn bicycle(v: &Variation) -> Node {
    let wr = lerp(0.25, 0.29, v.a);
    let half_base = lerp(0.4, 0.45, v.b);
    let (rear, front) = ([-half_base, wr, 0.0], [half_base, wr, 0.0]);
    let wheel = |c: [f32; 3]| {
        Node::union(vec![
            Node::torus(wr - 0.04, 0.042).rotate_x(FRAC_PI_2),
            Node::cylinder(wr - 0.06, 0.018, 0.0).rotate_x(FRAC_PI_2),
            Node::cylinder(0.05, 0.05, 0.015).rotate_x(FRAC_PI_2),
        ])
        .translate(c)
    };
    let bb = [-0.02, wr - 0.02, 0.0];
    let seat = [-0.16, wr + 0.44, 0.0];
    let head_top = [half_base - 0.12, wr + 0.44, 0.0];
    let head_low = [half_base - 0.08, wr + 0.3, 0.0];
    let t = 0.032;
    let frame = Node::union(vec![
        Node::capsule(bb, seat, t),
        Node::capsule(seat, head_top, t),
        Node::capsule(bb, head_low, t),
        Node::capsule(bb, rear, t * 0.9),
        Node::capsule([seat[0] + 0.02, seat[1] - 0.05, 0.0], rear, t * 0.9),
        Node::capsule(head_top, head_low, t * 1.2),
        Node::capsule(head_low, front, t * 0.9),
        Node::capsule(head_top, [head_top[0] - 0.02, head_top[1] + 0.1, 0.0], t),
    ]);
    let bar_y = head_top[1] + 0.1;
    let handlebar = Node::union(vec![
        Node::capsule([head_top[0] - 0.02, bar_y, -0.16], [head_top[0] - 0.02, bar_y, 0.16], 0.03),
        Node::capsule([head_top[0] - 0.02, bar_y, 0.16], [head_top[0] - 0.1, bar_y, 0.17], 0.035),
        Node::capsule([head_top[0] - 0.02, bar_y, -0.16], [head_top[0] - 0.1, bar_y, -0.17], 0.035),
    ]);
    let saddle = Node::union(vec![
        Node::capsule(seat, [seat[0] - 0.01, seat[1] + 0.07, 0.0], t),
        Node::ellipsoid([0.12, 0.035, 0.065]).at(seat[0] - 0.02, seat[1] + 0.09, 0.0),
    ]);
    let drive = Node::union(vec![
        Node::cylinder(0.09, 0.02, 0.01).rotate_x(FRAC_PI_2).translate([bb[0], bb[1], 0.06]),
        Node::capsule([bb[0], bb[1], 0.08], [bb[0] + 0.05, bb[1] - 0.12, 0.08], 0.025),
        Node::round_box([0.05, 0.02, 0.04], 0.01).at(bb[0] + 0.05, bb[1] - 0.13, 0.12),
    ]);
    Node::union(vec![wheel(rear), wheel(front), frame, handlebar, saddle, drive])
}

/// A running shoe in side view, toe towards +x.
pub fn running_shoe(v: &Variation) -> Node {
    let sole_h = lerp(0.1, 0.13, v.a);
    let sole = Node::extrude(
        vec![
            [-0.52, 0.03],
            [-0.46, 0.0],
            [0.3, 0.0],
            [0.46, 0.03],
            [0.54, 0.09],
            [0.52, sole_h + 0.03],
            [0.3, sole_h],
            [-0.3, sole_h + 0.02],
            [-0.52, sole_h + 0.05],
            [-0.55, 0.08],
        ],
        0.17,
        0.03,
    );
    let tread = Node::round_box([0.008, 0.03, 0.2], 0.004).repeat([0.07, 0.0, 0.0], [6, 0, 0]).at(0.0, 0.035, 0.0);
    let sole = sole.smooth_subtract(tread, 0.005);
    let upper = Node::smooth_union(
        0.08,
        vec![
            Node::ellipsoid([0.3, 0.15, 0.155]).at(0.22, sole_h + 0.04, 0.0),
            Node::ellipsoid([0.36, 0.22, 0.16]).at(-0.12, sole_h + 0.1, 0.0),
            Node::ellipsoid([0.14, 0.26, 0.15]).at(-0.38, sole_h + 0.15, 0.0),
        ],
    )
    .intersect(Node::round_box([0.6, 0.4, 0.3], 0.0).at(0.0, sole_h + 0.38, 0.0));
    let opening = Node::ellipsoid([0.17, 0.08, 0.12]).rotate_z(-0.25).at(-0.28, sole_h + 0.36, 0.0);
    let tongue = Node::round_box([0.06, 0.1, 0.09], 0.04).rotate_z(0.55).at(-0.14, sole_h + 0.33, 0.0);
    let laces = Node::capsule([0.0, 0.0, -0.09], [0.0, 0.0, 0.09], 0.022)
        .repeat([0.075, 0.0, 0.0], [1, 0, 0])
        .rotate_z(-0.45)
        .at(0.02, sole_h + 0.25, 0.02);
    let stripe = Node::tube(
        &bezier([0.2, sole_h + 0.04, 0.0], [-0.05, sole_h + 0.3, 0.0], [-0.32, sole_h + 0.1, 0.0], 6),
        0.035,
    )
    .intersect(Node::round_box([0.6, 0.5, 0.05], 0.0).at(0.0, 0.3, 0.17));
    let upper = upper.smooth_subtract(opening, 0.03);
    Node::union(vec![Node::smooth_union(0.03, vec![sole, upper, tongue]), laces, stripe.mirror_z()])
}

/// A hex dumbbell lying on its plates.
pub fn dumbbell(v: &Variation) -> Node {
    let hex_r = lerp(0.2, 0.24, v.a);
    let cy = hex_r * deg(30.0).cos();
    let plate = Node::extrude(regular(6, hex_r, 0.0), 0.1, 0.03).rotate_y(FRAC_PI_2);
    let reach = lerp(0.36, 0.42, v.b);
    let grip = Node::capsule([-reach, 0.0, 0.0], [reach, 0.0, 0.0], 0.055);
    let knurl = Node::torus(0.058, 0.008).rotate_z(FRAC_PI_2).repeat([0.04, 0.0, 0.0], [3, 0, 0]);
    Node::union(vec![
        grip.smooth_subtract(knurl, 0.004),
        plate.clone().at(-reach, 0.0, 0.0),
        plate.at(reach, 0.0, 0.0),
        Node::cylinder(0.08, 0.02, 0.01).rotate_z(FRAC_PI_2).repeat([2.0 * reach - 0.24, 0.0, 0.0], [1, 0, 0]),
    ])
    .at(0.0, cy, 0.0)
}

/// A rod bent by a fish that hangs from its line, the fish's tail on the ground.
pub fn fishing_rod(v: &Variation) -> Node {
    let tip = [0.3, lerp(0.95, 1.02, v.a), 0.0];
    let rod = Node::tube(&bezier([-0.42, 0.04, 0.0], [-0.3, 1.05, 0.0], tip, 10), 0.03);
    let grip = Node::capsule([-0.42, 0.04, 0.0], [-0.36, 0.32, 0.0], 0.05);
    let reel = Node::union(vec![
        Node::cylinder(0.075, 0.045, 0.02).rotate_z(FRAC_PI_2).rotate_y(FRAC_PI_2).at(-0.28, 0.33, 0.0),
        Node::capsule([-0.37, 0.36, 0.0], [-0.3, 0.34, 0.0], 0.025),
        Node::capsule([-0.28, 0.33, 0.05], [-0.22, 0.27, 0.07], 0.02),
        Node::sphere(0.03).at(-0.22, 0.27, 0.08),
    ]);
    let fish_len = lerp(0.58, 0.64, v.b);
    let mouth_y = fish_len + 0.02;
    let line = Node::capsule(tip, [tip[0], mouth_y - 0.04, 0.0], 0.018);
    let fish = fish(fish_len, v.c).at(tip[0], 0.0, 0.0);
    Node::union(vec![rod, grip, reel, line, fish])
}

/// A fish hanging head up, `len` tall, its forked tail on y = 0.
fn fish(len: f32, v: f32) -> Node {
    let tail_h = len * 0.26;
    let body_h = len - tail_h * 0.6;
    let cy = len - body_h * 0.5;
    let fat = lerp(0.11, 0.13, v) * len / 0.55;
    let body = Node::ellipsoid([fat, body_h * 0.5, 0.07]).at(0.0, cy, 0.0);
    let tail = Node::extrude(
        vec![[0.0, tail_h * 1.4], [-0.15, 0.0], [-0.05, 0.02], [0.0, tail_h * 0.5], [0.05, 0.02], [0.15, 0.0]],
        0.035,
        0.02,
    );
    let fin =
        Node::extrude(vec![[fat - 0.03, cy + 0.09], [fat + 0.08, cy - 0.02], [fat - 0.02, cy - 0.1]], 0.025, 0.015);
    let eye = Node::sphere(0.028).at(0.04, len - 0.09, 0.06);
    let gill = Node::torus(0.1, 0.012).rotate_x(FRAC_PI_2).at(0.0, len - 0.01, 0.03);
    Node::smooth_union(0.04, vec![body, tail, fin.mirror_x()]).smooth_subtract(gill, 0.01).smooth_union_with(eye, 0.01)
}
