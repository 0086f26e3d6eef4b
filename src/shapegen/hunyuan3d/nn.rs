//! Layers shared by the Hunyuan3D-2 modules: linear layers named as the checkpoint names them,
//! LayerNorm with or without affine weights, RMSNorm, and scaled dot-product attention.
//!
//! Norms and the attention softmax compute in f32 whatever the weights' dtype, as PyTorch's CPU and
//! CUDA kernels accumulate half-precision inputs in f32.

use super::attention::{attention_merged, has_fast_path};
use super::fused::{self, Activation};
use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::VarBuilder;

/// `a @ b` (batched over leading dimensions). candle's CPU backend has no bf16 matmul, so there the
/// product is taken in f32 and rounded back to bf16, which is what a bf16 kernel with f32
/// accumulation gives.
pub fn matmul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    if a.dtype() == DType::BF16 && a.device().is_cpu() {
        let a32 = a.to_dtype(DType::F32)?;
        let b32 = b.to_dtype(DType::F32)?;
        return a32.matmul(&b32)?.to_dtype(DType::BF16);
    }
    a.matmul(b)
}

/// `nn.Linear`: `x @ W^T + b` over the last dimension of any-rank input.
#[derive(Debug, Clone)]
pub struct Linear {
    weight_t: Tensor,
    bias: Option<Tensor>,
}

impl Linear {
    pub fn new(weight: Tensor, bias: Option<Tensor>) -> Result<Self> {
        Ok(Self { weight_t: weight.t()?.contiguous()?, bias })
    }

    pub fn out_dim(&self) -> Result<usize> {
        self.weight_t.dim(1)
    }
}

impl Linear {
    /// `act(x @ W^T + b)`; on the CPU in f32 the bias and activation are one parallel pass.
    pub fn forward_act(&self, xs: &Tensor, act: Activation) -> Result<Tensor> {
        let dims = xs.dims();
        let in_dim = dims[dims.len() - 1];
        let rows = xs.elem_count() / in_dim.max(1);
        let x2 = xs.contiguous()?.reshape((rows, in_dim))?;
        let y = matmul(&x2, &self.weight_t)?;
        let y = match fused::bias_act(&y, self.bias.as_ref(), act)? {
            Some(y) => y,
            None => {
                let y = match &self.bias {
                    Some(b) => y.broadcast_add(b)?,
                    None => y,
                };
                match act {
                    Activation::None => y,
                    Activation::GeluTanh => y.gelu()?,
                    Activation::GeluErf => y.gelu_erf()?,
                }
            }
        };
        let mut out = dims.to_vec();
        *out.last_mut().expect("non-empty shape") = self.weight_t.dim(1)?;
        y.reshape(out)
    }
}

impl Module for Linear {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        self.forward_act(xs, Activation::None)
    }
}

/// `nn.Linear(in_dim, out_dim, bias)` under `vb`.
pub fn linear(in_dim: usize, out_dim: usize, bias: bool, vb: VarBuilder) -> Result<Linear> {
    let weight = vb.get((out_dim, in_dim), "weight")?;
    let bias = if bias { Some(vb.get(out_dim, "bias")?) } else { None };
    Linear::new(weight, bias)
}

/// `nn.LayerNorm` over the last dimension; `affine: false` is `elementwise_affine=False`.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    eps: f64,
}

impl LayerNorm {
    pub fn new(dim: usize, eps: f64, affine: bool, vb: VarBuilder) -> Result<Self> {
        let (weight, bias) =
            if affine { (Some(vb.get(dim, "weight")?), Some(vb.get(dim, "bias")?)) } else { (None, None) };
        Ok(Self { weight, bias, eps })
    }

    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        if let Some(y) = fused::layer_norm(xs, self.weight.as_ref(), self.bias.as_ref(), self.eps)? {
            return Ok(y);
        }
        let dtype = xs.dtype();
        let x = xs.to_dtype(DType::F32)?;
        let mean = x.mean_keepdim(D::Minus1)?;
        let x = x.broadcast_sub(&mean)?;
        let var = x.sqr()?.mean_keepdim(D::Minus1)?;
        let x = x.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        let mut x = x.to_dtype(dtype)?;
        if let Some(w) = &self.weight {
            x = x.broadcast_mul(w)?;
        }
        if let Some(b) = &self.bias {
            x = x.broadcast_add(b)?;
        }
        Ok(x)
    }

    /// `(1 + scale) * norm(x) + shift` (the DiT's modulation), `shift` and `scale` `[B, 1, C]`.
    pub fn forward_modulated(&self, xs: &Tensor, shift: &Tensor, scale: &Tensor) -> Result<Tensor> {
        if self.weight.is_none() && self.bias.is_none() {
            if let Some(y) = fused::norm_modulate(xs, shift, scale, self.eps)? {
                return Ok(y);
            }
        }
        self.forward(xs)?.broadcast_mul(&(scale + 1.0)?)?.broadcast_add(shift)
    }
}

