//! Engraved lines on the pedestal's side: size and place them, extrude the letters, wrap them
//! around the cylinder and cut them in.
//!
//! Letters are laid out flat in (u, z) millimetres, u along the line with 0 at the front, extruded
//! along w, and wrapped with angle = u / r and radius = r - depth + w. The cutter starts `DEPTH_MM`
//! inside the side and pokes `PROUD_MM` out of it, so the difference leaves no thin skins.

use crate::fab::font::{self, Font, FontError, LineMetrics};
use crate::fab::manifold_io;
use crate::fab::outline::{self, Island};
use crate::fab::pedestal::Pedestal;
use crate::fab::printability::Lettering;
use crate::mesh::Mesh;
use crate::stage::StageError;
use manifold_rs::Manifold;
use std::f64::consts::PI;
use thiserror::Error;

/// How deep letters are cut, mm.
pub const DEPTH_MM: f64 = 0.6;
/// How far the cutter reaches outside the side, mm.
const PROUD_MM: f64 = 1.0;
/// Narrowest stroke a 0.4 mm nozzle forms reliably, mm.
pub const MIN_STROKE_MM: f64 = 0.8;
/// Cap height of a single line as a share of the pedestal height.
const SINGLE_LINE_CAP: f64 = 0.45;
/// Size of line 2 relative to line 1.
pub const SECOND_LINE_SCALE: f64 = 0.75;
/// Gap between the lines' ink, as a share of line 1's cap height.
const LINE_GAP: f64 = 0.3;
/// Longest line, as a share of the circumference.
const MAX_ARC: f64 = 0.6;
/// Clearance between the text and the rounded edges, mm.
const BAND_MARGIN_MM: f64 = 0.4;
/// Chord error when flattening glyph curves, mm.
const CURVE_TOLERANCE_MM: f64 = 0.02;
/// Longest edge before wrapping, so straight edges bend with the cylinder, mm.
const REFINE_MM: f64 = 0.5;

#[derive(Debug, Error)]
pub enum EngravingError {
    #[error("the font has no glyphs for {}; use Latin letters or leave the line empty", font::quoted(.chars))]
    MissingGlyphs { chars: Vec<char> },
    #[error("the engraving font could not be loaded: {0}")]
    Font(String),
    #[error("engraving failed: {0}")]
    Geometry(String),
}

impl From<FontError> for EngravingError {
    fn from(e: FontError) -> Self {
        match e {
            FontError::MissingGlyphs(chars) => EngravingError::MissingGlyphs { chars },
            other => EngravingError::Font(other.to_string()),
        }
    }
}

impl From<StageError> for EngravingError {
    fn from(e: StageError) -> Self {
        EngravingError::Geometry(e.to_string())
    }
}

impl From<EngravingError> for StageError {
    fn from(e: EngravingError) -> Self {
        match e {
            EngravingError::MissingGlyphs { .. } => StageError::BadInput(e.to_string()),
            other => StageError::Failed(other.to_string()),
        }
    }
}

/// Characters of `text` the bundled font cannot draw (each once, in order), so a front end can
/// refuse the text before any work starts. White space is always fine.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    match Font::bundled() {
        Ok(f) => f.missing(text),
        // Without a font nothing can be drawn; every visible character is missing.
        Err(_) => {
            let mut out: Vec<char> = Vec::new();
            for c in font::compose(text).chars().filter(|c| !c.is_whitespace()) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// One line as it will be cut.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedLine {
    pub text: String,
    /// Cap height, mm.
    pub cap_mm: f64,
    /// Z of the baseline, mm.
    pub baseline_z: f64,
    /// Arc length of the ink along the side, mm.
    pub width_mm: f64,
    /// Estimated stroke width, mm.
    pub stroke_mm: f64,
    /// The letters flat, u along the line (0 at the front), z up; outers counter-clockwise.
    pub islands: Vec<Island>,
}

/// Where the text goes on one pedestal.
#[derive(Debug, Clone, PartialEq)]
pub struct EngravingPlan {
    pub lines: Vec<PlacedLine>,
}

