//! Pastime motifs: books, music, pictures, games and crafts.

use super::shapes::{deg, lerp};
use super::Variation;
use crate::imagegen::procedural::sdf::{Node, Outline};
use std::f32::consts::FRAC_PI_2;

/// A closed book lying flat, pages showing on three sides. `half` is the cover's half size.
fn closed_book(half: [f32; 3]) -> Node {
    let [w, h, d] = half;
    let cover = Node::round_box(half, 0.02);
    let recess = Node::round_box([w, h - 0.022, d - 0.012], 0.0).at(0.02, 0.0, 0.0);
    let pages = Node::round_box([w - 0.01, h - 0.02, d - 0.018], 0.004).at(0.008, 0.0, 0.0);
    let lines = Node::round_box([w + 0.02, 0.004, d + 0.02], 0.0).repeat([0.0, 0.022, 0.0], [0, 2, 0]);
    Node::union(vec![cover.subtract(recess), pages.smooth_subtract(lines.at(0.02, 0.0, 0.0), 0.004)])
}

/// Two closed books with an open one propped on top, pages towards the viewer.
pub fn book(v: &Variation) -> Node {
    let w = lerp(0.42, 0.46, v.a);
    let b1 = closed_book([w, 0.075, 0.3]).at(0.0, 0.075, 0.0);
    let b2 = closed_book([w - 0.05, 0.065, 0.27]).rotate_y(lerp(-0.25, 0.25, v.b)).at(0.02, 0.21, 0.0);
    let open_w = w - 0.03;
    // Cross-section of the open pages: two humps rising from the spine and falling to the edges.
    let hump = |x: f32| 0.035 + 0.12 * (std::f32::consts::PI * x.abs() / open_w).sin().max(0.0).powf(0.6);
    let n = 14;
    let mut outline: Vec<[f32; 2]> = vec![[-open_w, 0.0], [open_w, 0.0]];
    for i in (0..=n).rev() {
        let x = open_w * i as f32 / n as f32;
        outline.push([x, hump(x)]);
    }
    for i in 1..=n {
        let x = -open_w * i as f32 / n as f32;
        outline.push([x, hump(x)]);
    }
    let pages = Node::extrude(outline, 0.25, 0.01);
    let edge_lines = Node::round_box([0.004, 0.2, 0.3], 0.0).repeat([0.022, 0.0, 0.0], [2, 0, 0]).mirror_x();
    let page_lines =
        edge_lines.at(open_w - 0.05, 0.0, 0.0).intersect(Node::round_box([0.06, 0.3, 0.26], 0.0).at(open_w, 0.0, 0.0));
    let cover = Node::round_box([open_w + 0.025, 0.014, 0.27], 0.01);
    let ribbon = Node::round_box([0.025, 0.1, 0.01], 0.008).at(0.04, -0.06, 0.265);
    let open_book = Node::union(vec![pages.smooth_subtract(page_lines, 0.003), cover, ribbon])
        .rotate_x(lerp(0.75, 0.9, v.c))
        .at(0.0, 0.32, -0.04);
    Node::union(vec![b1, b2, open_book])
}

/// An acoustic guitar standing on its lower bout.
pub fn guitar(v: &Variation) -> Node {
    let lower = lerp(0.26, 0.29, v.a);
    let upper = lower * lerp(0.74, 0.8, v.b);
    let depth = 0.09;
    let body = Node::smooth_union(
        0.12,
        vec![
            Node::cylinder(lower, depth, 0.035).rotate_x(FRAC_PI_2).at(0.0, lower, 0.0),
            Node::cylinder(upper, depth, 0.035).rotate_x(FRAC_PI_2).at(0.0, lower * 2.0 + upper * 0.45, 0.0),
        ],
    );
    let body_top = lower * 2.0 + upper * 1.45;
    let hole_y = lower * 1.95;
    let hole = Node::cylinder(0.08, 0.05, 0.01).rotate_x(FRAC_PI_2).at(0.0, hole_y, depth);
    let rosette = Node::torus(0.1, 0.014).rotate_x(FRAC_PI_2).at(0.0, hole_y, depth);
    let neck_len = lerp(0.5, 0.56, v.c);
    let neck = Node::round_box([0.048, neck_len * 0.5, 0.035], 0.015).at(0.0, body_top + neck_len * 0.5 - 0.06, 0.03);
    let frets = Node::round_box([0.06, 0.005, 0.01], 0.0).repeat([0.0, 0.07, 0.0], [0, 3, 0]).at(
        0.0,
        body_top + neck_len * 0.5 - 0.06,
        0.068,
    );
    let head_y = body_top + neck_len - 0.02;
    let headstock = Node::round_box([0.07, 0.11, 0.03], 0.025).at(0.0, head_y + 0.08, 0.02);
    let pegs = Node::capsule([0.06, 0.0, 0.0], [0.11, 0.0, 0.0], 0.022)
        .repeat([0.0, 0.06, 0.0], [0, 1, 0])
        .at(0.0, head_y + 0.08, 0.02)
        .mirror_x();
    let bridge = Node::round_box([0.12, 0.025, 0.022], 0.01).at(0.0, lower * 0.75, depth);
    let strings = Node::round_box([0.0065, (head_y - lower * 0.75) * 0.5, 0.008], 0.0)
        .repeat([0.024, 0.0, 0.0], [1, 0, 0])
        .at(0.0, (head_y + lower * 0.75) * 0.5, depth + 0.004)
        .subtract(Node::cylinder(0.1, 0.1, 0.0).rotate_x(FRAC_PI_2).at(0.0, hole_y, depth));
    Node::union(vec![
        Node::union(vec![body, neck, headstock, pegs]).smooth_subtract(hole, 0.01).smooth_subtract(frets, 0.003),
        rosette,
        bridge,
        strings,
    ])
}

