//! The headless front end: commands over the same pipeline the studio uses. `anyhow`-free on purpose:
//! every failure becomes a one-line message and an exit code (2 bad input, 1 anything else).

pub mod doctor;
pub mod make;
pub mod models;
pub mod orders;
pub mod preview;
pub mod progress;
pub mod serve;
pub mod sessions;
pub mod shape;
pub mod stages;
pub mod summary;

use memoreez::config::Config;
use memoreez::pipeline::{Backends, Pipeline, PipelineError};
use memoreez::store::Store;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Global flags every command shares.
pub struct Context {
    pub data_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub backends: BackendFlags,
}

/// `--ideation`, `--images` and `--shape`: a stage's backend for this run, over the config's.
#[derive(Debug, Default, Clone, Copy)]
pub struct BackendFlags {
    pub ideation: Option<memoreez::config::IdeationBackend>,
    pub images: Option<memoreez::config::ImagesBackend>,
    pub shape: Option<memoreez::config::ShapeBackend>,
}

/// A failure with the exit code it deserves.
#[derive(Debug)]
pub enum CliError {
    /// The person's input cannot work: exit 2.
    BadInput(String),
    /// Anything else: exit 1.
    Failed(String),
    /// Stopped by Ctrl-C: exit 130.
    Interrupted(String),
}

impl CliError {
    pub fn message(&self) -> &str {
        match self {
            CliError::BadInput(m) | CliError::Failed(m) | CliError::Interrupted(m) => m,
        }
    }

    pub fn code(&self) -> ExitCode {
        match self {
            CliError::BadInput(_) => ExitCode::from(2),
            CliError::Failed(_) => ExitCode::from(1),
            CliError::Interrupted(_) => ExitCode::from(130),
        }
    }

    pub fn from_pipeline(err: PipelineError, session: &str) -> CliError {
        if err.is_cancelled() {
            CliError::Interrupted(format!(
                "stopped; everything finished so far is saved. Continue with `memoreez sessions --resume {}`",
                &session[..session.len().min(8)]
            ))
        } else if err.is_bad_input() {
            CliError::BadInput(err.to_string())
        } else {
            CliError::Failed(err.to_string())
        }
    }
}

pub type CliResult = Result<ExitCode, CliError>;

impl Context {
    pub fn config(&self) -> Result<Config, CliError> {
        let mut cfg = Config::load(self.config.as_deref()).map_err(|e| CliError::BadInput(e.to_string()))?;
        // The flag (or MEMOREEZ_DATA_DIR) wins; folding it in lets everything built from the config,
        // such as finding pulled models, see the same data dir as the store.
        if let Some(dir) = &self.data_dir {
            cfg.data_dir = Some(dir.clone());
        }
        let b = &mut cfg.backends;
        let f = self.backends;
        b.ideation = f.ideation.unwrap_or(b.ideation);
        b.images = f.images.unwrap_or(b.images);
        b.shape = f.shape.unwrap_or(b.shape);
        // The log starts with the first command that knows its data dir; a second call finds it running.
        if let Ok(dir) = cfg.data_dir(None) {
            let _ = memoreez::logging::init(&dir);
        }
        Ok(cfg)
    }

    pub fn store(&self, cfg: &Config) -> Result<Arc<Store>, CliError> {
        let dir = cfg.data_dir(self.data_dir.as_deref()).map_err(|e| CliError::Failed(e.to_string()))?;
        Store::open(&dir).map(Arc::new).map_err(|e| CliError::Failed(e.to_string()))
    }

    pub fn backends(&self, cfg: &Config) -> Result<Backends, CliError> {
        Backends::from_config(cfg).map_err(|e| CliError::BadInput(e.to_string()))
    }

    pub fn pipeline(&self, cfg: &Config) -> Result<Pipeline, CliError> {
        let store = self.store(cfg)?;
        Ok(Pipeline::new(store, Arc::new(self.backends(cfg)?)))
    }
}

/// Runs a session to the end and delivers it (files, order) in the background with progress on stderr; Ctrl-C stops it cleanly.
pub fn run_to_end(pipeline: &Pipeline, session: &str) -> Result<memoreez::pipeline::Outcome, CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the background runtime: {e}")))?;
    rt.block_on(async {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let cancel = memoreez::stage::CancelToken::new();
        let job = pipeline.spawn(session.to_string(), memoreez::domain::Stage::Pricing, true, tx, cancel.clone());
        let ctrl_c = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                ctrl_c.cancel();
            }
        });
        progress::show(rx).await;
        match job.await {
            Ok(result) => result.map_err(|e| CliError::from_pipeline(e, session)),
            Err(e) => Err(CliError::Failed(format!("the background job stopped unexpectedly: {e}"))),
        }
    })
}

/// Flags of the studio: a bare `memoreez` and `memoreez studio`.
#[derive(clap::Args, Debug, Default)]
pub struct StudioArgs {
    /// Colour theme: deep-space, light, high-contrast, or NAME for ~/.config/memoreez/themes/NAME.toml [default: the config's `theme`]
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Reopen this session (id or a unique prefix) at the step it reached
    #[arg(long, value_name = "ID", conflicts_with_all = ["mesh", "image"])]
    pub resume: Option<String>,
    /// Start in the studio with your own model: STL, OBJ, PLY or GLB
    #[arg(long, value_name = "FILE", conflicts_with = "image")]
    pub mesh: Option<PathBuf>,
    /// Units of the --mesh file: mm, cm, m or in [default: glTF metres; otherwise guessed from its size]
    #[arg(long, requires = "mesh")]
    pub units: Option<memoreez::mesh::import::Units>,
    /// Up axis of the --mesh file: y or z [default: Y for glTF and OBJ, Z for STL and PLY]
    #[arg(long, requires = "mesh")]
    pub up: Option<memoreez::mesh::import::UpAxis>,
    /// Start in the studio with your own picture of one object on a plain light background
    #[arg(long, value_name = "FILE")]
    pub image: Option<PathBuf>,
}

/// The terminal studio.
pub fn studio(ctx: &Context, a: StudioArgs) -> CliResult {
    use memoreez::tui::{theme::Theme, Import, Start, StudioOptions, TuiError};
    let cfg = ctx.config()?;
    let name = a.theme.unwrap_or_else(|| cfg.theme.clone());
    let theme = Theme::load(&name, memoreez::tui::user_theme_dir().as_deref(), Theme::no_color_from_env())
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let store = ctx.store(&cfg)?;
    let start = match (a.resume, a.mesh, a.image) {
        (Some(id), _, _) => Start::Resume(id),
        (_, Some(mesh), _) => {
            Start::Import(Import::Mesh(mesh, memoreez::mesh::import::ImportOptions { units: a.units, up: a.up }))
        }
        (_, _, Some(image)) => Start::Import(Import::Image(image)),
        _ => Start::Auto,
    };
    // The studio picks the backends itself, after its first frame: probing for a slicer takes a while.
    memoreez::tui::run(StudioOptions { store, config: cfg, theme, start }).map_err(|e| match e {
        TuiError::NotATerminal | TuiError::Import(_) | TuiError::NoSuchSession(_) | TuiError::Backends(_) => {
            CliError::BadInput(e.to_string())
        }
        other => CliError::Failed(other.to_string()),
    })?;
    Ok(ExitCode::SUCCESS)
}
