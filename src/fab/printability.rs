//! The printability report: what a slicer and a person need to know about a solid, with warnings in
//! plain words.

use crate::fab::Printability;
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

/// Measures `mesh` (in mm, Z up) and adds `extra` warnings (from earlier steps) to its own.
pub fn assess(mesh: &Mesh, thinnest_stroke_mm: Option<f64>, extra: Vec<String>) -> Printability {
    let manifold = analysis::is_closed_manifold(mesh);
    let parts = analysis::components(mesh).len();
    let volume_mm3 = analysis::signed_volume(mesh);
    let size_mm =
        mesh.bounds().map(|(lo, hi)| [0, 1, 2].map(|k| f64::from(hi[k]) - f64::from(lo[k]))).unwrap_or([0.0; 3]);
    let faces = face_stats(mesh);
    let overhang_pct = if faces.total > 0.0 { 100.0 * faces.overhang / faces.total } else { 0.0 };
    let footprint = size_mm[0] * size_mm[1];
    let base_flat = faces.bed >= MIN_BASE_MM2 && faces.bed >= MIN_BASE_SHARE * footprint;

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
            "{overhang_pct:.0}% of the surface overhangs more than {OVERHANG_DEGREES:.0}° and will need supports"
        ));
    }
    warnings.extend(extra);
    Printability { manifold, parts, volume_mm3, size_mm, warnings, overhang_pct, base_flat, thinnest_stroke_mm }
}

/// Areas in mm²: all faces, down-facing faces beyond the overhang angle (bed faces excluded), and
/// down-facing faces lying on the bed.
struct FaceStats {
    total: f64,
    overhang: f64,
    bed: f64,
}

fn face_stats(mesh: &Mesh) -> FaceStats {
    let mut s = FaceStats { total: 0.0, overhang: 0.0, bed: 0.0 };
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
        if twice == 0.0 {
            continue;
        }
        let area = 0.5 * twice;
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
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }

    #[test]
    fn a_sphere_overhangs_and_has_no_flat_base() {
        let m = manifold_io::to_mesh(&Manifold::sphere(10.0, 64));
        let r = assess(&m, Some(0.5), vec!["extra".into()]);
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
