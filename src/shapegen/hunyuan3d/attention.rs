//! Scaled dot-product attention on the CPU in f32, computed one block of queries at a time.
//!
//! The generic path (`q @ k^T`, softmax, `@ v` as three candle ops) writes the whole `[B, H, Lq, Lk]`
//! score matrix to memory and reads it back several times: for the DiT's 4442 joint tokens that is
//! over a gigabyte per layer and the run is bound by memory traffic and by scalar `exp`. Here each
//! rayon task takes [`QUERY_BLOCK`] queries of one batch element, and for each head computes their
//! scores into a buffer that stays in the core's cache (one gemm), takes the softmax in place with
//! a vectorised `exp`, multiplies by the values (a second gemm) and writes the result straight into
//! the merged-heads layout `[B, Lq, H * D]`, so no transpose or copy follows.
//!
//! Numerically it is the same computation as PyTorch's: scores scaled by `1 / sqrt(D)`, the row
//! maximum subtracted before `exp`, and the weighted sum divided by the row sum at the end.

use super::simd;
use candle_core::{CpuStorage, CustomOp3, DType, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Queries per task: large enough that gemm's packing of each block is amortised, small enough that
/// the block's scores (128 x 4442 for the DiT, 2.3 MB) stay in the shared L3 cache.
const QUERY_BLOCK: usize = 128;

/// Whether [`attention_merged`] takes the blocked CPU kernel for these inputs.
pub fn has_fast_path(q: &Tensor, k: &Tensor, v: &Tensor) -> bool {
    q.device().is_cpu() && [q, k, v].iter().all(|t| t.dtype() == DType::F32 && t.rank() == 4)
}

/// `softmax(q k^T / sqrt(D)) v` for `[B, H, L, D]` inputs of any strides (a stride of 0 broadcasts),
/// returned with the heads merged: `[B, Lq, H * D]`. f32 on the CPU only; see [`has_fast_path`].
pub fn attention_merged(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
    let scale = 1.0 / (q.dim(3)? as f32).sqrt();
    q.apply_op3_no_bwd(k, v, &BlockedAttention { scale })
}

struct BlockedAttention {
    scale: f32,
}

/// A strided `[B, H, L, D]` view into a storage slice.
#[derive(Clone, Copy)]
struct View<'a> {
    data: &'a [f32],
    offset: usize,
    dims: [usize; 4],
    stride: [usize; 4],
}

impl<'a> View<'a> {
    fn new(storage: &'a CpuStorage, layout: &Layout, what: &str) -> Result<Self> {
        let CpuStorage::F32(data) = storage else {
            candle_core::bail!("blocked attention takes f32 tensors, {what} is not")
        };
        let (Ok(dims), Ok(stride)) = (<[usize; 4]>::try_from(layout.dims()), <[usize; 4]>::try_from(layout.stride()))
        else {
            candle_core::bail!("blocked attention takes [B, H, L, D] tensors, {what} is {:?}", layout.shape())
        };
        Ok(Self { data, offset: layout.start_offset(), dims, stride })
    }

    /// Row `[b, h, row, :]`, copied when its elements are not adjacent.
    fn row(&self, b: usize, h: usize, row: usize) -> std::borrow::Cow<'a, [f32]> {
        let at = self.offset + b * self.stride[0] + h * self.stride[1] + row * self.stride[2];
        let d = self.dims[3];
        if self.stride[3] == 1 {
            std::borrow::Cow::Borrowed(&self.data[at..at + d])
        } else {
            std::borrow::Cow::Owned((0..d).map(|c| self.data[at + c * self.stride[3]]).collect())
        }
    }

    /// Pointer to element `[b, h, row, 0]`.
    fn ptr(&self, b: usize, h: usize, row: usize) -> *const f32 {
        let at = self.offset + b * self.stride[0] + h * self.stride[1] + row * self.stride[2];
        self.data[at..].as_ptr()
    }
}

impl CustomOp3 for BlockedAttention {
    fn name(&self) -> &'static str {
        "hunyuan3d-blocked-attention"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let q = View::new(s1, l1, "q")?;
        let k = View::new(s2, l2, "k")?;
        let v = View::new(s3, l3, "v")?;
        let [b, h, lq, d] = q.dims;
        let lk = k.dims[2];
        if k.dims != [b, h, lk, d] || v.dims != k.dims {
            candle_core::bail!("attention shapes disagree: q {:?}, k {:?}, v {:?}", q.dims, k.dims, v.dims)
        }
        let hd = h * d;
        let mut out = vec![0f32; b * lq * hd];
        if out.is_empty() || lk == 0 {
            return Ok((CpuStorage::F32(out), Shape::from((b, lq, hd))));
        }
        // Each head's keys transposed to [D, Lk] once: in that layout gemm reads them in place,
        // where from [Lk, D] it would repack them for every block of queries.
        let mut kt = vec![0f32; b * h * d * lk];
        kt.par_chunks_mut(d * lk).enumerate().for_each(|(i, dst)| {
            let (bi, hi) = (i / h, i % h);
            for j in 0..lk {
                let row = k.row(bi, hi, j);
                for (c, &x) in row.iter().enumerate() {
                    dst[c * lk + j] = x;
                }
            }
        });
        out.par_chunks_mut(lq * hd).enumerate().for_each(|(bi, batch)| {
            batch.par_chunks_mut(QUERY_BLOCK * hd).enumerate().for_each_init(Vec::new, |scores, (blk, rows)| {
                attend_block(&q, &kt, &v, self.scale, bi, blk * QUERY_BLOCK, rows, scores)
            })
        });
        Ok((CpuStorage::F32(out), Shape::from((b, lq, hd))))
    }
}

