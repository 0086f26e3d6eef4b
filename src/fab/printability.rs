//! The printability report: what a slicer and a person need to know about a solid, with warnings in
//! plain words.

use crate::fab::{thickness, Printability};
use crate::mesh::{analysis, Mesh};

/// Faces steeper than this from vertical (pointing down) need support.
const OVERHANG_DEGREES: f64 = 45.0;
/// Overhang share of the surface above which a warning is given, percent.
const OVERHANG_WARN_PCT: f64 = 10.0;
/// Faces within this height of the lowest point count as touching the bed, mm.
const BED_TOLERANCE_MM: f64 = 0.05;
/// A base smaller than this share of the piece's bounding footprint is not called flat.
const MIN_BASE_SHARE: f64 = 0.10;
const MIN_BASE_MM2: f64 = 20.0;
/// Thinnest wall two lines of a 0.4 mm nozzle form, mm (DESIGN section 5).
pub const MIN_WALL_MM: f64 = 0.8;
/// The thinnest this much surface is left out of the thinnest-wall figure (tips, slivers), mm².
const ROBUST_AREA_MM2: f64 = 1.0;
/// Thin faces joined into a patch smaller than this are relief (an engraved letter's counter, a
/// crease), not a wall, mm²: the largest such patch on an engraved 80 mm piece is about 1.3 mm².
const MIN_PATCH_MM2: f64 = 2.0;
/// Cap height under which engraved letters blur on a 0.4 mm nozzle at 0.2 mm layers, mm.
const MIN_CAP_HEIGHT_MM: f64 = 3.0;

/// What the engraving step knows about its letters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lettering {
    /// Cap height of the smallest line, mm.
    pub cap_height_mm: f64,
    /// Estimated stroke width of the thinnest line, mm.
    pub stroke_mm: f64,
}

/// Measures `mesh` (in mm, Z up) and adds `extra` warnings (from earlier steps) to its own.
pub fn assess(mesh: &Mesh, lettering: Option<Lettering>, extra: Vec<String>) -> Printability {
    // Judged as a file stores it, by position: vertices on one point are one vertex to a slicer.
    let manifold = analysis::is_closed_manifold(mesh) && analysis::is_closed_manifold(&analysis::weld(mesh, 0.0));
    let parts = analysis::components(mesh).len();
    let volume_mm3 = analysis::signed_volume(mesh);
    let size_mm =
        mesh.bounds().map(|(lo, hi)| [0, 1, 2].map(|k| f64::from(hi[k]) - f64::from(lo[k]))).unwrap_or([0.0; 3]);
    let faces = face_stats(mesh);
    let overhang_pct = if faces.total > 0.0 { 100.0 * faces.overhang / faces.total } else { 0.0 };
    let footprint = size_mm[0] * size_mm[1];
    let base_flat = faces.bed >= MIN_BASE_MM2 && faces.bed >= MIN_BASE_SHARE * footprint;
    let walls = walls(mesh, &faces.areas);

    let mut warnings = Vec::new();
    if !manifold {
        warnings.push("the surface is not watertight: slicers may fill or drop parts of it".to_string());
    }
    if parts != 1 {
        warnings.push(format!("the piece is {parts} separate parts, not one solid"));
    }
    if volume_mm3 <= 0.0 {
        warnings.push("the solid encloses no volume (it may be inside out)".to_string());
    }
    if !base_flat {
        warnings.push(format!(
            "the base is not flat: only {:.0} mm² touches the bed, so it may topple or need a brim",
            faces.bed
        ));
    }
    if overhang_pct > OVERHANG_WARN_PCT {
        warnings.push(format!(
            "{overhang_pct:.0}% of the surface ({:.0} mm²) overhangs more than {OVERHANG_DEGREES:.0}° and will \
             need supports",
            faces.overhang
        ));
    }
    if walls.thin_mm2 > 0.0 {
        warnings.push(format!(
            "about {:.0} mm² of the piece has walls thinner than {MIN_WALL_MM:.1} mm (the thinnest about {:.2} mm); \
             a 0.4 mm nozzle may leave them weak or out: print it larger or thicken those parts",
            walls.thin_mm2,
            walls.thinnest.unwrap_or(0.0)
        ));
    }
    if let Some(l) = lettering.filter(|l| l.cap_height_mm < MIN_CAP_HEIGHT_MM) {
        warnings.push(format!(
            "the engraved letters are only {:.1} mm tall (under {MIN_CAP_HEIGHT_MM:.0} mm they are hard to read); \
             use shorter text or a taller piece",
            l.cap_height_mm
        ));
    }
    warnings.extend(extra);
    Printability {
        manifold,
        parts,
        volume_mm3,
        size_mm,
        warnings,
        overhang_pct,
        overhang_mm2: faces.overhang,
        base_flat,
        base_contact_mm2: faces.bed,
        thinnest_wall_mm: walls.thinnest,
        thin_wall_mm2: walls.thin_mm2,
        thinnest_stroke_mm: lettering.map(|l| l.stroke_mm),
        repairs: Vec::new(),
        hollow: None,
        cap_height_mm: lettering.map(|l| l.cap_height_mm),
    }
}