/// A camera with a lens facing the viewer.
pub fn camera(v: &Variation) -> Node {
    let w = lerp(0.46, 0.5, v.a);
    let h = 0.27;
    let body = Node::round_box([w, h, 0.16], 0.06).at(0.0, h, 0.0);
    let prism = Node::extrude(
        vec![[-0.16, 2.0 * h - 0.05], [0.16, 2.0 * h - 0.05], [0.1, 2.0 * h + 0.13], [-0.1, 2.0 * h + 0.13]],
        0.12,
        0.025,
    );
    let grip = Node::round_box([0.1, h - 0.02, 0.07], 0.06).at(w - 0.1, h, 0.12);
    let button = Node::cylinder(0.05, 0.03, 0.012).at(w - 0.12, 2.0 * h + 0.02, 0.04);
    let dial = Node::cylinder(0.075, 0.03, 0.012).at(-w + 0.16, 2.0 * h + 0.02, 0.0);
    let lens_r = lerp(0.19, 0.22, v.b);
    let lens_len = lerp(0.22, 0.28, v.c);
    let lens =
        Node::cylinder(lens_r, lens_len * 0.5, 0.02).rotate_x(FRAC_PI_2).at(-0.02, h, 0.16 + lens_len * 0.5 - 0.02);
    let ridges = Node::torus(lens_r + 0.004, 0.012).rotate_x(FRAC_PI_2).repeat([0.0, 0.0, 0.035], [0, 0, 1]).at(
        -0.02,
        h,
        0.2 + lens_len * 0.25,
    );
    let front = 0.16 + lens_len - 0.02;
    let glass = Node::sphere(lens_r * 1.1).at(-0.02, h, front + lens_r * 1.1 - 0.05);
    let lip = Node::torus(lens_r - 0.03, 0.03).rotate_x(FRAC_PI_2).at(-0.02, h, front - 0.01);
    let flash = Node::round_box([0.07, 0.04, 0.02], 0.015).at(w - 0.14, 2.0 * h - 0.1, 0.16);
    Node::union(vec![
        Node::smooth_union(0.03, vec![body, prism, grip, button, dial]),
        lens.smooth_subtract(ridges, 0.004).smooth_subtract(glass, 0.01),
        lip,
        flash,
    ])
}

/// A chess knight: a horse's head on a turned base, in profile.
pub fn chess_knight(v: &Variation) -> Node {
    let base = Node::lathe(vec![
        [0.0, 0.0],
        [0.32, 0.0],
        [0.33, 0.05],
        [0.3, 0.08],
        [0.28, 0.11],
        [0.24, 0.13],
        [0.23, 0.16],
        [0.26, 0.18],
        [0.26, 0.21],
        [0.2, 0.23],
        [0.0, 0.23],
    ]);
    let snout = lerp(0.36, 0.42, v.a);
    let head = Node::extrude(
        vec![
            [-0.2, 0.2],
            [0.2, 0.2],
            [0.21, 0.3],
            [0.15, 0.42],
            [0.15, 0.5],
            [0.22, 0.56],
            [snout - 0.04, 0.58],
            [snout, 0.62],
            [snout, 0.69],
            [snout - 0.05, 0.74],
            [0.22, 0.84],
            [0.15, 0.9],
            [0.12, 1.0],
            [0.06, 0.95],
            [-0.02, 0.94],
            [-0.12, 0.88],
            [-0.2, 0.76],
            [-0.25, 0.6],
            [-0.26, 0.44],
            [-0.24, 0.3],
        ],
        lerp(0.1, 0.12, v.b),
        0.05,
    );
    let eye = Node::sphere(0.035).at(0.17, 0.79, 0.11).mirror_z();
    let nostril = Node::sphere(0.025).at(snout - 0.03, 0.66, 0.09).mirror_z();
    let mouth = Node::capsule([snout + 0.02, 0.6, -0.2], [snout + 0.02, 0.6, 0.2], 0.015);
    let mane = Node::capsule([-0.05, 0.0, -0.2], [-0.05, 0.0, 0.2], 0.02)
        .rotate_z(0.5)
        .repeat([0.0, 0.09, 0.0], [0, 2, 0])
        .at(-0.19, 0.64, 0.0);
    let carved =
        head.smooth_subtract(Node::union(vec![eye, nostril, mouth, mane]), 0.01).rotate_y(deg(lerp(-8.0, 8.0, v.c)));
    Node::smooth_union(0.03, vec![base, carved])
}

