//! `Hunyuan3DDiT`, the flow-matching denoiser: a Flux-like transformer of double-stream blocks (latents
//! and image tokens with their own weights, joint attention) then single-stream blocks, QK RMSNorm,
//! no positional encoding.
//!
//! Ported from hy3dgen 2.0.2 `hy3dgen/shapegen/models/denoisers/hunyuan3ddit.py`
//! (<https://github.com/Tencent/Hunyuan3D-2/blob/main/hy3dgen/shapegen/models/denoisers/hunyuan3ddit.py>).
//! As there, the timestep embedding is called as `timestep_embedding(t, 256, time_factor)`, so
//! `time_factor` lands in the `max_period` argument: max period 1000 and `t` scaled by 1000.

use super::config::DitConfig;
use super::fused::{split_qkv_rms, Activation, QkvPart};
use super::nn::{attention_heads_merged, gated_residual, linear, LayerNorm, Linear, RmsNorm};
use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::VarBuilder;

/// Sinusoidal embedding of `t` (shape `[N]`): `[cos(args), sin(args)]` with
/// `args = time_factor * t * exp(-ln(max_period) * i / (dim/2))`, computed in f32 as the original.
pub fn timestep_embedding(t: &Tensor, dim: usize, max_period: f64, time_factor: f64) -> Result<Tensor> {
    let dtype = t.dtype();
    let t = (t.to_dtype(DType::F32)? * time_factor)?;
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half)
        .map(|i| {
            // torch: exp(-log(max_period) * arange(half, float32) / half), all in f32.
            let a = (-(max_period.ln() as f32)) * i as f32;
            (a / half as f32).exp()
        })
        .collect();
    let freqs = Tensor::from_vec(freqs, (1, half), t.device())?;
    let args = t.unsqueeze(1)?.broadcast_mul(&freqs)?;
    let mut emb = Tensor::cat(&[args.cos()?, args.sin()?], D::Minus1)?;
    if dim % 2 == 1 {
        emb = Tensor::cat(&[&emb, &emb.narrow(1, 0, 1)?.zeros_like()?], D::Minus1)?;
    }
    emb.to_dtype(dtype)
}

struct MlpEmbedder {
    in_layer: Linear,
    out_layer: Linear,
}

impl MlpEmbedder {
    fn new(in_dim: usize, hidden: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            in_layer: linear(in_dim, hidden, true, vb.pp("in_layer"))?,
            out_layer: linear(hidden, hidden, true, vb.pp("out_layer"))?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.out_layer.forward(&self.in_layer.forward(x)?.silu()?)
    }
}

struct QkNorm {
    query_norm: RmsNorm,
    key_norm: RmsNorm,
}

impl QkNorm {
    fn new(dim: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            query_norm: RmsNorm::new(dim, vb.pp("query_norm"))?,
            key_norm: RmsNorm::new(dim, vb.pp("key_norm"))?,
        })
    }
}

/// `SelfAttention`: the block's `qkv`, `norm` and `proj`; the attention itself is joint.
struct SelfAttention {
    qkv: Linear,
    norm: QkNorm,
    proj: Linear,
    heads: usize,
}

impl SelfAttention {
    fn new(dim: usize, heads: usize, qkv_bias: bool, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            qkv: linear(dim, dim * 3, qkv_bias, vb.pp("qkv"))?,
            norm: QkNorm::new(dim / heads, vb.pp("norm"))?,
            proj: linear(dim, dim, true, vb.pp("proj"))?,
            heads,
        })
    }

    /// This stream's fused projection and norms, for [`joint_qkv`].
    fn part<'a>(&'a self, qkv: &'a Tensor) -> QkvPart<'a> {
        QkvPart { qkv, q_scale: self.norm.query_norm.scale(), k_scale: self.norm.key_norm.scale() }
    }
}

