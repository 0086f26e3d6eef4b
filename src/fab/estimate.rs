//! A slicer-free estimate of filament and print time, for when PrusaSlicer is not installed.
//!
//! The solid is cut into layers as PrusaSlicer would (0.35 mm first layer, then 0.2 mm), each
//! cross-section split into regions (see [`crate::fab::layers`]). Each region gets three perimeter
//! loops, solid skin under top and over bottom surfaces (and where the sparse area would be under
//! 70 mm²) and 15 % sparse infill. Volumes give grams; path lengths at PrusaSlicer's default speeds
//! (small loops at 15 mm/s, a 5 s minimum layer time for cooling) give minutes. The constants marked
//! "calibrated" were fitted against PrusaSlicer 2.5 with the design's settings on eleven shapes
//! (primitives and finished pieces): within 3.6 % on grams and 8.2 % on minutes there, and within
//! 5.4 % / 11.5 % on five shapes kept out of the fit (thin-walled rings are the worst: narrow
//! infill and gap fill take longer than modelled). `calibrate_against_prusa_slicer` re-measures it.

use crate::config::PrintProfile;
use crate::fab::layers::{cut_layers, Cut};
use crate::fab::{SliceStats, Slicer};
use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};
use std::path::Path;

const FIRST_LAYER_MM: f64 = 0.35;
/// PrusaSlicer's default extrusion width, as a multiple of the nozzle diameter.
const LINE_WIDTH_PER_NOZZLE: f64 = 1.125;
/// Solid layers under a top / over a bottom surface.
const SOLID_LAYERS: usize = 3;
/// Sparse regions smaller than this are filled solid, mm² (PrusaSlicer's solid_infill_below_area).
const SOLID_BELOW_MM2: f64 = 70.0;
/// Speeds, mm/s: external perimeter, inner perimeters, small perimeters (loops up to 6.5 mm
/// radius), solid infill, sparse infill, first layer.
const EXTERNAL_SPEED: f64 = 30.0;
const SMALL_PERIMETER_SPEED: f64 = 15.0;
const SMALL_PERIMETER_RADIUS_MM: f64 = 6.5;
const PERIMETER_SPEED: f64 = 60.0;
const SOLID_SPEED: f64 = 20.0;
const INFILL_SPEED: f64 = 80.0;
const FIRST_LAYER_SPEED: f64 = 30.0;
/// Slowest a layer may go, seconds (cooling).
const MIN_LAYER_S: f64 = 5.0;
/// Calibrated: extra filament over the ideal line volumes (overlaps, anchors, gap fill, skirt).
const FILAMENT_FACTOR: f64 = 1.04;
/// Calibrated: share of the set speeds' time a move takes once accelerations are planned.
const TIME_FACTOR: f64 = 0.84;
/// Calibrated: seconds lost braking and accelerating, per mm³ extruded (that is, per length of line).
const ACCEL_S_PER_MM3: f64 = 0.0675;
/// Calibrated: travel, retraction and layer change per layer, seconds.
const LAYER_OVERHEAD_S: f64 = 0.85;

/// Grams and minutes from the geometry alone, for one print profile; slicer name "estimate".
#[derive(Debug, Default, Clone)]
pub struct EstimateSlicer {
    profile: PrintProfile,
}

impl EstimateSlicer {
    pub fn new(profile: PrintProfile) -> Self {
        Self { profile }
    }
}

/// The profile's numbers in the units the estimate works in.
struct Settings {
    density_g_per_mm3: f64,
    layer_mm: f64,
    /// Centre distance of neighbouring lines: the line width less the rounded edges' overlap.
    line_spacing_mm: f64,
    perimeters: f64,
    infill: f64,
}

impl Settings {
    fn of(p: &PrintProfile) -> Self {
        let line_width = LINE_WIDTH_PER_NOZZLE * p.nozzle_mm;
        Self {
            density_g_per_mm3: p.filament_density_g_cm3 * 1e-3,
            layer_mm: p.layer_height_mm,
            line_spacing_mm: line_width - p.layer_height_mm * (1.0 - std::f64::consts::FRAC_PI_4),
            perimeters: f64::from(p.perimeters),
            infill: p.fill_density_percent / 100.0,
        }
    }
}

