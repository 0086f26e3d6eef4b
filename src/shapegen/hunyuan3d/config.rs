//! The official `config.yaml` layout of a Hunyuan3D-2 shape model: `model`, `vae`, `conditioner`,
//! `scheduler` and `image_processor`, each a `target` (the Python class) with its `params`.
//!
//! Defaults are those of the Python constructors in hy3dgen 2.0.2
//! (<https://github.com/Tencent/Hunyuan3D-2/tree/main/hy3dgen/shapegen>), so a config that leaves a
//! parameter out means what it means to the official loader. Unknown keys are ignored, as the Python
//! constructors take `**kwargs`.

use serde::Deserialize;
use std::path::Path;

/// One section of the config: the Python class it instantiates and the keyword arguments.
#[derive(Debug, Clone, Deserialize)]
pub struct Target<P> {
    pub target: String,
    pub params: P,
}

/// The whole `config.yaml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub model: Target<DitConfig>,
    pub vae: Target<VaeConfig>,
    pub conditioner: Target<ConditionerConfig>,
    pub scheduler: Target<SchedulerParams>,
    pub image_processor: Target<ImageProcessorConfig>,
}

impl Config {
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        let cfg: Config = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_yaml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Which scheduler the `scheduler.target` names.
    pub fn scheduler_kind(&self) -> Result<SchedulerKind, String> {
        let class = self.scheduler.target.rsplit('.').next().unwrap_or_default();
        match class {
            "FlowMatchEulerDiscreteScheduler" => Ok(SchedulerKind::FlowMatchEuler),
            "ConsistencyFlowMatchEulerDiscreteScheduler" => Ok(SchedulerKind::Consistency),
            _ => Err(format!("unsupported scheduler {}", self.scheduler.target)),
        }
    }

    fn validate(&self) -> Result<(), String> {
        let m = &self.model.params;
        if m.num_heads == 0 || m.hidden_size % m.num_heads != 0 {
            return Err(format!("model: hidden_size {} is not divisible by num_heads {}", m.hidden_size, m.num_heads));
        }
        self.vae.params.validate()?;
        let enc = &self.conditioner.params.main_image_encoder;
        if enc.kind != "DinoImageEncoder" {
            return Err(format!("conditioner: only DinoImageEncoder is supported, not {}", enc.kind));
        }
        let d = &enc.kwargs.config;
        if d.num_attention_heads == 0 || d.hidden_size % d.num_attention_heads != 0 {
            return Err("conditioner: hidden_size is not divisible by num_attention_heads".into());
        }
        self.scheduler_kind()?;
        Ok(())
    }
}

fn default_true() -> bool {
    true
}

/// `Hunyuan3DDiT` (hy3dgen/shapegen/models/denoisers/hunyuan3ddit.py).
#[derive(Debug, Clone, Deserialize)]
pub struct DitConfig {
    #[serde(default = "dit_in_channels")]
    pub in_channels: usize,
    #[serde(default = "dit_context_in_dim")]
    pub context_in_dim: usize,
    #[serde(default = "dit_hidden_size")]
    pub hidden_size: usize,
    #[serde(default = "four")]
    pub mlp_ratio: f64,
    #[serde(default = "dit_num_heads")]
    pub num_heads: usize,
    #[serde(default = "dit_depth")]
    pub depth: usize,
    #[serde(default = "dit_depth_single")]
    pub depth_single_blocks: usize,
    #[serde(default = "default_true")]
    pub qkv_bias: bool,
    #[serde(default = "thousand")]
    pub time_factor: f64,
    #[serde(default)]
    pub guidance_embed: bool,
}

fn dit_in_channels() -> usize {
    64
}
fn dit_context_in_dim() -> usize {
    1536
}
fn dit_hidden_size() -> usize {
    1024
}
fn dit_num_heads() -> usize {
    16
}
fn dit_depth() -> usize {
    16
}
fn dit_depth_single() -> usize {
    32
}
fn four() -> f64 {
    4.0
}
fn thousand() -> f64 {
    1000.0
}

