//! `memoreez models list | pull NAME | verify NAME`: the local models, from the manifests in `models/`.

use super::{CliError, CliResult, Context};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use memoreez::models::pull::{pull, PullOptions};
use memoreez::models::verify::{verify, ByteProgress};
use memoreez::models::{self, human_bytes, Manifest, Presence};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// Every known model: installed or not, its size and where it lives
    List,
    /// Download a model from Hugging Face (resumes an interrupted download)
    Pull {
        /// The model, as `memoreez models list` names it
        name: String,
        /// Accept the model's licence without being asked (it is still shown)
        #[arg(long)]
        yes: bool,
    },
    /// Check a model on disk: every file there, sizes, sha256 where known, safetensors headers
    Verify {
        name: String,
        /// Skip the sha256 (reading every byte of several GB); the other checks still run
        #[arg(long)]
        quick: bool,
    },
}

fn models_dir(ctx: &Context) -> Result<PathBuf, CliError> {
    let cfg = ctx.config()?;
    let data = cfg.data_dir(ctx.data_dir.as_deref()).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(models::models_dir(&data))
}

fn find(name: &str) -> Result<Manifest, CliError> {
    models::find(name).map_err(|e| CliError::BadInput(e.to_string()))
}

pub fn run(ctx: &Context, cmd: ModelsCommand) -> CliResult {
    match cmd {
        ModelsCommand::List => list(ctx),
        ModelsCommand::Pull { name, yes } => pull_cmd(ctx, &name, yes),
        ModelsCommand::Verify { name, quick } => verify_cmd(ctx, &name, quick),
    }
}

fn list(ctx: &Context) -> CliResult {
    let dir = models_dir(ctx)?;
    let all = models::all().map_err(|e| CliError::Failed(e.to_string()))?;
    println!("models folder: {}", dir.display());
    let width = all.iter().map(|m| m.name.len()).max().unwrap_or(0);
    for m in &all {
        let state = match models::presence(m, &dir) {
            Presence::Installed { bytes } => {
                format!("installed  {:>8}  {}", human_bytes(bytes), m.model_dir(&dir).display())
            }
            Presence::Partial { bytes, missing } => {
                format!(
                    "partial    {:>8}  missing {} (run `memoreez models pull {}`)",
                    human_bytes(bytes),
                    missing.join(", "),
                    m.name
                )
            }
            Presence::Absent => format!("-          {:>8}  {}", "", m.repo),
        };
        println!("{:width$}  {state}", m.name);
    }
    println!("Download one with `memoreez models pull NAME`; hunyuan3d-turbo is the quick one to start with.");
    Ok(ExitCode::SUCCESS)
}

/// Byte progress as indicatif bars on a terminal, a line per quarter otherwise (logs, tests).
struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    plain: Mutex<(String, u64, u64, u64)>,
    tty: bool,
}

impl Bars {
    fn new() -> Self {
        Self {
            bar: Mutex::new(None),
            plain: Mutex::new((String::new(), 0, 0, 0)),
            tty: std::io::stderr().is_terminal(),
        }
    }
}

impl ByteProgress for Bars {
    fn start(&self, label: &str, total: u64, done: u64) {
        if self.tty {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} {bar:30.magenta/blue} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(label.to_string());
            bar.set_position(done);
            if let Ok(mut b) = self.bar.lock() {
                *b = Some(bar);
            }
        } else if let Ok(mut p) = self.plain.lock() {
            eprintln!("{label}: {}", human_bytes(total));
            *p = (label.to_string(), total, done, 0);
        }
    }

    fn advance(&self, bytes: u64) {
        if self.tty {
            if let Some(b) = self.bar.lock().ok().as_ref().and_then(|b| b.as_ref()) {
                b.inc(bytes);
            }
        } else if let Ok(mut p) = self.plain.lock() {
            p.2 += bytes;
            let quarter = (p.2 * 4).checked_div(p.1).map_or(4, |q| q.min(4));
            if quarter > p.3 {
                p.3 = quarter;
                eprintln!("{}: {}%", p.0, quarter * 25);
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            b.finish();
        }
    }
}

fn show_licence(m: &Manifest) {
    let l = &m.licence;
    eprintln!("{}: {}", m.name, m.description);
    eprintln!("From https://huggingface.co/{} ({} files)", m.repo, m.files.len());
    eprintln!("Licence: {} ({})", l.name, l.url);
    if !l.excluded_territories.is_empty() {
        eprintln!(
            "  This licence does not apply in, and grants no rights for use in: {}.",
            l.excluded_territories.join(", ")
        );
        eprintln!("  Do not download or use this model there.");
    }
}

fn confirm(m: &Manifest) -> Result<(), CliError> {
    let refuse = || {
        CliError::BadInput(format!(
            "not downloaded: the licence was not accepted (run `memoreez models pull {} --yes` to accept it)",
            m.name
        ))
    };
    if !std::io::stdin().is_terminal() {
        return Err(refuse());
    }
    eprint!("Do you accept the licence and confirm you are not in an excluded territory? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|e| CliError::Failed(e.to_string()))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(refuse())
    }
}

fn pull_cmd(ctx: &Context, name: &str, yes: bool) -> CliResult {
    let m = find(name)?;
    let dir = models_dir(ctx)?;
    show_licence(&m);
    if yes {
        eprintln!("Licence accepted with --yes.");
    } else {
        confirm(&m)?;
    }
    // One thread: hf-hub then fetches its chunks in order, so an interrupted pull resumes right
    // where it stopped (on several threads the chunks race and less of the partial file counts).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the download runtime: {e}")))?;
    let progress = std::sync::Arc::new(Bars::new());
    let pulled = rt.block_on(pull(&m, &dir, &PullOptions::default(), progress)).map_err(|e| match e {
        models::ModelsError::Unknown { .. } | models::ModelsError::Manifest { .. } => CliError::BadInput(e.to_string()),
        other => CliError::Failed(format!("{other} (run the pull again to resume)")),
    })?;
    for f in &pulled {
        let how = if f.already_there { "already there" } else { "downloaded, sha256 checked" };
        eprintln!("{}: {} ({how})", f.path, human_bytes(f.size));
    }
    println!("{} is in {}", m.name, m.model_dir(&dir).display());
    Ok(ExitCode::SUCCESS)
}

fn verify_cmd(ctx: &Context, name: &str, quick: bool) -> CliResult {
    let m = find(name)?;
    let dir = models_dir(ctx)?;
    let report = verify(&m, &dir, !quick, &Bars::new());
    for f in &report.files {
        println!("{}: {}", f.path, f.status.describe());
    }
    if report.is_ok() {
        println!("{} is complete in {}", m.name, m.model_dir(&dir).display());
        Ok(ExitCode::SUCCESS)
    } else {
        Err(CliError::Failed(format!(
            "{} is not usable as it is: fix it with `memoreez models pull {}` (files already good are kept)",
            m.name, m.name
        )))
    }
}