impl Slicer for EstimateSlicer {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "estimate"
    }

    fn slice(
        &self,
        solid: &Mesh,
        _stl: &Path,
        _gcode_out: &Path,
        progress: &dyn Progress,
    ) -> Result<(SliceStats, bool), StageError> {
        progress.step(1, 2, "measuring layers");
        if progress.is_cancelled() {
            return Err(StageError::Cancelled);
        }
        if self.profile.supports {
            progress.note("the estimate leaves out support material; install PrusaSlicer for a full count");
        }
        let (grams, minutes) = estimate_with(solid, &self.profile)
            .ok_or_else(|| StageError::BadInput("the solid is empty or has no height to print".into()))?;
        progress.step(2, 2, "estimated filament and time");
        Ok((SliceStats { grams, minutes, slicer: "estimate".into() }, false))
    }
}

/// (grams, minutes) for a solid in millimetres, Z up, with the default profile; None when it has
/// nothing to print.
pub fn estimate(mesh: &Mesh) -> Option<(f64, f64)> {
    estimate_with(mesh, &PrintProfile::default())
}

/// (grams, minutes) with the given profile.
pub fn estimate_with(mesh: &Mesh, profile: &PrintProfile) -> Option<(f64, f64)> {
    let b = breakdown(mesh, profile)?;
    Some((b.grams(), b.minutes()))
}

/// What the estimate is made of: volumes and times at the set speeds, before the calibrated factors.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Breakdown {
    /// Extruded volumes, mm³.
    pub shell_mm3: f64,
    pub skin_mm3: f64,
    pub sparse_mm3: f64,
    /// Seconds at the set speeds, per kind of line.
    pub perimeter_s: f64,
    pub skin_s: f64,
    pub sparse_s: f64,
    /// Extra seconds from layers slowed down to the cooling minimum (calibrated constants applied).
    pub cooling_s: f64,
    pub layers: usize,
    /// Filament density, g/mm³.
    pub density_g_per_mm3: f64,
}

impl Breakdown {
    pub fn grams(&self) -> f64 {
        (self.shell_mm3 + self.skin_mm3 + self.sparse_mm3) * FILAMENT_FACTOR * self.density_g_per_mm3
    }

    pub fn minutes(&self) -> f64 {
        let extruded = self.shell_mm3 + self.skin_mm3 + self.sparse_mm3;
        let moving = (self.perimeter_s + self.skin_s + self.sparse_s) * TIME_FACTOR + extruded * ACCEL_S_PER_MM3;
        (moving + self.cooling_s + self.layers as f64 * LAYER_OVERHEAD_S) / 60.0
    }
}

