//! `ShapeVAE`'s decoding half: `post_kl` and the latent transformer, then the geometry decoder, a
//! cross-attention from Fourier-embedded query points to the latents that gives one occupancy logit
//! per point.
//!
//! Ported from hy3dgen 2.0.2 `hy3dgen/shapegen/models/autoencoders/{model,attention_blocks}.py`
//! (<https://github.com/Tencent/Hunyuan3D-2/tree/main/hy3dgen/shapegen/models/autoencoders>).
//! Differs on purpose: the decoder's keys and values of the latents are computed once per shape
//! ([`GeoDecoder::prepare`]) instead of once per query chunk.

use super::config::VaeConfig;
use super::fused::Activation;
use super::nn::{attention_heads_merged, linear, LayerNorm, Linear};
use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::VarBuilder;

/// `FourierEmbedder(num_freqs, logspace=True, include_input=True, include_pi)`:
/// `[x, sin(x * f), cos(x * f)]` with `f = 2^i` (times pi if asked), laid out coordinate-major.
#[derive(Debug, Clone)]
pub struct FourierEmbedder {
    freqs: Tensor,
    num_freqs: usize,
}

impl FourierEmbedder {
    pub fn new(num_freqs: usize, include_pi: bool, device: &candle_core::Device) -> Result<Self> {
        let freqs: Vec<f32> = (0..num_freqs)
            .map(|i| {
                let f = 2f32.powi(i as i32);
                if include_pi {
                    f * std::f32::consts::PI
                } else {
                    f
                }
            })
            .collect();
        Ok(Self { freqs: Tensor::from_vec(freqs, num_freqs, device)?, num_freqs })
    }

    pub fn out_dim(&self, input_dim: usize) -> usize {
        input_dim * (self.num_freqs * 2 + 1)
    }

    /// `x`: `[..., 3]` in f32.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let last = dims.len() - 1;
        let embed = x.unsqueeze(D::Minus1)?.broadcast_mul(&self.freqs)?;
        let mut flat = dims.clone();
        flat[last] = dims[last] * self.num_freqs;
        let embed = embed.reshape(flat)?;
        Tensor::cat(&[x, &embed.sin()?, &embed.cos()?], last)
    }
}

/// `MLP`: `c_fc`, erf GELU, `c_proj`.
struct Mlp {
    c_fc: Linear,
    c_proj: Linear,
}

impl Mlp {
    fn new(width: usize, expand: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            c_fc: linear(width, width * expand, true, vb.pp("c_fc"))?,
            c_proj: linear(width * expand, width, true, vb.pp("c_proj"))?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.c_proj.forward(&self.c_fc.forward_act(x, Activation::GeluErf)?)
    }
}

/// Optional per-head LayerNorms of q and k (`qk_norm`).
struct QkNorm {
    q_norm: LayerNorm,
    k_norm: LayerNorm,
}

impl QkNorm {
    fn new(enabled: bool, head_dim: usize, vb: VarBuilder) -> Result<Option<Self>> {
        if !enabled {
            return Ok(None);
        }
        Ok(Some(Self {
            q_norm: LayerNorm::new(head_dim, 1e-6, true, vb.pp("q_norm"))?,
            k_norm: LayerNorm::new(head_dim, 1e-6, true, vb.pp("k_norm"))?,
        }))
    }
}

/// `ResidualAttentionBlock` with `MultiheadAttention`: qkv interleaved per head
/// (`view(b, n, heads, 3*d)` then split into q, k, v).
struct ResidualAttentionBlock {
    ln_1: LayerNorm,
    c_qkv: Linear,
    c_proj: Linear,
    norm: Option<QkNorm>,
    ln_2: LayerNorm,
    mlp: Mlp,
    heads: usize,
}

