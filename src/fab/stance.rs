//! Which way down a model of unknown orientation should stand: the side with the most flat
//! surface to rest on, among the sides it stands on without tipping over.
//!
//! Candidate directions come from the convex hull's faces (every side a solid can rest on is one
//! of them) and the model's own axes. For each, the support polygon is the hull of the points
//! within the base cut's height of the lowest one (the part [`crate::fab::orient`] cuts flat), and
//! the model is stable there when its centre of mass projects inside that polygon. Among stable
//! sides the one with the most real flat surface lying on the plane wins; a model with no flat side
//! at all (a sculpted figure) goes by the largest support polygon instead. The model's own "down"
//! (-Y) keeps the win when it is nearly as good, so a model that already stands is left alone.

use crate::fab::manifold_io;
use crate::mesh::vec64::{cross, dot, sub};
use crate::mesh::Mesh;
use crate::stage::StageError;

/// Hull facets whose normals are this close are one side, degrees.
const SIDE_DEGREES: f64 = 5.0;
/// Most hull sides tried, largest first.
const MAX_SIDES: usize = 64;
/// Mesh faces this close (as a share of the model's size) to the resting plane, and facing it
/// within [`SIDE_DEGREES`], count as flat contact.
const CONTACT_FRACTION: f64 = 0.002;
/// Flat contact smaller than this share of the surface is no flat side.
const MIN_FLAT_SHARE: f64 = 0.01;
/// The model's own down wins when it scores at least this share of the best side.
const KEEP_OWN_SHARE: f64 = 0.9;
/// Model space's down: models stand Y-up (see [`crate::fab::orient::to_print_frame`]).
pub const MODEL_DOWN: [f64; 3] = [0.0, -1.0, 0.0];

/// The chosen side to stand on.
#[derive(Debug, Clone, PartialEq)]
pub struct Stance {
    /// Unit direction, in model space, that will point at the bed.
    pub down: [f64; 3],
    /// Flat surface resting on the bed, model units².
    pub contact: f64,
    /// Area of the support polygon, model units².
    pub support: f64,
}

/// The best side for `mesh` (closed, outward) to stand on, cutting `cut_fraction` of its height
/// flat; None when no side holds its centre of mass (then the model's own down is as good as any).
pub fn best(mesh: &Mesh, cut_fraction: f64) -> Result<Option<Stance>, StageError> {
    let hull = manifold_io::to_mesh(&manifold_io::to_manifold(mesh, "the model")?.hull());
    let points: Vec<[f64; 3]> = hull.vertices.iter().map(|v| v.map(f64::from)).collect();
    let Some(com) = centre_of_mass(mesh) else {
        return Ok(None);
    };
    let faces = face_normals(mesh);
    let total_area: f64 = faces.iter().map(|(_, a, _)| a).sum();
    let size = extent(&points);

    let mut candidates = sides(&hull);
    for k in 0..3 {
        for s in [-1.0, 1.0] {
            let mut d = [0.0; 3];
            d[k] = s;
            candidates.push(d);
        }
    }
    candidates.insert(0, MODEL_DOWN);

    let judged: Vec<Stance> = candidates
        .iter()
        .filter_map(|&d| {
            let lowest = points.iter().map(|p| dot(*p, d)).fold(f64::MIN, f64::max);
            let highest = points.iter().map(|p| dot(*p, d)).fold(f64::MAX, f64::min);
            let slab = cut_fraction * (lowest - highest);
            let (u, v) = basis(d);
            let base: Vec<[f64; 2]> =
                points.iter().filter(|p| dot(**p, d) >= lowest - slab).map(|p| [dot(*p, u), dot(*p, v)]).collect();
            let polygon = hull_2d(base);
            if !strictly_inside(&polygon, [dot(com, u), dot(com, v)]) {
                return None;
            }
            let contact_gap = CONTACT_FRACTION * size;
            let min_cos = SIDE_DEGREES.to_radians().cos();
            let contact = faces
                .iter()
                .filter(|(n, _, far)| dot(*n, d) >= min_cos && lowest - dot(*far, d) <= contact_gap)
                .map(|(_, a, _)| a)
                .sum();
            Some(Stance { down: d, contact, support: area(&polygon) })
        })
        .collect();
    let flat = judged.iter().any(|s| s.contact >= MIN_FLAT_SHARE * total_area);
    let score = |s: &Stance| if flat { s.contact } else { s.support };
    let Some(top) = judged.iter().map(score).reduce(f64::max) else {
        return Ok(None);
    };
    let own = judged.iter().find(|s| s.down == MODEL_DOWN).filter(|s| score(s) >= KEEP_OWN_SHARE * top);
    Ok(own.or_else(|| judged.iter().find(|s| score(s) == top)).cloned())
}