/// `x + gate * y` with `gate` broadcast over the sequence (`[B, 1, C]`).
pub fn gated_residual(x: &Tensor, gate: &Tensor, y: &Tensor) -> Result<Tensor> {
    if let Some(out) = fused::gated_residual(x, gate, y)? {
        return Ok(out);
    }
    x + gate.broadcast_mul(y)?
}

/// The DiT's `RMSNorm`: `x * rsqrt(mean(x^2) + 1e-6)` in f32, cast back, times `scale`.
#[derive(Debug, Clone)]
pub struct RmsNorm {
    scale: Tensor,
}

impl RmsNorm {
    pub fn new(dim: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self { scale: vb.get(dim, "scale")? })
    }

    pub fn scale(&self) -> &Tensor {
        &self.scale
    }

    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let dtype = xs.dtype();
        let x = xs.to_dtype(DType::F32)?;
        let rrms = (x.sqr()?.mean_keepdim(D::Minus1)? + 1e-6)?.sqrt()?.recip()?;
        x.broadcast_mul(&rrms)?.to_dtype(dtype)?.broadcast_mul(&self.scale)
    }
}

/// `F.scaled_dot_product_attention(q, k, v)` on `[B, H, L, D]` tensors, scale `1/sqrt(D)`.
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
    if has_fast_path(q, k, v) {
        let (b, h, l, d) = q.dims4()?;
        return attention_merged(q, k, v)?.reshape((b, l, h, d))?.transpose(1, 2);
    }
    attention_plain(q, k, v)
}

/// `merge_heads(attention(q, k, v))`: `[B, H, L, D]` in, `[B, L, H*D]` out. On the CPU in f32 the
/// blocked kernel writes this layout directly.
pub fn attention_heads_merged(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
    if has_fast_path(q, k, v) {
        return attention_merged(q, k, v);
    }
    merge_heads(&attention_plain(q, k, v)?)
}

/// Attention as three candle ops: for other dtypes and devices.
fn attention_plain(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
    let dtype = q.dtype();
    let scale = 1.0 / (q.dim(D::Minus1)? as f64).sqrt();
    let q = q.contiguous()?;
    let kt = k.transpose(D::Minus2, D::Minus1)?.contiguous()?;
    let scores = (matmul(&q, &kt)?.to_dtype(DType::F32)? * scale)?;
    let probs = candle_nn::ops::softmax_last_dim(&scores)?.to_dtype(dtype)?;
    matmul(&probs, &v.contiguous()?)
}

/// `[B, H, L, D]` -> `[B, L, H*D]`, einops' `B H L D -> B L (H D)`.
pub fn merge_heads(x: &Tensor) -> Result<Tensor> {
    let (b, h, l, d) = x.dims4()?;
    x.transpose(1, 2)?.contiguous()?.reshape((b, l, h * d))
}

/// Relative error `||a - b|| / ||b||` in f64, for tests and diagnostics.
pub fn relative_error(a: &Tensor, b: &Tensor) -> Result<f64> {
    let a = a.to_dtype(DType::F64)?.flatten_all()?;
    let b = b.to_dtype(DType::F64)?.flatten_all()?;
    let diff = (&a - &b)?.sqr()?.sum_all()?.to_scalar::<f64>()?.sqrt();
    let norm = b.sqr()?.sum_all()?.to_scalar::<f64>()?.sqrt();
    Ok(if norm == 0.0 { diff } else { diff / norm })
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn layer_norm_without_affine_normalises() {
        let x = Tensor::new(&[[1f32, 2., 3., 4.]], &Device::Cpu).unwrap();
        let ln = LayerNorm { weight: None, bias: None, eps: 0.0 };
        let y: Vec<f32> = ln.forward(&x).unwrap().flatten_all().unwrap().to_vec1().unwrap();
        let s = 1.25f32.sqrt();
        for (got, want) in y.iter().zip([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]) {
            assert!((got - want).abs() < 1e-6);
        }
    }

    #[test]
    fn attention_with_one_key_returns_its_value() {
        let dev = Device::Cpu;
        let q = Tensor::randn(0f32, 1., (1, 2, 3, 4), &dev).unwrap();
        let k = Tensor::randn(0f32, 1., (1, 2, 1, 4), &dev).unwrap();
        let v = Tensor::randn(0f32, 1., (1, 2, 1, 4), &dev).unwrap();
        let out = attention(&q, &k, &v).unwrap();
        let want = v.broadcast_as((1, 2, 3, 4)).unwrap();
        assert!(relative_error(&out, &want).unwrap() < 1e-6);
    }
}
