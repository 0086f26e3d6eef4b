//! Emblem motifs: notes, rocket, anchor, and the generic star, heart, trophy and gift.

use super::shapes::{lerp, star as star_outline};
use super::Variation;
use crate::imagegen::procedural::sdf::{Node, Outline};
use std::f32::consts::FRAC_PI_2;

/// Two beamed eighth notes standing on their heads.
pub fn music_note(v: &Variation) -> Node {
    let depth = 0.07;
    let head = |x: f32| {
        Node::extrude_outline(Outline::ellipse(0.0, 0.0, 0.14, 0.1), depth, 0.035).rotate_z(0.35).at(x, 0.11, 0.0)
    };
    let (x1, x2) = (-0.26, lerp(0.2, 0.26, v.a));
    let stem_x = |x: f32| x + 0.105;
    let (top1, top2) = (lerp(0.85, 0.9, v.b), lerp(0.95, 1.02, v.b));
    let stem = |x: f32, top: f32| {
        Node::round_box([0.033, (top - 0.12) * 0.5, depth * 0.8], 0.015).at(stem_x(x), (top + 0.12) * 0.5, 0.0)
    };
    let beam = Node::extrude(
        vec![
            [stem_x(x1) - 0.033, top1 - 0.15],
            [stem_x(x2) + 0.033, top2 - 0.15],
            [stem_x(x2) + 0.033, top2],
            [stem_x(x1) - 0.033, top1],
        ],
        depth * 0.8,
        0.02,
    );
    let second_beam = v.c > 0.5;
    let mut parts = vec![head(x1), head(x2), stem(x1, top1), stem(x2, top2), beam];
    if second_beam {
        parts.push(Node::extrude(
            vec![
                [stem_x(x1) - 0.033, top1 - 0.3],
                [stem_x(x2) + 0.033, top2 - 0.3],
                [stem_x(x2) + 0.033, top2 - 0.22],
                [stem_x(x1) - 0.033, top1 - 0.22],
            ],
            depth * 0.8,
            0.02,
        ));
    }
    Node::smooth_union(0.02, parts)
}

/// A rocket standing on its fins, a porthole towards the viewer.
pub fn rocket(v: &Variation) -> Node {
    let r = lerp(0.19, 0.22, v.a);
    let top = lerp(1.0, 1.08, v.b);
    let body = Node::lathe(vec![
        [0.0, 0.14],
        [r * 0.8, 0.14],
        [r, 0.22],
        [r * 1.04, 0.45],
        [r, 0.62],
        [r * 0.85, top - 0.3],
        [r * 0.6, top - 0.16],
        [r * 0.3, top - 0.05],
        [0.0, top],
    ]);
    let nozzle = Node::lathe(vec![[0.0, 0.0], [r * 0.62, 0.0], [r * 0.45, 0.16], [0.0, 0.16]]);
    let band = Node::torus(r * 1.03, 0.02).repeat([0.0, 0.1, 0.0], [0, 1, 0]).at(0.0, 0.33, 0.0);
    let reach = lerp(0.36, 0.42, v.c);
    let fin = Node::extrude(
        vec![[r * 0.6, 0.55], [r * 0.6, 0.12], [reach, 0.0], [reach + 0.02, 0.12], [r + 0.02, 0.5]],
        0.035,
        0.02,
    );
    let fins = fin.polar(4);
    let window_y = top * 0.62;
    let window = Node::union(vec![
        Node::torus(0.075, 0.024).rotate_x(FRAC_PI_2).at(0.0, window_y, r * 0.98),
        Node::cylinder(0.07, 0.03, 0.01).rotate_x(FRAC_PI_2).at(0.0, window_y, r * 0.9),
    ]);
    Node::union(vec![Node::smooth_union(0.02, vec![body, nozzle, fins]), band, window])
}

/// A ship's anchor standing on its crown.
pub fn anchor(v: &Variation) -> Node {
    let arc_r = lerp(0.32, 0.36, v.a);
    let crown = arc_r + 0.045;
    let ring_y = crown + 0.72;
    let shank_low = crown - arc_r;
    let shank =
        Node::round_box([0.045, (ring_y - shank_low) * 0.5, 0.05], 0.02).at(0.0, (ring_y + shank_low) * 0.5, 0.0);
    let ring = Node::torus(0.09, 0.035).rotate_x(FRAC_PI_2).at(0.0, ring_y, 0.0);
    let stock_w = lerp(0.22, 0.27, v.b);
    let stock = Node::union(vec![
        Node::capsule([-stock_w, ring_y - 0.14, 0.0], [stock_w, ring_y - 0.14, 0.0], 0.04),
        Node::sphere(0.055).at(stock_w, ring_y - 0.14, 0.0).mirror_x(),
    ]);
    let cut_y = crown - arc_r * lerp(0.05, 0.2, v.c);
    let arms = Node::torus(arc_r, 0.055)
        .rotate_x(FRAC_PI_2)
        .at(0.0, crown, 0.0)
        .intersect(Node::round_box([arc_r + 0.1, 0.3, 0.1], 0.0).at(0.0, cut_y - 0.3, 0.0));
    // Arrowheads at the arm tips, pointing on along the arc (up and out).
    let tip = [(arc_r * arc_r - (crown - cut_y) * (crown - cut_y)).max(0.0).sqrt(), cut_y];
    let phi = (cut_y - crown).atan2(tip[0]);
    let fluke = Node::extrude(vec![[0.0, 0.15], [-0.085, -0.03], [0.0, 0.01], [0.085, -0.03]], 0.045, 0.02)
        .rotate_z(phi)
        .at(tip[0], tip[1], 0.0)
        .mirror_x();
    Node::smooth_union(0.03, vec![shank, ring, stock, arms, fluke])
}