impl EngravingPlan {
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|l| l.islands.is_empty())
    }

    /// Thinnest estimated stroke over the lines, mm.
    pub fn thinnest_stroke_mm(&self) -> Option<f64> {
        self.lines.iter().filter(|l| !l.islands.is_empty()).map(|l| l.stroke_mm).reduce(f64::min)
    }

    /// Smallest cap height and thinnest stroke over the lines with ink, for the printability report.
    pub fn lettering(&self) -> Option<Lettering> {
        let inked = || self.lines.iter().filter(|l| !l.islands.is_empty());
        Some(Lettering {
            cap_height_mm: inked().map(|l| l.cap_mm).reduce(f64::min)?,
            stroke_mm: inked().map(|l| l.stroke_mm).reduce(f64::min)?,
        })
    }

    /// Plain-words warnings: strokes the nozzle cannot form.
    pub fn warnings(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| !l.islands.is_empty() && l.stroke_mm < MIN_STROKE_MM)
            .map(|l| {
                format!(
                    "the engraved \"{}\" is thin: strokes about {:.2} mm wide, under the {:.1} mm a 0.4 mm \
                     nozzle forms cleanly; use shorter text or a taller piece",
                    l.text, l.stroke_mm, MIN_STROKE_MM
                )
            })
            .collect()
    }
}

/// Sizes and places up to two lines on the straight part of the pedestal's side, centred on the
/// front (-Y). Line 2 is drawn at 0.75 of line 1's size; both shrink together until they fit the
/// height of the side and 60 % of its circumference.
pub fn plan(line1: &str, line2: &str, pedestal: &Pedestal) -> Result<EngravingPlan, EngravingError> {
    let font = Font::bundled()?;
    let mut all_missing = font.missing(line1);
    for c in font.missing(line2) {
        if !all_missing.contains(&c) {
            all_missing.push(c);
        }
    }
    if !all_missing.is_empty() {
        return Err(EngravingError::MissingGlyphs { chars: all_missing });
    }

    // (text, relative size, metrics) of each line with ink.
    let texts: Vec<&str> = [line1.trim(), line2.trim()].into_iter().filter(|t| !t.is_empty()).collect();
    let mut lines: Vec<(&str, f64, [f64; 4])> = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let LineMetrics { ink, .. } = font.metrics(t)?;
        if let Some(ink) = ink {
            lines.push((t, if i == 0 { 1.0 } else { SECOND_LINE_SCALE }, ink));
        }
    }
    if lines.is_empty() {
        return Ok(EngravingPlan { lines: Vec::new() });
    }

    // Everything below is linear in line 1's cap height c; work per millimetre of c.
    let cap_units = font.cap_height();
    let (band_lo, band_hi) = pedestal.side_band();
    let band = (band_hi - band_lo - 2.0 * BAND_MARGIN_MM).max(0.0);
    let gaps = LINE_GAP * (lines.len() - 1) as f64;
    let height_per_c: f64 = lines.iter().map(|(_, s, ink)| s * (ink[3] - ink[1]) / cap_units).sum::<f64>() + gaps;
    let width_per_c = lines.iter().map(|(_, s, ink)| s * (ink[2] - ink[0]) / cap_units).fold(0.0, f64::max);
    let max_arc = MAX_ARC * 2.0 * PI * pedestal.radius;
    let mut c = SINGLE_LINE_CAP * pedestal.height;
    if height_per_c > 0.0 {
        c = c.min(band / height_per_c);
    }
    if width_per_c > 0.0 {
        c = c.min(max_arc / width_per_c);
    }
    if c <= 0.0 {
        return Err(EngravingError::Geometry("the pedestal side has no room for text".into()));
    }

    // Stack from the top of the centred block down.
    let mid = 0.5 * (band_lo + band_hi);
    let mut ink_top = mid + 0.5 * c * height_per_c;
    let mut placed = Vec::new();
    for (text, scale, ink) in lines {
        let mm_per_unit = c * scale / cap_units;
        let baseline_z = ink_top - ink[3] * mm_per_unit;
        let origin_u = -0.5 * (ink[0] + ink[2]) * mm_per_unit;
        let islands = font.islands(text, mm_per_unit, [origin_u, baseline_z], CURVE_TOLERANCE_MM)?;
        placed.push(PlacedLine {
            text: text.to_string(),
            cap_mm: c * scale,
            baseline_z,
            width_mm: (ink[2] - ink[0]) * mm_per_unit,
            stroke_mm: outline::stroke_width(&islands).unwrap_or(0.0),
            islands,
        });
        ink_top = baseline_z + ink[1] * mm_per_unit - LINE_GAP * c;
    }
    Ok(EngravingPlan { lines: placed })
}

