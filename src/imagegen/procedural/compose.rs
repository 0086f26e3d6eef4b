//! Concept -> scene: motifs chosen from the concept's words, arranged on a base in the concept's style.
//!
//! Scene space: y up, the base's flat bottom on y = -1, the subject within about [-1, 1]^3, facing +z.
//! Every part is sunk into what it stands on, so the scene is one connected solid.

use super::math::{v3, V3};
use super::motifs::{self, stable_hash, Motif, Variation};
use super::sdf::Node;
use crate::domain::{Concept, Style};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Bottom of every scene: the base's flat underside.
pub const FLOOR: f32 = -1.0;

/// How deep each part reaches into what it stands on, beyond its motif's own footing.
const MARGIN: f32 = 0.03;

/// Turn towards the camera (which looks from the front right) that the main motifs get, so their
/// faces read, with seeded play around it.
const FACE_CAMERA: f32 = 0.15;

/// One concept's geometry: a single solid as a signed distance tree.
#[derive(Debug, Clone)]
pub struct Scene {
    root: Node,
    motifs: Vec<&'static str>,
}

impl Scene {
    /// Signed distance at `p` (negative inside); 1-Lipschitz, so safe for sphere tracing and meshing.
    pub fn sdf(&self, p: [f32; 3]) -> f32 {
        self.root.eval(p)
    }

    /// Lower and upper corners of a box that holds the solid.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        self.root.bounds()
    }

    /// The motifs in the scene, the main one first.
    pub fn motif_names(&self) -> Vec<&'static str> {
        self.motifs.clone()
    }

    pub(crate) fn root(&self) -> &Node {
        &self.root
    }
}

/// The scene for one concept. The same concept and seed always give the same scene.
pub fn scene_for(concept: &Concept, seed: u64) -> Scene {
    let subject = subject_text(concept);
    let mut picks = motifs::find_in_text(&subject);
    if picks.is_empty() {
        picks.push(motifs::generic_for(&subject));
    }
    let key = format!("{}|{}", concept.style.label(), subject);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ stable_hash(&key));
    let main = picks[0];
    let second = picks.get(1).copied();
    let (root, used) = match concept.style {
        Style::Whimsical => {
            let companion = second.unwrap_or_else(|| other_generic(main, &mut rng));
            (whimsical(main, companion, &mut rng), vec![main, companion])
        }
        Style::Heroic => (heroic(main, &mut rng), vec![main]),
        Style::Hybrid => {
            let partner = second.unwrap_or_else(|| other_generic(main, &mut rng));
            (hybrid(main, partner, &mut rng), vec![main, partner])
        }
        Style::Artistic => {
            let mut used = vec![main];
            used.extend(second);
            (artistic(main, second, &mut rng), used)
        }
    };
    Scene {
        root: flatten_bottom(root),
        motifs: used.iter().map(|m| m.name).collect(),
    }
}

/// One motif alone on a plain disc, upright: for contact sheets and tests.
pub fn motif_scene(name: &str, seed: u64) -> Option<Scene> {
    let motif = motifs::by_name(name)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ stable_hash(name));
    let v = Variation::from_rng(&mut rng);
    let top = FLOOR + 0.12;
    let fit = Fit::new(1.55, 1.45, 1.2);
    let (node, _) = stand(motif, build(motif, &v), fit, 0.0, 0.0, [0.0, top, 0.0]);
    let root = Node::smooth_union(0.04, vec![disc(0.8, top, 0.12), node]);
    Some(Scene {
        root: flatten_bottom(root),
        motifs: vec![motif.name],
    })
}

/// The words that name the subject: the title and the prompt's first sentence (the ideation
/// templates put the subject first and the fixed printability wording after it).
fn subject_text(concept: &Concept) -> String {
    let first = concept.prompt.split('.').next().unwrap_or_default();
    format!("{first} {}", concept.title)
}

fn other_generic(main: &Motif, rng: &mut ChaCha8Rng) -> &'static Motif {
    let generics: Vec<&'static Motif> = motifs::catalogue()
        .iter()
        .filter(|m| m.generic && m.name != main.name)
        .collect();
    generics[rng.random_range(0..generics.len())]
}

/// The largest size a motif may take: it is scaled to the tallest height that keeps within all three.
#[derive(Debug, Clone, Copy)]
struct Fit {
    height: f32,
    width: f32,
    depth: f32,
}

impl Fit {
    fn new(height: f32, width: f32, depth: f32) -> Fit {
        Fit {
            height,
            width,
            depth,
        }
    }
}

