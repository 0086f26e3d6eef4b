//! The memoreez binary: the studio by default, and headless commands for scripts.

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "memoreez", version, about = "Turn a few facts about a person into a 3D-printable keepsake")]
struct Cli {
    /// Where sessions, files and orders are kept [default: the XDG data dir, ~/.local/share/memoreez]
    #[arg(long, global = true, env = "MEMOREEZ_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML config file [default: ~/.config/memoreez/config.toml when it exists]
    #[arg(long, global = true, env = "MEMOREEZ_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where ideas come from: templates (offline), cloudflare, openai, ollama, or auto [default: the config's]
    #[arg(long, global = true, value_enum, value_name = "BACKEND")]
    ideation: Option<memoreez::config::IdeationBackend>,
    /// Where pictures come from: procedural (offline), cloudflare, openai, or auto [default: the config's]
    #[arg(long, global = true, value_enum, value_name = "BACKEND")]
    images: Option<memoreez::config::ImagesBackend>,
    /// Image to 3D: auto, motif, inflate, hunyuan3d (local), or remote (Hunyuan3D servers) [default: the config's]
    #[arg(long = "shape", global = true, value_enum, value_name = "BACKEND")]
    shape_backend: Option<memoreez::config::ShapeBackend>,
    #[command(flatten)]
    studio: cli::StudioArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Make a keepsake headless: progress on stderr, a JSON summary on stdout
    Make(cli::make::MakeArgs),
    /// List sessions, or continue one with --resume
    Sessions(cli::sessions::SessionsArgs),
    /// List orders, show one, or move one to its next state
    #[command(subcommand)]
    Orders(cli::orders::OrdersCommand),
    /// Open the studio (as a bare `memoreez` does), optionally with your own model or picture
    Studio(cli::StudioArgs),
    /// Draw a model headless: a turntable as PNG frames or a GIF, or one still PNG
    Preview(cli::preview::PreviewArgs),
    /// Facts to four concepts as JSON (the ideas stage alone)
    Ideas(cli::stages::IdeasArgs),
    /// A concept from `ideas` (or a prompt) to its picture (the images stage alone)
    Draw(cli::stages::DrawArgs),
    /// A picture to its cut-out on a transparent background (the cut-out stage alone)
    Cutout(cli::stages::CutoutArgs),
    /// Image to 3D alone: a cut-out in, a mesh out (Hunyuan3D-2, or make's backends with --backend)
    Shape(cli::shape::ShapeArgs),
    /// A mesh to a printable solid with its engraving, and the printability report (the solid stage alone)
    Solid(cli::stages::SolidArgs),
    /// Local models: list them, pull one from Hugging Face, verify one on disk
    #[command(subcommand)]
    Models(cli::models::ModelsCommand),
    /// Serve this host's Hunyuan3D-2 over the official api_server protocol, for `--shape remote` elsewhere
    Serve(cli::serve::ServeArgs),
    /// What this machine offers: device, data dir, weights, slicer, terminal graphics
    Doctor(cli::doctor::DoctorArgs),
}

/// Lets a command whose output is piped into `head` end quietly when the reader goes, as Unix tools
/// do, instead of panicking on the failed write. Not for `serve` and the studio, which write to
/// sockets and the terminal and handle their own errors.
fn quit_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    let args = Cli::parse();
    if !matches!(args.command, None | Some(Command::Serve(_)) | Some(Command::Studio(_))) {
        quit_on_closed_pipe();
    }
    let ctx = cli::Context {
        data_dir: args.data_dir,
        config: args.config,
        backends: cli::BackendFlags { ideation: args.ideation, images: args.images, shape: args.shape_backend },
    };
    let result = match args.command {
        Some(Command::Make(m)) => cli::make::run(&ctx, m),
        Some(Command::Sessions(s)) => cli::sessions::run(&ctx, s),
        Some(Command::Orders(o)) => cli::orders::run(&ctx, o),
        Some(Command::Studio(s)) => cli::studio(&ctx, s),
        Some(Command::Preview(p)) => cli::preview::run(&ctx, p),
        Some(Command::Ideas(a)) => cli::stages::ideas(&ctx, a),
        Some(Command::Draw(a)) => cli::stages::draw(&ctx, a),
        Some(Command::Cutout(a)) => cli::stages::cutout(&ctx, a),
        Some(Command::Shape(s)) => cli::shape::run(&ctx, s),
        Some(Command::Solid(a)) => cli::stages::solid(&ctx, a),
        Some(Command::Models(m)) => cli::models::run(&ctx, m),
        Some(Command::Serve(a)) => cli::serve::run(&ctx, a),
        Some(Command::Doctor(d)) => cli::doctor::run(&ctx, d),
        None => cli::studio(&ctx, args.studio),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("memoreez: {}", err.message());
            err.code()
        }
    }
}