/// Rotation matrix (rows) taking unit `from` onto unit `to`, the shortest way round.
pub fn rotation(from: [f64; 3], to: [f64; 3]) -> [[f64; 3]; 3] {
    let axis = cross(from, to);
    let c = dot(from, to);
    let s = dot(axis, axis).sqrt();
    if s < 1e-12 {
        if c > 0.0 {
            return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        }
        // Opposite: half a turn about any axis perpendicular to `from`.
        let (u, _) = basis(from);
        return [0, 1, 2].map(|i| [0, 1, 2].map(|j| 2.0 * u[i] * u[j] - if i == j { 1.0 } else { 0.0 }));
    }
    let k = [axis[0] / s, axis[1] / s, axis[2] / s];
    let t = 1.0 - c;
    [
        [t * k[0] * k[0] + c, t * k[0] * k[1] - s * k[2], t * k[0] * k[2] + s * k[1]],
        [t * k[0] * k[1] + s * k[2], t * k[1] * k[1] + c, t * k[1] * k[2] - s * k[0]],
        [t * k[0] * k[2] - s * k[1], t * k[1] * k[2] + s * k[0], t * k[2] * k[2] + c],
    ]
}

/// `mesh` turned by the rotation `r` (a proper rotation, so faces keep pointing outwards).
pub fn rotate(mesh: &Mesh, r: &[[f64; 3]; 3]) -> Mesh {
    let vertices = mesh
        .vertices
        .iter()
        .map(|v| {
            let p = v.map(f64::from);
            r.map(|row| dot(row, p) as f32)
        })
        .collect();
    Mesh::new(vertices, mesh.triangles.clone())
}

/// Outward normals of the hull's sides, largest side first: facets grouped by normal.
fn sides(hull: &Mesh) -> Vec<[f64; 3]> {
    let mut facets: Vec<([f64; 3], f64, [f64; 3])> = face_normals(hull);
    facets.sort_by(|a, b| b.1.total_cmp(&a.1));
    let same = SIDE_DEGREES.to_radians().cos();
    let mut groups: Vec<([f64; 3], f64)> = Vec::new();
    for (n, a, _) in facets {
        if let Some(g) = groups.iter_mut().find(|(g, _)| dot(normalise(*g), n) >= same) {
            g.0 = [g.0[0] + a * n[0], g.0[1] + a * n[1], g.0[2] + a * n[2]];
            g.1 += a;
        } else if groups.len() < 4 * MAX_SIDES {
            groups.push(([a * n[0], a * n[1], a * n[2]], a));
        }
    }
    groups.sort_by(|a, b| b.1.total_cmp(&a.1));
    groups.into_iter().take(MAX_SIDES).map(|(n, _)| normalise(n)).collect()
}

/// (unit normal, area, the corner farthest along the normal) of every non-degenerate face.
fn face_normals(mesh: &Mesh) -> Vec<([f64; 3], f64, [f64; 3])> {
    mesh.triangles
        .iter()
        .filter_map(|t| {
            let [a, b, c] = t.map(|i| mesh.vertices[i as usize].map(f64::from));
            let n = cross(sub(b, a), sub(c, a));
            let len = dot(n, n).sqrt();
            if len == 0.0 {
                return None;
            }
            let unit = [n[0] / len, n[1] / len, n[2] / len];
            let far = [a, b, c].into_iter().max_by(|p, q| dot(*p, unit).total_cmp(&dot(*q, unit)))?;
            Some((unit, 0.5 * len, far))
        })
        .collect()
}

/// Centroid of the enclosed volume (signed tetrahedra from the origin).
fn centre_of_mass(mesh: &Mesh) -> Option<[f64; 3]> {
    let (mut vol, mut sum) = (0.0, [0.0; 3]);
    for t in &mesh.triangles {
        let [a, b, c] = t.map(|i| mesh.vertices[i as usize].map(f64::from));
        let v = dot(a, cross(b, c)) / 6.0;
        vol += v;
        for k in 0..3 {
            sum[k] += v * (a[k] + b[k] + c[k]) / 4.0;
        }
    }
    (vol > 0.0).then(|| sum.map(|s| s / vol))
}

fn extent(points: &[[f64; 3]]) -> f64 {
    (0..3)
        .map(|k| {
            let lo = points.iter().map(|p| p[k]).fold(f64::MAX, f64::min);
            let hi = points.iter().map(|p| p[k]).fold(f64::MIN, f64::max);
            hi - lo
        })
        .fold(0.0, f64::max)
}

