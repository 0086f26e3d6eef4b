//! Row-wise f32 kernels for the CPU that do in one parallel pass what would otherwise be a chain of
//! candle ops, each of them a full serial pass over the tensor with a fresh allocation: LayerNorm
//! (with affine weights or with the DiT's shift-and-scale modulation), the DiT's split of the fused
//! qkv projection into heads with QK RMSNorm, `bias + activation` after a matmul, and the gated
//! residual `x + gate * y`.
//!
//! Each function returns `Ok(None)` when it does not apply (another device or dtype, or a layout
//! whose rows are not evenly spaced); the callers in `nn` and `dit` then take the candle ops.
//! The arithmetic is PyTorch's, in f32: two-pass mean and biased variance, `1 / sqrt(var + eps)`.

use super::simd;
use candle_core::{DType, Result, Storage, Tensor};
use rayon::prelude::*;

/// Rows handed to one rayon task.
const ROWS_PER_TASK: usize = 32;

/// A tensor's f32 data seen as rows of its last dimension.
struct Rows<'a> {
    data: &'a [f32],
    count: usize,
    len: usize,
    stride: usize,
}

impl Rows<'_> {
    fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.stride..i * self.stride + self.len]
    }
}

/// Calls `f` with `t`'s rows when `t` is an f32 CPU tensor whose last dimension is contiguous and
/// whose rows are evenly spaced (contiguous tensors and narrowed views of them).
fn with_rows<R>(t: &Tensor, f: impl FnOnce(Rows) -> R) -> Option<R> {
    if !t.device().is_cpu() || t.dtype() != DType::F32 || t.rank() == 0 {
        return None;
    }
    let (storage, layout) = t.storage_and_layout();
    let Storage::Cpu(candle_core::CpuStorage::F32(data)) = &*storage else { return None };
    let dims = layout.dims();
    let stride = layout.stride();
    let n = dims.len();
    let len = dims[n - 1];
    if len > 1 && stride[n - 1] != 1 {
        return None;
    }
    let count: usize = dims[..n - 1].iter().product();
    let row_stride = if n >= 2 { stride[n - 2] } else { len };
    for i in 0..n.saturating_sub(2) {
        if dims[i] > 1 && stride[i] != stride[i + 1] * dims[i + 1] {
            return None;
        }
    }
    if count == 0 || len == 0 {
        return None;
    }
    let start = layout.start_offset();
    let end = start + (count - 1) * row_stride + len;
    Some(f(Rows { data: &data[start..end], count, len, stride: row_stride }))
}

/// A small tensor (weights, per-batch modulation vectors) as a flat f32 vector.
fn small_vec(t: &Tensor) -> Result<Vec<f32>> {
    t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()
}

#[inline(always)]
fn sum8(xs: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = xs.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|&x| f(x)).sum();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += f(x);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Mean and `1 / sqrt(biased variance + eps)` of one row, in two passes.
#[inline(always)]
fn moments(row: &[f32], eps: f32) -> (f32, f32) {
    let n = row.len() as f32;
    let mean = sum8(row, |x| x) / n;
    let var = sum8(row, |x| (x - mean) * (x - mean)) / n;
    (mean, 1.0 / (var + eps).sqrt())
}

/// How the normalised row is finished: affine weights, or the DiT's modulation per batch element.
enum Finish<'a> {
    Affine {
        weight: Option<&'a [f32]>,
        bias: Option<&'a [f32]>,
    },
    /// `(1 + scale) * y + shift`, with `[B, C]` shift and scale and `rows_per_batch` rows each.
    Modulate {
        shift: &'a [f32],
        scale: &'a [f32],
        rows_per_batch: usize,
    },
}

fn normalise(x: &Tensor, eps: f64, finish: &Finish) -> Option<Tensor> {
    let dims = x.dims().to_vec();
    let out = with_rows(x, |rows| {
        let c = rows.len;
        let mut out = vec![0f32; rows.count * c];
        out.par_chunks_mut(ROWS_PER_TASK * c).enumerate().for_each(|(task, dst)| {
            for (j, d) in dst.chunks_exact_mut(c).enumerate() {
                let i = task * ROWS_PER_TASK + j;
                let src = rows.row(i);
                let (mean, rstd) = moments(src, eps as f32);
                match finish {
                    Finish::Affine { weight, bias } => {
                        for (o, &s) in d.iter_mut().zip(src) {
                            *o = (s - mean) * rstd;
                        }
                        if let Some(w) = weight {
                            d.iter_mut().zip(*w).for_each(|(o, &w)| *o *= w);
                        }
                        if let Some(b) = bias {
                            d.iter_mut().zip(*b).for_each(|(o, &b)| *o += b);
                        }
                    }
                    Finish::Modulate { shift, scale, rows_per_batch } => {
                        let b = i / rows_per_batch;
                        let (sh, sc) = (&shift[b * c..(b + 1) * c], &scale[b * c..(b + 1) * c]);
                        for (((o, &s), &sh), &sc) in d.iter_mut().zip(src).zip(sh).zip(sc) {
                            *o = (1.0 + sc) * ((s - mean) * rstd) + sh;
                        }
                    }
                }
            }
        });
        out
    })?;
    Tensor::from_vec(out, dims, x.device()).ok()
}