/// `ShapeVAE` (hy3dgen/shapegen/models/autoencoders/model.py).
#[derive(Debug, Clone, Deserialize)]
pub struct VaeConfig {
    pub num_latents: usize,
    pub embed_dim: usize,
    pub width: usize,
    pub heads: usize,
    pub num_decoder_layers: usize,
    #[serde(default = "one")]
    pub geo_decoder_downsample_ratio: usize,
    #[serde(default = "four_usize")]
    pub geo_decoder_mlp_expand_ratio: usize,
    #[serde(default = "default_true")]
    pub geo_decoder_ln_post: bool,
    #[serde(default = "eight")]
    pub num_freqs: usize,
    #[serde(default = "default_true")]
    pub include_pi: bool,
    #[serde(default = "default_true")]
    pub qkv_bias: bool,
    #[serde(default)]
    pub qk_norm: bool,
    #[serde(default = "one_f64")]
    pub scale_factor: f64,
}

impl VaeConfig {
    fn validate(&self) -> Result<(), String> {
        let ratio = self.geo_decoder_downsample_ratio.max(1);
        if self.heads == 0 || self.width % self.heads != 0 || self.width % ratio != 0 || self.heads % ratio != 0 {
            return Err(format!(
                "vae: width {} / heads {} / geo_decoder_downsample_ratio {} do not divide",
                self.width, self.heads, ratio
            ));
        }
        Ok(())
    }
}

/// The `config.yaml` of a standalone ShapeVAE folder (`hunyuan3d-vae-v2-0-turbo`, ...): the VAE
/// section alone, whose weights file holds the VAE's keys without a prefix.
#[derive(Debug, Clone, Deserialize)]
pub struct VaeFileConfig {
    #[serde(default)]
    pub target: Option<String>,
    pub params: VaeConfig,
}

impl VaeFileConfig {
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        let cfg: VaeFileConfig = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
        cfg.params.validate()?;
        Ok(cfg)
    }

    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_yaml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn one() -> usize {
    1
}
fn four_usize() -> usize {
    4
}
fn eight() -> usize {
    8
}
fn one_f64() -> f64 {
    1.0
}

/// `SingleImageEncoder` with its `main_image_encoder`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConditionerConfig {
    pub main_image_encoder: ImageEncoderConfig,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImageEncoderConfig {
    #[serde(rename = "type")]
    pub kind: String,
    pub kwargs: ImageEncoderKwargs,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImageEncoderKwargs {
    pub config: Dinov2Config,
    #[serde(default = "encoder_image_size")]
    pub image_size: usize,
    #[serde(default = "default_true")]
    pub use_cls_token: bool,
}

fn encoder_image_size() -> usize {
    224
}

/// Hugging Face `Dinov2Config`, the fields the encoder uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Dinov2Config {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    #[serde(default = "four_usize")]
    pub mlp_ratio: usize,
    #[serde(default = "dino_eps")]
    pub layer_norm_eps: f64,
    #[serde(default = "one_f64")]
    pub layerscale_value: f64,
    #[serde(default)]
    pub use_swiglu_ffn: bool,
    #[serde(default = "default_true")]
    pub qkv_bias: bool,
    #[serde(default = "patch")]
    pub patch_size: usize,
    #[serde(default = "dino_image_size")]
    pub image_size: usize,
    #[serde(default = "three")]
    pub num_channels: usize,
    #[serde(default = "gelu")]
    pub hidden_act: String,
}

fn dino_eps() -> f64 {
    1e-6
}
fn patch() -> usize {
    14
}
fn dino_image_size() -> usize {
    518
}
fn three() -> usize {
    3
}
fn gelu() -> String {
    "gelu".into()
}

/// Both schedulers' parameters; which one is meant is in the section's `target`.
#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerParams {
    #[serde(default = "train_steps")]
    pub num_train_timesteps: usize,
    #[serde(default = "one_f64")]
    pub shift: f64,
    #[serde(default = "pcm")]
    pub pcm_timesteps: usize,
}

