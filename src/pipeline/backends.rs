//! The implementation chosen for each stage, built once from the config.

use crate::config::{Config, MattingBackend, ShapeBackend, SlicerBackend};
use crate::domain::Stage;
use crate::fab::estimate::EstimateSlicer;
use crate::fab::pricing::Rates;
use crate::fab::solid::OfflineFabricator;
use crate::fab::{prusa, Fabricator, Slicer};
use crate::ideation::Ideator;
use crate::imagegen::ImageGenerator;
use crate::matting::{ClassicalMatting, Matting};
use crate::net::services::{process_env, Env};
use crate::net::Http;
use crate::shapegen::motif::MotifOrInflate;
use crate::shapegen::{InflateGenerator, ShapeGenerator};
use crate::stage::BackendKind;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub struct Backends {
    pub ideator: Arc<dyn Ideator>,
    pub images: Arc<dyn ImageGenerator>,
    pub matting: Arc<dyn Matting>,
    pub shape: Arc<dyn ShapeGenerator>,
    pub fab: Arc<dyn Fabricator>,
    pub slicer: Arc<dyn Slicer>,
    pub rates: Rates,
}

/// A stage's backend as the status line, the session's results and the JSON show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "LabelRepr")]
pub struct BackendLabel {
    pub name: String,
    /// None for sessions recorded before backends said their kind.
    pub kind: Option<BackendKind>,
    /// The model behind it, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// Saved results hold either the full label or, from before kinds were kept, the bare name.
#[derive(Deserialize)]
#[serde(untagged)]
enum LabelRepr {
    Name(String),
    Full {
        name: String,
        kind: Option<BackendKind>,
        #[serde(default)]
        model: Option<String>,
    },
}

impl From<LabelRepr> for BackendLabel {
    fn from(r: LabelRepr) -> Self {
        match r {
            LabelRepr::Name(name) => BackendLabel { name, kind: None, model: None },
            LabelRepr::Full { name, kind, model } => BackendLabel { name, kind, model },
        }
    }
}

impl BackendLabel {
    fn of(name: &str, kind: BackendKind, model: Option<String>) -> Self {
        BackendLabel { name: name.to_string(), kind: Some(kind), model }
    }
}

impl std::fmt::Display for BackendLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Some(kind) => write!(f, "{} ({kind})", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl Backends {
    /// Each stage's backend, by name and kind, for the status line and the summary.
    pub fn labels(&self) -> [(Stage, BackendLabel); 6] {
        [
            (Stage::Ideation, BackendLabel::of(self.ideator.name(), self.ideator.kind(), self.ideator.model())),
            (Stage::Images, BackendLabel::of(self.images.name(), self.images.kind(), self.images.model())),
            (Stage::Matting, BackendLabel::of(self.matting.name(), self.matting.kind(), None)),
            (Stage::Shape, BackendLabel::of(self.shape.name(), self.shape.kind(), self.shape.model())),
            (Stage::Fabrication, BackendLabel::of(self.fab.name(), self.fab.kind(), None)),
            (Stage::Slicing, BackendLabel::of(self.slicer.name(), self.slicer.kind(), None)),
        ]
    }
}

/// The local Hunyuan3D-2 model the config describes (found, not loaded), or why there is none.
pub fn local_hunyuan3d(cfg: &Config) -> Result<crate::shapegen::hunyuan3d::backend::LazyHunyuan3D, String> {
    shape_model::hunyuan3d(cfg)
}

/// A backend the config names that cannot run on this machine.
#[derive(Debug, thiserror::Error)]
#[error("{stage} backend {name} cannot run: {why}")]
pub struct BackendError {
    pub stage: &'static str,
    pub name: String,
    pub why: String,
}

impl Backends {
    /// Builds each stage's backend as the config and the environment ask; `auto` takes the best one
    /// this machine has. Names are checked when the config loads, so only what this machine lacks
    /// (weights, keys, addresses) can fail here.
    pub fn from_config(cfg: &Config) -> Result<Backends, BackendError> {
        Backends::from_config_env(cfg, &process_env)
    }

    /// [`Backends::from_config`] with the environment given, for tests.
    pub fn from_config_env(cfg: &Config, env: Env<'_>) -> Result<Backends, BackendError> {
        let b = &cfg.backends;
        let http = Http::new(cfg.network.clone()).map_err(|e| BackendError {
            stage: "network",
            name: "http".into(),
            why: e.to_string(),
        })?;
        let ideator = remote::ideator(b, env, &http)?;
        let images = remote::images(b, env, &http)?;
        let procedural = images.name() == "procedural";
        let matting: Arc<dyn Matting> = match b.matting {
            MattingBackend::Auto | MattingBackend::Classical => Arc::new(ClassicalMatting::default()),
        };
        let pool = remote::pool(b, env, &http)?;
        let shape: Arc<dyn ShapeGenerator> = match b.shape {
            ShapeBackend::Auto => match (pool, shape_model::hunyuan3d(cfg)) {
                (Some(p), _) if procedural => Arc::new(shape_model::MotifOr::new(Arc::new(p))),
                (Some(p), _) => Arc::new(p),
                (None, Ok(h)) if procedural => Arc::new(shape_model::MotifOr::new(Arc::new(h))),
                (None, Ok(h)) => Arc::new(h),
                (None, Err(why)) => shape_model::offline_fallback(procedural, &why),
            },
            ShapeBackend::Hunyuan3d => Arc::new(shape_model::hunyuan3d(cfg).map_err(|why| BackendError {
                stage: "shape",
                name: "hunyuan3d".into(),
                why,
            })?),
            ShapeBackend::Remote => Arc::new(pool.ok_or_else(|| BackendError {
                stage: "shape",
                name: "remote".into(),
                why: format!(
                    "no Hunyuan3D-2 servers are configured: set {}=http://HOST:8081 (several separated by commas) \
                     or backends.remote.servers in the config",
                    crate::shapegen::remote::SERVERS_ENV
                ),
            })?),
            ShapeBackend::Motif => Arc::new(MotifOrInflate::new(InflateGenerator::default())),
            ShapeBackend::Inflate => Arc::new(InflateGenerator::default()),
        };
        let slicer: Arc<dyn Slicer> = match b.slicer {
            SlicerBackend::Auto => Arc::new(prusa::AutoSlicer::new(cfg.print.clone())),
            SlicerBackend::Estimate => Arc::new(EstimateSlicer::new(cfg.print.clone())),
            SlicerBackend::PrusaSlicer => match prusa::detect() {
                Some(p) => Arc::new(p.with_profile(cfg.print.clone())),
                None => {
                    return Err(BackendError {
                        stage: "slicer",
                        name: "prusa-slicer".into(),
                        why: "it is not on PATH; install it, or use slicer = \"auto\"".into(),
                    })
                }
            },
        };
        Ok(Backends {
            ideator,
            images,
            matting,
            shape,
            fab: Arc::new(OfflineFabricator),
            slicer,
            rates: cfg.pricing.clone(),
        })
    }
}

/// The services each stage can use, resolved from the config and the environment.
mod remote {
    use super::BackendError;
    use crate::config::{BackendChoice, IdeationBackend, ImagesBackend};
    use crate::ideation::llama::LlamaChat;
    use crate::ideation::llm::LlmIdeator;
    use crate::ideation::remote::{CloudflareChat, OllamaChat, OpenAiChat};
    use crate::ideation::templates::TemplateIdeator;
    use crate::ideation::Ideator;
    use crate::imagegen::remote::{CloudflareImages, OpenAiImages};
    use crate::imagegen::{ImageGenerator, ProceduralImages};
    use crate::net::services::Env;
    use crate::net::Http;
    use crate::shapegen::remote::RemotePool;
    use std::sync::Arc;

    fn missing(stage: &'static str, name: impl ToString) -> impl FnOnce(String) -> BackendError {
        move |why| BackendError { stage, name: name.to_string(), why }
    }

    pub fn ideator(b: &BackendChoice, env: Env<'_>, http: &Http) -> Result<Arc<dyn Ideator>, BackendError> {
        let cloudflare = || {
            b.cloudflare.resolve(env).map(|cf| LlmIdeator::new(CloudflareChat { http: http.clone(), cf }, "cloudflare"))
        };
        let openai = || b.openai.resolve(env).map(|api| LlmIdeator::new(OpenAiChat::new(http.clone(), api), "openai"));
        let llama = || b.llama.resolve(env).map(|path| LlmIdeator::new(LlamaChat::new(path, b.llama.clone()), "llama"));
        let ollama = || {
            let (api, configured) = b.ollama.resolve(env);
            (LlmIdeator::new(OllamaChat { http: http.clone(), api }, "ollama"), configured)
        };
        Ok(match b.ideation {
            IdeationBackend::Templates => Arc::new(TemplateIdeator),
            IdeationBackend::Cloudflare => Arc::new(cloudflare().map_err(missing("ideas", b.ideation))?),
            IdeationBackend::Openai => Arc::new(openai().map_err(missing("ideas", b.ideation))?),
            IdeationBackend::Ollama => Arc::new(ollama().0),
            IdeationBackend::Llama => Arc::new(llama().map_err(missing("ideas", b.ideation))?),
            IdeationBackend::Auto => match (cloudflare(), openai(), ollama(), llama()) {
                (Ok(c), ..) => Arc::new(c),
                (_, Ok(o), ..) => Arc::new(o),
                (_, _, (o, true), _) => Arc::new(o),
                (.., Ok(l)) => Arc::new(l),
                _ => Arc::new(TemplateIdeator),
            },
        })
    }

    pub fn images(b: &BackendChoice, env: Env<'_>, http: &Http) -> Result<Arc<dyn ImageGenerator>, BackendError> {
        let cloudflare = || b.cloudflare.resolve(env).map(|cf| CloudflareImages { http: http.clone(), cf });
        let openai = || b.openai.resolve(env).map(|api| OpenAiImages { http: http.clone(), api });
        Ok(match b.images {
            ImagesBackend::Procedural => Arc::new(ProceduralImages::new()),
            ImagesBackend::Cloudflare => Arc::new(cloudflare().map_err(missing("images", b.images))?),
            ImagesBackend::Openai => Arc::new(openai().map_err(missing("images", b.images))?),
            ImagesBackend::Auto => match (cloudflare(), openai()) {
                (Ok(c), _) => Arc::new(c),
                (_, Ok(o)) => Arc::new(o),
                _ => Arc::new(ProceduralImages::new()),
            },
        })
    }

    /// The Hunyuan3D server pool when any server is configured.
    pub fn pool(b: &BackendChoice, env: Env<'_>, http: &Http) -> Result<Option<RemotePool>, BackendError> {
        let servers = b.remote.servers(env).map_err(missing("shape", "remote"))?;
        if servers.is_empty() {
            return Ok(None);
        }
        Ok(Some(RemotePool::new(http.clone(), servers, b.remote.token(env), b.remote.clone())))
    }
}

/// The local image-to-3D model as a backend, and what `auto` does with or without it.
mod shape_model {
    use crate::config::Config;
    use crate::mesh::Mesh;
    use crate::shapegen::hunyuan3d::backend::{find_weights, LazyHunyuan3D, Overrides};
    use crate::shapegen::motif::MotifOrInflate;
    use crate::shapegen::{InflateGenerator, ShapeGenerator, ShapeInput};
    use crate::stage::{Progress, StageError};
    use std::sync::Arc;

    /// The `hunyuan3d` backend when its weights are found (nothing is loaded yet); otherwise why not.
    pub fn hunyuan3d(cfg: &Config) -> Result<LazyHunyuan3D, String> {
        let h = &cfg.backends.hunyuan3d;
        let models_dir = cfg.data_dir(None).map(|d| crate::models::models_dir(&d)).map_err(|e| e.to_string())?;
        let files = find_weights(h.weights.as_deref(), h.variant.as_deref(), &models_dir)?;
        let device = h.device.unwrap_or_default();
        let dtype = h.dtype.map(Into::into);
        let overrides = Overrides {
            steps: h.steps,
            guidance: h.guidance,
            octree_resolution: h.octree_resolution,
            flashvdm: h.flashvdm,
        };
        Ok(LazyHunyuan3D::new(files, overrides, device, dtype))
    }

    /// `auto` without weights: the offline backend, saying so in the log and, where the picture's
    /// geometry is not known otherwise, in the stage's notes.
    pub fn offline_fallback(procedural: bool, why: &str) -> Arc<dyn ShapeGenerator> {
        let inner: Arc<dyn ShapeGenerator> = if procedural {
            Arc::new(MotifOrInflate::new(InflateGenerator::default()))
        } else {
            Arc::new(InflateGenerator::default())
        };
        tracing::info!("shape backend auto: Hunyuan3D-2 not used ({why}); using {}", inner.name());
        let note = format!("Hunyuan3D-2 is not set up, so the offline backend runs: {why}");
        Arc::new(Fallback { inner, note, always: !procedural })
    }

    struct Fallback {
        inner: Arc<dyn ShapeGenerator>,
        note: String,
        /// Say it for every shape, not only for pictures without a concept.
        always: bool,
    }

    impl ShapeGenerator for Fallback {
        fn kind(&self) -> crate::stage::BackendKind {
            self.inner.kind()
        }

        fn name(&self) -> &str {
            self.inner.name()
        }

        fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
            // With a known concept the motif geometry is exact, better than any model's guess: no news.
            if self.always || input.concept.is_none() {
                progress.note(&self.note);
            }
            self.inner.generate(input, progress)
        }
    }

    /// The concept's exact motif geometry where it is known (procedural pictures), else the model.
    pub struct MotifOr {
        motif: MotifOrInflate,
        model: Arc<dyn ShapeGenerator>,
    }

    impl MotifOr {
        pub fn new(model: Arc<dyn ShapeGenerator>) -> Self {
            Self { motif: MotifOrInflate::new(InflateGenerator::default()), model }
        }
    }

    impl ShapeGenerator for MotifOr {
        fn kind(&self) -> crate::stage::BackendKind {
            self.model.kind()
        }

        fn name(&self) -> &str {
            "motif geometry, else hunyuan3d"
        }

        fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
            if input.concept.is_some() {
                self.motif.generate(input, progress)
            } else {
                self.model.generate(input, progress)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn config(data: &std::path::Path, shape: ShapeBackend, weights: Option<PathBuf>) -> Config {
        let mut cfg = Config { data_dir: Some(data.to_path_buf()), ..Config::default() };
        cfg.backends.slicer = SlicerBackend::Estimate;
        cfg.backends.shape = shape;
        cfg.backends.hunyuan3d.weights = weights;
        cfg
    }

    fn fixture() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hunyuan3d/turbo-tiny")
    }

    #[test]
    fn auto_takes_hunyuan3d_when_weights_are_found_and_falls_back_otherwise() {
        let data = tempfile::tempdir().unwrap();
        let with = Backends::from_config(&config(data.path(), ShapeBackend::Auto, Some(fixture()))).unwrap();
        assert_eq!(with.shape.name(), "motif geometry, else hunyuan3d");
        let without = Backends::from_config(&config(data.path(), ShapeBackend::Auto, None)).unwrap();
        assert_eq!(without.shape.name(), "motif geometry, else inflation");
        let named = Backends::from_config(&config(data.path(), ShapeBackend::Hunyuan3d, Some(fixture()))).unwrap();
        assert_eq!(named.shape.name(), "hunyuan3d");
    }

    #[test]
    fn hunyuan3d_without_weights_says_what_to_pull() {
        let data = tempfile::tempdir().unwrap();
        let err = Backends::from_config(&config(data.path(), ShapeBackend::Hunyuan3d, None)).err().unwrap().to_string();
        assert!(err.contains("memoreez models pull hunyuan3d-turbo"), "{err}");
        let cfg = config(data.path(), ShapeBackend::Hunyuan3d, Some(data.path().to_path_buf()));
        let err = Backends::from_config(&cfg).err().unwrap().to_string();
        assert!(err.contains("no Hunyuan3D-2 weights"), "{err}");
    }
}