/// A faceted five-pointed star standing on two points.
pub fn star(v: &Variation) -> Node {
    let outer = 0.55;
    let inner = outer * lerp(0.42, 0.5, v.a);
    let rise = outer * (std::f32::consts::PI * 0.3).cos();
    Node::bevel(star_outline(5, outer, inner), lerp(1.2, 1.6, v.b)).inflate(0.02).rotate_z(lerp(-0.05, 0.05, v.c)).at(
        0.0,
        rise + 0.02,
        0.0,
    )
}

/// A puffy heart standing on its tip.
pub fn heart(v: &Variation) -> Node {
    let depth = lerp(0.14, 0.17, v.a);
    Node::extrude_outline(Outline::heart(lerp(0.95, 1.05, v.b)), depth, depth).rotate_y(lerp(-0.15, 0.15, v.c))
}

/// A cup trophy with two handles and a star on its bowl.
pub fn trophy(v: &Variation) -> Node {
    let bowl_r = lerp(0.28, 0.32, v.a);
    let stem_h = lerp(0.4, 0.46, v.b);
    let cup = Node::lathe(vec![
        [0.0, 0.0],
        [0.27, 0.0],
        [0.27, 0.07],
        [0.2, 0.09],
        [0.2, 0.13],
        [0.11, 0.16],
        [0.055, 0.21],
        [0.05, stem_h - 0.1],
        [0.09, stem_h - 0.06],
        [0.06, stem_h - 0.02],
        [0.08, stem_h],
        [bowl_r * 0.7, stem_h + 0.05],
        [bowl_r * 0.95, stem_h + 0.2],
        [bowl_r, stem_h + 0.42],
        [bowl_r - 0.045, stem_h + 0.42],
        [bowl_r * 0.8, stem_h + 0.25],
        [0.0, stem_h + 0.2],
    ])
    .inflate(0.01);
    let handle = Node::torus(lerp(0.1, 0.13, v.c), 0.035)
        .rotate_x(FRAC_PI_2)
        .at(bowl_r - 0.02, stem_h + 0.26, 0.0)
        .intersect(Node::round_box([0.2, 0.3, 0.1], 0.0).at(bowl_r + 0.17, stem_h + 0.26, 0.0))
        .mirror_x();
    let emblem_y = stem_h + 0.22;
    let emblem =
        Node::extrude(star_outline(5, 0.09, 0.04), 0.03, 0.012).rotate_x(-0.1).at(0.0, emblem_y, bowl_r * 0.86 - 0.005);
    Node::smooth_union(0.025, vec![cup, handle, emblem])
}

/// A wrapped present with a ribbon and bow.
pub fn gift(v: &Variation) -> Node {
    let w = lerp(0.3, 0.34, v.a);
    let h = lerp(0.22, 0.28, v.b);
    let boxed = Node::round_box([w, h, w], 0.02).at(0.0, h, 0.0);
    let lid = Node::round_box([w + 0.03, 0.055, w + 0.03], 0.02).at(0.0, 2.0 * h + 0.02, 0.0);
    let band = Node::round_box([0.055, h + 0.06, w + 0.045], 0.01).at(0.0, h + 0.02, 0.0);
    let bands = Node::union(vec![band.clone(), band.rotate_y(FRAC_PI_2)]);
    let top = 2.0 * h + 0.075;
    let loop_tilt = lerp(0.45, 0.75, v.c);
    let bow_loop = Node::torus(0.1, 0.035).rotate_x(FRAC_PI_2).rotate_z(loop_tilt).at(0.1, top + 0.07, 0.0).mirror_x();
    let knot = Node::sphere(0.055).at(0.0, top + 0.02, 0.0);
    Node::union(vec![Node::smooth_union(0.01, vec![boxed, lid]), bands, Node::smooth_union(0.03, vec![bow_loop, knot])])
}
