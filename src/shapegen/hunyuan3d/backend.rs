//! The `hunyuan3d` backend as the app uses it: where the weights are (a folder given in the config or
//! on the command line, else the models pulled into the data dir), which device and dtype, the run's
//! options over the checkpoint's defaults, and loading on first use: loading takes gigabytes and
//! seconds to minutes, and a session may never reach the shape stage.

use super::pipeline::{Hunyuan3D, Hunyuan3DGenerator, Options};
use super::weights::{ModelFiles, VARIANT_FOLDERS};
use super::Error;
use crate::mesh::Mesh;
use crate::models::{self, ModelKind, Presence};
use crate::shapegen::{ShapeGenerator, ShapeInput};
use crate::stage::{Progress, StageError};
use candle_core::{DType, Device};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The model `memoreez models pull` suggests when none is installed.
pub const SUGGESTED_MODEL: &str = "hunyuan3d-turbo";

/// The order in which installed variants are tried when none is named: the quick ones first.
pub const AUTO_ORDER: &[&str] = &["turbo", "mini-turbo", "fast", "mini-fast", "v2-0", "mini"];

/// Where the shape model should run (`--device`, `backends.hunyuan3d.device`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// CUDA when this build has it and a GPU answers, else the CPU.
    #[default]
    Auto,
    Cpu,
    #[serde(alias = "gpu")]
    Cuda,
}

/// The number format the shape model runs in (`--dtype`, `backends.hunyuan3d.dtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    F16,
    Bf16,
}

impl From<Precision> for DType {
    fn from(p: Precision) -> DType {
        match p {
            Precision::F32 => DType::F32,
            Precision::F16 => DType::F16,
            Precision::Bf16 => DType::BF16,
        }
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            other => Err(format!("unknown device '{other}': use auto, cpu or cuda")),
        }
    }
}

/// Whether this build was compiled with candle's CUDA backend (`--features cuda`).
pub fn cuda_compiled() -> bool {
    cfg!(feature = "cuda")
}

/// Whether a CUDA GPU can be used now (always false without the `cuda` feature).
pub fn cuda_usable() -> bool {
    cuda_compiled() && candle_core::utils::cuda_is_available() && Device::new_cuda(0).is_ok()
}

/// The device and the dtype that goes with it: f16 on CUDA, f32 on the CPU, unless `dtype` says.
pub fn select_device(choice: DeviceChoice, dtype: Option<DType>) -> Result<(Device, DType), Error> {
    let cuda = |e: &dyn std::fmt::Display| {
        Error::BadInput(if cuda_compiled() {
            format!("no usable CUDA GPU ({e}); use --device cpu")
        } else {
            "this build of memoreez has no CUDA support: rebuild it with `--features cuda` (needs the CUDA \
             toolkit), or use --device cpu"
                .to_string()
        })
    };
    let device = match choice {
        DeviceChoice::Cpu => Device::Cpu,
        DeviceChoice::Cuda => Device::new_cuda(0).map_err(|e| cuda(&e))?,
        DeviceChoice::Auto if cuda_usable() => Device::new_cuda(0).map_err(|e| cuda(&e))?,
        DeviceChoice::Auto => Device::Cpu,
    };
    let dtype = dtype.unwrap_or(if device.is_cpu() { DType::F32 } else { DType::F16 });
    Ok((device, dtype))
}

pub fn parse_dtype(s: &str) -> Result<DType, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "f32" | "float32" => Ok(DType::F32),
        "f16" | "float16" | "half" => Ok(DType::F16),
        "bf16" | "bfloat16" => Ok(DType::BF16),
        other => Err(format!("unknown dtype '{other}': use f32, f16 or bf16")),
    }
}

/// A run's choices over the checkpoint's own defaults ([`Options::for_config`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub steps: Option<usize>,
    pub guidance: Option<f64>,
    pub octree_resolution: Option<usize>,
    pub flashvdm: Option<bool>,
}

