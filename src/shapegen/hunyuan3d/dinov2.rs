//! The image conditioner: hy3dgen's `DinoImageEncoder` (input scaling, torchvision `Resize` with
//! antialiasing, `CenterCrop`, `Normalize`) around a Hugging Face `Dinov2Model` (patch embedding, CLS
//! token, position embeddings, pre-norm blocks with layer scale and a SwiGLU or GELU MLP, final
//! LayerNorm). Its output is `last_hidden_state`, CLS token kept; the unconditional embedding is zeros.
//!
//! Ported from hy3dgen 2.0.2 `hy3dgen/shapegen/models/conditioner.py` and transformers'
//! `models/dinov2/modeling_dinov2.py`. Both checkpoint namings are read: the one of the official
//! weights (`attention.attention.query`, `attention.output.dense`, `mlp.weights_in/weights_out`) and
//! the newer one (`attention.q_proj`, `attention.o_proj`, `mlp.gate_proj/up_proj/down_proj`).

use super::config::ImageEncoderKwargs;
use super::nn::{attention, linear, matmul, merge_heads, LayerNorm, Linear};
use super::resample::{resize_aa, AaFilter};
use candle_core::{DType, Device, Module, Result, Tensor, D};
use candle_nn::VarBuilder;

const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

enum Mlp {
    SwiGlu {
        gate: Linear,
        up: Linear,
        down: Linear,
    },
    /// Official naming: `weights_in` holds gate then up.
    SwiGluFused {
        weights_in: Linear,
        weights_out: Linear,
    },
    Gelu {
        fc1: Linear,
        fc2: Linear,
    },
}

impl Mlp {
    fn new(dim: usize, mlp_ratio: usize, swiglu: bool, vb: VarBuilder) -> Result<Self> {
        let hidden = dim * mlp_ratio;
        if !swiglu {
            return Ok(Mlp::Gelu {
                fc1: linear(dim, hidden, true, vb.pp("fc1"))?,
                fc2: linear(hidden, dim, true, vb.pp("fc2"))?,
            });
        }
        let hidden = swiglu_hidden(hidden);
        if vb.contains_tensor("gate_proj.weight") {
            Ok(Mlp::SwiGlu {
                gate: linear(dim, hidden, true, vb.pp("gate_proj"))?,
                up: linear(dim, hidden, true, vb.pp("up_proj"))?,
                down: linear(hidden, dim, true, vb.pp("down_proj"))?,
            })
        } else {
            Ok(Mlp::SwiGluFused {
                weights_in: linear(dim, 2 * hidden, true, vb.pp("weights_in"))?,
                weights_out: linear(hidden, dim, true, vb.pp("weights_out"))?,
            })
        }
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Mlp::SwiGlu { gate, up, down } => down.forward(&(gate.forward(x)?.silu()? * up.forward(x)?)?),
            Mlp::SwiGluFused { weights_in, weights_out } => {
                let h = weights_in.forward(x)?;
                let half = h.dim(D::Minus1)? / 2;
                let gated = (h.narrow(D::Minus1, 0, half)?.silu()? * h.narrow(D::Minus1, half, half)?)?;
                weights_out.forward(&gated)
            }
            Mlp::Gelu { fc1, fc2 } => fc2.forward(&fc1.forward(x)?.gelu_erf()?),
        }
    }
}

/// `Dinov2SwiGLUFFN`'s hidden width: `(int(hidden * 2 / 3) + 7) // 8 * 8`.
fn swiglu_hidden(hidden: usize) -> usize {
    (hidden * 2 / 3).div_ceil(8) * 8
}

struct Layer {
    norm1: LayerNorm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    lambda1: Tensor,
    norm2: LayerNorm,
    mlp: Mlp,
    lambda2: Tensor,
    heads: usize,
}

