//! Config file + environment + flags -> one Config, and the choice of backend for each stage.

use crate::fab::pricing::Rates;
use crate::fab::HollowSpec;
use crate::ideation::llama::LlamaSettings;
use crate::net::services::{CloudflareSettings, OllamaSettings, OpenAiSettings};
use crate::net::Policy;
use crate::shapegen::hunyuan3d::backend::{DeviceChoice, Precision};
use crate::shapegen::remote::RemoteShapeSettings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Which implementation runs each stage. `auto` picks the best one available on this machine. A
/// name this build does not have fails when the config loads, listing the ones it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackendChoice {
    pub ideation: IdeationBackend,
    pub images: ImagesBackend,
    pub matting: MattingBackend,
    pub shape: ShapeBackend,
    pub slicer: SlicerBackend,
    /// `[backends.hunyuan3d]`: the local image-to-3D model (shape = "hunyuan3d", or "auto" once weights are found).
    pub hunyuan3d: Hunyuan3DSettings,
    /// `[backends.cloudflare]`: Workers AI for ideas and pictures.
    pub cloudflare: CloudflareSettings,
    /// `[backends.openai]`: an OpenAI-compatible server for ideas and pictures.
    pub openai: OpenAiSettings,
    /// `[backends.ollama]`: an Ollama server for ideas.
    pub ollama: OllamaSettings,
    /// `[backends.remote]`: Hunyuan3D-2 servers (the official `api_server.py` or `memoreez serve`).
    pub remote: RemoteShapeSettings,
    /// `[backends.llama]`: a local GGUF model for ideas.
    pub llama: LlamaSettings,
}

/// Settings of the Hunyuan3D-2 shape backend; all optional, the checkpoint's defaults apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hunyuan3DSettings {
    /// A folder with the weights: one model folder, or one holding the official variant subfolders
    /// [default: the models pulled into the data dir's `models/`].
    pub weights: Option<PathBuf>,
    /// v2-0, fast, turbo, mini, mini-fast or mini-turbo [default: the first installed of turbo, mini-turbo, ...].
    pub variant: Option<String>,
    /// auto, cpu or cuda [default: auto].
    pub device: Option<DeviceChoice>,
    /// f32, f16 or bf16 [default: f16 on CUDA, f32 on the CPU].
    pub dtype: Option<Precision>,
    pub steps: Option<usize>,
    pub guidance: Option<f64>,
    pub octree_resolution: Option<usize>,
    pub flashvdm: Option<bool>,
}

impl Default for BackendChoice {
    fn default() -> Self {
        Self {
            ideation: IdeationBackend::Templates,
            images: ImagesBackend::Procedural,
            matting: MattingBackend::Classical,
            shape: ShapeBackend::Auto,
            slicer: SlicerBackend::Auto,
            hunyuan3d: Hunyuan3DSettings::default(),
            cloudflare: CloudflareSettings::default(),
            openai: OpenAiSettings::default(),
            ollama: OllamaSettings::default(),
            remote: RemoteShapeSettings::default(),
            llama: LlamaSettings::default(),
        }
    }
}

/// `backends.ideation`; also `--ideation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum IdeationBackend {
    /// A service whose key or address is configured (Cloudflare, OpenAI, Ollama in that order), else templates.
    Auto,
    /// The offline template writer.
    Templates,
    /// Llama 3.1 8B on Cloudflare Workers AI (CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN).
    Cloudflare,
    /// An OpenAI-compatible chat server (OPENAI_API_KEY and/or OPENAI_BASE_URL).
    Openai,
    /// An Ollama server (OLLAMA_HOST, default 127.0.0.1:11434).
    Ollama,
    /// A local Llama-family GGUF model (MEMOREEZ_LLAMA_MODEL or backends.llama.model).
    Llama,
}

/// `backends.images`; also `--images`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ImagesBackend {
    /// A service whose key is configured (Cloudflare, then OpenAI), else procedural.
    Auto,
    /// Offline clay motifs.
    Procedural,
    /// Flux Schnell on Cloudflare Workers AI.
    Cloudflare,
    /// An OpenAI-compatible images API.
    Openai,
}

