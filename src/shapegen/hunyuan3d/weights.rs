//! Finding and loading the official weights: one safetensors file whose keys carry the prefixes
//! `model.` (DiT), `vae.` (ShapeVAE) and `conditioner.` (DINOv2), next to its `config.yaml`.
//!
//! Files are memory-mapped (`MmapedSafetensors`); a tensor is read when a layer asks for it, and copied
//! once into candle's storage then (candle's CPU tensors own their buffers, and f16 weights are
//! converted to the compute dtype there anyway): the file is never read whole into memory. Every key
//! a layer asks for is checked by name and shape; instead of failing on the first, the loader records
//! each missing or mis-shaped key (handing back zeros so that building goes on) and
//! [`WeightCheck::finish`] then names them all, the first ones first.

use super::config::Config;
use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device, Result, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Init, VarBuilder};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The subfolders of the official Hugging Face repositories (`tencent/Hunyuan3D-2`,
/// `tencent/Hunyuan3D-2mini`), each holding `config.yaml` and `model.fp16.safetensors`.
pub const VARIANT_FOLDERS: &[(&str, &str)] = &[
    ("v2-0", "hunyuan3d-dit-v2-0"),
    ("fast", "hunyuan3d-dit-v2-0-fast"),
    ("turbo", "hunyuan3d-dit-v2-0-turbo"),
    ("mini", "hunyuan3d-dit-v2-mini"),
    ("mini-fast", "hunyuan3d-dit-v2-mini-fast"),
    ("mini-turbo", "hunyuan3d-dit-v2-mini-turbo"),
];

const WEIGHT_NAMES: &[&str] = &["model.fp16.safetensors", "model.safetensors", "model.fp32.safetensors"];

/// Where one model's config and weights are.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    pub config: PathBuf,
    pub weights: PathBuf,
}

impl ModelFiles {
    /// `dir` is either a model folder (with `config.yaml` and a weights file) or a folder holding the
    /// official variant subfolders, of which `variant` (a short name such as `turbo`, or the folder
    /// name itself) is picked; with no variant the first one present in [`VARIANT_FOLDERS`] order.
    pub fn locate(dir: &Path, variant: Option<&str>) -> std::result::Result<Self, String> {
        if variant.is_none() {
            if let Some(files) = Self::in_folder(dir) {
                return Ok(files);
            }
        }
        let candidates: Vec<&str> = match variant {
            Some(v) => {
                let folder = VARIANT_FOLDERS
                    .iter()
                    .find(|(short, folder)| *short == v || *folder == v)
                    .map(|(_, folder)| *folder)
                    .unwrap_or(v);
                vec![folder]
            }
            None => VARIANT_FOLDERS.iter().map(|(_, f)| *f).collect(),
        };
        for folder in &candidates {
            if let Some(files) = Self::in_folder(&dir.join(folder)) {
                return Ok(files);
            }
        }
        Err(format!(
            "no Hunyuan3D-2 weights in {}: expected config.yaml with one of {} there{}",
            dir.display(),
            WEIGHT_NAMES.join(", "),
            match variant {
                Some(v) => format!(" or in its subfolder for variant {v}"),
                None => " or in one of its variant subfolders (hunyuan3d-dit-v2-0, ...)".into(),
            }
        ))
    }

    fn in_folder(dir: &Path) -> Option<Self> {
        let config = dir.join("config.yaml");
        if !config.is_file() {
            return None;
        }
        WEIGHT_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()).map(|weights| Self { config, weights })
    }

    pub fn read_config(&self) -> std::result::Result<Config, String> {
        Config::from_file(&self.config)
    }

    /// The FlashVDM-tuned VAE next to this checkpoint's folder, where the official layout puts it
    /// (`hunyuan3d-vae-v2-0-turbo` beside `hunyuan3d-dit-v2-0*`, `hunyuan3d-vae-v2-mini-turbo` beside
    /// `hunyuan3d-dit-v2-mini*`); none when it is not there.
    pub fn turbo_vae_beside(&self) -> Option<ModelFiles> {
        let folder = self.weights.parent()?;
        let name = folder.file_name()?.to_str()?;
        let vae_folder = TURBO_VAE_FOLDERS.iter().find(|(dit, _)| name.starts_with(dit)).map(|(_, vae)| *vae)?;
        Self::in_folder(&folder.parent()?.join(vae_folder))
    }
}

/// Which turbo VAE goes with which DiT family, as the official `enable_flashvdm` maps them.
pub const TURBO_VAE_FOLDERS: &[(&str, &str)] =
    &[("hunyuan3d-dit-v2-0", "hunyuan3d-vae-v2-0-turbo"), ("hunyuan3d-dit-v2-mini", "hunyuan3d-vae-v2-mini-turbo")];

/// A memory-mapped checkpoint that records what the layers asked for and did not find.
pub struct WeightCheck {
    path: PathBuf,
    problems: Arc<Mutex<Vec<String>>>,
    tensors: Arc<MmapedSafetensors>,
}