impl Layer {
    fn new(cfg: &super::config::Dinov2Config, vb: VarBuilder) -> Result<Self> {
        let d = cfg.hidden_size;
        let att = vb.pp("attention");
        let (q, k, v, o) = if att.contains_tensor("q_proj.weight") {
            (
                linear(d, d, cfg.qkv_bias, att.pp("q_proj"))?,
                linear(d, d, cfg.qkv_bias, att.pp("k_proj"))?,
                linear(d, d, cfg.qkv_bias, att.pp("v_proj"))?,
                linear(d, d, true, att.pp("o_proj"))?,
            )
        } else {
            let a = att.pp("attention");
            (
                linear(d, d, cfg.qkv_bias, a.pp("query"))?,
                linear(d, d, cfg.qkv_bias, a.pp("key"))?,
                linear(d, d, cfg.qkv_bias, a.pp("value"))?,
                linear(d, d, true, att.pp("output").pp("dense"))?,
            )
        };
        Ok(Self {
            norm1: LayerNorm::new(d, cfg.layer_norm_eps, true, vb.pp("norm1"))?,
            q,
            k,
            v,
            o,
            lambda1: vb.pp("layer_scale1").get(d, "lambda1")?,
            norm2: LayerNorm::new(d, cfg.layer_norm_eps, true, vb.pp("norm2"))?,
            mlp: Mlp::new(d, cfg.mlp_ratio, cfg.use_swiglu_ffn, vb.pp("mlp"))?,
            lambda2: vb.pp("layer_scale2").get(d, "lambda1")?,
            heads: cfg.num_attention_heads,
        })
    }

    fn heads(&self, x: &Tensor) -> Result<Tensor> {
        let (b, n, d) = x.dims3()?;
        x.reshape((b, n, self.heads, d / self.heads))?.transpose(1, 2)
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.norm1.forward(x)?;
        let q = self.heads(&self.q.forward(&h)?)?;
        let k = self.heads(&self.k.forward(&h)?)?;
        let v = self.heads(&self.v.forward(&h)?)?;
        let att = self.o.forward(&merge_heads(&attention(&q, &k, &v)?)?)?;
        let x = (x + att.broadcast_mul(&self.lambda1)?)?;
        let m = self.mlp.forward(&self.norm2.forward(&x)?)?;
        &x + m.broadcast_mul(&self.lambda2)?
    }
}

/// `DinoImageEncoder`. Keys under `conditioner.main_image_encoder.model`.
pub struct DinoImageEncoder {
    patch_w: Tensor,
    patch_b: Tensor,
    cls_token: Tensor,
    position_embeddings: Tensor,
    layers: Vec<Layer>,
    layernorm: LayerNorm,
    patch: usize,
    hidden: usize,
    image_size: usize,
    use_cls_token: bool,
}

impl DinoImageEncoder {
    pub fn new(kwargs: &ImageEncoderKwargs, vb: VarBuilder) -> Result<Self> {
        let cfg = &kwargs.config;
        let d = cfg.hidden_size;
        let p = cfg.patch_size;
        let emb = vb.pp("embeddings");
        let grid = cfg.image_size / p;
        let proj = emb.pp("patch_embeddings").pp("projection");
        let patch_w = proj.get((d, cfg.num_channels, p, p), "weight")?;
        let layers =
            (0..cfg.num_hidden_layers).map(|i| Layer::new(cfg, vb.pp("encoder.layer").pp(i))).collect::<Result<_>>()?;
        Ok(Self {
            patch_w: patch_w.reshape((d, cfg.num_channels * p * p))?.t()?.contiguous()?,
            patch_b: proj.get(d, "bias")?,
            cls_token: emb.get((1, 1, d), "cls_token")?,
            position_embeddings: emb.get((1, grid * grid + 1, d), "position_embeddings")?,
            layers,
            layernorm: LayerNorm::new(d, cfg.layer_norm_eps, true, vb.pp("layernorm"))?,
            patch: p,
            hidden: d,
            image_size: kwargs.image_size,
            use_cls_token: kwargs.use_cls_token,
        })
    }

    /// Tokens per image: patches (plus CLS when kept).
    pub fn num_tokens(&self) -> usize {
        let g = self.image_size / self.patch;
        g * g + usize::from(self.use_cls_token)
    }

    /// `unconditional_embedding(batch)`: zeros `[batch, tokens, hidden]`.
    pub fn unconditional(&self, batch: usize, dtype: DType, device: &Device) -> Result<Tensor> {
        Tensor::zeros((batch, self.num_tokens(), self.hidden), dtype, device)
    }