impl Overrides {
    pub fn apply(&self, opts: &mut Options) {
        if let Some(s) = self.steps {
            opts.steps = s.max(1);
        }
        if let Some(g) = self.guidance {
            opts.guidance = g;
        }
        if let Some(r) = self.octree_resolution {
            opts.octree_resolution = r.max(2);
        }
        if let Some(f) = self.flashvdm {
            opts.flashvdm = f;
        }
    }
}

/// Finds a checkpoint: in `explicit` (a model folder, or one holding the official variant subfolders)
/// when given, else among the models pulled into `models_dir` (the named variant, or the first
/// installed in [`AUTO_ORDER`]). The error says what to pull.
pub fn find_weights(explicit: Option<&Path>, variant: Option<&str>, models_dir: &Path) -> Result<ModelFiles, String> {
    if let Some(dir) = explicit {
        return ModelFiles::locate(dir, variant);
    }
    let manifests = models::all().map_err(|e| e.to_string())?;
    let installed = |v: &str| {
        manifests.iter().find(|m| m.kind == ModelKind::Hunyuan3d && m.variant.as_deref() == Some(v)).and_then(|m| {
            matches!(models::presence(m, models_dir), Presence::Installed { .. })
                .then(|| ModelFiles::locate(&m.model_dir(models_dir), None).ok())
                .flatten()
        })
    };
    let wanted: Vec<&str> = match variant {
        Some(v) => {
            let short = VARIANT_FOLDERS.iter().find(|(s, f)| *s == v || *f == v).map(|(s, _)| *s).unwrap_or(v);
            vec![short]
        }
        None => AUTO_ORDER.to_vec(),
    };
    if let Some(files) = wanted.iter().find_map(|v| installed(v)) {
        return Ok(files);
    }
    let model = match variant {
        Some(v) => manifests
            .iter()
            .find(|m| m.variant.as_deref() == wanted.first().copied())
            .map(|m| m.name.clone())
            .unwrap_or_else(|| format!("(no model has variant '{v}')")),
        None => SUGGESTED_MODEL.to_string(),
    };
    Err(format!(
        "no Hunyuan3D-2 weights{} in {}: download them with `memoreez models pull {model}` (see `memoreez models \
         list`), or point to a folder that holds them (--weights, or backends.hunyuan3d.weights in the config)",
        variant.map(|v| format!(" for variant {v}")).unwrap_or_default(),
        models_dir.display()
    ))
}

/// Loads `files` on `device` with the run's options; with FlashVDM on, the turbo VAE beside the
/// checkpoint replaces its own when present (as the official pipeline's `enable_flashvdm` does).
pub fn load(
    files: &ModelFiles,
    overrides: &Overrides,
    device: &Device,
    dtype: DType,
    progress: &dyn Progress,
) -> Result<Hunyuan3DGenerator, Error> {
    let config = files.read_config().map_err(Error::BadInput)?;
    let mut options = Options::for_config(&config);
    overrides.apply(&mut options);
    let vae = if options.flashvdm { files.turbo_vae_beside() } else { None };
    progress.note(&format!(
        "loading Hunyuan3D-2 from {}{}",
        files.weights.display(),
        vae.as_ref().map(|v| format!(" with the turbo VAE {}", v.weights.display())).unwrap_or_default()
    ));
    let model = Hunyuan3D::load_with_vae(files, vae.as_ref(), device, dtype)?;
    Ok(Hunyuan3DGenerator::new(model, options))
}

/// The pipeline's `hunyuan3d` backend: the checkpoint is found when the backends are built, and
/// loaded by the first shape that needs it, then kept.
pub struct LazyHunyuan3D {
    files: ModelFiles,
    overrides: Overrides,
    device: DeviceChoice,
    dtype: Option<DType>,
    loaded: Mutex<Option<Arc<Hunyuan3DGenerator>>>,
}

