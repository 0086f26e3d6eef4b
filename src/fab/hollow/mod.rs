//! Optional hollowing (off by default): the solid keeps walls at least as thick as asked and its
//! inside becomes a cavity that drains through a hole in the base. Resin printers need this to
//! save resin and let uncured resin run out; on a filament printer it only pays with dense infill.
//!
//! manifold-rs 0.7 exposes no offset or level set, so the cavity is found on a voxel grid: every
//! centre inside the solid gets its distance to the nearest voxel that lies outside or that the
//! surface passes through (an exact 3D distance transform); centres near the wall thickness get
//! their exact distance to the surface instead, and marching cubes extracts where that distance
//! reaches the wall thickness. Roofs are then shaped so a filament printer needs no support inside
//! ([`roof`]), each pocket gets a drain hole from the bed or stays solid ([`drain`]), and the cavity
//! is subtracted, with its drain holes, through manifold-rs like every other cut.

use crate::fab::{manifold_io, HollowSpec, Hollowing};
use crate::mesh::marching_cubes::{self, Grid};
use crate::mesh::nearest::SurfaceDistance;
use crate::mesh::voxel::{self, VoxelGrid};
use crate::mesh::{analysis, edt, Mesh};
use crate::stage::StageError;
use manifold_rs::Manifold;
use rayon::prelude::*;

mod drain;
mod roof;

/// Most voxels the grid may hold; about 14 bytes each while the cavity is worked out.
const MAX_VOXELS: f64 = 4.0e6;
/// Finest voxel, mm. Wall thickness is measured exactly near the cavity's surface whatever the
/// grid, so the grid only decides how finely the cavity follows the outside.
const MIN_STEP_MM: f64 = 0.5;
/// Faces the cavity's surface may keep; the clean-up leaves room for them in the face budget.
pub const CAVITY_FACES: usize = 30_000;
/// How far decimating the cavity may move its surface, in voxels: room enough to bring a
/// marching-cubes cavity of 100k-200k faces down to [`CAVITY_FACES`].
const DECIMATE_VOXELS: f64 = 0.5;
/// Pockets smaller than this stay solid: a drain hole is not worth it.
const MIN_POCKET_MM3: f64 = 200.0;
const DRAIN_SEGMENTS: u32 = 32;
/// How far below the bed the drain cutter starts, so it cuts cleanly through the bottom face.
const BELOW_BED_MM: f64 = 1.0;

/// Where the inside of a solid can go.
#[derive(Debug, Clone)]
pub struct Cavity {
    /// Closed, facing outwards from the cavity (as a solid of its own), in the solid's frame.
    pub mesh: Mesh,
    pub drains: Vec<Drain>,
    /// Pockets big enough to hollow that no drain could reach from the bed; left solid.
    pub sealed_pockets: usize,
    /// The voxel size the cavity was shaped on, mm (its walls are measured exactly).
    pub step_mm: f64,
    /// The solid's lowest point, where drain holes start.
    pub bed_z: f64,
}

impl Cavity {
    /// Nothing to carve: no pocket could be drained.
    pub fn is_empty(&self) -> bool {
        self.drains.is_empty()
    }
}

/// A vertical hole from below the bed up into the cavity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drain {
    pub x: f64,
    pub y: f64,
    pub top_z: f64,
}

/// The cavity for `solid` (closed, outward, standing on its lowest point), or None when the solid
/// is too slender to leave a worthwhile cavity inside walls of `spec.wall_mm`. Drains are placed
/// where the cavity comes lowest, nearest `prefer` (x, y) among equals: the pedestal's axis. A
/// cavity with no drains ([`Cavity::is_empty`]) means every pocket was sealed off from the bed.
pub fn plan(solid: &Mesh, spec: &HollowSpec, prefer: [f64; 2]) -> Option<Cavity> {
    let (lo, hi) = solid.bounds()?;
    let (lo, hi) = (lo.map(f64::from), hi.map(f64::from));
    let bbox: f64 = (0..3).map(|a| (hi[a] - lo[a]).max(1e-3)).product();
    let step = (bbox / MAX_VOXELS).cbrt().max(MIN_STEP_MM);
    let grid = VoxelGrid::covering(lo, hi, step, 2);

    let level = f64::from(spec.wall_mm) + DECIMATE_VOXELS * step;
    let (beyond, inside) = beyond_wall(solid, &grid, level);
    let mut field = roof::shape(beyond, &grid);
    let site = drain::Site {
        grid: &grid,
        inside: &inside,
        bed: (0..grid.dims[2]).find(|&k| grid.center(0, 0, k)[2] > lo[2]).unwrap_or(0),
        radius_cells: (f64::from(spec.drain_mm) / 2.0 / step).ceil() as isize + 1,
        wall_cells: (f64::from(spec.wall_mm) / step).ceil() as isize,
        min_cells: (MIN_POCKET_MM3 / step.powi(3)).ceil() as usize,
        prefer,
    };
    let (drains, sealed_pockets) = drain::place(&mut field, &site);
    if drains.is_empty() {
        let mesh = Mesh::default();
        return (sealed_pockets > 0).then_some(Cavity { mesh, drains, sealed_pockets, step_mm: step, bed_z: lo[2] });
    }

    let field = Grid { dims: grid.dims, values: field };
    let mut mesh = marching_cubes::marching_cubes(&field, 0.0);
    if mesh.triangles.iter().any(|t| analysis::is_degenerate(&mesh, t)) {
        // A field exactly at the level along a roof's ridge can give collinear slivers.
        mesh = analysis::flip_collinear(&mesh);
    }
    for v in &mut mesh.vertices {
        let p = *v;
        *v = std::array::from_fn(|a| (grid.origin[a] + step * f64::from(p[a])) as f32);
    }
    let mesh = simplified(&mesh, DECIMATE_VOXELS * step);
    Some(Cavity { mesh, drains, sealed_pockets, step_mm: step, bed_z: lo[2] })
}

