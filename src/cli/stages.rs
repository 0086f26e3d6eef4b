//! One command per stage, reading and writing files, so stages can be scripted and swapped:
//! `ideas` (facts -> four concepts as JSON), `draw` (a concept or prompt -> picture), `cutout`
//! (picture -> RGBA cut-out) and `solid` (a mesh + engraving + height -> printable STL/3MF and its
//! report). `shape` has its own module. They use `make`'s backends, progress and exit codes, and the
//! same seeds: `ideas | draw | cutout | shape | solid` with one seed and pick give `make`'s solid.

use super::make::{check_outputs, check_writable, parse_occasion, PieceArgs};
use super::{CliError, CliResult, Context};
use clap::Args;
use memoreez::domain::{Concept, Facts, Occasion, Stage, Style};
use memoreez::fab::FabSpec;
use memoreez::mesh::import::{ImportOptions, Units, UpAxis};
use memoreez::pipeline::SessionParams;
use memoreez::stage::{CancelToken, ProgressEvent, StageError, StageReporter};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `ideas` writes and `draw` / `shape` read.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConceptsFile {
    /// The session seed: ideas use it as is, each picture and shape a seed derived from it per pick.
    pub seed: u64,
    pub concepts: Vec<Concept>,
}

impl ConceptsFile {
    pub fn read(path: &Path) -> Result<ConceptsFile, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::BadInput(format!("cannot read the concepts {}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| {
            CliError::BadInput(format!("{} is not a concepts file from `memoreez ideas`: {e}", path.display()))
        })
    }

    /// Concept `pick` (1-based) and the seed `make` gives its picture and shape.
    pub fn pick(&self, pick: u8) -> Result<(Concept, u64), CliError> {
        let slot = usize::from(pick) - 1;
        let concept = self.concepts.get(slot).cloned().ok_or_else(|| {
            CliError::BadInput(format!("--pick {pick}: the file has {} concepts", self.concepts.len()))
        })?;
        Ok((concept, SessionParams { seed: self.seed, ..SessionParams::default() }.image_seed(slot)))
    }
}

/// Runs one stage's work in the background with progress on stderr; Ctrl-C stops it between steps.
pub fn run_stage<T: Send + 'static>(
    stage: Stage,
    backend: String,
    work: impl FnOnce(&StageReporter) -> Result<T, StageError> + Send + 'static,
) -> Result<T, CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the background runtime: {e}")))?;
    rt.block_on(async move {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let cancel = CancelToken::new();
        let ctrl_c = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                ctrl_c.cancel();
            }
        });
        let job = tokio::task::spawn_blocking(move || {
            let rep = StageReporter::new(stage, tx, cancel);
            rep.send(ProgressEvent::Started { stage, backend });
            let result = work(&rep);
            match &result {
                Ok(_) => rep.send(ProgressEvent::Finished { stage, elapsed: rep.elapsed() }),
                Err(e) => rep.send(ProgressEvent::Failed { stage, error: e.to_string() }),
            }
            result
        });
        super::progress::show(rx).await;
        match job.await {
            Ok(result) => result.map_err(|e| match e {
                StageError::Cancelled => CliError::Interrupted("stopped; nothing was written".into()),
                StageError::BadInput(m) => CliError::BadInput(m),
                other => CliError::Failed(other.to_string()),
            }),
            Err(e) => Err(CliError::Failed(format!("the {stage} job stopped unexpectedly: {e}"))),
        }
    })
}

fn write(label: &str, path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    memoreez::store::files::write_atomic(path, bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {label} {}: {e}", path.display())))
}

fn png(img: &image::RgbaImage) -> Result<Vec<u8>, CliError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| CliError::Failed(format!("encoding PNG: {e}")))?;
    Ok(out.into_inner())
}

#[derive(Args, Debug)]
pub struct IdeasArgs {
    /// Who is celebrated: a name or a relation ("Dad")
    #[arg(long)]
    name: String,
    /// Passions and hobbies, comma separated ("tennis, coffee")
    #[arg(long)]
    hobbies: String,
    /// Something quirky about them (optional)
    #[arg(long, default_value = "")]
    quirk: String,
    /// birthday, graduation, anniversary, retirement, wedding, new-baby or other
    #[arg(long, value_parser = parse_occasion)]
    occasion: Option<Occasion>,
    /// Seed [default: random]
    #[arg(long)]
    seed: Option<u64>,
    /// Write the concepts here instead of stdout
    #[arg(long, value_name = "FILE.json")]
    out: Option<PathBuf>,
}