/// A painter's palette propped up on a foot, with paint dabs and a brush.
pub fn paint_palette(v: &Variation) -> Node {
    let rx = lerp(0.44, 0.48, v.a);
    let ry = rx * 0.75;
    let cy = ry + 0.06;
    let board = Node::extrude_outline(Outline::ellipse(0.0, cy, rx, ry), 0.035, 0.02);
    let notch = Node::cylinder(0.12, 0.2, 0.0).rotate_x(FRAC_PI_2).at(-rx * 0.78, cy - ry * 0.62, 0.0);
    let thumb = Node::cylinder(0.065, 0.2, 0.0).rotate_x(FRAC_PI_2).at(-rx * 0.45, cy - ry * 0.3, 0.0);
    let board = board.smooth_subtract(Node::union(vec![notch, thumb]), 0.02);
    let dabs: Vec<Node> = (0..5)
        .map(|i| {
            let a = deg(200.0 - i as f32 * 42.0 + v.b * 10.0);
            let r = lerp(0.055, 0.075, ((i as f32 * 2.1 + v.b * 7.0).sin() + 1.0) * 0.5);
            Node::ellipsoid([r, r, r * 0.8]).at(rx * 0.66 * a.cos(), cy + ry * 0.62 * a.sin(), 0.03)
        })
        .collect();
    let brush_from = [rx * 0.55, cy - ry * 0.85, 0.09];
    let brush_to = [-rx * 0.05, cy + ry * 0.35, 0.09];
    let tip_dir = [brush_to[0] - brush_from[0], brush_to[1] - brush_from[1]];
    let len = tip_dir[0].hypot(tip_dir[1]);
    let brush = Node::union(vec![
        Node::capsule(brush_from, brush_to, 0.024),
        Node::capsule(
            brush_to,
            [brush_to[0] + tip_dir[0] / len * 0.09, brush_to[1] + tip_dir[1] / len * 0.09, 0.09],
            0.032,
        ),
        Node::ellipsoid([0.04, 0.08, 0.032]).rotate_z(-(tip_dir[0] / tip_dir[1]).atan()).at(
            brush_to[0] + tip_dir[0] / len * 0.16,
            brush_to[1] + tip_dir[1] / len * 0.16,
            0.09,
        ),
    ]);
    let lean = lerp(0.2, 0.3, v.c);
    let palette = Node::smooth_union(0.025, {
        let mut parts = vec![board];
        parts.extend(dabs);
        parts
    });
    let foot = Node::round_box([rx * 0.55, 0.05, 0.14], 0.03).at(0.0, 0.05, 0.0);
    Node::union(vec![Node::union(vec![palette, brush]).rotate_x(-lean).at(0.0, 0.03, 0.0), foot])
}

/// A game pad standing on its grips, face towards the viewer.
pub fn game_controller(v: &Variation) -> Node {
    let grip_spread = lerp(0.3, 0.34, v.a);
    let body = Node::smooth_union(
        0.1,
        vec![
            Node::round_box([0.3, 0.14, 0.085], 0.085).at(0.0, 0.45, 0.0),
            Node::capsule([-0.22, 0.42, 0.0], [-grip_spread, 0.13, 0.0], 0.13),
            Node::capsule([0.22, 0.42, 0.0], [grip_spread, 0.13, 0.0], 0.13),
        ],
    );
    let face = 0.085;
    let dpad =
        Node::union(vec![Node::round_box([0.075, 0.026, 0.03], 0.01), Node::round_box([0.026, 0.075, 0.03], 0.01)])
            .at(-0.21, 0.46, face);
    let button = Node::sphere(0.032).at(0.0, 0.055, 0.0);
    let buttons = Node::union(vec![
        button.clone(),
        button.clone().rotate_z(FRAC_PI_2),
        button.clone().rotate_z(-FRAC_PI_2),
        button.rotate_z(2.0 * FRAC_PI_2),
    ])
    .at(0.21, 0.46, face - 0.005);
    let stick = Node::union(vec![
        Node::cylinder(0.05, 0.03, 0.015).rotate_x(FRAC_PI_2),
        Node::torus(0.045, 0.012).rotate_x(FRAC_PI_2).at(0.0, 0.0, 0.03),
    ]);
    let sticks = stick.at(0.1, 0.33, face + 0.01).mirror_x();
    let small = Node::capsule([-0.02, 0.0, 0.0], [0.02, 0.0, 0.0], 0.016).at(0.06, 0.5, face).mirror_x();
    let shoulders = Node::round_box([0.08, 0.03, 0.05], 0.025).at(0.2, 0.585, -0.01).mirror_x();
    Node::union(vec![Node::smooth_union(0.02, vec![body, shoulders]), dpad, buttons, sticks, small])
        .rotate_x(-lerp(0.15, 0.3, v.b))
        .at(0.0, 0.03, 0.0)
}