/// `F.layer_norm(x, weight, bias, eps)` over the last dimension.
pub fn layer_norm(x: &Tensor, weight: Option<&Tensor>, bias: Option<&Tensor>, eps: f64) -> Result<Option<Tensor>> {
    if x.dtype() != DType::F32 || !x.device().is_cpu() {
        return Ok(None);
    }
    let weight = weight.map(small_vec).transpose()?;
    let bias = bias.map(small_vec).transpose()?;
    Ok(normalise(x, eps, &Finish::Affine { weight: weight.as_deref(), bias: bias.as_deref() }))
}

/// `(1 + scale) * layer_norm(x) + shift` for `x: [B, L, C]` and `shift`, `scale: [B, 1, C]`.
pub fn norm_modulate(x: &Tensor, shift: &Tensor, scale: &Tensor, eps: f64) -> Result<Option<Tensor>> {
    if x.dtype() != DType::F32 || !x.device().is_cpu() || x.rank() != 3 {
        return Ok(None);
    }
    let (b, l, c) = x.dims3()?;
    if shift.elem_count() != b * c || scale.elem_count() != b * c {
        return Ok(None);
    }
    let (shift, scale) = (small_vec(shift)?, small_vec(scale)?);
    Ok(normalise(x, eps, &Finish::Modulate { shift: &shift, scale: &scale, rows_per_batch: l }))
}

/// `x + gate * y` for `x`, `y: [B, L, C]` and `gate: [B, 1, C]`.
pub fn gated_residual(x: &Tensor, gate: &Tensor, y: &Tensor) -> Result<Option<Tensor>> {
    if x.dtype() != DType::F32 || !x.device().is_cpu() || x.rank() != 3 || y.dims() != x.dims() {
        return Ok(None);
    }
    let (b, l, c) = x.dims3()?;
    if gate.elem_count() != b * c {
        return Ok(None);
    }
    let gate = small_vec(gate)?;
    let out = with_rows(x, |xr| {
        with_rows(y, |yr| {
            let mut out = vec![0f32; b * l * c];
            out.par_chunks_mut(ROWS_PER_TASK * c).enumerate().for_each(|(task, dst)| {
                for (j, d) in dst.chunks_exact_mut(c).enumerate() {
                    let i = task * ROWS_PER_TASK + j;
                    let g = &gate[(i / l) * c..(i / l + 1) * c];
                    for (((o, &xv), &yv), &gv) in d.iter_mut().zip(xr.row(i)).zip(yr.row(i)).zip(g) {
                        *o = xv + gv * yv;
                    }
                }
            });
            out
        })
    })
    .flatten();
    Ok(match out {
        Some(v) => Some(Tensor::from_vec(v, (b, l, c), x.device())?),
        None => None,
    })
}

/// What follows the bias in [`bias_act`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    None,
    /// `nn.GELU(approximate="tanh")`
    GeluTanh,
    /// `nn.GELU()`, with `erf`
    GeluErf,
}

/// `act(y + bias)` over the last dimension of `y`.
pub fn bias_act(y: &Tensor, bias: Option<&Tensor>, act: Activation) -> Result<Option<Tensor>> {
    if y.dtype() != DType::F32 || !y.device().is_cpu() {
        return Ok(None);
    }
    let bias = bias.map(small_vec).transpose()?;
    let dims = y.dims().to_vec();
    let out = with_rows(y, |rows| {
        let c = rows.len;
        let mut out = vec![0f32; rows.count * c];
        out.par_chunks_mut(ROWS_PER_TASK * c).enumerate().for_each(|(task, dst)| {
            for (j, d) in dst.chunks_exact_mut(c).enumerate() {
                d.copy_from_slice(rows.row(task * ROWS_PER_TASK + j));
                if let Some(b) = &bias {
                    d.iter_mut().zip(b).for_each(|(o, &b)| *o += b);
                }
                match act {
                    Activation::None => {}
                    Activation::GeluTanh => simd::gelu_tanh(d),
                    Activation::GeluErf => simd::gelu_erf(d),
                }
            }
        });
        out
    });
    Ok(match out {
        Some(v) => Some(Tensor::from_vec(v, dims, y.device())?),
        None => None,
    })
}