/// einops `B L (K H D) -> K B H L D` of each stream's qkv, joined along `L` in order (text first in
/// the double blocks), with the QK norm: q, k, v as `[B, H, L, D]`.
fn joint_qkv(parts: &[QkvPart], heads: usize, norms: &[&QkNorm]) -> Result<(Tensor, Tensor, Tensor)> {
    if let Some(qkv) = split_qkv_rms(parts, heads)? {
        return Ok((qkv.get(0)?, qkv.get(1)?, qkv.get(2)?));
    }
    let mut qs = Vec::with_capacity(parts.len());
    let mut ks = Vec::with_capacity(parts.len());
    let mut vs = Vec::with_capacity(parts.len());
    for (part, norm) in parts.iter().zip(norms) {
        let (b, l, three_dim) = part.qkv.dims3()?;
        let d = three_dim / 3 / heads;
        let qkv = part.qkv.reshape((b, l, 3, heads, d))?.permute((2, 0, 3, 1, 4))?;
        qs.push(norm.query_norm.forward(&qkv.get(0)?)?);
        ks.push(norm.key_norm.forward(&qkv.get(1)?)?);
        vs.push(qkv.get(2)?);
    }
    if parts.len() == 1 {
        return Ok((qs.remove(0), ks.remove(0), vs.remove(0)));
    }
    Ok((Tensor::cat(&qs, 2)?, Tensor::cat(&ks, 2)?, Tensor::cat(&vs, 2)?))
}

/// Shift, scale and gate for one modulated path.
struct ModulationOut {
    shift: Tensor,
    scale: Tensor,
    gate: Tensor,
}

impl ModulationOut {
    /// `(1 + scale) * norm(x) + shift`
    fn norm_modulate(&self, norm: &LayerNorm, x: &Tensor) -> Result<Tensor> {
        norm.forward_modulated(x, &self.shift, &self.scale)
    }
}

struct Modulation {
    lin: Linear,
    multiplier: usize,
}

impl Modulation {
    fn new(dim: usize, double: bool, vb: VarBuilder) -> Result<Self> {
        let multiplier = if double { 6 } else { 3 };
        Ok(Self { lin: linear(dim, multiplier * dim, true, vb.pp("lin"))?, multiplier })
    }

    fn forward(&self, vec: &Tensor) -> Result<Vec<ModulationOut>> {
        let out = self.lin.forward(&vec.silu()?)?.unsqueeze(1)?;
        let chunks = out.chunk(self.multiplier, D::Minus1)?;
        Ok(chunks
            .chunks(3)
            .map(|c| ModulationOut { shift: c[0].clone(), scale: c[1].clone(), gate: c[2].clone() })
            .collect())
    }
}

/// `nn.Sequential(Linear, GELU(tanh), Linear)`: keys `0` and `2`.
struct Mlp {
    fc1: Linear,
    fc2: Linear,
}

impl Mlp {
    fn new(dim: usize, hidden: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self { fc1: linear(dim, hidden, true, vb.pp("0"))?, fc2: linear(hidden, dim, true, vb.pp("2"))? })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.fc2.forward(&self.fc1.forward_act(x, Activation::GeluTanh)?)
    }
}

struct Stream {
    modulation: Modulation,
    norm1: LayerNorm,
    attn: SelfAttention,
    norm2: LayerNorm,
    mlp: Mlp,
}

impl Stream {
    fn new(cfg: &DitConfig, prefix: &str, vb: &VarBuilder) -> Result<Self> {
        let h = cfg.hidden_size;
        let mlp_hidden = (h as f64 * cfg.mlp_ratio) as usize;
        Ok(Self {
            modulation: Modulation::new(h, true, vb.pp(format!("{prefix}_mod")))?,
            norm1: LayerNorm::new(h, 1e-6, false, vb.pp(format!("{prefix}_norm1")))?,
            attn: SelfAttention::new(h, cfg.num_heads, cfg.qkv_bias, vb.pp(format!("{prefix}_attn")))?,
            norm2: LayerNorm::new(h, 1e-6, false, vb.pp(format!("{prefix}_norm2")))?,
            mlp: Mlp::new(h, mlp_hidden, vb.pp(format!("{prefix}_mlp")))?,
        })
    }

    /// The residual updates after attention, given this stream's share of the attention output.
    fn finish(&self, x: &Tensor, attn: &Tensor, m: &[ModulationOut]) -> Result<Tensor> {
        let x = gated_residual(x, &m[0].gate, &self.attn.proj.forward(attn)?)?;
        let mlp_in = m[1].norm_modulate(&self.norm2, &x)?;
        gated_residual(&x, &m[1].gate, &self.mlp.forward(&mlp_in)?)
    }
}