/// `memoreez ideas`: facts -> four concepts as JSON.
pub fn ideas(ctx: &Context, a: IdeasArgs) -> CliResult {
    let facts =
        Facts { name: a.name.trim().into(), hobbies: a.hobbies, quirk: a.quirk.trim().into(), occasion: a.occasion };
    facts.validate().map_err(|e| CliError::BadInput(e.to_string()))?;
    if let Some(out) = &a.out {
        check_writable("--out", out)?;
    }
    let backends = ctx.backends(&ctx.config()?)?;
    let seed = a.seed.unwrap_or_else(rand::random);
    let ideator = backends.ideator.clone();
    let concepts =
        run_stage(Stage::Ideation, memoreez::stage::described(ideator.name(), ideator.model()), move |rep| {
            ideator.concepts(&facts, seed, rep)
        })?;
    let json =
        serde_json::to_string_pretty(&ConceptsFile { seed, concepts }).map_err(|e| CliError::Failed(e.to_string()))?;
    match &a.out {
        Some(out) => write("--out", out, json.as_bytes())?,
        None => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct DrawArgs {
    /// A concepts file from `memoreez ideas`
    #[arg(long, value_name = "FILE.json", required_unless_present = "prompt", conflicts_with = "prompt")]
    concepts: Option<PathBuf>,
    /// Which concept of the file to draw (1-4)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    pick: u8,
    /// Or draw this prompt
    #[arg(long)]
    prompt: Option<String>,
    /// With --prompt: Whimsical, Heroic, Hybrid or Artistic
    #[arg(long, default_value = "Artistic", value_parser = parse_style)]
    style: Style,
    /// Seed: with --concepts, the file's seed is used unless this is given [default: random with --prompt]
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the picture
    #[arg(long, value_name = "FILE.png")]
    out: PathBuf,
}

fn parse_style(s: &str) -> Result<Style, String> {
    Style::parse(s).ok_or_else(|| format!("unknown style '{s}'; use Whimsical, Heroic, Hybrid or Artistic"))
}

/// `memoreez draw`: a concept (or a prompt) -> its picture.
pub fn draw(ctx: &Context, a: DrawArgs) -> CliResult {
    check_writable("--out", &a.out)?;
    let (concept, seed) = match (&a.concepts, a.prompt) {
        (Some(file), _) => {
            let mut file = ConceptsFile::read(file)?;
            file.seed = a.seed.unwrap_or(file.seed);
            file.pick(a.pick)?
        }
        (None, Some(prompt)) => {
            let title = prompt.chars().take(40).collect();
            (Concept { title, style: a.style, prompt }, a.seed.unwrap_or_else(rand::random))
        }
        (None, None) => return Err(CliError::BadInput("give --concepts FILE or --prompt TEXT".into())),
    };
    let images = ctx.backends(&ctx.config()?)?.images.clone();
    let img = run_stage(Stage::Images, memoreez::stage::described(images.name(), images.model()), move |rep| {
        images.generate(&concept, seed, rep)
    })?;
    write("--out", &a.out, &png(&img)?)?;
    eprintln!("{}: {}x{} pixels", a.out.display(), img.width(), img.height());
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct CutoutArgs {
    /// A picture of one object on a plain light background
    #[arg(long, value_name = "FILE")]
    image: PathBuf,
    /// Where to write the cut-out (RGBA, transparent background)
    #[arg(long, value_name = "FILE.png")]
    out: PathBuf,
}

/// `memoreez cutout`: a picture -> its object on a transparent square.
pub fn cutout(ctx: &Context, a: CutoutArgs) -> CliResult {
    check_writable("--out", &a.out)?;
    let picture = image::open(&a.image)
        .map_err(|e| CliError::BadInput(format!("cannot read the picture {}: {e}", a.image.display())))?
        .to_rgba8();
    let matting = ctx.backends(&ctx.config()?)?.matting.clone();
    let cut = run_stage(Stage::Matting, matting.name().into(), move |rep| matting.cut_out(&picture, rep))?;
    write("--out", &a.out, &png(&cut)?)?;
    eprintln!("{}: {}x{} pixels", a.out.display(), cut.width(), cut.height());
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct SolidArgs {
    /// The model: STL, OBJ, PLY or GLB
    #[arg(long, value_name = "FILE")]
    mesh: PathBuf,
    /// The mesh is an image-to-3D model's own output (about ±1, Y up), as `memoreez shape` writes it:
    /// used as it is, without guessing units or repairing
    #[arg(long, conflicts_with_all = ["units", "up"])]
    raw: bool,
    /// Units of the file: mm, cm, m or in [default: glTF metres; otherwise guessed from its size]
    #[arg(long)]
    units: Option<Units>,
    /// Up axis of the file: y or z [default: Y for glTF and OBJ, Z for STL and PLY]
    #[arg(long)]
    up: Option<UpAxis>,
    #[command(flatten)]
    piece: PieceArgs,
    /// Where to write the binary STL
    #[arg(long, value_name = "FILE.stl")]
    out: PathBuf,
    /// Also write a 3MF here
    #[arg(long = "3mf", value_name = "FILE.3mf")]
    threemf: Option<PathBuf>,
}

/// The raw mesh as `fab` takes it: a generator's output as it is, or a person's model imported.
fn raw_mesh(a: &SolidArgs) -> Result<(memoreez::mesh::Mesh, FabSpec), CliError> {
    let bad = |e: &dyn std::fmt::Display| CliError::BadInput(format!("{}: {e}", a.mesh.display()));
    if a.raw {
        let bytes = std::fs::read(&a.mesh).map_err(|e| bad(&e))?;
        use memoreez::mesh::import::{detect, read_raw, Format};
        // An STL is read as the pipeline reads its saved raw meshes (corners welded by position).
        let mesh = match detect(&bytes, Some(&a.mesh)).map_err(|e| bad(&e))? {
            Format::Stl => memoreez::mesh::io::read_stl(&bytes).map_err(|e| bad(&e))?,
            _ => read_raw(&bytes, Some(&a.mesh)).map_err(|e| bad(&e))?.1,
        };
        return Ok((mesh, FabSpec::default()));
    }
    let imported = memoreez::mesh::import::import_file(&a.mesh, &ImportOptions { units: a.units, up: a.up })
        .map_err(|e| bad(&e))?;
    for note in imported.notes() {
        eprintln!("{note}");
    }
    let mut fab = FabSpec::default();
    if imported.up_source == memoreez::mesh::import::Source::Guess {
        fab.orientation = memoreez::fab::Orientation::Auto;
    }
    Ok((memoreez::pipeline::to_model_space(&imported.mesh), fab))
}

/// `memoreez solid`: a mesh + engraving + height -> a printable STL (and 3MF) and its report as JSON.
pub fn solid(ctx: &Context, a: SolidArgs) -> CliResult {
    let cfg = ctx.config()?;
    let outputs = check_outputs(&a.out, a.threemf.as_deref(), None)?;
    let (raw, base) = raw_mesh(&a)?;
    let spec = a.piece.spec(&cfg, base)?;
    let fab = ctx.backends(&cfg)?.fab.clone();
    let printable = run_stage(Stage::Fabrication, fab.name().into(), move |rep| fab.make_printable(&raw, &spec, rep))?;
    let stl = memoreez::mesh::io::stl_bytes(&printable.mesh);
    if let Some(path) = &outputs.stl {
        write("--out", path, &stl)?;
    }
    if let Some(path) = &outputs.threemf {
        // From the mesh as the STL holds it, so the two files agree (as in `make`).
        let mesh = memoreez::mesh::io::read_stl(&stl).map_err(|e| CliError::Failed(e.to_string()))?;
        let bytes = memoreez::mesh::threemf::threemf_bytes(&mesh).map_err(|e| CliError::Failed(e.to_string()))?;
        write("--3mf", path, &bytes)?;
    }
    let summary =
        serde_json::json!({"files": {"stl": outputs.stl, "3mf": outputs.threemf}, "printability": printable.report});
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}