/// Which faces lie on a wall thinner than [`MIN_WALL_MM`], for highlighting in a preview.
pub fn thin_faces(mesh: &Mesh) -> Vec<bool> {
    let areas: Vec<f64> = (0..mesh.triangles.len()).map(|i| face_area(mesh, i)).collect();
    thin_walls(mesh, &thickness::per_face(mesh, MIN_WALL_MM), &areas)
}

struct Walls {
    thinnest: Option<f64>,
    thin_mm2: f64,
}

/// The thinnest wall over all but the thinnest [`ROBUST_AREA_MM2`] of surface, and the area of
/// faces on walls under [`MIN_WALL_MM`].
fn walls(mesh: &Mesh, areas: &[f64]) -> Walls {
    let t = thickness::per_face(mesh, MIN_WALL_MM);
    let thin = thin_walls(mesh, &t, areas);
    // Thin readings outside a wall patch are relief (a letter's counter, a crease), not walls.
    let mut by_thickness: Vec<(f64, f64)> = t
        .iter()
        .zip(areas)
        .zip(&thin)
        .filter(|((t, _), wall)| t.is_finite() && (**wall || f64::from(**t) >= MIN_WALL_MM))
        .map(|((t, a), _)| (f64::from(*t), *a))
        .collect();
    by_thickness.sort_by(|a, b| a.0.total_cmp(&b.0));
    let thin_mm2 = areas.iter().zip(&thin).filter(|(_, w)| **w).map(|(a, _)| a).sum();
    let mut seen = 0.0;
    let thinnest = by_thickness
        .iter()
        .find(|(_, a)| {
            seen += a;
            seen >= ROBUST_AREA_MM2
        })
        .or(by_thickness.last())
        .map(|(t, _)| *t);
    Walls { thinnest, thin_mm2 }
}

