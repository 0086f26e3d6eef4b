//! `memoreez doctor`: what this machine offers memoreez, in one screen: compute device, data dir and
//! free space, model weights and which variant each is, the slicer and mesh tools, the terminal's
//! likely image protocol, the config file. It only reports; it always exits 0.

use super::{CliResult, Context};
use clap::Args;
use memoreez::models::{self, human_bytes, ModelKind, Presence};
use memoreez::shapegen::hunyuan3d::backend::{self as hy, AUTO_ORDER};
use memoreez::shapegen::hunyuan3d::config::SchedulerKind;
use memoreez::shapegen::hunyuan3d::weights::{ModelFiles, VARIANT_FOLDERS};
use memoreez::tui::graphics::{plan, Probe, TermHints};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

/// Sections of `key: value` lines, in the order shown.
struct Report(Vec<(&'static str, Vec<(String, String)>)>);

impl Report {
    fn section(&mut self, name: &'static str) -> &mut Vec<(String, String)> {
        self.0.push((name, Vec::new()));
        &mut self.0.last_mut().expect("just pushed").1
    }

    fn to_json(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        for (name, lines) in &self.0 {
            let obj = lines.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            root.insert(name.to_string(), serde_json::Value::Object(obj));
        }
        serde_json::Value::Object(root)
    }

    fn print(&self) {
        for (name, lines) in &self.0 {
            println!("{name}");
            let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (k, v) in lines {
                println!("  {k:width$}  {v}");
            }
        }
    }
}

fn push(lines: &mut Vec<(String, String)>, k: impl Into<String>, v: impl Into<String>) {
    lines.push((k.into(), v.into()));
}

/// Which backend each AI stage uses, whether each service's key is set (never the key), and whether
/// each configured service answers one cheap request.
fn services(r: &mut Report, cfg: &memoreez::config::Config) {
    use memoreez::net::services::{check, process_env};
    use memoreez::net::{Http, Policy};
    let s = r.section("services");
    match memoreez::pipeline::Backends::from_config(cfg) {
        Ok(b) => {
            for (stage, label) in b.labels().iter().take(4) {
                let model = label.model.as_deref().map(|m| format!(", {m}")).unwrap_or_default();
                push(s, format!("{stage} backend"), format!("{label}{model}"));
            }
        }
        Err(e) => push(s, "backends", e.to_string()),
    }
    let set = |var: &str| if process_env(var).is_some() { "set" } else { "not set" };
    for var in ["CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "OPENAI_API_KEY"] {
        push(s, var, set(var));
    }
    push(
        s,
        "local LLM (llama)",
        match cfg.backends.llama.resolve(&process_env) {
            Ok(p) => format!(
                "{} ({})",
                p.display(),
                memoreez::models::human_bytes(std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0))
            ),
            Err(e) => e,
        },
    );
    let http = Http::new(Policy { timeout_s: 5.0, connect_timeout_s: 3.0, retries: 0, ..cfg.network.clone() });
    let Ok(http) = http else { return };
    let shown = |r: Result<String, memoreez::net::NetError>| r.unwrap_or_else(|e| e.to_string());
    let b = &cfg.backends;
    if let Ok(cf) = b.cloudflare.resolve(&process_env) {
        push(s, "Cloudflare Workers AI", shown(check::cloudflare(&http, &cf)));
    }
    if let Ok(api) = b.openai.resolve(&process_env) {
        push(s, api.service().name, shown(check::openai(&http, &api)));
    }
    let (ollama, configured) = b.ollama.resolve(&process_env);
    if configured || b.ideation == memoreez::config::IdeationBackend::Ollama {
        push(s, ollama.service().name, shown(check::ollama(&http, &ollama)));
    }
    match b.remote.servers(&process_env) {
        Ok(servers) if servers.is_empty() => {
            push(s, "Hunyuan3D servers", "none (set MEMOREEZ_HY3D_SERVERS to use a pool)")
        }
        Ok(servers) => {
            let token = b.remote.token(&process_env);
            for url in servers {
                let line = shown(memoreez::shapegen::remote::check_server(&http, &url, token.as_ref()));
                push(s, format!("server {url}"), line);
            }
        }
        Err(e) => push(s, "Hunyuan3D servers", e),
    }
}

/// First line a tool prints for `arg`, when it runs.
fn tool_version(exe: &str, arg: &str) -> Option<String> {
    let out = Command::new(exe).arg(arg).stdin(Stdio::null()).output().ok()?;
    let text = if out.stdout.is_empty() { out.stderr } else { out.stdout };
    String::from_utf8_lossy(&text).lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

/// Free bytes on the filesystem holding `dir` (its nearest existing ancestor), from POSIX `df -Pk`.
fn free_bytes(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|d| d.exists())?;
    let out = Command::new("df").arg("-Pk").arg(existing).stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.lines().nth(1)?.split_whitespace().collect();
    fields.get(3)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

/// The vector units the CPU has, and whether this build's kernels use them (candle picks its SIMD
/// paths at compile time, so a generic build leaves AVX unused even on a CPU that has it).
fn cpu_features() -> String {
    #[cfg(target_arch = "x86_64")]
    let present: Vec<&str> = [
        (std::arch::is_x86_feature_detected!("avx2"), "AVX2"),
        (std::arch::is_x86_feature_detected!("fma"), "FMA"),
        (std::arch::is_x86_feature_detected!("f16c"), "F16C"),
    ]
    .into_iter()
    .filter_map(|(on, n)| on.then_some(n))
    .collect();
    #[cfg(not(target_arch = "x86_64"))]
    let present: Vec<&str> = Vec::new();
    let built: Vec<&str> = [
        (candle_core::utils::with_avx(), "AVX"),
        (candle_core::utils::with_f16c(), "F16C"),
        (candle_core::utils::with_neon(), "NEON"),
    ]
    .into_iter()
    .filter_map(|(on, n)| on.then_some(n))
    .collect();
    let has = if present.is_empty() { "no AVX2/FMA/F16C detected".to_string() } else { present.join(", ") };
    let uses = if built.is_empty() {
        "this build uses none (RUSTFLAGS=\"-C target-cpu=native\" makes it use them)".to_string()
    } else {
        format!("this build uses {}", built.join(", "))
    };
    format!("{has}; {uses}")
}

/// What a checkpoint is, from its config: the variant family and the knobs that tell them apart.
fn describe(files: &ModelFiles) -> String {
    let folder = files.weights.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or_default();
    let named = VARIANT_FOLDERS.iter().find(|(_, f)| *f == folder).map(|(s, _)| *s);
    match files.read_config() {
        Err(e) => format!("config unreadable: {e}"),
        Ok(cfg) => {
            let m = &cfg.model.params;
            let turbo = matches!(cfg.scheduler_kind(), Ok(SchedulerKind::Consistency));
            format!(
                "variant {}: DiT width {}, {}+{} blocks, {}{}",
                named.unwrap_or(match (turbo, m.guidance_embed) {
                    (true, _) => "turbo-like",
                    (false, true) => "fast-like",
                    (false, false) => "v2-0-like",
                }),
                m.hidden_size,
                m.depth,
                m.depth_single_blocks,
                if m.guidance_embed { "guidance embedding" } else { "classifier-free guidance" },
                if turbo { ", consistency scheduler (5 steps, FlashVDM)" } else { ", 50 steps" }
            )
        }
    }
}

/// The image protocol the studio will most likely use, without asking the terminal anything.
fn graphics_guess(h: &TermHints) -> String {
    match plan(h) {
        Probe::HalfBlocks(why) => format!("half-blocks ({why})"),
        Probe::Query => {
            let term = h.term.as_deref().unwrap_or_default();
            let program = h.term_program.as_deref().unwrap_or_default();
            let likely = if term.contains("kitty") || program.eq_ignore_ascii_case("ghostty") {
                "kitty"
            } else if program == "iTerm.app" || program == "WezTerm" {
                "iTerm2 (or kitty)"
            } else if term.starts_with("foot") || term.contains("mlterm") || term.contains("contour") {
                "sixel"
            } else {
                "half-blocks unless the terminal answers for kitty, sixel or iTerm2"
            };
            format!("{likely}; the studio asks the terminal at start (TERM={term}, TERM_PROGRAM={program})")
        }
    }
}

pub fn run(ctx: &Context, a: DoctorArgs) -> CliResult {
    let mut r = Report(Vec::new());
    let s = r.section("memoreez");
    push(s, "version", env!("CARGO_PKG_VERSION"));
    let default_config = directories::ProjectDirs::from("", "", "memoreez").map(|d| d.config_dir().join("config.toml"));
    let config_line = match (&ctx.config, &default_config) {
        (Some(p), _) => format!("{} (from --config / MEMOREEZ_CONFIG)", p.display()),
        (None, Some(p)) if p.exists() => p.display().to_string(),
        (None, Some(p)) => format!("none, defaults apply ({} would be read)", p.display()),
        (None, None) => "none, defaults apply".into(),
    };
    push(s, "config file", config_line);
    let cfg = ctx.config();
    if let Err(e) = &cfg {
        push(s, "config problem", e.message());
    }
    let cfg = cfg.unwrap_or_default();

    let s = r.section("device");
    push(
        s,
        "CPU threads",
        std::thread::available_parallelism().map(|n| n.get().to_string()).unwrap_or("unknown".into()),
    );
    push(s, "CPU features", cpu_features());
    push(
        s,
        "CUDA",
        match (hy::cuda_compiled(), hy::cuda_usable()) {
            (false, _) => "not in this build (rebuild with --features cuda to use an NVIDIA GPU)".to_string(),
            (true, true) => "compiled in, a GPU is available".to_string(),
            (true, false) => "compiled in, but no usable GPU found".to_string(),
        },
    );
    push(s, "shape model runs on", if hy::cuda_usable() { "CUDA, f16" } else { "CPU, f32 (slow for the full models)" });

    let data = cfg.data_dir(ctx.data_dir.as_deref());
    let s = r.section("storage");
    let models_dir = match &data {
        Ok(d) => {
            push(s, "data dir", format!("{}{}", d.display(), if d.exists() { "" } else { " (not created yet)" }));
            push(s, "free space", free_bytes(d).map(human_bytes).unwrap_or_else(|| "unknown".into()));
            push(s, "log", memoreez::logging::files(d).display().to_string());
            Some(models::models_dir(d))
        }
        Err(e) => {
            push(s, "data dir", e.to_string());
            None
        }
    };

    let s = r.section("weights");
    if let Some(dir) = &models_dir {
        push(s, "models folder", dir.display().to_string());
        for m in models::all().unwrap_or_default() {
            let state = match models::presence(&m, dir) {
                Presence::Installed { bytes } => {
                    let what = match m.kind {
                        ModelKind::Hunyuan3d => {
                            ModelFiles::locate(&m.model_dir(dir), None).map(|f| describe(&f)).unwrap_or_else(|e| e)
                        }
                        ModelKind::Hunyuan3dVae => "turbo VAE, used with FlashVDM".into(),
                    };
                    format!("installed, {} ({what})", human_bytes(bytes))
                }
                Presence::Partial { missing, .. } => format!("incomplete, missing {}", missing.join(", ")),
                Presence::Absent => continue,
            };
            push(s, m.name.clone(), state);
        }
    }
    let h = &cfg.backends.hunyuan3d;
    if let Some(w) = &h.weights {
        let found: Vec<String> = std::iter::once(None)
            .chain(VARIANT_FOLDERS.iter().map(|(v, _)| Some(*v)))
            .filter_map(|v| ModelFiles::locate(w, v).ok().map(|f| (v, f)))
            .map(|(v, f)| format!("{}: {}", v.unwrap_or("folder itself"), describe(&f)))
            .collect();
        push(
            s,
            "config weights",
            format!(
                "{}: {}",
                w.display(),
                if found.is_empty() { "no checkpoint found".into() } else { found.join("; ") }
            ),
        );
    }
    let choice = match &models_dir {
        Some(dir) => match hy::find_weights(h.weights.as_deref(), h.variant.as_deref(), dir) {
            Ok(f) => format!("{} ({})", hy::model_folder(&f).display(), describe(&f)),
            Err(e) => e,
        },
        None => "no data dir, so no pulled models".into(),
    };
    push(s, "hunyuan3d would use", choice);
    push(s, "auto order", AUTO_ORDER.join(", "));
    push(s, "shape backend setting", cfg.backends.shape.to_string());

    services(&mut r, &cfg);

    let s = r.section("tools");
    push(
        s,
        "PrusaSlicer",
        memoreez::fab::prusa::detect()
            .map(|p| format!("{} ({})", p.version(), p.exe().display()))
            .unwrap_or_else(|| "not found on PATH (slicing falls back to the estimator)".into()),
    );
    push(s, "admesh", tool_version("admesh", "--version").unwrap_or_else(|| "not found on PATH".into()));

    let s = r.section("terminal");
    let hints = TermHints::from_env();
    push(s, "graphics", graphics_guess(&hints));
    push(s, "colour", if std::env::var_os("NO_COLOR").is_some() { "NO_COLOR is set: monochrome" } else { "colour" });

    if a.json {
        println!("{}", serde_json::to_string_pretty(&r.to_json()).unwrap_or_default());
    } else {
        r.print();
    }
    Ok(ExitCode::SUCCESS)
}