impl ResidualAttentionBlock {
    fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        let w = cfg.width;
        let attn = vb.pp("attn");
        Ok(Self {
            ln_1: LayerNorm::new(w, 1e-6, true, vb.pp("ln_1"))?,
            c_qkv: linear(w, w * 3, cfg.qkv_bias, attn.pp("c_qkv"))?,
            c_proj: linear(w, w, true, attn.pp("c_proj"))?,
            norm: QkNorm::new(cfg.qk_norm, w / cfg.heads, attn.pp("attention"))?,
            ln_2: LayerNorm::new(w, 1e-6, true, vb.pp("ln_2"))?,
            mlp: Mlp::new(w, 4, vb.pp("mlp"))?,
            heads: cfg.heads,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let qkv = self.c_qkv.forward(&self.ln_1.forward(x)?)?;
        let (b, n, w3) = qkv.dims3()?;
        let d = w3 / self.heads / 3;
        let qkv = qkv.reshape((b, n, self.heads, 3 * d))?;
        let mut q = qkv.narrow(3, 0, d)?;
        let mut k = qkv.narrow(3, d, d)?;
        let v = qkv.narrow(3, 2 * d, d)?;
        if let Some(norm) = &self.norm {
            q = norm.q_norm.forward(&q)?;
            k = norm.k_norm.forward(&k)?;
        }
        let out = attention_heads_merged(&q.transpose(1, 2)?, &k.transpose(1, 2)?, &v.transpose(1, 2)?)?;
        let x = (x + self.c_proj.forward(&out)?)?;
        &x + self.mlp.forward(&self.ln_2.forward(&x)?)?
    }
}

/// `post_kl` and the latent `transformer`. Keys under `vae.`.
pub struct ShapeVae {
    post_kl: Linear,
    resblocks: Vec<ResidualAttentionBlock>,
    pub geo_decoder: GeoDecoder,
    pub scale_factor: f64,
    pub latent_shape: (usize, usize),
}

impl ShapeVae {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        let resblocks = (0..cfg.num_decoder_layers)
            .map(|i| ResidualAttentionBlock::new(cfg, vb.pp("transformer.resblocks").pp(i)))
            .collect::<Result<_>>()?;
        Ok(Self {
            post_kl: linear(cfg.embed_dim, cfg.width, true, vb.pp("post_kl"))?,
            resblocks,
            geo_decoder: GeoDecoder::new(cfg, vb.pp("geo_decoder"))?,
            scale_factor: cfg.scale_factor,
            latent_shape: (cfg.num_latents, cfg.embed_dim),
        })
    }

    /// `vae(latents)`: the caller divides the sampled latents by `scale_factor` first, as the pipeline does.
    pub fn forward(&self, latents: &Tensor) -> Result<Tensor> {
        let mut x = self.post_kl.forward(latents)?;
        for block in &self.resblocks {
            x = block.forward(&x)?;
        }
        Ok(x)
    }
}

/// The latents' keys and values for the geometry decoder, `[1, H, M, d]` each.
#[derive(Debug, Clone)]
pub struct DecoderKv {
    pub k: Tensor,
    pub v: Tensor,
}

/// `CrossAttentionDecoder` with its `ResidualCrossAttentionBlock`.
pub struct GeoDecoder {
    fourier: FourierEmbedder,
    query_proj: Linear,
    latents_proj: Option<Linear>,
    ln_1: LayerNorm,
    ln_2: LayerNorm,
    ln_3: LayerNorm,
    c_q: Linear,
    c_kv: Linear,
    c_proj: Linear,
    norm: Option<QkNorm>,
    mlp: Mlp,
    ln_post: Option<LayerNorm>,
    output_proj: Linear,
    heads: usize,
}

impl GeoDecoder {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> Result<Self> {
        let ratio = cfg.geo_decoder_downsample_ratio.max(1);
        let width = cfg.width / ratio;
        let heads = cfg.heads / ratio;
        let fourier = FourierEmbedder::new(cfg.num_freqs, cfg.include_pi, vb.device())?;
        // As upstream: without ln_post the cross-attention has no qk-norm either.
        let qk_norm = cfg.qk_norm && cfg.geo_decoder_ln_post;
        let block = vb.pp("cross_attn_decoder");
        let attn = block.pp("attn");
        Ok(Self {
            query_proj: linear(fourier.out_dim(3), width, true, vb.pp("query_proj"))?,
            fourier,
            latents_proj: if ratio != 1 {
                Some(linear(width * ratio, width, true, vb.pp("latents_proj"))?)
            } else {
                None
            },
            ln_1: LayerNorm::new(width, 1e-6, true, block.pp("ln_1"))?,
            ln_2: LayerNorm::new(width, 1e-6, true, block.pp("ln_2"))?,
            ln_3: LayerNorm::new(width, 1e-6, true, block.pp("ln_3"))?,
            c_q: linear(width, width, cfg.qkv_bias, attn.pp("c_q"))?,
            c_kv: linear(width, width * 2, cfg.qkv_bias, attn.pp("c_kv"))?,
            c_proj: linear(width, width, true, attn.pp("c_proj"))?,
            norm: QkNorm::new(qk_norm, width / heads, attn.pp("attention"))?,
            mlp: Mlp::new(width, cfg.geo_decoder_mlp_expand_ratio, block.pp("mlp"))?,
            ln_post: if cfg.geo_decoder_ln_post {
                Some(LayerNorm::new(width, 1e-5, true, vb.pp("ln_post"))?)
            } else {
                None
            },
            output_proj: linear(width, 1, true, vb.pp("output_proj"))?,
            heads,
        })
    }