/// `backends.matting`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MattingBackend {
    Auto,
    Classical,
}

/// `backends.shape`; also `memoreez shape --backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ShapeBackend {
    /// Hunyuan3D-2 when its weights are installed, else offline (motif geometry for procedural concepts).
    Auto,
    /// A procedural concept's exact geometry, else the silhouette inflated.
    Motif,
    /// The cut-out's silhouette inflated.
    Inflate,
    /// The local Hunyuan3D-2 model (its weights must be installed).
    #[serde(rename = "hunyuan3d")]
    #[value(name = "hunyuan3d")]
    Hunyuan3d,
    /// Hunyuan3D-2 servers (MEMOREEZ_HY3D_SERVERS or backends.remote.servers).
    Remote,
}

/// The names as the config and the flags write them.
macro_rules! display_as_value {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                use clap::ValueEnum;
                match self.to_possible_value() {
                    Some(v) => f.write_str(v.get_name()),
                    None => Ok(()),
                }
            }
        }
    )*};
}

display_as_value!(IdeationBackend, ImagesBackend, ShapeBackend);

/// `backends.slicer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlicerBackend {
    /// PrusaSlicer when it is on PATH, else the estimator.
    Auto,
    Estimate,
    PrusaSlicer,
}

/// The print profile handed to the slicer and the estimator (DESIGN section 5). PrusaSlicer gets
/// every field; the estimator models all but supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrintProfile {
    pub layer_height_mm: f64,
    pub nozzle_mm: f64,
    pub fill_density_percent: f64,
    pub filament_density_g_cm3: f64,
    pub filament_diameter_mm: f64,
    /// Perimeter loops around each layer's outline.
    pub perimeters: u32,
    /// Support material under overhangs (the figurines are designed to need none).
    pub supports: bool,
}

impl Default for PrintProfile {
    fn default() -> Self {
        Self {
            layer_height_mm: 0.2,
            nozzle_mm: 0.4,
            fill_density_percent: 15.0,
            filament_density_g_cm3: 1.24,
            filament_diameter_mm: 1.75,
            perimeters: 3,
            supports: false,
        }
    }
}

impl PrintProfile {
    /// Values a printer can use; the message names the field and its range.
    pub fn check(&self) -> Result<(), String> {
        let ranges = [
            ("nozzle_mm", self.nozzle_mm, 0.1, 1.2),
            ("layer_height_mm", self.layer_height_mm, 0.05, 0.8 * self.nozzle_mm),
            ("fill_density_percent", self.fill_density_percent, 0.0, 100.0),
            ("filament_density_g_cm3", self.filament_density_g_cm3, 0.5, 3.0),
            ("filament_diameter_mm", self.filament_diameter_mm, 1.0, 3.5),
            ("perimeters", f64::from(self.perimeters), 1.0, 20.0),
        ];
        let short = |x: f64| (x * 1000.0).round() / 1000.0;
        for (name, value, lo, hi) in ranges {
            if !(lo..=hi).contains(&value) {
                return Err(format!("print.{name} = {value} is outside {}-{}", short(lo), short(hi)));
            }
        }
        Ok(())
    }
}

/// `[hollow]`: whether pieces are hollowed unless asked otherwise, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HollowSettings {
    /// Hollow every piece (off by default: filament printers fill the inside sparsely anyway).
    pub enabled: bool,
    /// Thinnest wall left round the cavity, mm.
    pub wall_mm: f32,
    /// Width of the drain hole in the base, mm.
    pub drain_mm: f32,
}

impl Default for HollowSettings {
    fn default() -> Self {
        let d = HollowSpec::default();
        Self { enabled: false, wall_mm: d.wall_mm, drain_mm: d.drain_mm }
    }
}

impl HollowSettings {
    /// The walls and drain to use when hollowing, whether or not it is on by default.
    pub fn spec(&self) -> HollowSpec {
        HollowSpec { wall_mm: self.wall_mm, drain_mm: self.drain_mm }
    }

    /// What a new piece gets unless the person says otherwise.
    pub fn default_spec(&self) -> Option<HollowSpec> {
        self.enabled.then(|| self.spec())
    }
}