/// A built motif with the box of its solid.
struct Built {
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

fn build(motif: &Motif, v: &Variation) -> Built {
    Built::new(motif.build(v))
}

/// The scale that fits a motif into `fit`, and the motif's scaled size.
fn fit_scale(built: &Built, fit: Fit) -> (f32, V3) {
    let size = built.size();
    let s = (fit.height / size.y)
        .min(fit.width / size.x)
        .min(fit.depth / size.z);
    (s, size * s)
}

/// A built motif placed in the scene: scaled into `fit`, tilted by `tilt` (about z, pivoting on its
/// foot), turned by `yaw`, and stood at `foot`, sunk so that even its raised side reaches below
/// `foot.y`. Also returns its scaled size.
fn stand(motif: &Motif, built: Built, fit: Fit, tilt: f32, yaw: f32, foot: [f32; 3]) -> (Node, V3) {
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
fn tilt_limit(w: f32, reach: f32) -> f32 {
    (2.0 * reach / w.max(1e-3)).min(1.0).asin()
}

/// A round slab whose top is at `top`.
fn disc(radius: f32, top: f32, thickness: f32) -> Node {
    Node::cylinder(radius, thickness * 0.5, thickness * 0.35).at(0.0, top - thickness * 0.5, 0.0)
}

/// Cuts everything below the floor so the solid stands on one flat face.
fn flatten_bottom(root: Node) -> Node {
    let (lo, hi) = root.bounds();
    let half = [
        (hi[0] - lo[0]) * 0.5 + 0.1,
        (hi[1] - FLOOR) * 0.5 + 0.1,
        (hi[2] - lo[2]) * 0.5 + 0.1,
    ];
    let keep = Node::round_box(half, 0.0).at(
        (hi[0] + lo[0]) * 0.5,
        FLOOR + half[1],
        (hi[2] + lo[2]) * 0.5,
    );
    root.intersect(keep)
}

fn signed(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    let m = rng.random_range(lo..hi);
    if rng.random_bool(0.5) {
        m
    } else {
        -m
    }
}

/// Points (x, z) where `nodes` have material in the plane `y`, sampled on a grid over each box:
/// what a base must hold so every part stands on it.
fn footprint(nodes: &[&Node], y: f32) -> Vec<[f32; 2]> {
    let n = 32;
    let mut points = Vec::new();
    for node in nodes {
        let (lo, hi) = node.bounds();
        for i in 0..=n {
            for j in 0..=n {
                let x = lo[0] + (hi[0] - lo[0]) * i as f32 / n as f32;
                let z = lo[2] + (hi[2] - lo[2]) * j as f32 / n as f32;
                if node.eval([x, y, z]) < 0.0 {
                    points.push([x, z]);
                }
            }
        }
    }
    points
}

/// A circle around `points`: the centre of their box and the farthest point's distance.
fn enclosing_circle(points: &[[f32; 2]]) -> ([f32; 2], f32) {
    let (lo, hi) = points.iter().fold(
        ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]),
        |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        },
    );
    if points.is_empty() {
        return ([0.0, 0.0], 0.0);
    }
    let c = [(lo[0] + hi[0]) * 0.5, (lo[1] + hi[1]) * 0.5];
    let r = points
        .iter()
        .map(|p| (p[0] - c[0]).hypot(p[1] - c[1]))
        .fold(0.0, f32::max);
    (c, r)
}

/// One chunky main motif with a playful tilt, a small companion at its feet, on a round base.
fn whimsical(main: &Motif, companion: &Motif, rng: &mut ChaCha8Rng) -> Node {
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
    let (_, main_reach) = enclosing_circle(&footprint(&[&main_node], top + 0.01));
    let cv = Variation::from_rng(rng);
    let comp_node = build(companion, &cv);
    let comp_fit = Fit::new(0.8, 0.72, 0.6);
    let comp_w = fit_scale(&comp_node, comp_fit).1.x;
    // The companion stands at the front, on the side the main motif leans away from, just
    // touching the main motif's footprint.
    let side = -tilt.signum();
    let angle = side * rng.random_range(0.6..0.9);
    let dist = 0.8 * main_reach + 0.25 * comp_w;
    let comp_foot = [
        foot[0] + dist * angle.sin(),
        top,
        foot[2] + dist * angle.cos(),
    ];
    let comp_yaw = FACE_CAMERA - (yaw - FACE_CAMERA);
    let (comp, _) = stand(
        companion,
        comp_node,
        comp_fit,
        tilt * 0.5,
        comp_yaw,
        comp_foot,
    );
    // The base is centred under what stands on it, not on the axis.
    let (centre, reach) = enclosing_circle(&footprint(&[&main_node, &comp], top + 0.01));
    let radius = (reach + 0.1).max(0.42 * main_size.x).clamp(0.5, 0.95);
    let base = disc(radius, top, thickness).at(centre[0], 0.0, centre[1]);
    Node::smooth_union(0.05, vec![base, main_node.inflate(0.01), comp])
}