/// How far each voxel centre lies beyond `level` mm from the solid's surface (negative nearer
/// the surface and outside), with which centres lie inside. The estimate from the distance
/// transform is replaced by the exact distance wherever it could fall on either side of `level`.
fn beyond_wall(solid: &Mesh, grid: &VoxelGrid, level: f64) -> (Vec<f32>, Vec<bool>) {
    let step = grid.step;
    let inside = voxel::inside(solid, grid);
    let (touched, spacing) = voxel::touched(solid, grid);
    let target: Vec<bool> = inside.iter().zip(&touched).map(|(&i, &t)| !i || t).collect();
    drop(touched);
    let mut distance = edt::squared_distance_3d(&target, grid.dims);
    drop(target);
    // A centre's distance to the nearest outside or surface voxel is within half a voxel's
    // diagonal (plus the sample spacing, one way) of its true distance to the surface. Where the
    // cavity's surface can fall, the true distance is measured exactly; elsewhere the estimate is
    // on the right side of the level already.
    let over = step * 3f64.sqrt() / 2.0;
    let under = over + spacing;
    let surface = SurfaceDistance::new(solid);
    let [_, ny, nz] = grid.dims;
    distance.par_iter_mut().enumerate().for_each(|(c, d)| {
        let estimate = f64::from(d.sqrt()) * step;
        let near_level = estimate + over >= level - step && estimate - under <= level + step;
        *d = if inside[c] && near_level {
            surface.to(grid.center(c / (ny * nz), (c / nz) % ny, c % nz)) - level
        } else {
            estimate - level
        } as f32;
    });

    (distance, inside)
}

/// The cavity's surface with at most [`CAVITY_FACES`] faces where meshoptimizer gets there within
/// `error_mm`, still closed; as it was otherwise. Collapses keep vertices where they were, so
/// only the faces between them move.
fn simplified(mesh: &Mesh, error_mm: f64) -> Mesh {
    let Some((lo, hi)) = mesh.bounds() else {
        return mesh.clone();
    };
    if mesh.triangles.len() <= CAVITY_FACES {
        return mesh.clone();
    }
    let extent = (0..3).map(|a| f64::from(hi[a] - lo[a])).fold(0.0, f64::max);
    let indices: Vec<u32> = mesh.triangles.iter().flatten().copied().collect();
    let kept = meshopt::simplify_decoder(
        &indices,
        &mesh.vertices,
        CAVITY_FACES * 3,
        (error_mm / extent) as f32,
        meshopt::SimplifyOptions::LockBorder,
        None,
    );
    let mut out = analysis::compact(&Mesh::new(
        mesh.vertices.clone(),
        kept.chunks_exact(3).map(|t| [t[0], t[1], t[2]]).collect(),
    ));
    if out.triangles.iter().any(|t| analysis::is_degenerate(&out, t)) {
        out = analysis::flip_collinear(&out);
    }
    if analysis::is_closed_manifold(&out) {
        out
    } else {
        mesh.clone()
    }
}

/// `solid` with the cavity and its drains taken out.
pub fn carve(solid: &Manifold, cavity: &Cavity, spec: &HollowSpec) -> Result<Manifold, StageError> {
    let mut cutter = manifold_io::to_manifold(&cavity.mesh, "the hollow inside")?;
    let radius = f64::from(spec.drain_mm) / 2.0;
    for d in &cavity.drains {
        let bottom = cavity.bed_z - BELOW_BED_MM;
        let hole = Manifold::cylinder(radius, radius, d.top_z - bottom, DRAIN_SEGMENTS).translate(d.x, d.y, bottom);
        cutter = cutter.union(&hole);
    }
    manifold_io::non_empty(solid.difference(&cutter), "hollowing the solid")
}

