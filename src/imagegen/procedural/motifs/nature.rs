//! Nature and animal motifs.

use super::shapes::{bezier, deg, lerp, regular};
use super::Variation;
use crate::imagegen::procedural::sdf::Node;
use std::f32::consts::{FRAC_PI_2, TAU};

/// Faceted peaks with snow caps.
pub fn mountain(v: &Variation) -> Node {
    let peak = |cx: f32, cz: f32, r: f32, h: f32, spin: f32, lean: f32| {
        let base: Vec<[f32; 2]> = regular(7, r, spin)
            .into_iter()
            .enumerate()
            .map(|(i, [x, z])| {
                let k = 1.0 + 0.12 * ((i as f32 * 2.3 + spin * 5.0).sin());
                [x * k, z * k]
            })
            .collect();
        let rock = Node::pyramid(&base, [lean, h, lean * 0.3]);
        // A snow cap: the peak grown a little above the snow line, with tongues running down.
        let snow_line = h * 0.66;
        let tongues = Node::capsule([r * 0.4, 0.0, 0.0], [r * 0.55, -h * 0.15, 0.0], h * 0.09)
            .polar(4)
            .rotate_y(spin)
            .at(0.0, snow_line, 0.0);
        let above = Node::round_box([r * 1.2, h * 0.5, r * 1.2], 0.0).at(0.0, snow_line + h * 0.5, 0.0);
        let snow = rock.clone().inflate(0.035).intersect(Node::smooth_union(0.06, vec![above, tongues]));
        Node::union(vec![rock, snow]).at(cx, 0.0, cz)
    };
    let h = lerp(0.95, 1.05, v.a);
    Node::union(vec![
        peak(0.0, 0.0, 0.5, h, 0.3 + v.b, 0.04),
        peak(0.38, 0.12, 0.36, h * 0.62, 1.1 + v.c, -0.03),
        peak(-0.38, 0.08, 0.34, h * 0.52, 2.0 + v.b, 0.05),
    ])
}

/// A round-crowned tree, or a conifer for some seeds.
pub fn tree(v: &Variation) -> Node {
    let trunk_h = lerp(0.42, 0.5, v.a);
    let trunk = Node::union(vec![
        Node::cone(0.11, 0.065, trunk_h * 0.5).at(0.0, trunk_h * 0.5, 0.0),
        Node::capsule([0.0, 0.04, 0.0], [0.16, 0.03, 0.0], 0.04).polar(4),
    ]);
    if v.c > 0.7 {
        let tiers = (0..3)
            .map(|i| {
                let i = i as f32;
                let r = 0.42 - i * 0.1;
                Node::cone(r, 0.03, 0.2).at(0.0, trunk_h * 0.55 + i * 0.2 + 0.2, 0.0)
            })
            .collect();
        return Node::union(vec![trunk, Node::smooth_union(0.02, tiers)]);
    }
    let crown_y = trunk_h + 0.2;
    let mut blobs = vec![Node::sphere(0.3).at(0.0, crown_y + 0.1, 0.0)];
    for i in 0..6 {
        let a = i as f32 / 6.0 * TAU + v.b * 2.0;
        let r = lerp(0.18, 0.23, ((i as f32 * 1.7 + v.b * 9.0).sin() + 1.0) * 0.5);
        blobs.push(Node::sphere(r).at(0.26 * a.cos(), crown_y + 0.04 * (i % 2) as f32, 0.2 * a.sin()));
    }
    blobs.push(Node::capsule([0.0, trunk_h * 0.6, 0.0], [0.16, crown_y, 0.05], 0.04));
    blobs.push(Node::capsule([0.0, trunk_h * 0.7, 0.0], [-0.14, crown_y + 0.05, 0.0], 0.035));
    Node::union(vec![trunk, Node::smooth_union(0.06, blobs)])
}