/// Two unit vectors spanning the plane perpendicular to unit `d`.
fn basis(d: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let helper = if d[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
    let u = normalise(cross(d, helper));
    (u, cross(d, u))
}

/// Convex hull, counter-clockwise (Andrew's monotone chain).
fn hull_2d(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let turn = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(2 * pts.len());
    for pass in [pts.clone(), pts.into_iter().rev().collect()] {
        let start = out.len();
        for p in pass {
            while out.len() >= start + 2 && turn(out[out.len() - 2], out[out.len() - 1], p) <= 0.0 {
                out.pop();
            }
            out.push(p);
        }
        out.pop();
    }
    out
}

/// Inside a counter-clockwise convex polygon and off its edges.
fn strictly_inside(poly: &[[f64; 2]], p: [f64; 2]) -> bool {
    poly.len() >= 3
        && (0..poly.len()).all(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 0.0
        })
}

fn area(poly: &[[f64; 2]]) -> f64 {
    crate::fab::outline::signed_area(poly).abs()
}

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let l = dot(v, v).sqrt();
    if l == 0.0 {
        v
    } else {
        [v[0] / l, v[1] / l, v[2] / l]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use manifold_rs::Manifold;

    fn close(a: [f64; 3], b: [f64; 3]) -> bool {
        (0..3).all(|k| (a[k] - b[k]).abs() < 1e-6)
    }

    #[test]
    fn a_plate_lies_flat_whichever_way_it_came() {
        // 40 x 30 x 4: it rests on a 40 x 30 face, so down is +-Z, whatever the model said.
        let plate = manifold_io::to_mesh(&Manifold::cube(40.0, 30.0, 4.0));
        let s = best(&plate, 0.025).unwrap().unwrap();
        assert!(s.down[2].abs() > 0.999, "{s:?}");
        assert!((s.contact - 1200.0).abs() < 1e-6 && (s.support - 1200.0).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn a_model_standing_on_its_own_down_is_left_alone() {
        // A column on a plinth, Y up as our generators write it: the plinth's bottom is its down.
        let plinth = Manifold::cube(30.0, 4.0, 30.0);
        let body = Manifold::cylinder(8.0, 6.0, 40.0, 64).rotate(-90.0, 0.0, 0.0).translate(15.0, 4.0, 15.0);
        let m = manifold_io::to_mesh(&plinth.union(&body));
        let s = best(&m, 0.025).unwrap().unwrap();
        assert!(close(s.down, MODEL_DOWN), "{s:?}");
    }

    #[test]
    fn a_z_up_figure_is_stood_on_its_base() {
        // Z-up as CAD tools write it: a plinth at z = 0 with a column on top; the column's side
        // cannot hold it (the plinth tips it), so the plinth's bottom (-Z) is down.
        let plinth = Manifold::cube(30.0, 30.0, 4.0).translate(-15.0, -15.0, 0.0);
        let body = Manifold::cylinder(8.0, 6.0, 60.0, 64).translate(0.0, 0.0, 4.0);
        let m = manifold_io::to_mesh(&plinth.union(&body));
        let s = best(&m, 0.025).unwrap().unwrap();
        assert!(close(s.down, [0.0, 0.0, -1.0]), "{s:?}");
        // Turned so that direction points down in model space.
        let r = rotation(s.down, MODEL_DOWN);
        let turned = rotate(&m, &r);
        let (lo, hi) = turned.bounds().unwrap();
        assert!((hi[1] - lo[1] - 64.0).abs() < 1e-3, "now {lo:?} {hi:?}");
        assert!(crate::mesh::analysis::signed_volume(&turned) > 0.0);
    }

    #[test]
    fn a_sculpted_figure_without_flat_sides_goes_by_its_support() {
        // An egg lying along X: resting on its long side is the only stable stance.
        let egg = manifold_io::to_mesh(&Manifold::sphere(10.0, 48).scale(3.0, 1.0, 1.2));
        let s = best(&egg, 0.025).unwrap().unwrap();
        assert!(s.down[0].abs() < 0.2, "an egg should not stand on its tip: {s:?}");
    }

    #[test]
    fn rotations_take_from_to_to() {
        for from in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, -1.0, 0.0], normalise([1.0, 2.0, -3.0])] {
            let r = rotation(from, MODEL_DOWN);
            let moved = r.map(|row| dot(row, from));
            assert!(close(moved, MODEL_DOWN), "{from:?} -> {moved:?}");
            // Proper rotation: determinant +1.
            let det = dot(r[0], cross(r[1], r[2]));
            assert!((det - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn hull_2d_keeps_only_the_corners() {
        let h = hull_2d(vec![[0.0, 0.0], [2.0, 0.0], [1.0, 1.0], [2.0, 2.0], [0.0, 2.0], [1.0, 0.0]]);
        assert_eq!(h.len(), 4);
        assert!((area(&h) - 4.0).abs() < 1e-12);
        assert!(strictly_inside(&h, [1.0, 1.0]) && !strictly_inside(&h, [2.0, 1.0]));
    }
}