impl WeightCheck {
    pub fn open(path: &Path) -> std::result::Result<Self, String> {
        // SAFETY: the file is mapped read-only; as with every mmap, it must not be truncated while
        // mapped, which is what candle's `from_mmaped_safetensors` documents too.
        let tensors = unsafe { MmapedSafetensors::new(path) }.map_err(|e| {
            // Our own header check says what is wrong in words (cut off, not JSON, ...) where it can.
            let why = crate::models::verify::read_safetensors_header(path).err().unwrap_or_else(|| e.to_string());
            format!(
                "cannot read weights {}: {why}; if it was downloaded, `memoreez models verify NAME` checks it and \
                 `memoreez models pull NAME` fetches it again",
                path.display()
            )
        })?;
        Ok(Self { path: path.to_path_buf(), problems: Arc::new(Mutex::new(Vec::new())), tensors: Arc::new(tensors) })
    }

    /// A `VarBuilder` over the whole file (keys with their prefixes) in `dtype` on `device`.
    pub fn var_builder(&self, dtype: DType, device: &Device) -> VarBuilder<'static> {
        let backend = Checked { tensors: self.tensors.clone(), problems: self.problems.clone() };
        VarBuilder::from_backend(Box::new(backend), dtype, device.clone())
    }

    /// Whether the file holds `name` (with its prefix).
    pub fn contains(&self, name: &str) -> bool {
        self.tensors.get(name).is_ok()
    }

    /// Ok when every key asked for so far was present with its shape; otherwise an error naming
    /// the first few that were not.
    pub fn finish(&self) -> std::result::Result<(), String> {
        let problems = self.problems.lock().map_err(|_| "weight check poisoned")?;
        if problems.is_empty() {
            return Ok(());
        }
        const SHOWN: usize = 8;
        let mut msg = format!(
            "{} does not match its config: {} key(s) missing or mis-shaped: {}",
            self.path.display(),
            problems.len(),
            problems[..problems.len().min(SHOWN)].join("; ")
        );
        if problems.len() > SHOWN {
            msg.push_str("; ...");
        }
        Err(msg)
    }
}

struct Checked {
    tensors: Arc<MmapedSafetensors>,
    problems: Arc<Mutex<Vec<String>>>,
}

impl Checked {
    fn record(&self, problem: String) {
        if let Ok(mut p) = self.problems.lock() {
            p.push(problem);
        }
    }
}

impl SimpleBackend for Checked {
    fn get(&self, s: Shape, name: &str, _: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        match self.tensors.get(name) {
            Err(_) => self.record(format!("{name} missing (expected {s:?})")),
            Ok(view) if view.shape() != s.dims() => {
                self.record(format!("{name} has shape {:?}, expected {s:?}", view.shape()))
            }
            Ok(_) => return self.tensors.load(name, dev)?.to_dtype(dtype),
        }
        Tensor::zeros(s, dtype, dev)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> Result<Tensor> {
        self.tensors.load(name, dev)?.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.tensors.get(name).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn write(dir: &Path, tensors: &[(&str, Tensor)]) -> PathBuf {
        let map: HashMap<String, Tensor> = tensors.iter().map(|(k, t)| (k.to_string(), t.clone())).collect();
        let path = dir.join("model.safetensors");
        candle_core::safetensors::save(&map, &path).unwrap();
        path
    }

    #[test]
    fn names_missing_and_misshaped_keys() {
        let dir = tempfile::tempdir().unwrap();
        let dev = Device::Cpu;
        let path = write(
            dir.path(),
            &[
                ("model.a", Tensor::zeros((2, 3), DType::F32, &dev).unwrap()),
                ("model.b", Tensor::zeros(4, DType::F32, &dev).unwrap()),
            ],
        );
        let check = WeightCheck::open(&path).unwrap();
        let vb = check.var_builder(DType::F32, &dev).pp("model");
        assert_eq!(vb.get((2, 3), "a").unwrap().dims(), &[2, 3]);
        assert!(check.finish().is_ok());
        vb.get(5, "b").unwrap();
        vb.get(1, "c").unwrap();
        let err = check.finish().unwrap_err();
        assert!(err.contains("model.b has shape [4], expected [5]"), "{err}");
        assert!(err.contains("model.c missing"), "{err}");
    }

    #[test]
    fn locates_variant_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("hunyuan3d-dit-v2-0-turbo");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("config.yaml"), "x").unwrap();
        std::fs::write(sub.join("model.fp16.safetensors"), "x").unwrap();
        let found = ModelFiles::locate(dir.path(), Some("turbo")).unwrap();
        assert_eq!(found.weights, sub.join("model.fp16.safetensors"));
        assert_eq!(ModelFiles::locate(dir.path(), None).unwrap(), found);
        assert_eq!(ModelFiles::locate(&sub, None).unwrap(), found);
        assert!(ModelFiles::locate(dir.path(), Some("mini")).is_err());
        assert_eq!(found.turbo_vae_beside(), None);
        let vae = dir.path().join("hunyuan3d-vae-v2-0-turbo");
        std::fs::create_dir_all(&vae).unwrap();
        std::fs::write(vae.join("config.yaml"), "x").unwrap();
        std::fs::write(vae.join("model.fp16.safetensors"), "x").unwrap();
        assert_eq!(found.turbo_vae_beside().unwrap().weights, vae.join("model.fp16.safetensors"));
    }
}
