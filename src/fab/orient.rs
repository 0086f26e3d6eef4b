//! From the generator's model space (about ±1, Y up, facing +Z) to millimetres on the print bed
//! (Z up, facing -Y): rotate, cut the bottom flat, scale so the whole piece has the asked height,
//! centre the base on the pedestal's axis.

use crate::fab::manifold_io;
use crate::fab::pedestal::{Pedestal, MIN_HEIGHT_MM, SINK_MM};
use crate::fab::stance;
use crate::mesh::Mesh;
use crate::stage::StageError;
use manifold_rs::Manifold;

/// How much of the figurine's height is cut off the bottom to make it flat.
pub const BASE_CUT_FRACTION: f64 = 0.025;
/// The slab above the cut whose outline counts as the footprint, as a share of the height.
const FOOTPRINT_FRACTION: f64 = 0.10;
/// Cross-sections sampled through the footprint slab.
const FOOTPRINT_SLICES: usize = 6;
/// Accepted piece heights, mm: below, the pedestal alone would be most of it.
pub const MIN_PIECE_MM: f64 = 2.0 * MIN_HEIGHT_MM;
pub const MAX_PIECE_MM: f64 = 1000.0;

/// The figurine in millimetres, standing on its seat in the pedestal, and that pedestal.
pub struct Placed {
    pub figurine: Manifold,
    pub pedestal: Pedestal,
}

/// Model space (Y up, facing +Z) to print space (Z up, facing -Y): a rotation of +90 degrees
/// about X, (x, y, z) -> (x, -z, y). Exact in f32 and orientation-preserving.
pub fn to_print_frame(raw: &Mesh) -> Mesh {
    let vertices = raw.vertices.iter().map(|v| [v[0], -v[2], v[1]]).collect();
    Mesh::new(vertices, raw.triangles.clone())
}

/// Stands a model whose up axis is unknown on its best side (see [`stance`]), still in model
/// space; also says what was done, for the progress log.
pub fn auto_orient(raw: &Mesh) -> Result<(Mesh, String), StageError> {
    match stance::best(raw, BASE_CUT_FRACTION)? {
        Some(s) if s.down != stance::MODEL_DOWN => {
            let turned = stance::rotate(raw, &stance::rotation(s.down, stance::MODEL_DOWN));
            Ok((turned, format!("stood the model on its {} side, the steadiest one", side_name(s.down))))
        }
        Some(_) => Ok((raw.clone(), "the model already stands on its steadiest side".into())),
        None => Ok((raw.clone(), "no side holds the model steady; kept it as it came".into())),
    }
}

/// "-Z" for an axis, else the direction's components.
fn side_name(d: [f64; 3]) -> String {
    for (k, axis) in ["X", "Y", "Z"].iter().enumerate() {
        if d[k].abs() > 0.999 {
            return format!("{}{axis}", if d[k] < 0.0 { "-" } else { "+" });
        }
    }
    format!("({:.2}, {:.2}, {:.2})", d[0], d[1], d[2])
}

/// Rotates, cuts flat, scales and centres a clean, closed raw mesh so that the figurine on its
/// pedestal is `height_mm` tall in all.
pub fn place(raw: &Mesh, height_mm: f64, text_lines: usize) -> Result<Placed, StageError> {
    if !height_mm.is_finite() || !(MIN_PIECE_MM..=MAX_PIECE_MM).contains(&height_mm) {
        return Err(StageError::BadInput(format!(
            "the height must be between {MIN_PIECE_MM:.0} and {MAX_PIECE_MM:.0} mm (got {height_mm})"
        )));
    }
    let framed = to_print_frame(raw);
    let (lo, hi) = framed.bounds().ok_or_else(|| StageError::BadInput("the model has no vertices".into()))?;
    let (z_lo, z_hi) = (f64::from(lo[2]), f64::from(hi[2]));
    if z_hi - z_lo <= 0.0 {
        return Err(StageError::BadInput("the model is flat: it has no height to scale".into()));
    }
    let solid = manifold_io::to_manifold(&framed, "the model")?;

    let cut_z = z_lo + BASE_CUT_FRACTION * (z_hi - z_lo);
    let trimmed = manifold_io::non_empty(solid.trim_by_plane(0.0, 0.0, 1.0, cut_z), "cutting the base flat")?;
    let (centre, reach) = footprint(&framed, &trimmed, cut_z, cut_z + FOOTPRINT_FRACTION * (z_hi - cut_z));

    let pedestal_height = Pedestal::height_for(height_mm, text_lines);
    let figurine_height = height_mm - pedestal_height + SINK_MM;
    let s = figurine_height / (z_hi - cut_z);
    let figurine =
        trimmed.translate(-centre[0], -centre[1], -cut_z).scale(s, s, s).translate(0.0, 0.0, pedestal_height - SINK_MM);
    let figurine = manifold_io::non_empty(figurine, "scaling the model")?;
    Ok(Placed { figurine, pedestal: Pedestal::for_piece(height_mm, reach * s, text_lines) })
}

