//! `memoreez shape`: the image-to-3D stage alone with Hunyuan3D-2, from a cut-out to a mesh file, with
//! progress on stderr (each diffusion step, each decoding chunk) and Ctrl-C stopping between them.

use super::{CliError, CliResult, Context};
use clap::Args;
use memoreez::config::ShapeBackend;
use memoreez::domain::Stage;
use memoreez::mesh::Mesh;
use memoreez::shapegen::hunyuan3d::backend::{self, DeviceChoice, Overrides};
use memoreez::shapegen::hunyuan3d::Error as HyError;
use memoreez::shapegen::{ShapeGenerator, ShapeInput};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ShapeArgs {
    /// The cut-out: a PNG of one object on a transparent background (what the matting stage saves)
    #[arg(long, value_name = "CUTOUT.png")]
    image: PathBuf,
    /// Folder with the weights: one model folder (config.yaml + model.fp16.safetensors) or one holding the official variant subfolders [default: the models pulled with `memoreez models pull`]
    #[arg(long, value_name = "DIR")]
    weights: Option<PathBuf>,
    /// v2-0, fast, turbo, mini, mini-fast or mini-turbo (or the subfolder's name) [default: the first installed, turbo first]
    #[arg(long, value_name = "NAME")]
    variant: Option<String>,
    /// Diffusion steps [default: 50; 5 for turbo variants]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    steps: Option<u64>,
    /// Guidance scale [default: 5.0]
    #[arg(long, value_name = "G")]
    guidance: Option<f64>,
    /// Grid resolution of the decoded volume [default: 256]
    #[arg(long, value_name = "R", value_parser = clap::value_parser!(u64).range(8..=1024))]
    octree: Option<u64>,
    /// FlashVDM decoding, near the surface only [default: on for turbo variants]; --flashvdm=false turns it off
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    flashvdm: Option<bool>,
    /// Seed of the initial noise [default: with --concepts, the seed `make` gives that pick; else 0]
    #[arg(long)]
    seed: Option<u64>,
    /// hunyuan3d, or make's choice from the config's backends: auto (Hunyuan3D-2 when its weights
    /// are installed, else offline), motif (a procedural concept's exact geometry) or inflate
    #[arg(long, value_enum, default_value_t = ShapeBackend::Hunyuan3d)]
    backend: ShapeBackend,
    /// The concepts file from `memoreez ideas` the cut-out was drawn from (for motif geometry)
    #[arg(long, value_name = "FILE.json")]
    concepts: Option<PathBuf>,
    /// Which concept of --concepts (1-4)
    #[arg(long, requires = "concepts", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=4))]
    pick: u8,
    /// auto, cpu or cuda (cuda needs a build with --features cuda)
    #[arg(long, default_value = "auto", value_parser = parse_device)]
    device: DeviceChoice,
    /// f32, f16 or bf16 [default: f16 on CUDA, f32 on the CPU]
    #[arg(long, value_parser = parse_dtype)]
    dtype: Option<candle_core::DType>,
    /// Where to write the mesh: .stl, .obj, .ply or .3mf (model space: about ±1, Y up)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn parse_device(s: &str) -> Result<DeviceChoice, String> {
    s.parse()
}

fn parse_dtype(s: &str) -> Result<candle_core::DType, String> {
    backend::parse_dtype(s)
}

/// The mesh formats `--out` can name.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Stl,
    Obj,
    Ply,
    ThreeMf,
}

fn format_of(path: &Path) -> Result<Format, CliError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "stl" => Ok(Format::Stl),
        "obj" => Ok(Format::Obj),
        "ply" => Ok(Format::Ply),
        "3mf" => Ok(Format::ThreeMf),
        _ => Err(CliError::BadInput(format!(
            "--out {}: name a .stl, .obj, .ply or .3mf file, the extension says the format",
            path.display()
        ))),
    }
}

fn obj_bytes(m: &Mesh) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.vertices.len() * 32 + m.triangles.len() * 24);
    let _ = writeln!(out, "# written by memoreez shape: {} vertices, {} faces", m.vertices.len(), m.triangles.len());
    for v in &m.vertices {
        let _ = writeln!(out, "v {} {} {}", v[0], v[1], v[2]);
    }
    for t in &m.triangles {
        let _ = writeln!(out, "f {} {} {}", t[0] + 1, t[1] + 1, t[2] + 1);
    }
    out
}

fn ply_bytes(m: &Mesh) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + m.vertices.len() * 12 + m.triangles.len() * 13);
    let header = format!(
        "ply\nformat binary_little_endian 1.0\ncomment written by memoreez shape\nelement vertex {}\n\
         property float x\nproperty float y\nproperty float z\nelement face {}\n\
         property list uchar uint vertex_indices\nend_header\n",
        m.vertices.len(),
        m.triangles.len()
    );
    out.extend_from_slice(header.as_bytes());
    for v in &m.vertices {
        for c in v {
            out.extend_from_slice(&c.to_le_bytes());
        }
    }
    for t in &m.triangles {
        out.push(3);
        for i in t {
            out.extend_from_slice(&i.to_le_bytes());
        }
    }
    out
}

/// Writes through a temporary file and a rename, so a failed run never leaves half a mesh behind.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::fs::write(tmp.path(), bytes)?;
    tmp.persist(path).map(|_| ()).map_err(|e| e.error)
}

