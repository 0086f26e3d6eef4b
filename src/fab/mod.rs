//! Raw mesh -> printable solid in millimetres (Z up, base on Z = 0): scale, flat base, pedestal,
//! engraving, one union; then printability, slicing and price.

use crate::mesh::Mesh;
use crate::pipeline::{Progress, StageError};
use serde::{Deserialize, Serialize};

/// What the person chose for the physical piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FabSpec {
    /// Height of the whole piece, pedestal included, in mm.
    pub height_mm: f32,
    /// Engraved lines; empty strings mean no line.
    pub line1: String,
    pub line2: String,
    /// Whether the raw mesh's up axis is known.
    #[serde(default)]
    pub orientation: Orientation,
}

impl Default for FabSpec {
    fn default() -> Self {
        Self { height_mm: 80.0, line1: String::new(), line2: String::new(), orientation: Orientation::default() }
    }
}

/// How far the raw mesh's orientation can be trusted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Orientation {
    /// Model space as our shape backends write it, and as an importer leaves a mesh whose up axis
    /// was given (`--up`): Y up, facing +Z.
    #[default]
    Trusted,
    /// Unknown (an imported mesh without `--up`): stand it on its most stable flat side.
    Auto,
}

/// The facts a person and a printer care about, for the JSON summary and the Studio screen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Printability {
    pub manifold: bool,
    pub parts: usize,
    pub volume_mm3: f64,
    pub size_mm: [f64; 3],
    pub warnings: Vec<String>,
    /// Share of the surface facing down more than 45 degrees from vertical, off the bed, percent.
    #[serde(default)]
    pub overhang_pct: f64,
    /// The same overhanging surface in mm².
    #[serde(default)]
    pub overhang_mm2: f64,
    /// Whether enough of the bottom lies flat on the bed (false when unknown).
    #[serde(default)]
    pub base_flat: bool,
    /// Area of the faces lying on the bed, mm².
    #[serde(default)]
    pub base_contact_mm2: f64,
    /// Thinnest wall found by inward rays, ignoring the thinnest square millimetre (tips and
    /// slivers); None when no ray met the far side.
    #[serde(default)]
    pub thinnest_wall_mm: Option<f64>,
    /// Surface whose wall is thinner than the 0.8 mm two nozzle lines need, mm².
    #[serde(default)]
    pub thin_wall_mm2: f64,
    /// Estimated stroke width of the thinnest engraved line, mm; None without engraving.
    #[serde(default)]
    pub thinnest_stroke_mm: Option<f64>,
    /// Cap height of the smallest engraved line, mm; None without engraving.
    #[serde(default)]
    pub cap_height_mm: Option<f64>,
}

/// A finished solid with its report.
#[derive(Debug, Clone)]
pub struct Printable {
    pub mesh: Mesh,
    pub report: Printability,
}

pub trait Fabricator: Send + Sync {
    fn name(&self) -> &str;
    fn make_printable(&self, raw: &Mesh, spec: &FabSpec, progress: &dyn Progress) -> Result<Printable, StageError>;
}

/// Grams and minutes of one print, and what produced them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceStats {
    pub grams: f64,
    pub minutes: f64,
    /// "estimate" or the slicer's name and version.
    pub slicer: String,
}

pub trait Slicer: Send + Sync {
    fn name(&self) -> &str;
    /// `stl` is the solid already saved as binary STL; a slicer that writes G-code puts it in `gcode_out`.
    fn slice(
        &self,
        solid: &Mesh,
        stl: &std::path::Path,
        gcode_out: &std::path::Path,
        progress: &dyn Progress,
    ) -> Result<(SliceStats, bool), StageError>;
}

mod compose_table;
pub mod engraving;
pub mod estimate;
pub mod font;
pub mod layers;
pub mod manifold_io;
pub mod orient;
pub mod outline;
pub mod pedestal;
pub mod pricing;
pub mod printability;
pub mod prusa;
pub mod solid;
pub mod stance;
pub mod thickness;
pub mod touching;