/// A flower pot with a fan of thick leaves.
pub fn potted_plant(v: &Variation) -> Node {
    let pot_h = lerp(0.38, 0.44, v.a);
    let pot = Node::lathe(vec![
        [0.0, 0.0],
        [0.19, 0.0],
        [0.24, pot_h - 0.08],
        [0.29, pot_h - 0.07],
        [0.29, pot_h],
        [0.25, pot_h],
        [0.24, pot_h - 0.04],
        [0.0, pot_h - 0.04],
    ]);
    let leaves = (v.b * 3.0) as usize + 5;
    let mut parts = vec![pot];
    for i in 0..leaves {
        let yaw = i as f32 / leaves as f32 * TAU + v.c;
        let tilt = if i % 2 == 0 { 0.45 } else { 0.75 };
        let len = if i % 2 == 0 { 0.32 } else { 0.26 };
        let leaf = Node::ellipsoid([0.1, len, 0.035]).at(0.0, len * 0.85, 0.0).rotate_z(-tilt).rotate_y(yaw).at(
            0.0,
            pot_h - 0.06,
            0.0,
        );
        parts.push(leaf);
    }
    parts.push(Node::ellipsoid([0.07, 0.3, 0.04]).at(0.0, pot_h + 0.22, 0.0));
    Node::smooth_union(0.03, parts)
}

/// The point of an ellipsoid's surface in direction `dir` from its centre (parametric, so the
/// direction is bent by the radii; close enough to place eyes and buttons).
fn on_ellipsoid(centre: [f32; 3], radii: [f32; 3], dir: [f32; 3]) -> [f32; 3] {
    let l = (dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]).sqrt();
    [centre[0] + radii[0] * dir[0] / l, centre[1] + radii[1] * dir[1] / l, centre[2] + radii[2] * dir[2] / l]
}

/// A sitting cat with pointed ears and button eyes, its tail curled round its paws.
pub fn cat(v: &Variation) -> Node {
    let fat = lerp(0.21, 0.25, v.a);
    let body = Node::smooth_union(
        0.1,
        vec![
            Node::ellipsoid([fat, 0.3, 0.2]).at(0.0, 0.36, 0.0),
            Node::ellipsoid([fat + 0.05, 0.17, 0.25]).at(0.0, 0.17, -0.04),
        ],
    );
    let head_y = 0.76;
    let head = Node::ellipsoid([0.21, 0.175, 0.18]).at(0.0, head_y, 0.03);
    let ear = Node::pyramid(&[[-0.075, -0.045], [0.075, -0.045], [0.0, 0.05]], [0.0, 0.18, 0.0])
        .inflate(0.012)
        .rotate_z(-lerp(0.2, 0.38, v.b))
        .at(0.12, head_y + 0.08, 0.02)
        .mirror_x();
    let legs = Node::capsule([0.08, 0.05, 0.14], [0.07, 0.4, 0.08], 0.055).mirror_x();
    let paws = Node::ellipsoid([0.06, 0.045, 0.075]).at(0.08, 0.045, 0.17).mirror_x();
    let tail = Node::tube(&bezier([-0.18, 0.06, -0.2], [0.45, 0.06, -0.12], [0.22, 0.05, 0.24], 8), 0.045);
    let cheeks = Node::sphere(0.055).at(0.045, head_y - 0.06, 0.17).mirror_x();
    let nose = Node::ellipsoid([0.028, 0.02, 0.02]).at(0.0, head_y - 0.02, 0.215);
    let eye_at = on_ellipsoid([0.0, head_y, 0.03], [0.21, 0.175, 0.18], [0.4, 0.2, 0.9]);
    let eyes = Node::ellipsoid([0.03, 0.04, 0.022]).translate(eye_at).mirror_x();
    Node::smooth_union(0.035, vec![body, head, ear, legs, paws, tail, cheeks, nose]).smooth_union_with(eyes, 0.01)
}