/// All heads for the queries `r0..r0 + rows.len() / (H * D)` of batch element `bi`, written to `rows`
/// (`[m, H * D]`, row-major). `scores` is the task's scratch buffer.
#[allow(clippy::too_many_arguments)]
fn attend_block(
    q: &View,
    kt: &[f32],
    v: &View,
    scale: f32,
    bi: usize,
    r0: usize,
    rows: &mut [f32],
    scores: &mut Vec<f32>,
) {
    let [_, h, _, d] = q.dims;
    let lk = v.dims[2];
    let hd = h * d;
    let m = rows.len() / hd;
    scores.resize(m * lk, 0.0);
    let mut inv_sums = vec![0f32; m];
    for hi in 0..h {
        // SAFETY: every pointer is in bounds of its slice for the extents and strides given: q, k
        // and v were checked against their layouts' shapes (the layouts describe their storage), the
        // scores buffer is m x lk, and `rows` is m x (H * D) with this head's D columns at hi * D.
        unsafe {
            gemm::gemm(
                m,
                lk,
                d,
                scores.as_mut_ptr(),
                1,
                lk as isize,
                false,
                q.ptr(bi, hi, r0),
                q.stride[3] as isize,
                q.stride[2] as isize,
                kt[(bi * h + hi) * d * lk..].as_ptr(),
                1,
                lk as isize,
                0.0,
                scale,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
        for (row, inv) in scores.chunks_exact_mut(lk).zip(inv_sums.iter_mut()) {
            *inv = 1.0 / simd::softmax_numerator(row);
        }
        let dst = rows[hi * d..].as_mut_ptr();
        // SAFETY: as above.
        unsafe {
            gemm::gemm(
                m,
                d,
                lk,
                dst,
                1,
                hd as isize,
                false,
                scores.as_ptr(),
                1,
                lk as isize,
                v.ptr(bi, hi, 0),
                v.stride[3] as isize,
                v.stride[2] as isize,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
        for (row, inv) in rows.chunks_exact_mut(hd).zip(&inv_sums) {
            for x in &mut row[hi * d..(hi + 1) * d] {
                *x *= inv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapegen::hunyuan3d::nn::relative_error;
    use candle_core::{Device, D};

    fn reference(q: &Tensor, k: &Tensor, v: &Tensor) -> Tensor {
        let q = q.to_dtype(DType::F64).unwrap();
        let k = k.to_dtype(DType::F64).unwrap();
        let v = v.to_dtype(DType::F64).unwrap();
        let scale = 1.0 / (q.dim(3).unwrap() as f64).sqrt();
        let s = (q.contiguous().unwrap().matmul(&k.transpose(2, 3).unwrap().contiguous().unwrap()).unwrap() * scale)
            .unwrap();
        let max = s.max_keepdim(D::Minus1).unwrap();
        let e = s.broadcast_sub(&max).unwrap().exp().unwrap();
        let p = e.broadcast_div(&e.sum_keepdim(D::Minus1).unwrap()).unwrap();
        let o = p.matmul(&v.contiguous().unwrap()).unwrap();
        let (b, h, l, d) = o.dims4().unwrap();
        o.transpose(1, 2).unwrap().contiguous().unwrap().reshape((b, l, h * d)).unwrap()
    }

    #[test]
    fn matches_the_plain_formula_on_ragged_blocks_and_strided_inputs() {
        let dev = Device::Cpu;
        // 2 batches, 3 heads, 2 * QUERY_BLOCK + 5 queries (a ragged last block), 37 keys, D = 16;
        // q comes in as a transposed view and k, v share one buffer, as in the models.
        let lq = 2 * QUERY_BLOCK + 5;
        let q = (Tensor::randn(0f32, 1., (2, lq, 3, 16), &dev).unwrap() * 3.0).unwrap().transpose(1, 2).unwrap();
        let kv = Tensor::randn(0f32, 1., (2, 3, 37, 32), &dev).unwrap();
        let k = kv.narrow(3, 0, 16).unwrap();
        let v = kv.narrow(3, 16, 16).unwrap();
        let got = attention_merged(&q, &k, &v).unwrap();
        let err = relative_error(&got, &reference(&q, &k, &v)).unwrap();
        assert!(err < 1e-6, "relative error {err:e}");
    }

    #[test]
    fn broadcast_keys_serve_every_batch_element() {
        let dev = Device::Cpu;
        let q = Tensor::randn(0f32, 1., (3, 2, 7, 8), &dev).unwrap();
        let k = Tensor::randn(0f32, 1., (1, 2, 5, 8), &dev).unwrap().broadcast_as((3, 2, 5, 8)).unwrap();
        let v = Tensor::randn(0f32, 1., (1, 2, 5, 8), &dev).unwrap().broadcast_as((3, 2, 5, 8)).unwrap();
        let got = attention_merged(&q, &k, &v).unwrap();
        let err = relative_error(&got, &reference(&q, &k, &v)).unwrap();
        assert!(err < 1e-6, "relative error {err:e}");
    }

    #[test]
    fn very_unequal_scores_do_not_overflow() {
        let dev = Device::Cpu;
        let q = (Tensor::randn(0f32, 1., (1, 1, 4, 8), &dev).unwrap() * 200.0).unwrap();
        let k = Tensor::randn(0f32, 1., (1, 1, 9, 8), &dev).unwrap();
        let v = Tensor::randn(0f32, 1., (1, 1, 9, 8), &dev).unwrap();
        let got = attention_merged(&q, &k, &v).unwrap();
        assert!(got.flatten_all().unwrap().to_vec1::<f32>().unwrap().iter().all(|x| x.is_finite()));
        let err = relative_error(&got, &reference(&q, &k, &v)).unwrap();
        assert!(err < 1e-5, "relative error {err:e}");
    }
}