fn train_steps() -> usize {
    1000
}
fn pcm() -> usize {
    50
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchedulerKind {
    /// `FlowMatchEulerDiscreteScheduler`
    FlowMatchEuler,
    /// `ConsistencyFlowMatchEulerDiscreteScheduler` (the turbo variants)
    Consistency,
}

/// `ImageProcessorV2` (hy3dgen/shapegen/preprocessors.py).
#[derive(Debug, Clone, Deserialize)]
pub struct ImageProcessorConfig {
    #[serde(default = "processor_size")]
    pub size: usize,
    pub border_ratio: Option<f64>,
}

fn processor_size() -> usize {
    512
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"
model:
  target: hy3dgen.shapegen.models.Hunyuan3DDiT
  params: {in_channels: 8, context_in_dim: 32, hidden_size: 64, num_heads: 4, depth: 2,
           depth_single_blocks: 2, axes_dim: [16], guidance_embed: false}
vae:
  target: hy3dgen.shapegen.models.ShapeVAE
  params: {num_latents: 16, embed_dim: 8, width: 64, heads: 4, num_decoder_layers: 2,
           include_pi: false, qkv_bias: false, qk_norm: true, scale_factor: 0.999}
conditioner:
  target: hy3dgen.shapegen.models.SingleImageEncoder
  params:
    main_image_encoder:
      type: DinoImageEncoder
      kwargs:
        config: {hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, use_swiglu_ffn: true}
        image_size: 56
scheduler:
  target: hy3dgen.shapegen.schedulers.ConsistencyFlowMatchEulerDiscreteScheduler
  params: {num_train_timesteps: 1000, pcm_timesteps: 100}
image_processor:
  target: hy3dgen.shapegen.preprocessors.ImageProcessorV2
  params: {size: 64, border_ratio: 0.15}
"#;

    #[test]
    fn reads_the_official_layout_with_python_defaults() {
        let cfg = Config::from_yaml(TINY).unwrap();
        assert_eq!(cfg.model.params.hidden_size, 64);
        assert_eq!(cfg.model.params.time_factor, 1000.0);
        assert!(cfg.model.params.qkv_bias);
        assert_eq!(cfg.vae.params.num_freqs, 8);
        assert_eq!(cfg.vae.params.geo_decoder_downsample_ratio, 1);
        assert!(cfg.vae.params.geo_decoder_ln_post);
        assert_eq!(cfg.scheduler_kind().unwrap(), SchedulerKind::Consistency);
        assert_eq!(cfg.scheduler.params.pcm_timesteps, 100);
        let enc = &cfg.conditioner.params.main_image_encoder.kwargs;
        assert_eq!(enc.image_size, 56);
        assert!(enc.use_cls_token);
        assert_eq!(enc.config.layer_norm_eps, 1e-6);
        assert_eq!(cfg.image_processor.params.border_ratio, Some(0.15));
    }

    #[test]
    fn rejects_heads_that_do_not_divide() {
        let bad = TINY.replace("hidden_size: 64, num_heads: 4", "hidden_size: 64, num_heads: 5");
        assert!(Config::from_yaml(&bad).unwrap_err().contains("num_heads"));
    }

    #[test]
    fn reads_a_standalone_vae_config() {
        let text = "target: hy3dgen.shapegen.models.ShapeVAE\nparams: {num_latents: 16, embed_dim: 8, width: 64, \
                    heads: 4, num_decoder_layers: 2, geo_decoder_downsample_ratio: 2, geo_decoder_ln_post: false}";
        let cfg = VaeFileConfig::from_yaml(text).unwrap();
        assert_eq!(cfg.params.geo_decoder_downsample_ratio, 2);
        assert!(!cfg.params.geo_decoder_ln_post);
        assert!(VaeFileConfig::from_yaml(&text.replace("heads: 4", "heads: 3")).unwrap_err().contains("divide"));
    }

    #[test]
    fn rejects_unknown_scheduler() {
        let bad = TINY.replace("ConsistencyFlowMatchEulerDiscreteScheduler", "DDIMScheduler");
        assert!(Config::from_yaml(&bad).unwrap_err().contains("DDIMScheduler"));
    }
}