/// Faces thinner than [`MIN_WALL_MM`] that, joined edge to edge, make a patch of at least
/// [`MIN_PATCH_MM2`]: a wall, as opposed to the small thin readings that relief and tips give.
fn thin_walls(mesh: &Mesh, thickness: &[f32], areas: &[f64]) -> Vec<bool> {
    let is_thin: Vec<bool> = thickness.iter().map(|t| f64::from(*t) < MIN_WALL_MM).collect();
    let mut parent: Vec<usize> = (0..mesh.triangles.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut edge_owner: std::collections::HashMap<(u32, u32), usize> = std::collections::HashMap::new();
    for (i, t) in mesh.triangles.iter().enumerate().filter(|(i, _)| is_thin[*i]) {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            match edge_owner.entry((a.min(b), a.max(b))) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    let (ra, rb) = (root(&mut parent, i), root(&mut parent, *e.get()));
                    parent[ra] = rb;
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
    }
    let mut patch_area = vec![0.0; mesh.triangles.len()];
    for i in (0..mesh.triangles.len()).filter(|i| is_thin[*i]) {
        let r = root(&mut parent, i);
        patch_area[r] += areas[i];
    }
    (0..mesh.triangles.len()).map(|i| is_thin[i] && patch_area[root(&mut parent, i)] >= MIN_PATCH_MM2).collect()
}

fn face_area(mesh: &Mesh, i: usize) -> f64 {
    let [a, b, c] = mesh.triangles[i].map(|v| mesh.vertices[v as usize].map(f64::from));
    let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt()
}

/// Areas in mm²: all faces, down-facing faces beyond the overhang angle (bed faces excluded), and
/// down-facing faces lying on the bed; and each face's own area.
struct FaceStats {
    total: f64,
    overhang: f64,
    bed: f64,
    areas: Vec<f64>,
}

fn face_stats(mesh: &Mesh) -> FaceStats {
    let mut s = FaceStats { total: 0.0, overhang: 0.0, bed: 0.0, areas: Vec::with_capacity(mesh.triangles.len()) };
    let Some((lo, _)) = mesh.bounds() else {
        return s;
    };
    let floor = f64::from(lo[2]) + BED_TOLERANCE_MM;
    let steep = -OVERHANG_DEGREES.to_radians().cos();
    for t in &mesh.triangles {
        let [a, b, c] = t.map(|i| mesh.vertices[i as usize].map(f64::from));
        let u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
        let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        let twice = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        let area = 0.5 * twice;
        s.areas.push(area);
        if twice == 0.0 {
            continue;
        }
        s.total += area;
        let nz = n[2] / twice;
        if nz < steep {
            if a[2].max(b[2]).max(c[2]) <= floor {
                s.bed += area;
            } else {
                s.overhang += area;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use manifold_rs::Manifold;

    #[test]
    fn a_cube_is_clean_and_flat() {
        let m = manifold_io::to_mesh(&Manifold::cube(20.0, 20.0, 20.0));
        let r = assess(&m, None, vec![]);
        assert!(r.manifold && r.parts == 1 && r.base_flat);
        assert!((r.volume_mm3 - 8000.0).abs() < 1e-6);
        assert_eq!(r.size_mm, [20.0, 20.0, 20.0]);
        assert_eq!(r.overhang_pct, 0.0);
        assert_eq!(r.overhang_mm2, 0.0);
        assert!((r.base_contact_mm2 - 400.0).abs() < 1e-6);
        assert_eq!(r.thinnest_wall_mm, Some(20.0));
        assert_eq!(r.thin_wall_mm2, 0.0);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn a_thin_walled_cup_is_flagged_where_it_is_thin() {
        // A cup 30 mm tall with a 0.5 mm side wall and a 3 mm floor.
        let cup = Manifold::cylinder(10.0, 10.0, 30.0, 96)
            .difference(&Manifold::cylinder(9.5, 9.5, 30.0, 96).translate(0.0, 0.0, 3.0));
        let m = manifold_io::to_mesh(&cup);
        let r = assess(&m, None, vec![]);
        let wall = r.thinnest_wall_mm.unwrap();
        assert!((wall - 0.5).abs() < 0.05, "thinnest {wall}");
        // Inner and outer side surfaces, less the floor: about 2 pi (10 + 9.5) 27 mm².
        let side = 2.0 * std::f64::consts::PI * 19.5 * 27.0;
        assert!((r.thin_wall_mm2 - side).abs() < 0.1 * side, "{} vs {side}", r.thin_wall_mm2);
        assert!(r.warnings.iter().any(|w| w.contains("thinner than 0.8 mm")), "{:?}", r.warnings);
        // The flags mark the side walls, not the bottom on the bed.
        let flags = thin_faces(&m);
        assert_eq!(flags.len(), m.triangles.len());
        let on_bed_flagged = m
            .triangles
            .iter()
            .zip(&flags)
            .filter(|(t, f)| **f && t.iter().all(|&v| m.vertices[v as usize][2] == 0.0))
            .count();
        assert_eq!(on_bed_flagged, 0);
        assert!(flags.iter().filter(|f| **f).count() > 100);
    }

    #[test]
    fn engraved_letters_are_not_mistaken_for_thin_walls() {
        use crate::fab::{engraving, pedestal::Pedestal};
        let p = Pedestal::for_piece(80.0, 15.0, 2);
        let (cut, plan) = engraving::engrave(p.solid().unwrap(), &p, "DAD", "60 YEARS").unwrap();
        let m = manifold_io::to_mesh(&cut);
        let r = assess(&m, plan.lettering(), vec![]);
        assert_eq!(r.thin_wall_mm2, 0.0, "{:?}", r.warnings);
        assert!(r.thinnest_wall_mm.unwrap() >= MIN_WALL_MM);
        assert!(!thin_faces(&m).contains(&true));
    }

    #[test]
    fn small_letters_are_called_hard_to_read() {
        let m = manifold_io::to_mesh(&Manifold::cube(20.0, 20.0, 20.0));
        let r = assess(&m, Some(Lettering { cap_height_mm: 2.0, stroke_mm: 0.9 }), vec![]);
        assert_eq!(r.cap_height_mm, Some(2.0));
        assert!(r.warnings.iter().any(|w| w.contains("only 2.0 mm tall")), "{:?}", r.warnings);
    }

    #[test]
    fn a_sphere_overhangs_and_has_no_flat_base() {
        let m = manifold_io::to_mesh(&Manifold::sphere(10.0, 64));
        let r = assess(&m, Some(Lettering { cap_height_mm: 4.0, stroke_mm: 0.5 }), vec!["extra".into()]);
        assert!(!r.base_flat);
        assert!(r.overhang_pct > 10.0 && r.overhang_pct < 20.0, "{}", r.overhang_pct);
        assert!(r.warnings.iter().any(|w| w.contains("base is not flat")));
        assert!(r.warnings.iter().any(|w| w.contains("will need supports")));
        assert_eq!(r.warnings.last().map(String::as_str), Some("extra"));
        assert_eq!(r.thinnest_stroke_mm, Some(0.5));
    }

    #[test]
    fn two_parts_are_reported() {
        let a = Manifold::cube(5.0, 5.0, 5.0);
        let b = Manifold::cube(5.0, 5.0, 5.0).translate(10.0, 0.0, 0.0);
        let r = assess(&manifold_io::to_mesh(&a.union(&b)), None, vec![]);
        assert_eq!(r.parts, 2);
        assert!(r.warnings.iter().any(|w| w.contains("2 separate parts")));
    }
}