/// A sitting puppy: big head, long snout with a round nose, floppy ears, tail up.
pub fn dog(v: &Variation) -> Node {
    let body = Node::smooth_union(
        0.1,
        vec![
            Node::ellipsoid([0.19, 0.27, 0.19]).rotate_x(-0.2).at(0.0, 0.38, 0.03),
            Node::ellipsoid([0.25, 0.17, 0.27]).at(0.0, 0.17, -0.1),
        ],
    );
    let head_y = 0.76;
    let head_r = lerp(0.2, 0.22, v.a);
    let head = Node::sphere(head_r).at(0.0, head_y, 0.02);
    let snout = Node::capsule([0.0, head_y - 0.05, 0.08], [0.0, head_y - 0.08, 0.24], 0.085);
    let nose = Node::ellipsoid([0.065, 0.05, 0.045]).at(0.0, head_y - 0.03, 0.33);
    let ear_len = lerp(0.17, 0.21, v.b);
    let ear = Node::ellipsoid([0.075, ear_len, 0.05])
        .rotate_z(0.22)
        .rotate_y(0.25)
        .at(head_r + 0.01, head_y - 0.09, -0.01)
        .mirror_x();
    let legs = Node::capsule([0.09, 0.05, 0.14], [0.08, 0.4, 0.08], 0.058).mirror_x();
    let paws = Node::ellipsoid([0.068, 0.05, 0.09]).at(0.09, 0.05, 0.17).mirror_x();
    let tail_up = lerp(0.25, 0.4, v.c);
    let tail = Node::tube(&bezier([0.0, 0.15, -0.3], [0.05, 0.2, -0.5], [0.0, 0.15 + tail_up, -0.42], 6), 0.045);
    let eye_at = on_ellipsoid([0.0, head_y, 0.02], [head_r; 3], [0.42, 0.35, 0.84]);
    let eyes = Node::sphere(0.038).translate(eye_at).mirror_x();
    let collar = Node::torus(0.13, 0.03).rotate_x(0.3).at(0.0, head_y - 0.19, 0.0);
    let tag =
        Node::cylinder(0.04, 0.012, 0.006).rotate_x(std::f32::consts::FRAC_PI_2 - 0.3).at(0.0, head_y - 0.29, 0.17);
    Node::smooth_union(0.04, vec![body, head, snout, ear, legs, paws, tail, collar])
        .smooth_union_with(Node::union(vec![nose, eyes, tag]), 0.01)
}

/// A plump songbird in side view, beak towards +x.
pub fn bird(v: &Variation) -> Node {
    let fat = lerp(0.26, 0.3, v.a);
    let body = Node::ellipsoid([fat + 0.04, fat, 0.22]).at(-0.02, fat + 0.02, 0.0);
    let head_r = lerp(0.15, 0.17, v.b);
    let head = Node::sphere(head_r).at(0.2, fat * 2.0 + 0.05, 0.0);
    let beak = Node::pyramid(&regular(4, 0.05, deg(45.0)), [0.0, 0.13, 0.0]).rotate_z(-FRAC_PI_2).at(
        0.2 + head_r - 0.02,
        fat * 2.0 + 0.04,
        0.0,
    );
    let tail = Node::extrude(
        vec![[-0.2, fat + 0.05], [-0.5, fat + 0.3], [-0.44, fat + 0.36], [-0.18, fat + 0.18]],
        0.06,
        0.03,
    );
    let wing = Node::ellipsoid([0.2, 0.12, 0.05]).rotate_z(0.3).at(-0.06, fat + 0.06, 0.19).mirror_z();
    let feet = Node::capsule([0.0, 0.0, 0.06], [0.08, 0.0, 0.07], 0.03).mirror_z();
    let eyes = Node::sphere(0.028).at(0.27, fat * 2.0 + 0.09, head_r * 0.8).mirror_z();
    let crest = Node::ellipsoid([0.04, 0.08, 0.03]).rotate_z(0.5).at(0.16 - v.c * 0.05, fat * 2.0 + 0.05 + head_r, 0.0);
    let bird = Node::smooth_union(0.05, vec![body, head, tail, wing, feet, crest]);
    Node::union(vec![bird.smooth_subtract(eyes, 0.01), beak])
}