/// The main motif tall and upright on a stepped plinth with a star medallion.
fn heroic(main: &Motif, rng: &mut ChaCha8Rng) -> Node {
    let v = Variation::from_rng(rng);
    let node = build(main, &v);
    let fit = Fit::new(1.6, 1.05, 1.0);
    let size = fit_scale(&node, fit).1;
    let top_half = (0.5 * size.x.max(size.z) + 0.1).clamp(0.4, 0.62);
    let steps = [
        (top_half + 0.24, 0.2),
        (top_half + 0.12, 0.12),
        (top_half, 0.1),
    ];
    let mut y = FLOOR;
    let mut parts = Vec::new();
    for (half, h) in steps {
        parts.push(Node::round_box([half, h * 0.5 + 0.01, half], 0.025).at(0.0, y + h * 0.5, 0.0));
        y += h;
    }
    let front = steps[0].0;
    parts.push(
        Node::bevel(motifs::star_outline(5, 0.085, 0.037), 1.3)
            .inflate(0.005)
            .at(0.0, FLOOR + 0.1, front),
    );
    let yaw = FACE_CAMERA * 0.5 + signed(rng, 0.0, 0.08);
    let (hero, _) = stand(main, node, fit, 0.0, yaw, [0.0, y, 0.0]);
    Node::union(vec![Node::smooth_union(0.02, parts), hero])
}

/// Two motifs fused side by side on an oval base.
fn hybrid(a: &Motif, b: &Motif, rng: &mut ChaCha8Rng) -> Node {
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
    let (na, _) = stand(
        a,
        node_a,
        fit,
        0.0,
        FACE_CAMERA + turn,
        [xa + shift, top, 0.0],
    );
    let (nb, _) = stand(
        b,
        node_b,
        fit,
        0.0,
        FACE_CAMERA - turn,
        [xb + shift, top, 0.0],
    );
    let half_len = ((wa + wb - overlap) * 0.5 - 0.35).max(0.1);
    let base = stadium(half_len, 0.55, top, thickness);
    Node::smooth_union(0.05, vec![base, Node::smooth_union(0.12, vec![na, nb])])
}

/// A flat slab with semicircular ends, its top at `top`.
fn stadium(half_len: f32, radius: f32, top: f32, thickness: f32) -> Node {
    disc(radius, top, thickness).elongate([half_len, 0.0, 0.0])
}

/// A twisted stack of rounded blocks threaded by a tilted hoop, the main motif crowning it at a
/// bold angle, a second motif (if any) leaning at its foot; blended softly into one sculptural form.
fn artistic(main: &Motif, second: Option<&Motif>, rng: &mut ChaCha8Rng) -> Node {
    let thickness = 0.12;
    let top = FLOOR + thickness;
    let mut parts = vec![disc(0.62, top, thickness)];
    let mut y = top - 0.02;
    let mut turn = rng.random_range(0.0..1.0);
    let twist = signed(rng, 0.3, 0.5);
    for (half, h) in [(0.3, 0.1), (0.24, 0.09), (0.18, 0.08)] {
        parts.push(
            Node::round_box([half, h, half], 0.035)
                .rotate_y(turn)
                .at(0.0, y + h, 0.0),
        );
        y += 2.0 * h - 0.02;
        turn += twist;
    }
    let crown_top = y;
    parts.push(
        Node::torus(0.5, 0.03)
            .rotate_x(rng.random_range(1.05..1.2))
            .rotate_y(rng.random_range(-0.7..0.7))
            .at(0.0, (top + crown_top) * 0.5, 0.0),
    );
    let v = Variation::from_rng(rng);
    let fit = Fit::new(1.15, 0.95, 0.85);
    let node = build(main, &v);
    let limit = tilt_limit(fit_scale(&node, fit).1.x, 0.1);
    let tilt = signed(rng, 0.2, 0.35).clamp(-limit, limit);
    let yaw = FACE_CAMERA + signed(rng, 0.15, 0.4);
    let (crown, _) = stand(main, node, fit, tilt, yaw, [0.0, crown_top, 0.0]);
    parts.push(crown.inflate(0.012));
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
