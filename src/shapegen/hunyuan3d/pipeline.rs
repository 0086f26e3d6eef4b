//! The whole chain, image to mesh, and the `hunyuan3d` [`ShapeGenerator`] backend.
//!
//! Defaults follow the official pipeline: classifier-free guidance 5.0 (or the guidance embedding
//! for distilled checkpoints), 50 steps (5 with the consistency scheduler of the turbo variants),
//! a box of ±1.01, the surface at level 0. Octree resolution 256; FlashVDM on for the turbo variants.
//! Differs on purpose: the initial noise comes from our own seeded generator (ChaCha8 + Box-Muller),
//! not PyTorch's, and mesh vertices are scaled by the grid actually decoded (upstream divides by the
//! requested resolution + 1, which shrinks the mesh slightly and more so under FlashVDM).

use super::config::{Config, SchedulerKind, VaeFileConfig};
use super::dinov2::DinoImageEncoder;
use super::dit::Hunyuan3DDiT;
use super::preprocess::ImageProcessorV2;
use super::sampler::{sample, Guidance};
use super::scheduler::Ladder;
use super::vae::ShapeVae;
use super::volume::{chunk_for_budget, decode_dense, decode_flashvdm, default_chunk_budget, FlashVdm};
use super::weights::{ModelFiles, WeightCheck};
use super::Error;
use crate::mesh::marching_cubes::marching_cubes;
use crate::mesh::Mesh;
use crate::shapegen::{ShapeGenerator, ShapeInput};
use crate::stage::{Progress, StageError};
use candle_core::{DType, Device, Tensor};
use image::RgbaImage;
use rand::{Rng, SeedableRng};

/// How one run goes; [`Options::for_config`] gives the official defaults for a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub steps: usize,
    pub guidance: f64,
    pub octree_resolution: usize,
    pub flashvdm: bool,
    pub bounds: f64,
    pub mc_level: f32,
    /// Memory for one decoding chunk's activations; the chunk size follows from it.
    pub chunk_budget_bytes: usize,
}

impl Options {
    pub fn for_config(cfg: &Config) -> Self {
        let turbo = matches!(cfg.scheduler_kind(), Ok(SchedulerKind::Consistency));
        Self {
            steps: if turbo { 5 } else { 50 },
            guidance: 5.0,
            octree_resolution: 256,
            flashvdm: turbo,
            bounds: 1.01,
            mc_level: 0.0,
            chunk_budget_bytes: default_chunk_budget(),
        }
    }
}

/// The loaded models of one checkpoint.
pub struct Hunyuan3D {
    pub config: Config,
    pub processor: ImageProcessorV2,
    pub encoder: DinoImageEncoder,
    pub dit: Hunyuan3DDiT,
    pub vae: ShapeVae,
    pub device: Device,
    pub dtype: DType,
}

impl Hunyuan3D {
    /// Reads `config.yaml` and the weights; fails naming the first missing or mis-shaped keys.
    pub fn load(files: &ModelFiles, device: &Device, dtype: DType) -> Result<Self, Error> {
        Self::load_with_vae(files, None, device, dtype)
    }

    /// As [`Hunyuan3D::load`], with the ShapeVAE taken from a standalone VAE folder (its own
    /// `config.yaml`, keys without prefix) instead of the checkpoint's `vae.` keys, as the official
    /// `enable_flashvdm` does with the turbo decoders.
    pub fn load_with_vae(
        files: &ModelFiles,
        vae_files: Option<&ModelFiles>,
        device: &Device,
        dtype: DType,
    ) -> Result<Self, Error> {
        let mut config = files.read_config().map_err(Error::BadInput)?;
        let check = WeightCheck::open(&files.weights).map_err(Error::BadInput)?;
        let vb = check.var_builder(dtype, device);
        let encoder = DinoImageEncoder::new(
            &config.conditioner.params.main_image_encoder.kwargs,
            vb.pp("conditioner.main_image_encoder.model"),
        )?;
        let dit = Hunyuan3DDiT::new(&config.model.params, vb.pp("model"))?;
        let vae = match vae_files {
            None => ShapeVae::new(&config.vae.params, vb.pp("vae"))?,
            Some(vf) => {
                let vae_cfg = VaeFileConfig::from_file(&vf.config).map_err(Error::BadInput)?;
                let vae_check = WeightCheck::open(&vf.weights).map_err(Error::BadInput)?;
                let vae = ShapeVae::new(&vae_cfg.params, vae_check.var_builder(dtype, device))?;
                vae_check.finish().map_err(Error::BadInput)?;
                config.vae.params = vae_cfg.params;
                vae
            }
        };
        check.finish().map_err(Error::BadInput)?;
        Ok(Self {
            processor: ImageProcessorV2::new(&config.image_processor.params),
            config,
            encoder,
            dit,
            vae,
            device: device.clone(),
            dtype,
        })
    }

    /// Standard normal noise `[1, L, C]` from `seed`.
    pub fn noise(&self, seed: u64) -> Result<Tensor, Error> {
        let (l, c) = self.vae.latent_shape;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut v = Vec::with_capacity(l * c);
        while v.len() < l * c {
            let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            let u2: f64 = rng.random::<f64>();
            let r = (-2.0 * u1.ln()).sqrt();
            let a = std::f64::consts::TAU * u2;
            v.push((r * a.cos()) as f32);
            v.push((r * a.sin()) as f32);
        }
        v.truncate(l * c);
        Ok(Tensor::from_vec(v, (1, l, c), &self.device)?)
    }