fn write_mesh(path: &Path, format: Format, mesh: &Mesh) -> Result<(), String> {
    match format {
        Format::Stl => memoreez::mesh::io::write_stl(path, mesh).map_err(|e| e.to_string()),
        Format::Obj => write_atomic(path, &obj_bytes(mesh)).map_err(|e| e.to_string()),
        Format::Ply => write_atomic(path, &ply_bytes(mesh)).map_err(|e| e.to_string()),
        Format::ThreeMf => memoreez::mesh::threemf::write_3mf(path, mesh).map_err(|e| e.to_string()),
    }
}

fn from_hy(e: HyError) -> CliError {
    match e {
        HyError::BadInput(m) => CliError::BadInput(m),
        HyError::Cancelled => CliError::Interrupted("stopped; no mesh was written".into()),
        other => CliError::Failed(format!("Hunyuan3D-2: {other}")),
    }
}

pub fn run(ctx: &Context, a: ShapeArgs) -> CliResult {
    let format = format_of(&a.out)?;
    let cutout = image::open(&a.image)
        .map_err(|e| CliError::BadInput(format!("cannot read the cut-out {}: {e}", a.image.display())))?;
    if !cutout.color().has_alpha() {
        eprintln!(
            "memoreez: {} has no transparency; the whole picture is taken as the object (a cut-out from \
             `memoreez make` or any background remover works better)",
            a.image.display()
        );
    }
    let cutout = cutout.to_rgba8();
    let mut cfg = ctx.config()?;
    let picked = a.concepts.as_deref().map(super::stages::ConceptsFile::read).transpose()?;
    let picked = picked.map(|file| file.pick(a.pick)).transpose()?;
    let seed = a.seed.or(picked.as_ref().map(|(_, seed)| *seed)).unwrap_or(0);
    if a.backend != ShapeBackend::Hunyuan3d {
        // The same backend `make` would build, so the two give the same mesh.
        cfg.backends.shape = a.backend;
        let shape = ctx.backends(&cfg)?.shape.clone();
        let mesh = super::stages::run_stage(Stage::Shape, shape.name().into(), move |rep| {
            let concept = picked.map(|(c, _)| c);
            shape.generate(&ShapeInput { cutout: &cutout, concept: concept.as_ref(), seed }, rep)
        })?;
        return finish(&a.out, format, &mesh);
    }
    let settings = &cfg.backends.hunyuan3d;
    let data_dir = cfg.data_dir(ctx.data_dir.as_deref()).map_err(|e| CliError::Failed(e.to_string()))?;
    let weights = a.weights.clone().or_else(|| settings.weights.clone());
    let variant = a.variant.clone().or_else(|| settings.variant.clone());
    let files = backend::find_weights(weights.as_deref(), variant.as_deref(), &memoreez::models::models_dir(&data_dir))
        .map_err(CliError::BadInput)?;
    let (device, dtype) = backend::select_device(a.device, a.dtype).map_err(from_hy)?;
    let overrides = Overrides {
        steps: a.steps.map(|s| s as usize).or(settings.steps),
        guidance: a.guidance.or(settings.guidance),
        octree_resolution: a.octree.map(|r| r as usize).or(settings.octree_resolution),
        flashvdm: a.flashvdm.or(settings.flashvdm),
    };

    let mesh = super::stages::run_stage(Stage::Shape, "hunyuan3d".into(), move |rep| {
        let generator = backend::load(&files, &overrides, &device, dtype, rep)?;
        generator.generate(&ShapeInput { cutout: &cutout, concept: None, seed }, rep)
    })?;
    finish(&a.out, format, &mesh)
}

fn finish(out: &Path, format: Format, mesh: &Mesh) -> CliResult {
    write_mesh(out, format, mesh)
        .map_err(|e| CliError::Failed(format!("cannot write the mesh to {}: {e}", out.display())))?;
    println!("{}: {} vertices, {} triangles", out.display(), mesh.vertices.len(), mesh.triangles.len());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangle() -> Mesh {
        Mesh::new(vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], vec![[0, 1, 2]])
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(format_of(Path::new("a.STL")).unwrap(), Format::Stl);
        assert_eq!(format_of(Path::new("a.obj")).unwrap(), Format::Obj);
        assert!(format_of(Path::new("a.glb")).unwrap_err().message().contains(".ply"));
    }

    #[test]
    fn obj_and_ply_round_trip_through_their_readers() {
        let dir = tempfile::tempdir().unwrap();
        let obj = dir.path().join("m.obj");
        write_mesh(&obj, Format::Obj, &triangle()).unwrap();
        let (models, _) = tobj::load_obj(&obj, &tobj::LoadOptions::default()).unwrap();
        assert_eq!(models[0].mesh.indices, vec![0, 1, 2]);
        assert_eq!(models[0].mesh.positions[3], 1.0);

        let ply = dir.path().join("m.ply");
        write_mesh(&ply, Format::Ply, &triangle()).unwrap();
        let parser = ply_rs_bw::parser::Parser::<ply_rs_bw::ply::DefaultElement>::new();
        let read = parser.read_ply(&mut std::fs::File::open(&ply).unwrap()).unwrap();
        assert_eq!(read.payload["vertex"].len(), 3);
        assert_eq!(read.payload["face"].len(), 1);
    }
}
