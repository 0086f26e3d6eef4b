//! Units and up axis of an imported model, and the move into the print frame (millimetres, Z up).
//!
//! Units, unless `--units` says: glTF is metres by its specification. Other formats carry no unit,
//! so the largest extent decides: up to 2.5 it is taken as metres (real objects in metres, and the
//! unit-cube or +-1 models that image-to-3D tools export), anything larger as millimetres (what
//! printing tools write). Inches and centimetres are only ever chosen by the flag. The finished
//! piece is scaled to the asked height anyway, so a wrong guess changes what is reported, not
//! the print.
//!
//! Up axis, unless `--up` says: glTF is Y up by its specification; OBJ is usually Y up (the
//! default of Blender's and most modellers' exporters); STL and PLY come from printing and scanning
//! tools, which are Z up.

use super::Format;
use crate::mesh::Mesh;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Largest extent, in file units, still read as metres when nothing says otherwise.
pub const METRES_UP_TO: f64 = 2.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    Mm,
    Cm,
    M,
    In,
}

impl Units {
    pub fn mm_per_unit(self) -> f64 {
        match self {
            Units::Mm => 1.0,
            Units::Cm => 10.0,
            Units::M => 1000.0,
            Units::In => 25.4,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Units::Mm => "millimetres",
            Units::Cm => "centimetres",
            Units::M => "metres",
            Units::In => "inches",
        }
    }
}

impl FromStr for Units {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mm" => Ok(Units::Mm),
            "cm" => Ok(Units::Cm),
            "m" => Ok(Units::M),
            "in" | "inch" => Ok(Units::In),
            other => Err(format!("unknown unit '{other}'; use mm, cm, m or in")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpAxis {
    Y,
    Z,
}

impl FromStr for UpAxis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "y" => Ok(UpAxis::Y),
            "z" => Ok(UpAxis::Z),
            other => Err(format!("unknown up axis '{other}'; use y or z")),
        }
    }
}

impl fmt::Display for UpAxis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpAxis::Y => "Y",
            UpAxis::Z => "Z",
        })
    }
}

/// Where a unit or axis came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The person's flag.
    Flag,
    /// The file format's specification.
    Spec,
    /// Our heuristic.
    Guess,
}

pub fn units_for(format: Format, largest_extent: f64, flag: Option<Units>) -> (Units, Source) {
    match (flag, format) {
        (Some(u), _) => (u, Source::Flag),
        (None, Format::Gltf) => (Units::M, Source::Spec),
        (None, _) if largest_extent <= METRES_UP_TO => (Units::M, Source::Guess),
        (None, _) => (Units::Mm, Source::Guess),
    }
}

pub fn up_for(format: Format, flag: Option<UpAxis>) -> (UpAxis, Source) {
    match (flag, format) {
        (Some(u), _) => (u, Source::Flag),
        (None, Format::Gltf) => (UpAxis::Y, Source::Spec),
        (None, Format::Obj) => (UpAxis::Y, Source::Guess),
        (None, Format::Stl | Format::Ply) => (UpAxis::Z, Source::Guess),
    }
}

/// Scales to millimetres and turns Y-up models Z up: a rotation of +90 degrees about X,
/// (x, y, z) -> (x, -z, y), which keeps the winding and puts a glTF model's front (+Z) at -Y.
pub fn to_print_frame(m: &mut Mesh, units: Units, up: UpAxis) {
    let s = units.mm_per_unit() as f32;
    for v in &mut m.vertices {
        let p = v.map(|c| c * s);
        *v = match up {
            UpAxis::Z => p,
            UpAxis::Y => [p[0], -p[2], p[1]],
        };
    }
}
