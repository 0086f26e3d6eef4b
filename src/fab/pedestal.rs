//! The pedestal: a short cylinder with rounded top and bottom edges, sized to the figurine's
//! footprint and to the whole piece's height.

use crate::fab::manifold_io;
use crate::stage::StageError;
use manifold_rs::Manifold;
use std::f64::consts::PI;

/// Clearance around the figurine's footprint, mm.
pub const MARGIN_MM: f64 = 8.0;
/// Pedestal height as a share of the whole piece.
pub const HEIGHT_FRACTION: f64 = 0.12;
pub const MIN_HEIGHT_MM: f64 = 8.0;
/// Pedestal height at which 0, 1 or 2 engraved lines of Open Sans Bold reach 0.8 mm strokes (stroke is
/// about 0.2 of the cap height; line 2 is 0.75 of line 1), measured with `fab::engraving::plan`.
const LEGIBLE_HEIGHT_MM: [f64; 3] = [0.0, 10.0, 17.0];
/// Most of the piece's height the pedestal may take to fit legible text.
const MAX_TEXT_FRACTION: f64 = 0.25;
/// How deep the figurine's flat base sits inside the pedestal, so the union is one solid.
pub const SINK_MM: f64 = 1.5;
/// Target length of one side facet, mm: fine enough that the side reads as round.
const FACET_MM: f64 = 1.5;
const MIN_SEGMENTS: u32 = 64;
/// Points per quarter-circle fillet.
const FILLET_STEPS: usize = 8;

/// Dimensions of the pedestal; its axis is the Z axis and its bottom lies on Z = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pedestal {
    pub radius: f64,
    pub height: f64,
    /// Radius of the rounded top and bottom edges.
    pub fillet: f64,
    /// Facets around the side.
    pub segments: u32,
}

impl Pedestal {
    /// Height for a piece `total_height_mm` tall (12 %, at least 8 mm).
    pub fn height_for(total_height_mm: f64, text_lines: usize) -> f64 {
        let plain = (total_height_mm * HEIGHT_FRACTION).max(MIN_HEIGHT_MM);
        // Engraved lines need room to reach strokes a nozzle can form; never more than a quarter
        // of the piece, so small pieces keep their figurine and get a thin-text warning instead.
        let legible = LEGIBLE_HEIGHT_MM[text_lines.min(2)].min(total_height_mm * MAX_TEXT_FRACTION);
        plain.max(legible)
    }

    /// A pedestal for a piece `total_height_mm` tall whose figurine reaches `footprint_radius_mm`
    /// from the axis near its base.
    pub fn for_piece(total_height_mm: f64, footprint_radius_mm: f64, text_lines: usize) -> Self {
        let height = Self::height_for(total_height_mm, text_lines);
        let radius = footprint_radius_mm.max(0.0) + MARGIN_MM;
        let fillet = (0.12 * height).clamp(0.8, 2.0);
        let by_length = (2.0 * PI * radius / FACET_MM).ceil() as u32;
        // A multiple of 4 keeps the shape symmetric about both axes.
        let segments = by_length.max(MIN_SEGMENTS).div_ceil(4) * 4;
        Self { radius, height, fillet, segments }
    }

    /// Z range of the straight part of the side, where engraving can go.
    pub fn side_band(&self) -> (f64, f64) {
        (self.fillet, self.height - self.fillet)
    }

    /// Where the figurine's flat base goes.
    pub fn seat_z(&self) -> f64 {
        self.height - SINK_MM
    }

    /// The half cross-section (radius, z) revolved into the solid: counter-clockwise, with
    /// quarter-circle fillets at both outer corners.
    pub fn profile(&self) -> Vec<[f64; 2]> {
        let (r, h, f) = (self.radius, self.height, self.fillet);
        let mut p = vec![[0.0, 0.0]];
        // Bottom fillet, centre (r - f, f), from straight down to straight out.
        for i in 0..=FILLET_STEPS {
            let a = -PI / 2.0 + (i as f64) * (PI / 2.0) / FILLET_STEPS as f64;
            p.push([r - f + f * a.cos(), f + f * a.sin()]);
        }
        // Top fillet, centre (r - f, h - f), from straight out to straight up.
        for i in 0..=FILLET_STEPS {
            let a = (i as f64) * (PI / 2.0) / FILLET_STEPS as f64;
            p.push([r - f + f * a.cos(), h - f + f * a.sin()]);
        }
        p.push([0.0, h]);
        p
    }

    pub fn solid(&self) -> Result<Manifold, StageError> {
        let profile: Vec<f64> = self.profile().into_iter().flatten().collect();
        let solid = Manifold::revolve(&[profile.as_slice()], self.segments, 360.0);
        manifold_io::non_empty(solid, "building the pedestal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::outline::signed_area;
    use crate::mesh::analysis;

    #[test]
    fn sizes_follow_the_piece() {
        let p = Pedestal::for_piece(80.0, 15.0, 0);
        assert!((p.height - 9.6).abs() < 1e-9);
        assert!((p.radius - 23.0).abs() < 1e-9);
        assert!(p.segments >= 64 && p.segments % 4 == 0);
        assert!(2.0 * PI * p.radius / f64::from(p.segments) <= FACET_MM);
        assert_eq!(Pedestal::for_piece(40.0, 5.0, 0).height, MIN_HEIGHT_MM);
        // Text makes room for itself, up to a quarter of the piece.
        assert_eq!(Pedestal::for_piece(80.0, 5.0, 2).height, 17.0);
        assert_eq!(Pedestal::for_piece(80.0, 5.0, 1).height, 10.0);
        assert_eq!(Pedestal::for_piece(40.0, 5.0, 2).height, 10.0);
    }

    #[test]
    fn profile_is_counter_clockwise() {
        let p = Pedestal::for_piece(80.0, 15.0, 0);
        assert!(signed_area(&p.profile()) > 0.0);
    }

    #[test]
    fn solid_is_closed_with_the_expected_volume() {
        let p = Pedestal::for_piece(80.0, 15.0, 0);
        let m = manifold_io::to_mesh(&p.solid().unwrap());
        assert!(analysis::is_closed_manifold(&m));
        let (lo, hi) = m.bounds().unwrap();
        assert!(lo[2].abs() < 1e-5 && (f64::from(hi[2]) - p.height).abs() < 1e-4);
        assert!((f64::from(hi[0]) - p.radius).abs() < 1e-3);
        // A cylinder minus the two fillet rims (each (1 - pi/4) f^2 of profile area, swept around).
        let f = p.fillet;
        let rim = (1.0 - PI / 4.0) * f * f * 2.0 * PI * (p.radius - f * 0.22);
        let expected = PI * p.radius * p.radius * p.height - 2.0 * rim;
        let v = analysis::signed_volume(&m);
        assert!((v - expected).abs() / expected < 0.005, "{v} vs {expected}");
    }
}