/// What hollowing did, for the report.
pub fn summary(cavity: &Cavity, spec: &HollowSpec) -> Hollowing {
    Hollowing {
        wall_mm: f64::from(spec.wall_mm),
        drain_mm: f64::from(spec.drain_mm),
        drain_holes: cavity.drains.len(),
        cavity_mm3: analysis::signed_volume(&cavity.mesh),
        sealed_pockets: cavity.sealed_pockets,
        grid_mm: cavity.step_mm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;

    fn spec(wall: f32) -> HollowSpec {
        HollowSpec { wall_mm: wall, drain_mm: 4.0 }
    }

    /// The true wall: the distance from the cavity's vertices and face centres (where decimation
    /// may have pulled the surface outwards) to the outer surface, brute force on a sample.
    fn thinnest_wall(outer: &Mesh, cavity: &Mesh) -> f64 {
        use crate::mesh::vec64::point_triangle_distance;
        let centres = cavity.triangles.iter().map(|t| {
            let [a, b, c] = t.map(|i| cavity.vertices[i as usize].map(f64::from));
            std::array::from_fn(|k| (a[k] + b[k] + c[k]) / 3.0)
        });
        cavity
            .vertices
            .iter()
            .map(|v| v.map(f64::from))
            .chain(centres)
            .step_by(5)
            .map(|p| {
                outer
                    .triangles
                    .iter()
                    .map(|t| point_triangle_distance(p, t.map(|i| outer.vertices[i as usize].map(f64::from))))
                    .fold(f64::INFINITY, f64::min)
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// Area of the cavity's ceiling flatter than 45°: where its roof would overhang.
    fn flat_ceiling_mm2(cavity: &Mesh) -> f64 {
        use crate::mesh::vec64::{cross, dot, sub};
        cavity
            .triangles
            .iter()
            .map(|t| {
                let [a, b, c] = t.map(|i| cavity.vertices[i as usize].map(f64::from));
                let n = cross(sub(b, a), sub(c, a));
                let len = dot(n, n).sqrt();
                // The cavity's faces point out of it: a ceiling's point up.
                if len > 0.0 && n[2] / len > std::f64::consts::FRAC_1_SQRT_2 {
                    len / 2.0
                } else {
                    0.0
                }
            })
            .sum()
    }

    #[test]
    fn a_ball_gets_a_ball_shaped_cavity_inside_its_walls() {
        let ball = manifold_io::to_mesh(&Manifold::sphere(15.0, 96).translate(0.0, 0.0, 15.0));
        let cavity = plan(&ball, &spec(2.0), [0.0, 0.0]).unwrap();
        assert!(analysis::is_closed_manifold(&cavity.mesh));
        assert!(cavity.mesh.triangles.len() <= CAVITY_FACES, "{} faces", cavity.mesh.triangles.len());
        assert_eq!(cavity.drains.len(), 1);
        assert_eq!(cavity.sealed_pockets, 0);
        let wall = thinnest_wall(&ball, &cavity.mesh);
        eprintln!("ball r 15, wall 2: thinnest {wall:.3} mm on a {:.2} mm grid", cavity.step_mm);
        // Walls come out as asked plus at most the decimation's allowance, half a voxel.
        let slack = cavity.step_mm * 0.6;
        assert!(wall >= 1.99 && wall <= 2.0 + slack, "thinnest wall {wall:.3} mm on a {:.2} mm grid", cavity.step_mm);
        // Below the middle it is the ball of radius 15 - wall; above, its roof closes in steeply
        // (a spire, as on a filament printer) where the ball's own top would hang flat.
        let (lo, hi) = cavity.mesh.bounds().unwrap();
        assert!((2.0..2.0 + slack).contains(&f64::from(lo[2])) && f64::from(hi[2]) < 28.0, "{lo:?} {hi:?}");
        let widest = cavity.mesh.vertices.iter().map(|v| f64::from(v[0]).hypot(f64::from(v[1]))).fold(0.0, f64::max);
        assert!((13.0 - slack..13.0).contains(&widest), "widest {widest:.2} mm from the axis");
        let ball_cavity = 4.0 / 3.0 * std::f64::consts::PI * 13f64.powi(3);
        let share = analysis::signed_volume(&cavity.mesh) / ball_cavity;
        assert!((0.6..0.95).contains(&share), "the cavity is {share:.2} of a ball of radius 13");
        let flat = flat_ceiling_mm2(&cavity.mesh);
        let bridge = std::f64::consts::PI * (f64::from(roof::BRIDGE_MM) / 2.0 + cavity.step_mm).powi(2);
        assert!(flat < bridge, "{flat:.0} mm² of ceiling flatter than 45°, more than a {bridge:.0} mm² bridge");
        // The drain rises from the bottom of the ball into the cavity's lowest point.
        let d = cavity.drains[0];
        assert!(d.x.hypot(d.y) < cavity.step_mm * 1.5, "drain at {d:?}");
        let floor = cavity.mesh.bounds().unwrap().0[2];
        assert!(d.top_z > f64::from(floor) && d.top_z < f64::from(floor) + 4.0 * cavity.step_mm, "{d:?} floor {floor}");
    }

    #[test]
    fn carving_leaves_one_closed_shell_open_at_the_drain() {
        let ball = Manifold::sphere(15.0, 96).translate(0.0, 0.0, 15.0);
        let mesh = manifold_io::to_mesh(&ball);
        let cavity = plan(&mesh, &spec(2.0), [0.0, 0.0]).unwrap();
        let hollow = manifold_io::to_mesh(&carve(&ball, &cavity, &spec(2.0)).unwrap());
        assert!(analysis::is_closed_manifold(&hollow));
        // One shell: the drain joins the cavity's surface to the outside.
        assert_eq!(analysis::components(&hollow).len(), 1);
        let (before, after) = (analysis::signed_volume(&mesh), analysis::signed_volume(&hollow));
        assert!(after < 0.6 * before, "{after:.0} of {before:.0} mm³ left");
        // The drain took the ball's lowest point: what stands on the bed now is the rim of the
        // hole, 2 mm out, 2² / (2 · 15) mm up the curve.
        let lowest = f64::from(hollow.bounds().unwrap().0[2]);
        assert!((lowest - 4.0 / 30.0).abs() < 0.03, "lowest point at {lowest:.3} mm");
    }

    #[test]
    fn thin_solids_are_left_alone() {
        let plate = manifold_io::to_mesh(&Manifold::cube(40.0, 40.0, 4.0));
        assert!(plan(&plate, &spec(2.0), [20.0, 20.0]).is_none());
    }

    #[test]
    fn pockets_drain_where_a_hole_meets_no_other_part() {
        // A table: a thick top on one slim leg. The leg is too slim to hollow; the top drains
        // through its underside, the hole rising through open air from the bed.
        let top = Manifold::cube(40.0, 40.0, 12.0).translate(-20.0, -20.0, 30.0);
        let leg = Manifold::cube(4.0, 4.0, 31.0).translate(-2.0, -2.0, 0.0);
        let table = manifold_io::to_mesh(&top.union(&leg));
        let cavity = plan(&table, &spec(2.0), [0.0, 0.0]).unwrap();
        assert_eq!((cavity.drains.len(), cavity.sealed_pockets), (1, 0));
        let d = cavity.drains[0];
        assert!(d.top_z > 32.0 && d.top_z < 32.0 + 4.0 * cavity.step_mm, "{d:?}");
        assert!(d.x.abs().max(d.y.abs()) > 2.0 + 2.0, "the drain at {d:?} would cut into the leg");

        // A box on slim posts over a block: a hole into the box would have to cross the block.
        let block = Manifold::cube(40.0, 40.0, 10.0).translate(-20.0, -20.0, 0.0);
        let bx = Manifold::cube(40.0, 40.0, 12.0).translate(-20.0, -20.0, 20.0);
        let mut piece = block.union(&bx);
        for (x, y) in [(-20.0, -20.0), (17.0, -20.0), (-20.0, 17.0), (17.0, 17.0)] {
            piece = piece.union(&Manifold::cube(3.0, 3.0, 12.0).translate(x, y, 9.0));
        }
        let cavity = plan(&manifold_io::to_mesh(&piece), &spec(2.0), [0.0, 0.0]).unwrap();
        assert_eq!((cavity.drains.len(), cavity.sealed_pockets), (1, 1));
        assert!(cavity.drains[0].top_z < 10.0, "{:?}", cavity.drains);
        assert_eq!(analysis::components(&cavity.mesh).len(), 1);

        // Over the same block with nothing of its own to hollow, the box alone is sealed.
        let thin_block = Manifold::cube(40.0, 40.0, 3.0).translate(-20.0, -20.0, 0.0);
        let mut piece = thin_block.union(&bx);
        for (x, y) in [(-20.0, -20.0), (17.0, -20.0), (-20.0, 17.0), (17.0, 17.0)] {
            piece = piece.union(&Manifold::cube(3.0, 3.0, 19.0).translate(x, y, 2.0));
        }
        let sealed = plan(&manifold_io::to_mesh(&piece), &spec(2.0), [0.0, 0.0]).unwrap();
        assert!(sealed.is_empty() && sealed.mesh.is_empty());
        assert_eq!(sealed.sealed_pockets, 1);
    }
}