/// One stream's fused qkv projection `[B, L, 3 * H * D]` (`(K H D)` order) with its query and key
/// RMSNorm scales (`[D]` each).
pub struct QkvPart<'a> {
    pub qkv: &'a Tensor,
    pub q_scale: &'a Tensor,
    pub k_scale: &'a Tensor,
}

/// einops `B L (K H D) -> K B H L D` of each part, parts joined along `L` in order, with q and k
/// RMS-normed (`x * rsqrt(mean(x^2) + 1e-6) * scale`): `[3, B, H, sum L, D]`, contiguous.
pub fn split_qkv_rms(parts: &[QkvPart], heads: usize) -> Result<Option<Tensor>> {
    let Some(first) = parts.first() else { return Ok(None) };
    if parts.iter().any(|p| p.qkv.dtype() != DType::F32 || !p.qkv.device().is_cpu() || p.qkv.rank() != 3) {
        return Ok(None);
    }
    let (b, _, w3) = first.qkv.dims3()?;
    let d = w3 / 3 / heads;
    let mut scales = Vec::with_capacity(parts.len());
    let mut offsets = Vec::with_capacity(parts.len());
    let mut total = 0;
    for p in parts {
        let (pb, pl, pw) = p.qkv.dims3()?;
        if pb != b || pw != w3 || d * 3 * heads != w3 {
            return Ok(None);
        }
        scales.push((small_vec(p.q_scale)?, small_vec(p.k_scale)?));
        offsets.push((total, pl));
        total += pl;
    }
    if scales.iter().any(|(q, k)| q.len() != d || k.len() != d) {
        return Ok(None);
    }
    // Keep every part's storage borrowed while the planes are filled.
    let guards: Vec<_> = parts.iter().map(|p| p.qkv.storage_and_layout()).collect();
    let mut views = Vec::with_capacity(parts.len());
    for (storage, layout) in &guards {
        let Storage::Cpu(candle_core::CpuStorage::F32(data)) = &**storage else { return Ok(None) };
        let s = layout.stride();
        if s[2] != 1 || (b > 1 && s[0] != s[1] * layout.dims()[1]) {
            return Ok(None);
        }
        views.push((&data[layout.start_offset()..], s[1]));
    }
    let mut out = vec![0f32; 3 * b * heads * total * d];
    out.par_chunks_mut(total * d).enumerate().for_each(|(plane, dst)| {
        let (kind, bi, hi) = (plane / (b * heads), (plane / heads) % b, plane % heads);
        let col = (kind * heads + hi) * d;
        for (((data, row_stride), &(start, len)), (q_scale, k_scale)) in views.iter().zip(&offsets).zip(&scales) {
            for l in 0..len {
                let at = (bi * len + l) * row_stride + col;
                let src = &data[at..at + d];
                let o = &mut dst[(start + l) * d..(start + l + 1) * d];
                let scale = match kind {
                    0 => q_scale,
                    1 => k_scale,
                    _ => {
                        o.copy_from_slice(src);
                        continue;
                    }
                };
                let rrms = 1.0 / (sum8(src, |x| x * x) / d as f32 + 1e-6).sqrt();
                for ((o, &x), &s) in o.iter_mut().zip(src).zip(scale.iter()) {
                    *o = x * rrms * s;
                }
            }
        }
    });
    drop(guards);
    Ok(Some(Tensor::from_vec(out, (3, b, heads, total, d), first.qkv.device())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapegen::hunyuan3d::nn::relative_error;
    use candle_core::{Device, D};

    fn plain_ln(x: &Tensor, eps: f64) -> Tensor {
        let mean = x.mean_keepdim(D::Minus1).unwrap();
        let xc = x.broadcast_sub(&mean).unwrap();
        let var = xc.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
        xc.broadcast_div(&(var + eps).unwrap().sqrt().unwrap()).unwrap()
    }

    #[test]
    fn layer_norm_and_modulation_match_the_op_chain_on_a_narrowed_view() {
        let dev = Device::Cpu;
        let wide = (Tensor::randn(0f32, 1., (2, 37, 50), &dev).unwrap() + 3.0).unwrap();
        let x = wide.narrow(2, 5, 40).unwrap();
        let w = Tensor::randn(0f32, 1., 40, &dev).unwrap();
        let bias = Tensor::randn(0f32, 1., 40, &dev).unwrap();
        let got = layer_norm(&x, Some(&w), Some(&bias), 1e-6).unwrap().unwrap();
        let want = plain_ln(&x, 1e-6).broadcast_mul(&w).unwrap().broadcast_add(&bias).unwrap();
        assert!(relative_error(&got, &want).unwrap() < 1e-6);

        let shift = Tensor::randn(0f32, 1., (2, 1, 40), &dev).unwrap();
        let scale = Tensor::randn(0f32, 1., (2, 1, 40), &dev).unwrap();
        let got = norm_modulate(&x, &shift, &scale, 1e-6).unwrap().unwrap();
        let want = plain_ln(&x, 1e-6).broadcast_mul(&(&scale + 1.0).unwrap()).unwrap().broadcast_add(&shift).unwrap();
        assert!(relative_error(&got, &want).unwrap() < 1e-6);
    }

    #[test]
    fn gated_residual_and_bias_activations_match_candle() {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1., (2, 33, 24), &dev).unwrap();
        let y = (Tensor::randn(0f32, 1., (2, 33, 24), &dev).unwrap() * 4.0).unwrap();
        let g = Tensor::randn(0f32, 1., (2, 1, 24), &dev).unwrap();
        let got = gated_residual(&x, &g, &y).unwrap().unwrap();
        let want = (&x + g.broadcast_mul(&y).unwrap()).unwrap();
        assert!(relative_error(&got, &want).unwrap() < 1e-7);

        let b = Tensor::randn(0f32, 1., 24, &dev).unwrap();
        let pre = y.broadcast_add(&b).unwrap();
        for (act, want) in [
            (Activation::None, pre.clone()),
            (Activation::GeluTanh, pre.gelu().unwrap()),
            (Activation::GeluErf, pre.gelu_erf().unwrap()),
        ] {
            let got = bias_act(&y, Some(&b), act).unwrap().unwrap();
            let err = relative_error(&got, &want).unwrap();
            assert!(err < 1e-6, "{act:?}: {err:e}");
        }
    }

    #[test]
    fn split_qkv_rms_joins_streams_and_norms_q_and_k() {
        let dev = Device::Cpu;
        let (heads, d) = (3, 8);
        let txt =
            Tensor::randn(0f32, 1., (2, 5, 3 * heads * d + 7), &dev).unwrap().narrow(2, 0, 3 * heads * d).unwrap();
        let img = Tensor::randn(0f32, 1., (2, 9, 3 * heads * d), &dev).unwrap();
        let scales: Vec<Tensor> = (0..4).map(|_| Tensor::randn(0f32, 1., d, &dev).unwrap()).collect();
        let parts = [
            QkvPart { qkv: &txt, q_scale: &scales[0], k_scale: &scales[1] },
            QkvPart { qkv: &img, q_scale: &scales[2], k_scale: &scales[3] },
        ];
        let got = split_qkv_rms(&parts, heads).unwrap().unwrap();
        let rms = |x: &Tensor, s: &Tensor| {
            let r =
                (x.sqr().unwrap().mean_keepdim(D::Minus1).unwrap() + 1e-6).unwrap().sqrt().unwrap().recip().unwrap();
            x.broadcast_mul(&r).unwrap().broadcast_mul(s).unwrap()
        };
        let split = |t: &Tensor| {
            let (b, l, _) = t.dims3().unwrap();
            t.reshape((b, l, 3, heads, d)).unwrap().permute((2, 0, 3, 1, 4)).unwrap()
        };
        let (st, si) = (split(&txt), split(&img));
        let want = Tensor::stack(
            &[
                Tensor::cat(&[rms(&st.get(0).unwrap(), &scales[0]), rms(&si.get(0).unwrap(), &scales[2])], 2).unwrap(),
                Tensor::cat(&[rms(&st.get(1).unwrap(), &scales[1]), rms(&si.get(1).unwrap(), &scales[3])], 2).unwrap(),
                Tensor::cat(&[st.get(2).unwrap(), si.get(2).unwrap()], 2).unwrap(),
            ],
            0,
        )
        .unwrap();
        assert!(relative_error(&got, &want).unwrap() < 1e-6);
    }
}