    /// Keys and values of the transformer's output `latents` (`[1, M, width]`), normed when qk-norm is on.
    pub fn prepare(&self, latents: &Tensor) -> Result<DecoderKv> {
        let latents = match &self.latents_proj {
            Some(p) => p.forward(latents)?,
            None => latents.clone(),
        };
        let kv = self.c_kv.forward(&self.ln_2.forward(&latents)?)?;
        let (b, m, w2) = kv.dims3()?;
        let d = w2 / self.heads / 2;
        let kv = kv.reshape((b, m, self.heads, 2 * d))?;
        let mut k = kv.narrow(3, 0, d)?.contiguous()?;
        let v = kv.narrow(3, d, d)?;
        if let Some(norm) = &self.norm {
            k = norm.k_norm.forward(&k)?;
        }
        Ok(DecoderKv { k: k.transpose(1, 2)?.contiguous()?, v: v.transpose(1, 2)?.contiguous()? })
    }

    /// Query points `[B, N, 3]` -> (residual stream `[B, N, W]`, queries `[B, H, N, d]`).
    pub fn queries(&self, points: &Tensor, dtype: DType) -> Result<(Tensor, Tensor)> {
        let embed = self.fourier.forward(&points.to_dtype(DType::F32)?)?;
        let x = self.query_proj.forward(&embed.to_dtype(dtype)?)?;
        let q = self.c_q.forward(&self.ln_1.forward(&x)?)?;
        let (b, n, w) = q.dims3()?;
        let mut q = q.reshape((b, n, self.heads, w / self.heads))?;
        if let Some(norm) = &self.norm {
            q = norm.q_norm.forward(&q)?;
        }
        Ok((x, q.transpose(1, 2)?.contiguous()?))
    }

    /// The rest of the block after attention (`attn` with its heads merged, `[B, N, W]`): output
    /// projection, MLP, `ln_post`, logits `[B, N, 1]`.
    pub fn finish(&self, x: &Tensor, attn: &Tensor) -> Result<Tensor> {
        let x = (x + self.c_proj.forward(attn)?)?;
        let mut x = (&x + self.mlp.forward(&self.ln_3.forward(&x)?)?)?;
        if let Some(ln) = &self.ln_post {
            x = ln.forward(&x)?;
        }
        self.output_proj.forward(&x)
    }

    /// Occupancy logits `[B, N, 1]` at `points` (`[B, N, 3]`), attending to every latent.
    pub fn decode(&self, kv: &DecoderKv, points: &Tensor) -> Result<Tensor> {
        let (x, q) = self.queries(points, kv.k.dtype())?;
        let b = q.dim(0)?;
        let (k, v) = if b == 1 {
            (kv.k.clone(), kv.v.clone())
        } else {
            let shape = (b, kv.k.dim(1)?, kv.k.dim(2)?, kv.k.dim(3)?);
            (kv.k.broadcast_as(shape)?, kv.v.broadcast_as(shape)?)
        };
        let attn = attention_heads_merged(&q, &k, &v)?;
        self.finish(&x, &attn)
    }

    /// `geo_decoder(queries=points, latents=latents)` in one call, for tests and one-off use.
    pub fn forward(&self, points: &Tensor, latents: &Tensor) -> Result<Tensor> {
        let kv = self.prepare(latents)?;
        self.decode(&kv, points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn fourier_layout_is_input_then_sin_then_cos_coordinate_major() {
        let dev = Device::Cpu;
        let f = FourierEmbedder::new(2, false, &dev).unwrap();
        let x = Tensor::new(&[[0.5f32, 1.0, 2.0]], &dev).unwrap();
        let y: Vec<f32> = f.forward(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(y.len(), 15);
        assert_eq!(&y[..3], &[0.5, 1.0, 2.0]);
        // sin block: x0*1, x0*2, x1*1, x1*2, x2*1, x2*2
        let args = [0.5f32, 1.0, 1.0, 2.0, 2.0, 4.0];
        for (i, a) in args.iter().enumerate() {
            assert!((y[3 + i] - a.sin()).abs() < 1e-6);
            assert!((y[9 + i] - a.cos()).abs() < 1e-6);
        }
    }
}
