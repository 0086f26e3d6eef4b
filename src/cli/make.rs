//! `memoreez make`: the whole journey headless, from facts to files.

use super::{CliError, CliResult, Context};
use clap::Args;
use memoreez::config::HollowSettings;
use memoreez::domain::Region;
use memoreez::domain::{valid_email, Facts, Occasion};
use memoreez::fab::{FabSpec, HollowSpec};
use memoreez::mesh::import::{ImportOptions, Units, UpAxis};
use memoreez::pipeline::{OrderRequest, Outputs, SessionParams};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct MakeArgs {
    /// Who is celebrated: a name or a relation ("Dad") [with --mesh: optional, names the session]
    #[arg(long, required_unless_present_any = ["mesh", "image"])]
    name: Option<String>,
    /// Passions and hobbies, comma separated ("tennis, coffee")
    #[arg(long, required_unless_present_any = ["mesh", "image"])]
    hobbies: Option<String>,
    /// Something quirky about them (optional)
    #[arg(long, default_value = "")]
    quirk: String,
    /// birthday, graduation, anniversary, retirement, wedding, new-baby or other
    #[arg(long, value_parser = parse_occasion)]
    occasion: Option<Occasion>,
    /// Which of the four concepts to make
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    pick: u8,
    #[command(flatten)]
    piece: PieceArgs,
    /// Seed for the concepts and images [default: random]
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the binary STL
    #[arg(long, value_name = "FILE.stl")]
    out: PathBuf,
    /// Also write a 3MF here
    #[arg(long = "3mf", value_name = "FILE.3mf")]
    threemf: Option<PathBuf>,
    /// Also write the G-code here (when PrusaSlicer sliced the piece; the estimator makes none)
    #[arg(long, value_name = "FILE.gcode")]
    gcode: Option<PathBuf>,
    /// Place an order for this email address (optional)
    #[arg(long)]
    email: Option<String>,
    /// Shipping region for the price: eu or international
    #[arg(long, default_value = "eu", value_parser = parse_region)]
    region: Region,
    /// Shipping address for the order
    #[arg(long, default_value = "")]
    address: String,
    /// Make the piece from your own model instead: STL, OBJ, PLY or GLB (skips concepts and images)
    #[arg(long, value_name = "FILE", conflicts_with = "image")]
    mesh: Option<PathBuf>,
    /// Make the piece from your own picture of one object on a plain light background (skips concepts)
    #[arg(long, value_name = "FILE")]
    image: Option<PathBuf>,
    /// Units of the --mesh file: mm, cm, m or in [default: glTF metres; otherwise guessed from its size]
    #[arg(long, requires = "mesh", value_parser = clap::value_parser!(Units))]
    units: Option<Units>,
    /// Up axis of the --mesh file: y or z [default: Y for glTF and OBJ, Z for STL and PLY]
    #[arg(long, requires = "mesh", value_parser = clap::value_parser!(UpAxis))]
    up: Option<UpAxis>,
}

/// The piece's engraving, height and hollowing: the flags `make` and `solid` share.
#[derive(Args, Debug)]
pub struct PieceArgs {
    /// First engraved line (a name)
    #[arg(long, default_value = "")]
    line1: String,
    /// Second engraved line (a date or message)
    #[arg(long, default_value = "")]
    line2: String,
    /// Height of the whole piece in mm, 30-250 [default: 80, or height_mm from the config]
    #[arg(long)]
    height_mm: Option<f32>,
    /// Hollow the piece, leaving walls this thick (1-10 mm) and a drain hole in the base; for resin
    /// printers or dense infill [default: off, or [hollow] in the config; bare --hollow: its wall_mm]
    #[arg(long, value_name = "WALL_MM", num_args = 0..=1, conflicts_with = "solid")]
    hollow: Option<Option<f32>>,
    /// Width of the drain hole, 2-10 mm [default: 4, or drain_mm from the config]
    #[arg(long, value_name = "MM")]
    drain_mm: Option<f32>,
    /// Keep the piece solid even where the config hollows by default
    #[arg(long)]
    solid: bool,
}

impl PieceArgs {
    /// The spec from the flags over the config's defaults and `base`, checked.
    pub fn spec(&self, cfg: &memoreez::config::Config, base: FabSpec) -> Result<FabSpec, CliError> {
        let spec = FabSpec {
            height_mm: self.height_mm.unwrap_or(cfg.height_mm),
            line1: self.line1.trim().to_string(),
            line2: self.line2.trim().to_string(),
            hollow: hollow_spec(&cfg.hollow, self.hollow, self.drain_mm, self.solid)?,
            ..base
        };
        check_spec(&spec)?;
        Ok(spec)
    }
}