/// The letters as one solid wrapped around the pedestal's side, ready to subtract; None when the
/// plan draws nothing.
pub fn cutter(plan: &EngravingPlan, pedestal: &Pedestal) -> Result<Option<Manifold>, EngravingError> {
    let islands: Vec<&Island> = plan.lines.iter().flat_map(|l| l.islands.iter()).collect();
    if islands.is_empty() {
        return Ok(None);
    }
    let flat = extrude_islands(&islands, DEPTH_MM + PROUD_MM)?;
    let fine = manifold_io::non_empty(flat.refine_to_length(REFINE_MM), "refining the letters")?;
    let wrapped = wrap(&manifold_io::to_mesh(&fine), pedestal.radius);
    Ok(Some(manifold_io::rebuild(&wrapped, "wrapping the letters around the pedestal")?))
}

/// Cuts `line1` and `line2` into the side of `solid` (the pedestal, before the figurine joins it).
pub fn engrave(
    solid: Manifold,
    pedestal: &Pedestal,
    line1: &str,
    line2: &str,
) -> Result<(Manifold, EngravingPlan), EngravingError> {
    let plan = plan(line1, line2, pedestal)?;
    let Some(cut) = cutter(&plan, pedestal)? else {
        return Ok((solid, plan));
    };
    let result = manifold_io::non_empty(solid.difference(&cut), "cutting the letters into the pedestal")?;
    Ok((result, plan))
}

/// Extrudes islands along +Z (the future w). Islands whose boxes touch no other go through one
/// extrusion together; the rest (overlapping accents and components) are extruded one by one and
/// united, since the triangulator needs non-overlapping input.
fn extrude_islands(islands: &[&Island], height: f64) -> Result<Manifold, EngravingError> {
    let boxes: Vec<[f64; 4]> = islands.iter().map(|i| i.bounds()).collect();
    let overlaps = |a: &[f64; 4], b: &[f64; 4]| a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
    let alone: Vec<bool> =
        (0..islands.len()).map(|i| (0..islands.len()).all(|j| i == j || !overlaps(&boxes[i], &boxes[j]))).collect();

    let mut parts: Vec<Manifold> = Vec::new();
    let separate: Vec<&Island> = islands.iter().zip(&alone).filter(|(_, a)| **a).map(|(i, _)| *i).collect();
    if !separate.is_empty() {
        parts.push(extrude(&separate, height)?);
    }
    for (island, _) in islands.iter().zip(&alone).filter(|(_, a)| !**a) {
        parts.push(extrude(&[island], height)?);
    }
    union_all(parts)
}

fn extrude(islands: &[&Island], height: f64) -> Result<Manifold, EngravingError> {
    let rings: Vec<Vec<f64>> = islands
        .iter()
        .flat_map(|i| std::iter::once(&i.outer).chain(i.holes.iter()))
        .map(|c| c.iter().flatten().copied().collect())
        .collect();
    let slices: Vec<&[f64]> = rings.iter().map(Vec::as_slice).collect();
    let solid = Manifold::extrude(&slices, height, 0, 0.0, 1.0, 1.0);
    Ok(manifold_io::non_empty(solid, "extruding the letters")?)
}

/// Pairwise union in a balanced tree, which keeps each boolean small.
fn union_all(mut parts: Vec<Manifold>) -> Result<Manifold, EngravingError> {
    while parts.len() > 1 {
        let mut next = Vec::with_capacity(parts.len().div_ceil(2));
        let mut it = parts.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => a.union(&b),
                None => a,
            });
        }
        parts = next;
    }
    let one = parts.pop().ok_or_else(|| EngravingError::Geometry("no letters to cut".into()))?;
    Ok(manifold_io::non_empty(one, "joining the letters")?)
}