/// Volumes and times per kind of line, region by region and layer by layer.
pub fn breakdown(mesh: &Mesh, profile: &PrintProfile) -> Option<Breakdown> {
    let Settings { density_g_per_mm3, layer_mm, line_spacing_mm, perimeters, infill } = Settings::of(profile);
    let cut = Cut {
        first_mm: FIRST_LAYER_MM.max(layer_mm),
        layer_mm,
        small_loop_mm: 2.0 * std::f64::consts::PI * SMALL_PERIMETER_RADIUS_MM,
        skin_layers: SOLID_LAYERS,
        shell_mm: perimeters * line_spacing_mm,
    };
    let layers = cut_layers(mesh, &cut)?;
    let mut b = Breakdown { layers: layers.len(), density_g_per_mm3, ..Breakdown::default() };
    for (i, l) in layers.iter().enumerate() {
        let shells: Vec<f64> =
            l.regions.iter().map(|r| (r.outline * perimeters * line_spacing_mm).min(r.area)).collect();
        let inside: f64 = l.regions.iter().zip(&shells).map(|(r, s)| r.area - s).sum();
        // Skin is known per layer; share it out by each region's inside area.
        let skin_share = if inside > 0.0 { l.skin.min(inside) / inside } else { 0.0 };
        let (mut p, mut k, mut f, mut extruded) = (0.0, 0.0, 0.0, 0.0);
        for (r, shell) in l.regions.iter().zip(&shells) {
            let inner_area = r.area - shell;
            let mut skin = inner_area * skin_share;
            let mut sparse = inner_area - skin;
            if sparse < SOLID_BELOW_MM2 {
                skin += sparse;
                sparse = 0.0;
            }
            b.shell_mm3 += l.height * shell;
            b.skin_mm3 += l.height * skin;
            b.sparse_mm3 += l.height * infill * sparse;
            extruded += l.height * (shell + skin + infill * sparse);

            // Path lengths: area over line spacing; the outermost loop is the outline itself.
            let outer = r.outline.min(shell / line_spacing_mm);
            let inner = (shell / line_spacing_mm - outer).max(0.0);
            let small = if r.outline > 0.0 { r.small_outline / r.outline } else { 0.0 };
            if i == 0 {
                p += (outer + inner) / FIRST_LAYER_SPEED;
                k += skin / line_spacing_mm / FIRST_LAYER_SPEED;
                f += infill * sparse / line_spacing_mm / FIRST_LAYER_SPEED;
            } else {
                p += (outer + inner) * small / SMALL_PERIMETER_SPEED
                    + (1.0 - small) * (outer / EXTERNAL_SPEED + inner / PERIMETER_SPEED);
                k += skin / line_spacing_mm / SOLID_SPEED;
                f += infill * sparse / line_spacing_mm / INFILL_SPEED;
            }
        }
        b.perimeter_s += p;
        b.skin_s += k;
        b.sparse_s += f;
        b.cooling_s += (MIN_LAYER_S - (p + k + f) * TIME_FACTOR - extruded * ACCEL_S_PER_MM3).max(0.0);
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use crate::stage::NoProgress;
    use manifold_rs::Manifold;

    #[test]
    fn estimate_grows_with_size_and_names_itself() {
        let small = manifold_io::to_mesh(&Manifold::cube(10.0, 10.0, 10.0));
        let big = manifold_io::to_mesh(&Manifold::cube(30.0, 30.0, 30.0));
        let (gs, ms) = estimate(&small).unwrap();
        let (gb, mb) = estimate(&big).unwrap();
        assert!(gb > 5.0 * gs && mb > 3.0 * ms, "{gs} {ms} {gb} {mb}");
        // Never more than a solid print, never less than the walls alone.
        assert!(gb < 27.0 * 1.24 && gb > 0.1 * 27.0 * 1.24);
        let (stats, wrote) =
            EstimateSlicer::default().slice(&small, Path::new("x.stl"), Path::new("x.gcode"), &NoProgress).unwrap();
        assert!(!wrote);
        assert_eq!(stats.slicer, "estimate");
        assert!(EstimateSlicer::default()
            .slice(&Mesh::default(), Path::new("x"), Path::new("y"), &NoProgress)
            .is_err());
    }

    /// Shapes the constants were fitted on: primitives and finished pieces.
    fn calibration_shapes() -> Vec<(&'static str, Mesh)> {
        use crate::fab::{FabSpec, Fabricator};
        let piece = |h: f32, l1: &str, l2: &str, raw: Manifold| {
            let spec = FabSpec { height_mm: h, line1: l1.into(), line2: l2.into(), ..FabSpec::default() };
            crate::fab::solid::OfflineFabricator
                .make_printable(&manifold_io::to_mesh(&raw), &spec, &NoProgress)
                .map(|p| p.mesh)
                .unwrap()
        };
        let figurine = || {
            let body = Manifold::sphere(0.55, 96).scale(1.0, 1.2, 0.8).translate(0.0, -0.35, 0.0);
            let head = Manifold::sphere(0.35, 96).translate(0.05, 0.6, 0.1);
            body.union(&head)
        };
        let m = |x: Manifold| manifold_io::to_mesh(&x);
        vec![
            ("cube20", m(Manifold::cube(20.0, 20.0, 20.0))),
            ("slab60x40x10", m(Manifold::cube(60.0, 40.0, 10.0))),
            ("cylinder30x40", m(Manifold::cylinder(15.0, 15.0, 40.0, 128))),
            (
                "tube40x30",
                m(Manifold::cylinder(20.0, 20.0, 30.0, 128).difference(&Manifold::cylinder(16.0, 16.0, 30.0, 128))),
            ),
            ("pillar8x60", m(Manifold::cube(8.0, 8.0, 60.0))),
            ("cone", m(Manifold::cylinder(20.0, 2.0, 40.0, 128))),
            ("figurine80", piece(80.0, "DAD", "60 YEARS", figurine())),
            ("figurine120", piece(120.0, "Zoë", "", figurine())),
            ("figurine40", piece(40.0, "ANA", "", figurine())),
            ("sphere80", piece(80.0, "DAD", "", Manifold::sphere(1.0, 96))),
            ("box150", piece(150.0, "", "", Manifold::cube(0.5, 1.5, 0.4))),
        ]
    }

    /// Shapes kept out of the fit, to measure the error honestly.
    fn validation_shapes() -> Vec<(&'static str, Mesh)> {
        use crate::fab::{FabSpec, Fabricator};
        let piece = |h: f32, l1: &str, raw: Manifold| {
            let spec = FabSpec { height_mm: h, line1: l1.into(), line2: "2026".into(), ..FabSpec::default() };
            crate::fab::solid::OfflineFabricator
                .make_printable(&manifold_io::to_mesh(&raw), &spec, &NoProgress)
                .map(|p| p.mesh)
                .unwrap()
        };
        let snowman = Manifold::sphere(0.5, 64)
            .translate(0.0, -0.5, 0.0)
            .union(&Manifold::sphere(0.35, 64).translate(0.0, 0.2, 0.0))
            .union(&Manifold::sphere(0.22, 64).translate(0.0, 0.65, 0.0));
        let arms = Manifold::cylinder(0.3, 0.25, 1.6, 64)
            .rotate(-90.0, 0.0, 0.0)
            .translate(0.0, -0.8, 0.0)
            .union(&Manifold::cylinder(0.08, 0.08, 1.4, 32).rotate(0.0, 90.0, 0.0).translate(-0.7, 0.3, 0.0))
            .union(&Manifold::sphere(0.25, 64).translate(0.0, 0.95, 0.0));
        let ring: Vec<f64> = (0..64)
            .flat_map(|i| {
                let a = f64::from(i) * std::f64::consts::TAU / 64.0;
                [18.0 + 5.0 * a.cos(), 5.0 + 5.0 * a.sin()]
            })
            .collect();
        let m = |x: Manifold| manifold_io::to_mesh(&x);
        vec![
            ("snowman60", piece(60.0, "FROSTY", snowman)),
            ("arms100", piece(100.0, "Jürgen", arms)),
            ("hexprism", m(Manifold::cylinder(25.0, 25.0, 30.0, 6))),
            ("wedge", m(Manifold::cube(40.0, 30.0, 30.0).trim_by_plane(0.0, -0.6, -0.8, -24.0))),
            ("torus", m(Manifold::revolve(&[ring.as_slice()], 128, 360.0))),
        ]
    }

    /// Prints the breakdown next to PrusaSlicer's numbers as JSON lines for fitting; run with
    /// `cargo test --release --lib fab::estimate -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn calibrate_against_prusa_slicer() {
        let Some(prusa) = crate::fab::prusa::detect() else {
            eprintln!("prusa-slicer not on PATH: nothing to calibrate against");
            return;
        };
        let tmp = tempfile::tempdir().unwrap();
        // MEMOREEZ_CALIBRATION_DIR keeps the STL and G-code files for a closer look.
        let dir = std::env::var_os("MEMOREEZ_CALIBRATION_DIR").map(std::path::PathBuf::from);
        let dir = dir.as_deref().unwrap_or(tmp.path());
        let mut worst = [(0.0f64, 0.0f64); 2];
        let shapes =
            calibration_shapes().into_iter().map(|s| (0, s)).chain(validation_shapes().into_iter().map(|s| (1, s)));
        for (set, (name, mesh)) in shapes {
            let stl = dir.join(format!("{name}.stl"));
            crate::mesh::io::write_stl(&stl, &mesh).unwrap();
            let (stats, _) = prusa.slice(&mesh, &stl, &dir.join(format!("{name}.gcode")), &NoProgress).unwrap();
            let b = breakdown(&mesh, &PrintProfile::default()).unwrap();
            let (g_err, m_err) = (b.grams() / stats.grams - 1.0, b.minutes() / stats.minutes - 1.0);
            worst[set] = (worst[set].0.max(g_err.abs()), worst[set].1.max(m_err.abs()));
            println!(
                "{{\"set\":{set},\"name\":\"{name}\",\"prusa_g\":{},\"prusa_min\":{},\"est_g\":{:.3},\"est_min\":{:.3},\
                 \"shell\":{:.1},\"skin\":{:.1},\"sparse\":{:.1},\"perim_s\":{:.1},\"skin_s\":{:.1},\
                 \"sparse_s\":{:.1},\"cooling_s\":{:.1},\"layers\":{}}}",
                stats.grams,
                stats.minutes,
                b.grams(),
                b.minutes(),
                b.shell_mm3,
                b.skin_mm3,
                b.sparse_mm3,
                b.perimeter_s,
                b.skin_s,
                b.sparse_s,
                b.cooling_s,
                b.layers
            );
            eprintln!("{set} {name:14} grams {:+5.1}%  minutes {:+5.1}%", 100.0 * g_err, 100.0 * m_err);
        }
        for (set, (g, m)) in ["fitted on", "held out"].iter().zip(worst) {
            eprintln!("worst {set}: grams {:.1}%, minutes {:.1}%", 100.0 * g, 100.0 * m);
        }
    }
}