    /// Image to latents (`[1, L, C]`, before `1 / scale_factor`).
    pub fn latents(
        &self,
        image: &RgbaImage,
        noise: &Tensor,
        opts: &Options,
        progress: &dyn Progress,
    ) -> Result<Tensor, Error> {
        let pre = self.processor.process(image, &self.device)?;
        let cond = self.encoder.forward(&pre.image)?.to_dtype(self.dtype)?;
        let uncond = self.encoder.unconditional(1, self.dtype, &self.device)?;
        let kind = self.config.scheduler_kind().map_err(Error::BadInput)?;
        let ladder = Ladder::new(kind, &self.config.scheduler.params, opts.steps);
        let guidance = if self.dit.has_guidance_embed() {
            Guidance::Embedded { scale: opts.guidance }
        } else {
            Guidance::Classifier { scale: opts.guidance }
        };
        sample(&self.dit, &ladder, &noise.to_dtype(self.dtype)?, &cond, &uncond, guidance, progress)
    }

    /// Latents to a mesh in model space (±`bounds`, Y up), faces wound as upstream exports them.
    pub fn mesh(&self, latents: &Tensor, opts: &Options, progress: &dyn Progress) -> Result<Mesh, Error> {
        let lat = (latents.to_dtype(DType::F32)? / self.vae.scale_factor)?.to_dtype(self.dtype)?;
        let decoded = self.vae.forward(&lat)?;
        let kv = self.vae.geo_decoder.prepare(&decoded)?;
        let v = &self.config.vae.params;
        let ratio = v.geo_decoder_downsample_ratio.max(1);
        let chunk = chunk_for_budget(opts.chunk_budget_bytes, v.heads / ratio, v.num_latents, v.width / ratio);
        let grid = if opts.flashvdm {
            let fv = FlashVdm {
                bounds: opts.bounds,
                octree_resolution: opts.octree_resolution,
                mc_level: opts.mc_level,
                chunk,
                ..FlashVdm::default()
            };
            decode_flashvdm(&self.vae.geo_decoder, &kv, &fv, progress)?.0
        } else {
            decode_dense(&self.vae.geo_decoder, &kv, opts.bounds, opts.octree_resolution, chunk, progress)?
        };
        if progress.is_cancelled() {
            return Err(Error::Cancelled);
        }
        progress.note("extracting the surface (marching cubes)");
        let mut mesh = marching_cubes(&grid, opts.mc_level);
        if mesh.triangles.is_empty() {
            return Err(Error::Model(
                "the decoded field has no surface at the chosen level; try another seed or image".into(),
            ));
        }
        let step = (2.0 * opts.bounds / (grid.dims[0] - 1) as f64) as f32;
        let lo = -opts.bounds as f32;
        for p in &mut mesh.vertices {
            *p = p.map(|c| c * step + lo);
        }
        Ok(mesh)
    }
}

/// The `hunyuan3d` image-to-3D backend.
pub struct Hunyuan3DGenerator {
    model: Hunyuan3D,
    options: Options,
}

impl Hunyuan3DGenerator {
    pub fn new(model: Hunyuan3D, options: Options) -> Self {
        Self { model, options }
    }

    /// Loads `dir` (a model folder or one with the official variant subfolders) with the official
    /// defaults for what it finds, on `device` in `dtype`.
    pub fn from_dir(
        dir: &std::path::Path,
        variant: Option<&str>,
        device: &Device,
        dtype: DType,
    ) -> Result<Self, StageError> {
        let files = ModelFiles::locate(dir, variant).map_err(StageError::BadInput)?;
        let model = Hunyuan3D::load(&files, device, dtype)?;
        let options = Options::for_config(&model.config);
        Ok(Self::new(model, options))
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn model(&self) -> &Hunyuan3D {
        &self.model
    }

    /// One mesh with `opts` in place of the generator's own (a server's per-request settings).
    pub fn generate_with(
        &self,
        input: &ShapeInput<'_>,
        opts: &Options,
        progress: &dyn Progress,
    ) -> Result<Mesh, StageError> {
        progress.note(&format!(
            "Hunyuan3D-2: {} steps, guidance {}, octree {}{}, {:?} on {:?}",
            opts.steps,
            opts.guidance,
            opts.octree_resolution,
            if opts.flashvdm { ", FlashVDM" } else { "" },
            self.model.dtype,
            self.model.device
        ));
        let noise = self.model.noise(input.seed)?;
        let latents = self.model.latents(input.cutout, &noise, opts, progress)?;
        Ok(self.model.mesh(&latents, opts, progress)?)
    }

    pub fn options_mut(&mut self) -> &mut Options {
        &mut self.options
    }
}

impl ShapeGenerator for Hunyuan3DGenerator {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Local
    }

    fn name(&self) -> &str {
        "hunyuan3d"
    }

    fn generate(&self, input: &ShapeInput<'_>, progress: &dyn Progress) -> Result<Mesh, StageError> {
        self.generate_with(input, &self.options, progress)
    }
}