/// Bends the flat extrusion around the Z axis: (u, z, w) -> angle u / r from -Y towards +X, radius
/// r - depth + w. Orientation is kept (the map's Jacobian is positive), so the solid stays outward.
fn wrap(flat: &Mesh, radius: f64) -> Mesh {
    let vertices = flat
        .vertices
        .iter()
        .map(|v| {
            let (u, z, w) = (f64::from(v[0]), f64::from(v[1]), f64::from(v[2]));
            let angle = u / radius;
            let r = radius - DEPTH_MM + w;
            [(r * angle.sin()) as f32, (-r * angle.cos()) as f32, z as f32]
        })
        .collect();
    Mesh::new(vertices, flat.triangles.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::analysis;

    fn pedestal() -> Pedestal {
        Pedestal::for_piece(80.0, 15.0, 0)
    }

    #[test]
    fn single_line_is_45_percent_of_the_pedestal_and_centred_on_the_front() {
        let p = pedestal();
        let plan = plan("DAD", "", &p).unwrap();
        assert_eq!(plan.lines.len(), 1);
        let l = &plan.lines[0];
        assert!((l.cap_mm - 0.45 * p.height).abs() < 0.05 * p.height, "{}", l.cap_mm);
        let b = l.islands.iter().map(|i| i.bounds()).fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |a, b| {
            [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
        });
        assert!((b[0] + b[2]).abs() < 0.05, "not centred: {b:?}");
        let (lo, hi) = p.side_band();
        assert!(b[1] >= lo && b[3] <= hi, "{b:?} outside {lo}..{hi}");
    }

    #[test]
    fn two_lines_stack_inside_the_band_with_line_two_smaller() {
        let p = pedestal();
        let plan = plan("DAD", "60 YEARS", &p).unwrap();
        let [a, b] = &plan.lines[..] else { panic!("two lines expected") };
        assert!((b.cap_mm / a.cap_mm - SECOND_LINE_SCALE).abs() < 1e-9);
        let lo_a = a.islands.iter().map(|i| i.bounds()[1]).fold(f64::MAX, f64::min);
        let hi_b = b.islands.iter().map(|i| i.bounds()[3]).fold(f64::MIN, f64::max);
        assert!(lo_a - hi_b > 0.2 * a.cap_mm, "lines too close: {lo_a} {hi_b}");
        let (band_lo, _) = p.side_band();
        assert!(b.islands.iter().all(|i| i.bounds()[1] >= band_lo));
    }

    #[test]
    fn long_lines_shrink_to_sixty_percent_of_the_circumference() {
        let p = pedestal();
        let text = "A VERY LONG LINE OF TEXT THAT WOULD WRAP ALL THE WAY AROUND";
        let plan = plan(text, "", &p).unwrap();
        let w = plan.lines[0].width_mm;
        assert!(w <= MAX_ARC * 2.0 * PI * p.radius + 1e-6);
        assert!(w > 0.55 * 2.0 * PI * p.radius);
        assert!(!plan.warnings().is_empty(), "so small a text should be flagged as thin");
    }

    #[test]
    fn missing_glyphs_are_listed_and_typed() {
        assert_eq!(missing_glyphs("Grüße 漢字 漢"), vec!['漢', '字']);
        match plan("DAD 漢", "☃", &pedestal()) {
            Err(e @ EngravingError::MissingGlyphs { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "the font has no glyphs for '漢', '☃'; use Latin letters or leave the line empty"
                );
                assert!(matches!(StageError::from(e), StageError::BadInput(_)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn blank_lines_draw_nothing() {
        let p = pedestal();
        let plan = plan("  ", "", &p).unwrap();
        assert!(plan.is_empty());
        assert!(cutter(&plan, &p).unwrap().is_none());
    }

    #[test]
    fn letters_read_left_to_right_from_the_front() {
        // An "L" seen from -Y: its stem (the top half) sits left (-X) of the foot's far end.
        let p = pedestal();
        let plan = plan("L", "", &p).unwrap();
        let cut = manifold_io::to_mesh(&cutter(&plan, &p).unwrap().unwrap());
        let (lo, hi) = cut.bounds().unwrap();
        let mid_z = 0.5 * (lo[2] + hi[2]);
        let top_max_x = cut.vertices.iter().filter(|v| v[2] > mid_z + 0.5).map(|v| v[0]).fold(f32::MIN, f32::max);
        assert!(top_max_x < hi[0] - 0.5, "stem reaches {top_max_x}, foot {}", hi[0]);
        assert!(hi[1] < 0.0, "the letter should be on the front (-Y)");
    }

    #[test]
    fn engraving_removes_volume_on_the_front_only() {
        let p = pedestal();
        let plain = p.solid().unwrap();
        let (cut, plan) = engrave(p.solid().unwrap(), &p, "Zoë", "Jürgen & Ana").unwrap();
        assert_eq!(plan.lines.len(), 2);
        let before = analysis::signed_volume(&manifold_io::to_mesh(&plain));
        let m = manifold_io::to_mesh(&cut);
        assert!(analysis::is_closed_manifold(&m));
        assert_eq!(analysis::components(&m).len(), 1);
        let after = analysis::signed_volume(&m);
        assert!(after < before - 1.0, "{before} -> {after}");
        // Every vertex at the bottom of a letter lies on the front half.
        let floor: Vec<&[f32; 3]> = m
            .vertices
            .iter()
            .filter(|v| {
                let r = f64::from(v[0]).hypot(f64::from(v[1]));
                (r - (p.radius - DEPTH_MM)).abs() < 0.01
            })
            .collect();
        assert!(floor.len() > 50);
        assert!(floor.iter().all(|v| v[1] < 0.0));
    }
}