/// `DoubleStreamBlock`: latents (`img_*`) and image tokens (`txt_*`) attend jointly, text first.
struct DoubleStreamBlock {
    img: Stream,
    txt: Stream,
}

impl DoubleStreamBlock {
    fn new(cfg: &DitConfig, vb: VarBuilder) -> Result<Self> {
        Ok(Self { img: Stream::new(cfg, "img", &vb)?, txt: Stream::new(cfg, "txt", &vb)? })
    }

    fn forward(&self, img: &Tensor, txt: &Tensor, vec: &Tensor) -> Result<(Tensor, Tensor)> {
        let img_mod = self.img.modulation.forward(vec)?;
        let txt_mod = self.txt.modulation.forward(vec)?;
        let img_qkv = self.img.attn.qkv.forward(&img_mod[0].norm_modulate(&self.img.norm1, img)?)?;
        let txt_qkv = self.txt.attn.qkv.forward(&txt_mod[0].norm_modulate(&self.txt.norm1, txt)?)?;
        let (q, k, v) = joint_qkv(
            &[self.txt.attn.part(&txt_qkv), self.img.attn.part(&img_qkv)],
            self.img.attn.heads,
            &[&self.txt.attn.norm, &self.img.attn.norm],
        )?;
        let attn = attention_heads_merged(&q, &k, &v)?;
        let n_txt = txt.dim(1)?;
        let txt_attn = attn.narrow(1, 0, n_txt)?;
        let img_attn = attn.narrow(1, n_txt, attn.dim(1)? - n_txt)?;
        let img = self.img.finish(img, &img_attn, &img_mod)?;
        let txt = self.txt.finish(txt, &txt_attn, &txt_mod)?;
        Ok((img, txt))
    }
}

/// `SingleStreamBlock`: one fused linear for qkv and the MLP input, one for both outputs.
struct SingleStreamBlock {
    linear1: Linear,
    linear2: Linear,
    norm: QkNorm,
    pre_norm: LayerNorm,
    modulation: Modulation,
    hidden: usize,
    heads: usize,
}

impl SingleStreamBlock {
    fn new(cfg: &DitConfig, vb: VarBuilder) -> Result<Self> {
        let h = cfg.hidden_size;
        let mlp_hidden = (h as f64 * cfg.mlp_ratio) as usize;
        Ok(Self {
            linear1: linear(h, h * 3 + mlp_hidden, true, vb.pp("linear1"))?,
            linear2: linear(h + mlp_hidden, h, true, vb.pp("linear2"))?,
            norm: QkNorm::new(h / cfg.num_heads, vb.pp("norm"))?,
            pre_norm: LayerNorm::new(h, 1e-6, false, vb.pp("pre_norm"))?,
            modulation: Modulation::new(h, false, vb.pp("modulation"))?,
            hidden: h,
            heads: cfg.num_heads,
        })
    }

    fn forward(&self, x: &Tensor, vec: &Tensor) -> Result<Tensor> {
        let m = self.modulation.forward(vec)?;
        let x_mod = m[0].norm_modulate(&self.pre_norm, x)?;
        let fused = self.linear1.forward(&x_mod)?;
        let mlp_width = fused.dim(D::Minus1)? - 3 * self.hidden;
        let qkv = fused.narrow(D::Minus1, 0, 3 * self.hidden)?;
        let mlp = fused.narrow(D::Minus1, 3 * self.hidden, mlp_width)?;
        let part = QkvPart { qkv: &qkv, q_scale: self.norm.query_norm.scale(), k_scale: self.norm.key_norm.scale() };
        let (q, k, v) = joint_qkv(&[part], self.heads, &[&self.norm])?;
        let attn = attention_heads_merged(&q, &k, &v)?;
        let mlp = match super::fused::bias_act(&mlp, None, Activation::GeluTanh)? {
            Some(m) => m,
            None => mlp.gelu()?,
        };
        let out = self.linear2.forward(&Tensor::cat(&[attn, mlp], 2)?)?;
        gated_residual(x, &m[0].gate, &out)
    }
}

struct LastLayer {
    norm_final: LayerNorm,
    linear: Linear,
    ada_ln: Linear,
}

