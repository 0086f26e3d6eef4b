//! Raw mesh -> printable solid in millimetres (Z up, base on Z = 0): scale, flat base, pedestal,
//! engraving, one union; then printability, slicing and price.

use crate::mesh::Mesh;
use crate::stage::{Progress, StageError};
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
    /// Hollow the solid out; None (the default) keeps it solid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hollow: Option<HollowSpec>,
}

impl Default for FabSpec {
    fn default() -> Self {
        Self {
            height_mm: 80.0,
            line1: String::new(),
            line2: String::new(),
            orientation: Orientation::default(),
            hollow: None,
        }
    }
}

/// Hollowing as asked: walls at least this thick, drained through holes this wide in the base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HollowSpec {
    pub wall_mm: f32,
    pub drain_mm: f32,
}

impl Default for HollowSpec {
    fn default() -> Self {
        Self { wall_mm: 2.0, drain_mm: 4.0 }
    }
}

impl HollowSpec {
    pub const WALL_RANGE_MM: (f32, f32) = (1.0, 10.0);
    pub const DRAIN_RANGE_MM: (f32, f32) = (2.0, 10.0);

    /// Values a printer can use; the message names the field and its range.
    pub fn check(&self) -> Result<(), String> {
        for (name, value, (lo, hi)) in
            [("wall_mm", self.wall_mm, Self::WALL_RANGE_MM), ("drain_mm", self.drain_mm, Self::DRAIN_RANGE_MM)]
        {
            if !(lo..=hi).contains(&value) {
                return Err(format!("hollow {name} = {value} is outside {lo}-{hi} mm"));
            }
        }
        Ok(())
    }
}

/// What hollowing did to the finished solid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hollowing {
    /// The thinnest wall asked for; the walls come out up to about two voxels thicker.
    pub wall_mm: f64,
    pub drain_mm: f64,
    pub drain_holes: usize,
    /// The cavity's volume: material taken out, mm³.
    pub cavity_mm3: f64,
    /// Pockets that no drain could reach from the bed, left solid.
    pub sealed_pockets: usize,
    /// The voxel size the cavity was shaped on, mm (its walls are measured exactly).
    pub grid_mm: f64,
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
    /// What the clean-up did to the raw model (welds, holes closed, faces simplified), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<String>,
    /// How the solid was hollowed; None when it is solid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hollow: Option<Hollowing>,
}

/// A finished solid with its report.
#[derive(Debug, Clone)]
pub struct Printable {
    pub mesh: Mesh,
    pub report: Printability,
}

pub trait Fabricator: Send + Sync {
    fn kind(&self) -> crate::stage::BackendKind;
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
    fn kind(&self) -> crate::stage::BackendKind;
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
pub mod hollow;
pub mod layers;
pub mod manifold_io;
pub mod orient;
pub mod outline;
pub mod pedestal;
pub mod pricing;
pub mod printability;
pub mod prusa;
pub mod solid;
pub mod spec;
pub mod stance;
pub mod thickness;
pub mod touching;