/// A ball of yarn with two knitting needles through it.
pub fn yarn_ball(v: &Variation) -> Node {
    let r = lerp(0.33, 0.37, v.a);
    let ring = |offset: f32| {
        let rho = (r * r - offset * offset).max(0.0).sqrt();
        Node::torus(rho, 0.014).at(0.0, offset, 0.0)
    };
    let wraps = |spin: f32, tilt: f32| {
        Node::union(vec![ring(-0.2), ring(-0.1), ring(0.0), ring(0.1), ring(0.2)]).rotate_x(tilt).rotate_y(spin)
    };
    let grooves = Node::union(vec![wraps(0.0, 1.2), wraps(2.0 + v.b, 0.5), wraps(4.0, -0.9)]);
    let ball = Node::sphere(r).smooth_subtract(grooves, 0.01).at(0.0, r, 0.0);
    let needle =
        |a: [f32; 3], b: [f32; 3]| Node::union(vec![Node::capsule(a, b, 0.026), Node::sphere(0.05).translate(a)]);
    let spread = lerp(0.3, 0.4, v.c);
    let needles = Node::union(vec![
        needle([-spread, r * 2.0 + 0.25, -0.05], [0.12, r * 0.6, 0.05]),
        needle([spread, r * 2.0 + 0.2, 0.0], [-0.1, r * 0.7, 0.02]),
    ]);
    Node::union(vec![ball, needles])
}

/// Two dice, one turned against the other.
pub fn dice(v: &Variation) -> Node {
    let s = lerp(0.19, 0.21, v.a);
    let pip = |x: f32, y: f32| Node::sphere(s * 0.17).at(x * s * 0.5, y * s * 0.5, s + s * 0.05);
    let face = |pips: &[(f32, f32)]| Node::union(pips.iter().map(|&(x, y)| pip(x, y)).collect());
    let five = face(&[(0.0, 0.0), (-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0)]);
    let three = face(&[(0.0, 0.0), (-1.0, -1.0), (1.0, 1.0)]);
    let one = face(&[(0.0, 0.0)]);
    let two = face(&[(-1.0, 1.0), (1.0, -1.0)]);
    let four = face(&[(-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0)]);
    let six = face(&[(-1.0, -1.0), (-1.0, 0.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 0.0), (1.0, 1.0)]);
    let die = |front: Node, top: Node, side: Node| {
        Node::round_box([s, s, s], s * 0.22)
            .smooth_subtract(Node::union(vec![front, top.rotate_x(-FRAC_PI_2), side.rotate_y(FRAC_PI_2)]), 0.01)
    };
    let d1 = die(five, three, two).at(-s * 0.95, s, 0.0);
    let d2 = die(four, one, six).rotate_y(lerp(0.5, 0.8, v.b)).at(s * 1.0, s, lerp(-0.05, 0.05, v.c));
    Node::union(vec![d1, d2])
}

/// Over-ear headphones standing on their ear cups.
pub fn headphones(v: &Variation) -> Node {
    let span = lerp(0.32, 0.36, v.a);
    let cup_y = 0.17;
    let band = Node::torus(span, 0.045)
        .rotate_x(FRAC_PI_2)
        .at(0.0, cup_y + 0.12, 0.0)
        .intersect(Node::round_box([span + 0.1, span * 0.6, 0.1], 0.0).at(0.0, cup_y + 0.12 + span * 0.6, 0.0));
    let pad = Node::round_box([0.1, 0.025, 0.05], 0.024).at(0.0, cup_y + 0.12 + span, 0.0);
    let cup_r = lerp(0.15, 0.17, v.b);
    let cup = Node::union(vec![
        Node::cylinder(cup_r, 0.06, 0.03).rotate_z(FRAC_PI_2).at(span + 0.02, cup_y, 0.0),
        Node::torus(cup_r - 0.03, 0.045).rotate_z(FRAC_PI_2).at(span - 0.04, cup_y, 0.0),
        Node::capsule([span, cup_y + 0.1, 0.0], [span, cup_y + 0.2, 0.0], 0.04),
    ])
    .mirror_x();
    Node::smooth_union(0.03, vec![band, pad, cup])
}