impl LazyHunyuan3D {
    pub fn new(files: ModelFiles, overrides: Overrides, device: DeviceChoice, dtype: Option<DType>) -> Self {
        Self { files, overrides, device, dtype, loaded: Mutex::new(None) }
    }

    pub fn files(&self) -> &ModelFiles {
        &self.files
    }

    /// One mesh with a request's own settings over the configured ones (`memoreez serve`).
    pub fn generate_with(
        &self,
        input: &ShapeInput<'_>,
        request: &Overrides,
        progress: &dyn Progress,
    ) -> Result<Mesh, StageError> {
        let generator = self.generator(progress)?;
        let mut opts = generator.options().clone();
        request.apply(&mut opts);
        generator.generate_with(input, &opts, progress)
    }

    /// Loads the model now rather than on the first job (a server's start).
    pub fn load_now(&self, progress: &dyn Progress) -> Result<(), StageError> {
        self.generator(progress).map(|_| ()).map_err(Into::into)
    }

    fn generator(&self, progress: &dyn Progress) -> Result<Arc<Hunyuan3DGenerator>, Error> {
        // Held while loading, so two shapes started together load the model once.
        let mut slot = self.loaded.lock().map_err(|_| Error::Model("an earlier load panicked".into()))?;
        if let Some(g) = slot.as_ref() {
            return Ok(g.clone());
        }
        let (device, dtype) = select_device(self.device, self.dtype)?;
        let generator = Arc::new(load(&self.files, &self.overrides, &device, dtype, progress)?);
        *slot = Some(generator.clone());
        Ok(generator)
    }
}

impl ShapeGenerator for LazyHunyuan3D {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Local
    }

    fn name(&self) -> &str {
        "hunyuan3d"
    }

    fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
        self.generator(progress)?.generate(input, progress)
    }
}

/// The folder a located checkpoint lives in, for messages.
pub fn model_folder(files: &ModelFiles) -> PathBuf {
    files.weights.parent().map(Path::to_path_buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_without_the_feature_says_how_to_get_it() {
        if cuda_compiled() {
            return;
        }
        let err = select_device(DeviceChoice::Cuda, None).unwrap_err().to_string();
        assert!(err.contains("--features cuda") && err.contains("--device cpu"), "{err}");
        assert_eq!(select_device(DeviceChoice::Auto, None).unwrap().1, DType::F32);
    }

    #[test]
    fn overrides_change_only_what_they_name() {
        let mut o = Options {
            steps: 5,
            guidance: 5.0,
            octree_resolution: 256,
            flashvdm: true,
            bounds: 1.01,
            mc_level: 0.0,
            chunk_budget_bytes: 1,
        };
        let before = o.clone();
        Overrides::default().apply(&mut o);
        assert_eq!(o, before);
        Overrides { steps: Some(8), flashvdm: Some(false), ..Default::default() }.apply(&mut o);
        assert_eq!((o.steps, o.flashvdm, o.octree_resolution), (8, false, 256));
    }

    #[test]
    fn missing_weights_name_the_pull_command() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_weights(None, None, dir.path()).unwrap_err();
        assert!(err.contains("memoreez models pull hunyuan3d-turbo"), "{err}");
        let err = find_weights(None, Some("mini"), dir.path()).unwrap_err();
        assert!(err.contains("memoreez models pull hunyuan3d-mini"), "{err}");
    }

    #[test]
    fn finds_a_pulled_model_in_the_models_folder() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("tencent/Hunyuan3D-2mini/hunyuan3d-dit-v2-mini-turbo");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("config.yaml"), "x").unwrap();
        std::fs::write(sub.join("model.fp16.safetensors"), "x").unwrap();
        let files = find_weights(None, None, dir.path()).unwrap();
        assert_eq!(files.weights, sub.join("model.fp16.safetensors"));
        assert_eq!(find_weights(None, Some("mini-turbo"), dir.path()).unwrap(), files);
        assert!(find_weights(None, Some("turbo"), dir.path()).is_err());
    }
}