impl LastLayer {
    fn new(hidden: usize, out: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            norm_final: LayerNorm::new(hidden, 1e-6, false, vb.pp("norm_final"))?,
            linear: linear(hidden, out, true, vb.pp("linear"))?,
            ada_ln: linear(hidden, 2 * hidden, true, vb.pp("adaLN_modulation").pp("1"))?,
        })
    }

    fn forward(&self, x: &Tensor, vec: &Tensor) -> Result<Tensor> {
        let chunks = self.ada_ln.forward(&vec.silu()?)?.chunk(2, 1)?;
        let (shift, scale) = (chunks[0].unsqueeze(1)?, chunks[1].unsqueeze(1)?);
        let x = self.norm_final.forward_modulated(x, &shift, &scale)?;
        self.linear.forward(&x)
    }
}

/// The denoiser. Keys under the checkpoint's `model.` prefix.
pub struct Hunyuan3DDiT {
    latent_in: Linear,
    time_in: MlpEmbedder,
    cond_in: Linear,
    guidance_in: Option<MlpEmbedder>,
    double_blocks: Vec<DoubleStreamBlock>,
    single_blocks: Vec<SingleStreamBlock>,
    final_layer: LastLayer,
    time_factor: f64,
}

impl Hunyuan3DDiT {
    pub fn new(cfg: &DitConfig, vb: VarBuilder) -> Result<Self> {
        let h = cfg.hidden_size;
        let guidance_in = if cfg.guidance_embed { Some(MlpEmbedder::new(256, h, vb.pp("guidance_in"))?) } else { None };
        let double_blocks =
            (0..cfg.depth).map(|i| DoubleStreamBlock::new(cfg, vb.pp("double_blocks").pp(i))).collect::<Result<_>>()?;
        let single_blocks = (0..cfg.depth_single_blocks)
            .map(|i| SingleStreamBlock::new(cfg, vb.pp("single_blocks").pp(i)))
            .collect::<Result<_>>()?;
        Ok(Self {
            latent_in: linear(cfg.in_channels, h, true, vb.pp("latent_in"))?,
            time_in: MlpEmbedder::new(256, h, vb.pp("time_in"))?,
            cond_in: linear(cfg.context_in_dim, h, true, vb.pp("cond_in"))?,
            guidance_in,
            double_blocks,
            single_blocks,
            final_layer: LastLayer::new(h, cfg.in_channels, vb.pp("final_layer"))?,
            time_factor: cfg.time_factor,
        })
    }

    pub fn has_guidance_embed(&self) -> bool {
        self.guidance_in.is_some()
    }

    /// `x`: latents `[B, L, C]`; `t`: timesteps in `[0, 1]`, `[B]`; `cond`: image tokens `[B, N, E]`;
    /// `guidance`: `[B]`, required by guidance-distilled checkpoints and ignored by the others.
    pub fn forward(&self, x: &Tensor, t: &Tensor, cond: &Tensor, guidance: Option<&Tensor>) -> Result<Tensor> {
        let dtype = x.dtype();
        let mut latent = self.latent_in.forward(x)?;
        let temb = timestep_embedding(t, 256, self.time_factor, 1000.0)?.to_dtype(dtype)?;
        let mut vec = self.time_in.forward(&temb)?;
        if let Some(g_in) = &self.guidance_in {
            let g = guidance.ok_or_else(|| {
                candle_core::Error::Msg("this guidance-distilled model needs a guidance strength".into())
            })?;
            let gemb = timestep_embedding(g, 256, self.time_factor, 1000.0)?.to_dtype(dtype)?;
            vec = (vec + g_in.forward(&gemb)?)?;
        }
        let mut cond = self.cond_in.forward(cond)?;
        for block in &self.double_blocks {
            (latent, cond) = block.forward(&latent, &cond, &vec)?;
        }
        let n_cond = cond.dim(1)?;
        let mut joint = Tensor::cat(&[cond, latent], 1)?;
        for block in &self.single_blocks {
            joint = block.forward(&joint, &vec)?;
        }
        let latent = joint.narrow(1, n_cond, joint.dim(1)? - n_cond)?;
        self.final_layer.forward(&latent, &vec)
    }
}