/// Everything configurable, as read from the config file (all fields optional there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the database and files live; the flag and MEMOREEZ_DATA_DIR win over this.
    pub data_dir: Option<PathBuf>,
    pub backends: BackendChoice,
    pub print: PrintProfile,
    pub hollow: HollowSettings,
    pub pricing: Rates,
    /// Default figurine height in mm.
    pub height_mm: f32,
    pub theme: String,
    /// `[network]`: timeouts, retries and reply caps for every remote backend.
    pub network: Policy,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: None,
            backends: BackendChoice::default(),
            print: PrintProfile::default(),
            hollow: HollowSettings::default(),
            pricing: Rates::default(),
            height_mm: 80.0,
            theme: "deep-space".into(),
            network: Policy::default(),
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("no usable data dir: set --data-dir or MEMOREEZ_DATA_DIR (no home directory was found)")]
    NoDataDir,
}

pub const CONFIG_ENV: &str = "MEMOREEZ_CONFIG";
pub const DATA_DIR_ENV: &str = "MEMOREEZ_DATA_DIR";

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "memoreez")
}

impl Config {
    /// Reads `explicit` (must exist), else the default config file if one exists, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => project_dirs().map(|d| d.config_dir().join("config.toml")).filter(|p| p.exists()),
        };
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
        Config::parse(&text).map_err(|message| ConfigError::Parse { path, message })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        // The parser's own message quotes the offending line, which may hold a key: say where instead.
        let cfg: Config = toml::from_str(text).map_err(|e| {
            let message = crate::net::clean(e.message(), 400);
            // A span over several lines is a whole table: no line to name.
            match e.span().filter(|sp| !text.get(sp.clone()).unwrap_or("\n").contains('\n')) {
                Some(span) => format!("line {}: {message}", text[..span.start].matches('\n').count() + 1),
                None => message,
            }
        })?;
        crate::fab::spec::check_height(cfg.height_mm).map_err(|e| format!("height_mm: {e}"))?;
        cfg.print.check()?;
        cfg.hollow.spec().check()?;
        cfg.network.check()?;
        cfg.pricing.check()?;
        Ok(cfg)
    }

    /// The data dir: the flag or environment (already merged by the CLI) wins, then the file, then XDG.
    pub fn data_dir(&self, flag: Option<&Path>) -> Result<PathBuf, ConfigError> {
        if let Some(p) = flag {
            return Ok(p.to_path_buf());
        }
        if let Some(p) = &self.data_dir {
            return Ok(p.clone());
        }
        project_dirs().map(|d| d.data_dir().to_path_buf()).ok_or(ConfigError::NoDataDir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_fill_in_defaults() {
        let cfg = Config::parse("height_mm = 90\n[pricing]\nservice_cents = 1500\n").unwrap();
        assert_eq!(cfg.height_mm, 90.0);
        assert_eq!(cfg.pricing.service_cents, 1500);
        assert_eq!(cfg.pricing.shipping_eu_cents, 800);
        assert_eq!(cfg.backends, BackendChoice::default());
    }

    #[test]
    fn mistakes_are_named() {
        let err = Config::parse("heigth_mm = 90").unwrap_err();
        assert!(err.contains("heigth_mm"), "{err}");
        assert!(Config::parse("height_mm = 400").unwrap_err().contains("30-250"));
    }

    #[test]
    fn hunyuan3d_settings_read_from_the_backends_section() {
        let cfg =
            Config::parse("[backends]\nshape = \"hunyuan3d\"\n[backends.hunyuan3d]\nvariant = \"turbo\"\nsteps = 8\n")
                .unwrap();
        assert_eq!(cfg.backends.shape, ShapeBackend::Hunyuan3d);
        assert_eq!(cfg.backends.hunyuan3d.variant.as_deref(), Some("turbo"));
        assert_eq!(cfg.backends.hunyuan3d.steps, Some(8));
        assert_eq!(cfg.backends.hunyuan3d.weights, None);
        assert!(Config::parse("[backends.hunyuan3d]\nstep = 8\n").unwrap_err().contains("step"));
    }

    #[test]
    fn a_backend_this_build_lacks_fails_at_load_listing_the_ones_it_has() {
        let err = Config::parse("[backends]\nshape = \"trellis\"\n").unwrap_err();
        assert!(err.contains("trellis") && err.contains("hunyuan3d") && err.contains("inflate"), "{err}");
        let err = Config::parse("[backends]\nslicer = \"cura\"\n").unwrap_err();
        assert!(err.contains("prusa-slicer"), "{err}");
        let err = Config::parse("[backends.hunyuan3d]\ndtype = \"f8\"\n").unwrap_err();
        assert!(err.contains("bf16"), "{err}");
        let cfg =
            Config::parse("[backends]\nslicer = \"prusa-slicer\"\n[backends.hunyuan3d]\ndevice = \"gpu\"\n").unwrap();
        assert_eq!(
            (cfg.backends.slicer, cfg.backends.hunyuan3d.device),
            (SlicerBackend::PrusaSlicer, Some(DeviceChoice::Cuda))
        );
    }

    #[test]
    fn print_profile_is_read_and_checked() {
        let cfg = Config::parse("[print]\nlayer_height_mm = 0.15\nperimeters = 2\nsupports = true\n").unwrap();
        assert_eq!(cfg.print.layer_height_mm, 0.15);
        assert_eq!(cfg.print.perimeters, 2);
        assert!(cfg.print.supports);
        assert_eq!(cfg.print.nozzle_mm, 0.4);
        let err = Config::parse("[print]\nlayer_height_mm = 0.4\n").unwrap_err();
        assert!(err.contains("print.layer_height_mm = 0.4"), "{err}");
        assert!(Config::parse("[print]\nfill_density_percent = 120\n").unwrap_err().contains("fill_density_percent"));
        assert!(Config::parse("[print]\ninfill = 20\n").unwrap_err().contains("infill"));
    }

    #[test]
    fn hollowing_is_off_unless_the_file_turns_it_on() {
        assert_eq!(Config::default().hollow.default_spec(), None);
        let cfg = Config::parse("[hollow]\nenabled = true\nwall_mm = 3\n").unwrap();
        assert_eq!(cfg.hollow.default_spec(), Some(HollowSpec { wall_mm: 3.0, drain_mm: 4.0 }));
        let err = Config::parse("[hollow]\nwall_mm = 0.4\n").unwrap_err();
        assert!(err.contains("wall_mm = 0.4 is outside 1-10 mm"), "{err}");
        assert!(Config::parse("[hollow]\ndrain = 4\n").unwrap_err().contains("drain"));
    }

    #[test]
    fn a_refused_line_is_named_by_number_without_its_value() {
        let err = Config::parse("height_mm = 80\napi_key = \"sk-live-abcdef123456\"\n").unwrap_err();
        assert!(err.contains("api_key") && !err.contains("sk-live-abcdef123456"), "{err}");
        let err = Config::parse("theme = \"light\"\nheight_mm = \"tall\"\n").unwrap_err();
        assert!(err.starts_with("line 2: "), "{err}");
        let err = Config::parse("[backends.openai]\napi_key = 42\n").unwrap_err();
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn prices_that_would_go_negative_wrap_or_vanish_are_refused() {
        for (text, field) in [
            ("[pricing]\nservice_cents = -20000", "service_cents"),
            ("[pricing]\nshipping_eu_cents = 9223372036854775807", "shipping_eu_cents"),
            ("[pricing]\nper_gram_cents = nan", "per_gram_cents"),
            ("[pricing]\ncurrency = \"\\u001b[2J\"", "currency"),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(field) && !err.contains('\u{1b}'), "{text}: {err}");
        }
    }

    #[test]
    fn flag_wins_over_file() {
        let cfg = Config { data_dir: Some("/from/file".into()), ..Config::default() };
        assert_eq!(cfg.data_dir(Some(Path::new("/flag"))).unwrap(), PathBuf::from("/flag"));
        assert_eq!(cfg.data_dir(None).unwrap(), PathBuf::from("/from/file"));
    }
}
