//! The offline fabricator: raw mesh in, one printable solid out, all through manifold-rs.

use crate::fab::engraving::{self, EngravingPlan};
use crate::fab::{
    hollow, manifold_io, orient, printability, touching, FabSpec, Fabricator, HollowSpec, Hollowing, Orientation,
    Printability, Printable,
};
use crate::mesh::cleanup::{self, CleanupOptions};
use crate::mesh::{analysis, Mesh};
use crate::stage::{Progress, StageError};
use manifold_rs::Manifold;

/// The result must be this close to the asked height, mm.
const HEIGHT_TOLERANCE_MM: f64 = 0.5;
/// Faces kept for the pedestal and its lettering within the finished solid's face budget.
const PEDESTAL_FACES: usize = 40_000;

/// Steps of a solid piece; hollowing adds one.
const STEPS: usize = 7;

/// Scale, flat base, pedestal, engraving and union with manifold-rs; no external tools.
#[derive(Debug, Default, Clone, Copy)]
pub struct OfflineFabricator;

impl Fabricator for OfflineFabricator {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "manifold"
    }

    fn make_printable(&self, raw: &Mesh, spec: &FabSpec, progress: &dyn Progress) -> Result<Printable, StageError> {
        // Refuse text the font cannot draw before any geometry work.
        let mut missing = engraving::missing_glyphs(&spec.line1);
        for c in engraving::missing_glyphs(&spec.line2) {
            if !missing.contains(&c) {
                missing.push(c);
            }
        }
        if !missing.is_empty() {
            return Err(engraving::EngravingError::MissingGlyphs { chars: missing }.into());
        }
        let mut warnings = Vec::new();
        let steps = Steps { progress, total: STEPS + usize::from(spec.hollow.is_some()) };

        let (mut clean, repairs) = clean(raw, spec.hollow.is_some(), progress)?;
        // Clean-up keeps every sizeable part; the piece is one solid, so the figure is the largest
        // and the rest would fall off the pedestal (and take the asked height with them).
        let parts = analysis::components(&clean).len();
        if parts > 1 {
            clean = analysis::keep_largest_component(&clean);
            warnings.push(format!("{} piece(s) not attached to the figure were left out", parts - 1));
        }
        if spec.orientation == Orientation::Auto {
            let (turned, note) = orient::auto_orient(&clean)?;
            progress.note(&note);
            clean = turned;
        }
        steps.done(1, "model cleaned")?;

        let text_lines = [&spec.line1, &spec.line2].iter().filter(|l| !l.trim().is_empty()).count();
        let placed = orient::place(&clean, f64::from(spec.height_mm), text_lines)?;
        steps.done(2, "scaled to millimetres, base cut flat")?;

        let pedestal = placed.pedestal;
        let plinth = pedestal.solid()?;
        progress.note(&format!(
            "pedestal: radius {:.1} mm, height {:.1} mm, {} facets",
            pedestal.radius, pedestal.height, pedestal.segments
        ));
        steps.done(3, "pedestal built")?;

        let (plinth, plan) = engraving::engrave(plinth, &pedestal, &spec.line1, &spec.line2)?;
        note_plan(progress, &plan);
        warnings.extend(plan.warnings());
        steps.done(4, "text engraved")?;

        let joined = manifold_io::non_empty(placed.figurine.union(&plinth), "joining the figurine and pedestal")?;
        steps.done(5, "figurine joined to the pedestal")?;

        let (joined, hollowed) = match &spec.hollow {
            Some(h) => {
                let (solid, report) = hollow_out(joined, h, &mut warnings, progress)?;
                steps.done(6, "hollowed out")?;
                (solid, report)
            }
            None => (joined, None),
        };
        let last = steps.total - 1;

        let mut mesh = manifold_io::to_mesh(&joined);
        let parts = analysis::components(&mesh).len();
        if parts > 1 {
            mesh = analysis::keep_largest_component(&mesh);
            warnings.push(format!("{} loose piece(s) that did not touch the pedestal were left out", parts - 1));
        }
        let (mesh, moved) = touching::separate(&mesh);
        if moved > 0 {
            progress.note(&format!("moved {moved} vertices where the surface touched itself a micrometre apart"));
        }
        let mut report = printability::assess(&mesh, plan.lettering(), warnings);
        report.hollow = hollowed;
        report.repairs = repairs;
        steps.done(last, "printability assessed")?;

        check_result(&mesh, &report, f64::from(spec.height_mm))?;
        steps.done(last + 1, "solid checked")?;
        Ok(Printable { mesh, report })
    }
}