    /// The encoder's own preprocessing of a `[B, 3, S, S]` image in `[-1, 1]`: to `[0, 1]`, torchvision
    /// `Resize(image_size, bilinear, antialias=True)` (skipped when already that size), `CenterCrop`,
    /// `Normalize` with the ImageNet mean and std. Computed in f32 on the CPU.
    pub fn transform(&self, image: &Tensor) -> Result<Tensor> {
        let device = image.device().clone();
        let (b, c, h, w) = image.dims4()?;
        let x = ((image.to_dtype(DType::F32)? + 1.0)? / 2.0)?;
        let data: Vec<f32> = x.flatten_all()?.to_device(&Device::Cpu)?.to_vec1()?;
        let size = self.image_size;
        // Resize's int size is the shorter edge.
        let (oh, ow) = if h <= w {
            (size, (size as f64 * w as f64 / h as f64) as usize)
        } else {
            ((size as f64 * h as f64 / w as f64) as usize, size)
        };
        let resized =
            if (oh, ow) == (h, w) { data } else { resize_aa(&data, b * c, (h, w), (oh, ow), AaFilter::Bilinear) };
        // CenterCrop to size x size (torchvision rounds the offsets).
        let top = ((oh - size) as f64 / 2.0).round() as usize;
        let left = ((ow - size) as f64 / 2.0).round() as usize;
        let mut out = Vec::with_capacity(b * c * size * size);
        for plane in 0..b * c {
            let ch = plane % c;
            for y in 0..size {
                let row = &resized[(plane * oh + top + y) * ow + left..][..size];
                out.extend(row.iter().map(|v| (v - MEAN[ch % 3]) / STD[ch % 3]));
            }
        }
        Tensor::from_vec(out, (b, c, size, size), &device)
    }

    /// Position embeddings for a `gh x gw` patch grid; bicubic (antialiased) when the grid differs
    /// from the checkpoint's, as transformers' `interpolate_pos_encoding`.
    fn position_embeddings(&self, gh: usize, gw: usize) -> Result<Tensor> {
        let n = self.position_embeddings.dim(1)? - 1;
        let g = (n as f64).sqrt() as usize;
        if gh * gw == n && gh == gw {
            return Ok(self.position_embeddings.clone());
        }
        let dtype = self.position_embeddings.dtype();
        let cls = self.position_embeddings.narrow(1, 0, 1)?;
        let grid = self
            .position_embeddings
            .narrow(1, 1, n)?
            .reshape((g, g, self.hidden))?
            .permute((2, 0, 1))?
            .to_dtype(DType::F32)?;
        let data: Vec<f32> = grid.flatten_all()?.to_device(&Device::Cpu)?.to_vec1()?;
        let out = resize_aa(&data, self.hidden, (g, g), (gh, gw), AaFilter::Bicubic);
        let grid = Tensor::from_vec(out, (self.hidden, gh * gw), self.position_embeddings.device())?
            .t()?
            .unsqueeze(0)?
            .to_dtype(dtype)?;
        Tensor::cat(&[cls, grid], 1)
    }

    /// `Dinov2Model(pixel_values).last_hidden_state` for normalised pixels `[B, 3, H, W]`.
    pub fn encode(&self, pixels: &Tensor) -> Result<Tensor> {
        let dtype = self.patch_w.dtype();
        let (b, c, h, w) = pixels.dims4()?;
        let p = self.patch;
        let (gh, gw) = (h / p, w / p);
        let patches = pixels
            .narrow(2, 0, gh * p)?
            .narrow(3, 0, gw * p)?
            .reshape((b, c, gh, p, gw, p))?
            .permute((0, 2, 4, 1, 3, 5))?
            .contiguous()?
            .reshape((b * gh * gw, c * p * p))?
            .to_dtype(dtype)?;
        let tokens =
            matmul(&patches, &self.patch_w)?.broadcast_add(&self.patch_b)?.reshape((b, gh * gw, self.hidden))?;
        let cls = self.cls_token.broadcast_as((b, 1, self.hidden))?;
        let mut x = Tensor::cat(&[&cls, &tokens], 1)?.broadcast_add(&self.position_embeddings(gh, gw)?)?;
        for layer in &self.layers {
            x = layer.forward(&x)?;
        }
        let x = self.layernorm.forward(&x)?;
        if self.use_cls_token {
            Ok(x)
        } else {
            x.narrow(1, 1, gh * gw)
        }
    }

    /// The conditioner's `main` output for a `[B, 3, S, S]` image in `[-1, 1]`.
    pub fn forward(&self, image: &Tensor) -> Result<Tensor> {
        self.encode(&self.transform(image)?)
    }
}