pub fn parse_occasion(s: &str) -> Result<Occasion, String> {
    Occasion::parse(s).ok_or_else(|| {
        let all: Vec<String> = Occasion::ALL.iter().map(|o| o.label().replace(' ', "-")).collect();
        format!("unknown occasion '{s}'; use one of {}", all.join(", "))
    })
}

fn parse_region(s: &str) -> Result<Region, String> {
    Region::parse(s).ok_or_else(|| format!("unknown region '{s}'; use eu or international"))
}

/// The piece's spec checked once, named by the flag that set the faulty value.
fn check_spec(spec: &FabSpec) -> Result<(), CliError> {
    spec.check().map_err(|e| {
        let flag = match e.line() {
            Some(n) => format!("--line{n}"),
            None => "--height-mm".to_string(),
        };
        CliError::BadInput(e.for_field(&flag))
    })
}

/// Fails early, before any work, when an output file cannot be written there.
pub fn check_writable(label: &str, path: &Path) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::BadInput(format!("{label} {} is a folder; give a file name", path.display())));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(CliError::BadInput(format!(
            "{label} {}: the folder {} does not exist; create it or choose another path",
            path.display(),
            dir.display()
        )));
    }
    tempfile::tempfile_in(dir).map(drop).map_err(|e| {
        CliError::BadInput(format!(
            "{label} {}: cannot write in {} ({e}); choose another path",
            path.display(),
            dir.display()
        ))
    })
}

