//! `memoreez preview`: a mesh drawn by the clay renderer, headless, as numbered PNG frames of a
//! turntable, an animated GIF, or one still.

use super::{CliError, CliResult, Context};
use memoreez::mesh::import::{self, units};
use memoreez::mesh::Mesh;
use memoreez::render::encode::{self, EncodeError};
use memoreez::render::{turntable, Camera, DisplayMesh, PrepareOptions, RenderOptions, Renderer};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Frames a second of an exported turntable.
pub const GIF_FPS: u32 = 12;
const MAX_FRAMES: usize = 720;
const MIN_SIDE: u32 = 16;
const MAX_SIDE: u32 = 4096;

#[derive(clap::Args, Debug)]
pub struct PreviewArgs {
    /// The model: STL, OBJ, PLY or GLB (millimetres, Z up for STL and PLY)
    #[arg(long, value_name = "FILE")]
    pub mesh: PathBuf,
    /// Frames in one turn (for a GIF or a folder of frames)
    #[arg(long, default_value_t = 36, value_name = "N")]
    pub frames: usize,
    /// Image size in pixels
    #[arg(long, default_value = "640x480", value_name = "WxH")]
    pub size: String,
    /// Draw on this theme's background instead of white: deep-space, light, high-contrast or your own
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// The still's view: three-quarter (front left, from above), front, or engraving (close on the pedestal's front)
    #[arg(long, default_value = "three-quarter", value_name = "VIEW")]
    pub view: String,
    /// Tint faces that overhang more than 45 degrees
    #[arg(long)]
    pub overhangs: bool,
    /// Tint faces whose wall is thinner than 0.8 mm
    #[arg(long)]
    pub thin_walls: bool,
    /// A folder (numbered PNG frames), FILE.gif (a looping turntable) or FILE.png (one still)
    #[arg(long, value_name = "DIR|FILE.gif|FILE.png")]
    pub out: PathBuf,
}

enum Output {
    Frames(PathBuf),
    Gif(PathBuf),
    Still(PathBuf),
}

fn output(path: &Path) -> Result<Output, CliError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("gif") => Ok(Output::Gif(path.to_path_buf())),
        Some("png") => Ok(Output::Still(path.to_path_buf())),
        Some(other) if path.is_file() || !path.exists() && other.len() <= 4 && !path.is_dir() => {
            Err(CliError::BadInput(format!(
                "--out {}: give a folder for PNG frames, or a file ending in .gif or .png (not .{other})",
                path.display()
            )))
        }
        _ if path.is_file() => Err(CliError::BadInput(format!(
            "--out {} is a file; give a folder for PNG frames, or a .gif or .png file",
            path.display()
        ))),
        _ => Ok(Output::Frames(path.to_path_buf())),
    }
}

/// "640x480" into (640, 480), each side within limits.
pub fn parse_size(s: &str) -> Result<(u32, u32), CliError> {
    let bad = || {
        CliError::BadInput(format!(
            "--size {s:?}: give width x height in pixels, such as 640x480 (each {MIN_SIDE} to {MAX_SIDE})"
        ))
    };
    let (w, h) = s.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if !(MIN_SIDE..=MAX_SIDE).contains(&w) || !(MIN_SIDE..=MAX_SIDE).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// Any supported model file, turned into the print frame (millimetres, Z up). Not repaired:
/// a preview shows the file as it is.
pub fn read_mesh(path: &Path) -> Result<Mesh, CliError> {
    let bytes = std::fs::read(path).map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
    let (format, mut mesh) =
        import::read_raw(&bytes, Some(path)).map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    let largest = mesh.bounds().map_or(0.0, |(lo, hi)| (0..3).map(|k| f64::from(hi[k] - lo[k])).fold(0.0, f64::max));
    let (unit, _) = units::units_for(format, largest, None);
    let (up, _) = units::up_for(format, None);
    units::to_print_frame(&mut mesh, unit, up);
    Ok(mesh)
}

fn encode_err(e: EncodeError) -> CliError {
    CliError::Failed(e.to_string())
}

pub fn run(_ctx: &Context, a: PreviewArgs) -> CliResult {
    let (w, h) = parse_size(&a.size)?;
    if a.frames == 0 || a.frames > MAX_FRAMES {
        return Err(CliError::BadInput(format!("--frames {}: give 1 to {MAX_FRAMES}", a.frames)));
    }
    let out = output(&a.out)?;
    let background = match &a.theme {
        None => [255, 255, 255],
        Some(name) => memoreez::tui::theme::Theme::load(name, memoreez::tui::user_theme_dir().as_deref(), false)
            .map_err(|e| CliError::BadInput(e.to_string()))?
            .background_rgb(),
    };
    let mesh = read_mesh(&a.mesh)?;
    let display = DisplayMesh::prepare(&mesh, &PrepareOptions::default());
    if display.is_empty() {
        return Err(CliError::BadInput(format!(
            "{} has no triangles that can be drawn (all are collapsed or broken)",
            a.mesh.display()
        )));
    }
    let opts = RenderOptions {
        width: w,
        height: h,
        background,
        overhang: a.overhangs,
        thin: a.thin_walls,
        ..RenderOptions::default()
    };
    let aspect = w as f32 / h as f32;
    let written = match out {
        Output::Still(path) => {
            let cam = match a.view.as_str() {
                "three-quarter" | "3/4" => turntable::still_camera(&display, aspect),
                "front" => turntable::fitted(&display, 0.0, turntable::TURNTABLE_ELEVATION_DEG, aspect),
                "engraving" => Camera::engraving(display.bounds, pedestal_guess(&display), aspect),
                other => {
                    return Err(CliError::BadInput(format!("--view {other:?}: use three-quarter, front or engraving")))
                }
            };
            let img = Renderer::new().render(&display, &cam, &opts);
            write(&path, &encode::png_bytes(&img).map_err(encode_err)?)?;
            vec![path]
        }
        Output::Gif(path) => {
            let frames = turntable_frames(&display, a.frames, &opts, aspect);
            write(&path, &encode::gif_bytes(&frames, GIF_FPS).map_err(encode_err)?)?;
            vec![path]
        }
        Output::Frames(dir) => {
            let frames = turntable_frames(&display, a.frames, &opts, aspect);
            encode::write_frames(&dir, &frames).map_err(encode_err)?
        }
    };
    for p in &written {
        println!("{}", p.display());
    }
    eprintln!(
        "drew {} of {} triangles at {w}x{h}{}",
        display.triangles.len(),
        display.source_triangles,
        if written.len() > 1 { format!(", {} frames", written.len()) } else { String::new() }
    );
    Ok(ExitCode::SUCCESS)
}

/// One turn starting with the front (and its engraving) facing the camera.
fn turntable_frames(display: &DisplayMesh, n: usize, opts: &RenderOptions, aspect: f32) -> Vec<image::RgbaImage> {
    let cams = turntable::turntable_cameras(display, n, turntable::TURNTABLE_ELEVATION_DEG, aspect);
    // Frames in parallel, each frame's own bands too: rayon shares the cores between both.
    cams.par_iter().map_init(Renderer::new, |r, cam| r.render(display, cam, opts)).collect()
}

/// The pedestal's height as the fabricator sizes it for two engraved lines.
fn pedestal_guess(d: &DisplayMesh) -> f32 {
    memoreez::fab::pedestal::Pedestal::height_for(f64::from(d.bounds.1[2] - d.bounds.0[2]), 2) as f32
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, bytes).map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}