/// Step reports out of a total known once the spec is read.
struct Steps<'a> {
    progress: &'a dyn Progress,
    total: usize,
}

impl Steps<'_> {
    fn done(&self, n: usize, message: &str) -> Result<(), StageError> {
        self.progress.step(n, self.total, message);
        if self.progress.is_cancelled() {
            Err(StageError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// The joined solid with its inside taken out, or as it was (with a warning saying why) when it is
/// too slender for the walls or no drain could reach its inside.
fn hollow_out(
    solid: Manifold,
    spec: &HollowSpec,
    warnings: &mut Vec<String>,
    progress: &dyn Progress,
) -> Result<(Manifold, Option<Hollowing>), StageError> {
    let mesh = manifold_io::to_mesh(&solid);
    // The pedestal's axis is the Z axis: a drain there is hidden under the middle of the base.
    let Some(cavity) = hollow::plan(&mesh, spec, [0.0, 0.0]) else {
        warnings.push(format!(
            "the piece is too slender to hollow with {} mm walls, so it stays solid; try thinner walls",
            spec.wall_mm
        ));
        return Ok((solid, None));
    };
    if cavity.is_empty() {
        warnings.push(format!(
            "no drain hole could reach the inside from the base ({} pocket(s) over open space), so the piece stays solid",
            cavity.sealed_pockets
        ));
        return Ok((solid, None));
    }
    // Hollowing is an extra: should the cavity not combine, the solid piece is still good.
    let carved = match hollow::carve(&solid, &cavity, spec) {
        Ok(carved) => carved,
        Err(e) => {
            warnings.push(format!("hollowing did not work out ({e}), so the piece stays solid"));
            return Ok((solid, None));
        }
    };
    let report = hollow::summary(&cavity, spec);
    progress.note(&format!(
        "hollowed: walls of at least {} mm, {:.1} cm³ taken out, {} drain hole(s) of {} mm (cavity shaped on a {:.2} mm grid)",
        spec.wall_mm,
        report.cavity_mm3 / 1000.0,
        report.drain_holes,
        spec.drain_mm,
        report.grid_mm
    ));
    if cavity.sealed_pockets > 0 {
        warnings.push(format!(
            "{} pocket(s) inside could not be reached by a drain hole and were left solid",
            cavity.sealed_pockets
        ));
    }
    Ok((carved, Some(report)))
}

fn note_plan(progress: &dyn Progress, plan: &EngravingPlan) {
    for l in &plan.lines {
        progress.note(&format!(
            "engraving \"{}\": cap height {:.1} mm, {:.1} mm wide, strokes about {:.2} mm",
            l.text, l.cap_mm, l.width_mm, l.stroke_mm
        ));
    }
}

/// The one clean-up path ([`cleanup::clean`]): weld, drop degenerate and duplicate faces and
/// floaters, wind outwards, close small holes, decimate so the finished solid stays within the
/// face budget; refuses a model that is still not watertight. Returns what it did, in words.
fn clean(raw: &Mesh, hollowing: bool, progress: &dyn Progress) -> Result<(Mesh, Vec<String>), StageError> {
    let cavity = if hollowing { hollow::CAVITY_FACES } else { 0 };
    let opts = CleanupOptions {
        face_budget: Some(cleanup::DEFAULT_FACE_BUDGET - PEDESTAL_FACES - cavity),
        ..CleanupOptions::default()
    };
    let (main, report) = cleanup::clean(raw, &opts).map_err(|e| StageError::BadInput(e.to_string()))?;
    let notes = report.notes();
    for note in &notes {
        progress.note(note);
    }
    let problem = cleanup::watertight_problem(&main, opts.max_hole_edges)
        .or_else(|| (!analysis::is_closed_manifold(&main)).then(|| "faces with no area".to_string()));
    if let Some(why) = problem {
        return Err(StageError::BadInput(format!(
            "the model is not watertight: it has {why}; repair it or generate it again"
        )));
    }
    Ok((main, notes))
}

/// The promises of [`Fabricator::make_printable`]: one closed part, positive volume, the asked
/// height from the bed up. Uses the report's measures so the mesh is not walked again.
fn check_result(mesh: &Mesh, report: &Printability, height_mm: f64) -> Result<(), StageError> {
    if !report.manifold || report.parts != 1 {
        return Err(StageError::Failed(format!(
            "the finished solid is not one watertight part ({} part(s), watertight: {})",
            report.parts, report.manifold
        )));
    }
    if report.volume_mm3 <= 0.0 {
        return Err(StageError::Failed("the finished solid has no volume".into()));
    }
    let (lo, _) = mesh.bounds().ok_or_else(|| StageError::Failed("the finished solid is empty".into()))?;
    let height = report.size_mm[2];
    if (height - height_mm).abs() > HEIGHT_TOLERANCE_MM || f64::from(lo[2]).abs() > 1e-3 {
        return Err(StageError::Failed(format!(
            "the finished solid is {height:.2} mm tall from z = {:.3}, not {height_mm:.2} mm from the bed",
            lo[2]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::HollowSpec;
    use crate::stage::NoProgress;
    use manifold_rs::Manifold;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A figurine-like raw mesh in model space (Y up, about ±1): a body (sphere) with a head.
    fn raw_figurine(segments: u32) -> Mesh {
        let body = Manifold::sphere(0.55, segments).scale(1.0, 1.2, 0.8).translate(0.0, -0.35, 0.0);
        let head = Manifold::sphere(0.35, segments).translate(0.05, 0.6, 0.1);
        manifold_io::to_mesh(&body.union(&head))
    }

    fn raw_sphere() -> Mesh {
        manifold_io::to_mesh(&Manifold::sphere(1.0, 96))
    }

    fn spec(line1: &str, line2: &str) -> FabSpec {
        FabSpec { height_mm: 80.0, line1: line1.into(), line2: line2.into(), ..FabSpec::default() }
    }

    fn height(m: &Mesh) -> f64 {
        let (lo, hi) = m.bounds().unwrap();
        f64::from(hi[2] - lo[2])
    }

    fn check_solid(p: &Printable) {
        assert!(p.report.manifold, "{:?}", p.report);
        assert_eq!(p.report.parts, 1);
        assert!(p.report.volume_mm3 > 0.0);
        assert!((height(&p.mesh) - 80.0).abs() < 0.5);
        assert!(p.report.base_flat, "{:?}", p.report.warnings);
    }

    #[test]
    fn sphere_with_two_lines_becomes_one_closed_solid() {
        let p = OfflineFabricator.make_printable(&raw_sphere(), &spec("DAD", "60 YEARS"), &NoProgress).unwrap();
        check_solid(&p);
        assert_eq!(p.report.size_mm[2], height(&p.mesh));
    }

    #[test]
    fn engraving_is_cut_into_the_front_of_the_pedestal() {
        let raw = raw_figurine(64);
        let text = OfflineFabricator.make_printable(&raw, &spec("DAD", "60 YEARS"), &NoProgress).unwrap();
        check_solid(&text);
        assert!(text.report.thinnest_stroke_mm.is_some());
        // The pedestal's radius is the farthest any vertex reaches at mid-pedestal height.
        let radius = |v: &[f32; 3]| f64::from(v[0]).hypot(f64::from(v[1]));
        let pedestal_r =
            text.mesh.vertices.iter().filter(|v| v[2] > 3.0 && v[2] < 12.0).map(radius).fold(0.0, f64::max);
        // Letter floors lie 0.6 mm inside the side; every one of them is on the front (-Y).
        let floors: Vec<&[f32; 3]> = text
            .mesh
            .vertices
            .iter()
            .filter(|v| v[2] > 1.0 && v[2] < 16.0 && (pedestal_r - radius(v) - 0.6).abs() < 0.05)
            .collect();
        assert!(floors.len() > 100, "only {} letter-floor vertices", floors.len());
        let front = floors.iter().filter(|v| v[1] < 0.0).count();
        assert_eq!(front, floors.len(), "{front} of {} on the front", floors.len());
    }

    #[test]
    fn two_lines_get_a_pedestal_tall_enough_for_strokes_a_nozzle_forms() {
        let text = OfflineFabricator.make_printable(&raw_figurine(64), &spec("DAD", "60 YEARS"), &NoProgress).unwrap();
        let stroke = text.report.thinnest_stroke_mm.unwrap();
        assert!(stroke >= 0.75, "thinnest stroke {stroke:.2} mm at 80 mm with two lines");
    }

    #[test]
    fn extreme_heights_and_long_text_still_make_one_solid() {
        let long = "HAPPY BIRTHDAY TO THE BEST GRANDFATHER IN THE WHOLE WIDE WORLD";
        for (h, l1, l2) in [(30.0, "DAD", "60 YEARS"), (250.0, "Zoë", "1960 – 2026"), (80.0, long, long)] {
            let spec = FabSpec { height_mm: h, line1: l1.into(), line2: l2.into(), ..FabSpec::default() };
            let p = OfflineFabricator.make_printable(&raw_figurine(48), &spec, &NoProgress).unwrap();
            assert!(p.report.manifold && p.report.parts == 1 && p.report.volume_mm3 > 0.0, "{h}: {:?}", p.report);
            assert!((height(&p.mesh) - f64::from(h)).abs() < 0.5);
        }
    }

    #[test]
    fn hollowed_pieces_keep_their_walls_and_drain_through_the_base() {
        let raw = raw_figurine(64);
        let full = OfflineFabricator.make_printable(&raw, &spec("DAD", "60 YEARS"), &NoProgress).unwrap();
        let asked = HollowSpec::default();
        let hollow_spec = FabSpec { hollow: Some(asked), ..spec("DAD", "60 YEARS") };
        let p = OfflineFabricator.make_printable(&raw, &hollow_spec, &NoProgress).unwrap();
        check_solid(&p);
        let h = p.report.hollow.clone().expect("the piece should be hollowed");
        assert_eq!((h.drain_holes, h.sealed_pockets), (1, 0));
        // What the cavity took is what the volume lost, give or take the drain hole.
        let lost = full.report.volume_mm3 - p.report.volume_mm3;
        let drain = std::f64::consts::PI * 4.0 * 3.0;
        assert!((lost - h.cavity_mm3).abs() < drain, "lost {lost:.0} mm³, cavity {:.0} mm³", h.cavity_mm3);
        assert!(lost > 0.4 * full.report.volume_mm3, "only {lost:.0} of {:.0} mm³ taken out", full.report.volume_mm3);
        // No new thin walls: the thinnest are still the engraving's relief, as on the solid piece.
        // manifold-rs numbers every solid it makes from one counter per process, and the numbers
        // order its output, so the letters' triangles (and the relief reading) vary by a few µm
        // with what else ran first in this process.
        let (thinnest, before) = (p.report.thinnest_wall_mm.unwrap(), full.report.thinnest_wall_mm.unwrap());
        let floor = before.min(0.95 * f64::from(asked.wall_mm)) - 0.02;
        assert!(thinnest >= floor, "thinnest wall {thinnest:.3} mm, {before:.3} on the solid piece");
        assert!(p.report.thin_wall_mm2 <= full.report.thin_wall_mm2 + 1.0, "{:?}", p.report);
        // The drain opens the middle of the base, where the solid piece stood on material.
        let base_hole = |m: &Mesh| {
            m.vertices.iter().any(|v| v[2].abs() < 1e-4 && (f64::from(v[0]).hypot(f64::from(v[1])) - 2.0).abs() < 0.05)
        };
        assert!(base_hole(&p.mesh) && !base_hole(&full.mesh));
        assert!(p.report.base_contact_mm2 < full.report.base_contact_mm2);
    }

    #[test]
    fn accented_names_work() {
        let p = OfflineFabricator.make_printable(&raw_figurine(48), &spec("Zoë", "Jürgen & Ana"), &NoProgress).unwrap();
        check_solid(&p);
    }

    #[test]
    fn missing_glyphs_are_refused_up_front() {
        let Err(e) = OfflineFabricator.make_printable(&raw_sphere(), &spec("DAD 漢", "ß"), &NoProgress) else {
            panic!("'漢' should be refused");
        };
        assert!(matches!(e, StageError::BadInput(_)));
        assert_eq!(e.to_string(), "the font has no glyphs for '漢'; use Latin letters or leave the line empty");
    }

    #[test]
    fn open_models_are_refused() {
        // Small holes are closed; half a fine sphere is one hole far too large to close.
        let mut m = manifold_io::to_mesh(&Manifold::sphere(1.0, 160));
        let verts = m.vertices.clone();
        m.triangles.retain(|t| t.iter().all(|&i| verts[i as usize][1] < 0.0));
        let Err(e) = OfflineFabricator.make_printable(&m, &spec("", ""), &NoProgress) else {
            panic!("an open mesh should be refused");
        };
        assert!(e.to_string().contains("not watertight"), "{e}");
    }

    #[test]
    fn inside_out_models_are_turned_around() {
        let mut m = raw_sphere();
        for t in &mut m.triangles {
            t.swap(1, 2);
        }
        let p = OfflineFabricator.make_printable(&m, &spec("A", ""), &NoProgress).unwrap();
        check_solid(&p);
        assert!(
            p.report.repairs.iter().any(|r| r.contains("inside-out shell(s) turned right way out")),
            "{:?}",
            p.report
        );
    }

    /// Counts steps and asks to stop after the given one.
    struct StopAfter(usize, AtomicUsize, AtomicBool);

    impl Progress for StopAfter {
        fn step(&self, n: usize, total: usize, _: &str) {
            assert_eq!(total, STEPS);
            self.1.store(n, Ordering::SeqCst);
            if n >= self.0 {
                self.2.store(true, Ordering::SeqCst);
            }
        }
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            self.2.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn reports_steps_and_stops_when_cancelled() {
        let stop = StopAfter(2, AtomicUsize::new(0), AtomicBool::new(false));
        let r = OfflineFabricator.make_printable(&raw_sphere(), &spec("DAD", ""), &stop);
        assert!(matches!(r, Err(StageError::Cancelled)));
        assert_eq!(stop.1.load(Ordering::SeqCst), 2);
        let all = StopAfter(usize::MAX, AtomicUsize::new(0), AtomicBool::new(false));
        OfflineFabricator.make_printable(&raw_sphere(), &spec("DAD", ""), &all).unwrap();
        assert_eq!(all.1.load(Ordering::SeqCst), STEPS);
    }

    /// Wall time of the whole fabrication on a dense model; run with
    /// `cargo test --release --lib fab::solid -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing_of_a_dense_piece() {
        struct Timed(std::time::Instant);
        impl Progress for Timed {
            fn step(&self, n: usize, total: usize, message: &str) {
                eprintln!("  {:7.3} s  {n}/{total} {message}", self.0.elapsed().as_secs_f64());
            }
            fn note(&self, message: &str) {
                eprintln!("  {:7.3} s  {message}", self.0.elapsed().as_secs_f64());
            }
            fn is_cancelled(&self) -> bool {
                false
            }
        }
        for segments in [64, 256, 400] {
            let raw = raw_figurine(segments);
            let t = std::time::Instant::now();
            let p = OfflineFabricator.make_printable(&raw, &spec("DAD", "60 YEARS"), &Timed(t)).unwrap();
            let fab_s = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let (grams, minutes) = crate::fab::estimate::estimate(&p.mesh).unwrap();
            eprintln!(
                "{} raw faces -> {} faces in {fab_s:.3} s; estimate {grams:.1} g, {minutes:.0} min in {:.3} s; {:?}",
                raw.triangles.len(),
                p.mesh.triangles.len(),
                t.elapsed().as_secs_f64(),
                p.report
            );
        }
    }
}