/// Centre (x, y) and radius of the outline of `solid` between `z0` and `z1`, from the vertices of
/// `mesh` (the same surface before the cut, which only removed what lies below `z0`) and from
/// cross-sections, so long faces that span the slab are not missed.
fn footprint(mesh: &Mesh, solid: &Manifold, z0: f64, z1: f64) -> ([f64; 2], f64) {
    let mut pts: Vec<[f64; 2]> = mesh
        .vertices
        .iter()
        .filter(|v| (z0..=z1).contains(&f64::from(v[2])))
        .map(|v| [f64::from(v[0]), f64::from(v[1])])
        .collect();
    for i in 0..FOOTPRINT_SLICES {
        // Skip the cut plane itself: slicing exactly at a face is ill-defined.
        let z = z0 + (z1 - z0) * (i as f64 + 0.5) / FOOTPRINT_SLICES as f64;
        let polys = solid.slice(z);
        for k in 0..polys.size() {
            pts.extend(polys.get_as_slice(k).chunks_exact(2).map(|p| [p[0], p[1]]));
        }
    }
    if pts.is_empty() {
        return ([0.0, 0.0], 0.0);
    }
    let (mut lo, mut hi) = (pts[0], pts[0]);
    for p in &pts {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    let c = [0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])];
    let reach = pts.iter().map(|p| (p[0] - c[0]).hypot(p[1] - c[1])).fold(0.0, f64::max);
    (c, reach)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::analysis;

    /// A box in model space: 0.6 wide (x), 1.6 tall (y), 0.4 deep (z), off-centre.
    fn model_box() -> Mesh {
        let m = manifold_io::to_mesh(&Manifold::cube(0.6, 1.6, 0.4).translate(0.2, -0.8, -0.3));
        assert!(analysis::signed_volume(&m) > 0.0);
        m
    }

    #[test]
    fn frame_turns_y_up_into_z_up_and_front_to_minus_y() {
        let m = Mesh::new(vec![[1.0, 2.0, 3.0]], vec![]);
        assert_eq!(to_print_frame(&m).vertices[0], [1.0, -3.0, 2.0]);
    }

    #[test]
    fn placed_box_is_centred_cut_and_scaled() {
        let p = place(&model_box(), 80.0, 0).unwrap();
        let m = manifold_io::to_mesh(&p.figurine);
        let (lo, hi) = m.bounds().unwrap();
        assert!((f64::from(hi[2]) - 80.0).abs() < 1e-3, "top {}", hi[2]);
        assert!((f64::from(lo[2]) - p.pedestal.seat_z()).abs() < 1e-3, "bottom {}", lo[2]);
        assert!((lo[0] + hi[0]).abs() < 1e-3 && (lo[1] + hi[1]).abs() < 1e-3, "not centred: {lo:?} {hi:?}");
        // Uniform scale: the box keeps its proportions (1.6 tall minus the cut).
        let s = (80.0 - p.pedestal.height + SINK_MM) / (1.6 * (1.0 - BASE_CUT_FRACTION));
        assert!((f64::from(hi[0] - lo[0]) - 0.6 * s).abs() < 1e-3);
        // Depth (model z) became y.
        assert!((f64::from(hi[1] - lo[1]) - 0.4 * s).abs() < 1e-3);
        let half_diagonal = 0.5 * (0.6f64.hypot(0.4)) * s;
        assert!((p.pedestal.radius - half_diagonal - 8.0).abs() < 1e-3);
    }

    #[test]
    fn footprint_comes_from_cross_sections_when_no_vertex_is_near_the_base() {
        // A cone standing on its tip (0.1 wide at the bottom, 1.0 at the top, 2 tall) built in print
        // space and mapped back to model space: no vertex lies in the slab above the cut.
        let cone = manifold_io::to_mesh(&Manifold::cylinder(0.1, 1.0, 2.0, 64));
        let model = Mesh::new(cone.vertices.iter().map(|v| [v[0], v[2], -v[1]]).collect(), cone.triangles.clone());
        let p = place(&model, 80.0, 0).unwrap();
        let s = (80.0 - p.pedestal.height + SINK_MM) / (2.0 * (1.0 - BASE_CUT_FRACTION));
        // Radius 0.1 + 0.45 z at the slab's top sample (z about 0.23): about 0.2 model units.
        let reach = p.pedestal.radius - 8.0;
        assert!(reach > 0.18 * s && reach < 0.23 * s, "reach {reach} mm at scale {s}");
    }

    #[test]
    fn cut_keeps_the_top_part() {
        let cube = Manifold::cube(1.0, 1.0, 1.0);
        let top = manifold_io::to_mesh(&cube.trim_by_plane(0.0, 0.0, 1.0, 0.25));
        let (lo, hi) = top.bounds().unwrap();
        assert!((lo[2] - 0.25).abs() < 1e-6 && (hi[2] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn auto_orient_stands_a_z_up_model_on_its_base() {
        // A plinth with a column, Z up: auto-orient makes its base the model's down (-Y).
        let plinth = Manifold::cube(30.0, 30.0, 4.0).translate(-15.0, -15.0, 0.0);
        let column = Manifold::cylinder(8.0, 6.0, 60.0, 64).translate(0.0, 0.0, 4.0);
        let m = manifold_io::to_mesh(&plinth.union(&column));
        let (turned, note) = auto_orient(&m).unwrap();
        assert!(note.contains("-Z side"), "{note}");
        let (lo, hi) = turned.bounds().unwrap();
        assert!((hi[1] - lo[1] - 64.0).abs() < 1e-3);
        let p = place(&turned, 80.0, 0).unwrap();
        assert!(p.pedestal.radius < 15.0 * 2f64.sqrt() * 2.0 + 8.0);
        let (again, note) = auto_orient(&turned).unwrap();
        assert!(note.contains("already"), "{note}");
        assert_eq!(again, turned);
    }

    #[test]
    fn silly_heights_are_refused() {
        for h in [f64::NAN, 3.0, 5000.0] {
            assert!(matches!(place(&model_box(), h, 0), Err(StageError::BadInput(_))));
        }
    }
}