/// Hollowing from the flags over the config: `--solid` wins, then `--hollow [WALL_MM]`, then the
/// config's default; `--drain-mm` alone changes the drain of whatever hollowing applies.
fn hollow_spec(
    cfg: &HollowSettings,
    hollow: Option<Option<f32>>,
    drain_mm: Option<f32>,
    solid: bool,
) -> Result<Option<HollowSpec>, CliError> {
    if solid {
        return Ok(None);
    }
    let spec = match hollow {
        Some(wall) => Some(HollowSpec { wall_mm: wall.unwrap_or(cfg.wall_mm), ..cfg.spec() }),
        None => cfg.default_spec(),
    };
    let Some(mut spec) = spec else {
        if drain_mm.is_some() {
            return Err(CliError::BadInput("--drain-mm only applies to a hollow piece; add --hollow".into()));
        }
        return Ok(None);
    };
    spec.drain_mm = drain_mm.unwrap_or(spec.drain_mm);
    // The config's values were checked when it loaded, so a value out of range came from a flag.
    let ((wlo, whi), (dlo, dhi)) = (HollowSpec::WALL_RANGE_MM, HollowSpec::DRAIN_RANGE_MM);
    if !(wlo..=whi).contains(&spec.wall_mm) {
        return Err(CliError::BadInput(format!("--hollow {}: walls must be {wlo}-{whi} mm thick", spec.wall_mm)));
    }
    if !(dlo..=dhi).contains(&spec.drain_mm) {
        return Err(CliError::BadInput(format!(
            "--drain-mm {}: the drain hole must be {dlo}-{dhi} mm wide",
            spec.drain_mm
        )));
    }
    Ok(Some(spec))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The output paths, checked writable before any work and made absolute; no two may be the same file.
pub fn check_outputs(stl: &Path, threemf: Option<&Path>, gcode: Option<&Path>) -> Result<Outputs, CliError> {
    let named = [("--out", Some(stl)), ("--3mf", threemf), ("--gcode", gcode)];
    let given: Vec<(&str, PathBuf)> = named.iter().filter_map(|(f, p)| p.map(|p| (*f, absolute(p)))).collect();
    for (i, (flag, path)) in given.iter().enumerate() {
        check_writable(flag, path)?;
        if let Some((other, _)) = given[..i].iter().find(|(_, p)| p == path) {
            return Err(CliError::BadInput(format!(
                "{other} and {flag} name the same file {}; give each its own",
                path.display()
            )));
        }
    }
    Ok(Outputs { stl: Some(absolute(stl)), threemf: threemf.map(absolute), gcode: gcode.map(absolute) })
}

/// A session that could not be made: the person's input (exit 2) or the data dir (exit 1).
pub fn create_error(e: memoreez::pipeline::CreateError) -> CliError {
    if e.is_bad_input() {
        CliError::BadInput(e.to_string())
    } else {
        CliError::Failed(e.to_string())
    }
}

pub fn run(ctx: &Context, a: MakeArgs) -> CliResult {
    let cfg = ctx.config()?;
    let name = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let facts = Facts {
        name: name.unwrap_or_default().to_string(),
        hobbies: a.hobbies.unwrap_or_default(),
        quirk: a.quirk.trim().to_string(),
        occasion: a.occasion,
    };
    // An own picture or model needs no facts; the session records what it started from.
    if a.mesh.is_none() && a.image.is_none() {
        facts.validate().map_err(|e| CliError::BadInput(e.to_string()))?;
    } else if let Some(n) = name.filter(|n| n.chars().count() > memoreez::domain::MAX_NAME_CHARS) {
        return Err(CliError::BadInput(format!(
            "--name is {} characters; keep it to {} or fewer",
            n.chars().count(),
            memoreez::domain::MAX_NAME_CHARS
        )));
    }
    let fab = a.piece.spec(&cfg, FabSpec::default())?;
    let outputs = check_outputs(&a.out, a.threemf.as_deref(), a.gcode.as_deref())?;
    let order = match a.email {
        Some(email) if !valid_email(email.trim()) => {
            return Err(CliError::BadInput(format!("--email '{email}' is not an email address (name@example.com)")));
        }
        Some(email) => Some(OrderRequest { email: email.trim().to_string(), address: a.address.trim().to_string() }),
        None => None,
    };
    let seed = a.seed.unwrap_or_else(rand::random);
    let params = SessionParams {
        seed,
        pick: Some(a.pick as usize - 1),
        fab,
        region: a.region,
        outputs,
        order,
        ..SessionParams::default()
    };
    let pipeline = ctx.pipeline(&cfg)?;
    let (session, import_repairs) = match (a.mesh, a.image) {
        (Some(path), _) => import_mesh(&pipeline, path, ImportOptions { units: a.units, up: a.up }, name, params)?,
        (None, Some(path)) => {
            let what = memoreez::pipeline::Import::Image(path);
            (memoreez::pipeline::create_from(&pipeline.store, &what, name, params).map_err(create_error)?.0, Vec::new())
        }
        (None, None) => {
            (memoreez::pipeline::create(&pipeline.store, &facts, params).map_err(create_error)?, Vec::new())
        }
    };
    let mut outcome = super::run_to_end(&pipeline, &session)?;
    // The summary's repairs start with what the importer mended before fabrication saw the model.
    if let Some(report) = outcome.results.printability.as_mut() {
        report.repairs.splice(0..0, import_repairs);
    }
    println!("{}", super::summary::summary(&outcome, seed));
    Ok(ExitCode::SUCCESS)
}

/// The `--mesh` session: the model read, repaired and saved as the raw mesh (the same path as
/// `studio --mesh`), so the run goes straight to the printable solid. What was read and repaired
/// is said on stderr; the repairs are returned for the summary.
fn import_mesh(
    pipeline: &memoreez::pipeline::Pipeline,
    path: PathBuf,
    opts: ImportOptions,
    name: Option<&str>,
    params: SessionParams,
) -> Result<(String, Vec<String>), CliError> {
    use memoreez::pipeline::{create_from, Import};
    let (id, imported) = create_from(&pipeline.store, &Import::Mesh(path, opts), name, params).map_err(create_error)?;
    let notes: Vec<String> = imported.iter().flat_map(|i| i.notes()).collect();
    for note in &notes {
        eprintln!("{note}");
    }
    let repairs = notes.iter().filter_map(|n| n.strip_prefix("repaired: ")).map(str::to_string).collect();
    Ok((id, repairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solid_wins_then_the_flag_then_the_config() {
        let off = HollowSettings::default();
        let on = HollowSettings { enabled: true, wall_mm: 3.0, drain_mm: 5.0 };
        let spec = |wall, drain| Some(HollowSpec { wall_mm: wall, drain_mm: drain });
        assert_eq!(hollow_spec(&off, None, None, false).unwrap(), None);
        assert_eq!(hollow_spec(&on, None, None, false).unwrap(), spec(3.0, 5.0));
        assert_eq!(hollow_spec(&on, None, None, true).unwrap(), None);
        assert_eq!(hollow_spec(&off, Some(None), None, false).unwrap(), spec(2.0, 4.0));
        assert_eq!(hollow_spec(&on, Some(Some(2.5)), Some(6.0), false).unwrap(), spec(2.5, 6.0));
        assert_eq!(hollow_spec(&on, None, Some(3.0), false).unwrap(), spec(3.0, 3.0));
        assert!(hollow_spec(&off, None, Some(3.0), false).is_err());
    }
}
