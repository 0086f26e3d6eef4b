//! PyTorch's antialiased interpolation (`F.interpolate(..., mode="bilinear" | "bicubic",
//! align_corners=False, antialias=True)`), which torchvision's `Resize` uses on tensors and Hugging
//! Face's DINOv2 uses to resize its position embeddings. Separable: the width first, then the height,
//! each a normalised filter over the source samples under the output sample's footprint, following
//! `aten/src/ATen/native/cpu/UpSampleKernel.cpp` (`_compute_indices_min_size_weights_aa`).

/// The filter of an antialiased resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AaFilter {
    /// Triangle, support 1.
    Bilinear,
    /// Keys cubic with a = -0.5, support 2.
    Bicubic,
}

impl AaFilter {
    fn interp_size(self) -> usize {
        match self {
            AaFilter::Bilinear => 2,
            AaFilter::Bicubic => 4,
        }
    }

    fn weight(self, x: f32) -> f32 {
        let x = x.abs();
        match self {
            AaFilter::Bilinear => {
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
            AaFilter::Bicubic => {
                let a = -0.5f32;
                if x < 1.0 {
                    ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
                } else if x < 2.0 {
                    ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
                } else {
                    0.0
                }
            }
        }
    }
}

/// For each output index: the first source index and the normalised weights.
fn taps(input: usize, output: usize, filter: AaFilter) -> Vec<(usize, Vec<f32>)> {
    let scale = input as f32 / output as f32;
    let half = filter.interp_size() as f32 * 0.5;
    let support = if scale >= 1.0 { half * scale } else { half };
    let invscale = if scale >= 1.0 { 1.0 / scale } else { 1.0 };
    let max_size = (support.ceil() as usize) * 2 + 1;
    (0..output)
        .map(|i| {
            let center = (scale as f64 * (i as f64 + 0.5)) as f32;
            let xmin = ((center - support) as f64 + 0.5).max(0.0) as usize;
            let xend = (((center + support) as f64 + 0.5) as usize).min(input);
            let size = xend.saturating_sub(xmin).min(max_size);
            let mut w: Vec<f32> = (0..size)
                .map(|j| {
                    let x = (((j + xmin) as f32 - center) as f64 + 0.5) * invscale as f64;
                    filter.weight(x as f32)
                })
                .collect();
            let total: f32 = w.iter().sum();
            if total != 0.0 {
                w.iter_mut().for_each(|v| *v /= total);
            }
            (xmin, w)
        })
        .collect()
}

/// Resizes `planes` images of `h x w` f32 samples (plane-major, row-major) to `oh x ow`.
pub fn resize_aa(
    data: &[f32],
    planes: usize,
    (h, w): (usize, usize),
    (oh, ow): (usize, usize),
    filter: AaFilter,
) -> Vec<f32> {
    let mut cur = data.to_vec();
    let mut cw = w;
    if ow != w {
        let tx = taps(w, ow, filter);
        let mut out = vec![0f32; planes * h * ow];
        for r in 0..planes * h {
            let src = &cur[r * w..(r + 1) * w];
            for (o, (x0, wts)) in tx.iter().enumerate() {
                let mut acc = 0f32;
                for (j, wt) in wts.iter().enumerate() {
                    acc += src[x0 + j] * wt;
                }
                out[r * ow + o] = acc;
            }
        }
        cur = out;
        cw = ow;
    }
    if oh != h {
        let ty = taps(h, oh, filter);
        let mut out = vec![0f32; planes * oh * cw];
        for p in 0..planes {
            let src = &cur[p * h * cw..(p + 1) * h * cw];
            for (o, (y0, wts)) in ty.iter().enumerate() {
                let dst = &mut out[(p * oh + o) * cw..(p * oh + o + 1) * cw];
                for (x, d) in dst.iter_mut().enumerate() {
                    let mut acc = 0f32;
                    for (j, wt) in wts.iter().enumerate() {
                        acc += src[(y0 + j) * cw + x] * wt;
                    }
                    *d = acc;
                }
            }
        }
        cur = out;
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_is_identity() {
        let d: Vec<f32> = (0..12).map(|v| v as f32).collect();
        assert_eq!(resize_aa(&d, 1, (3, 4), (3, 4), AaFilter::Bicubic), d);
    }

    #[test]
    fn halving_a_ramp_averages_pairs() {
        let d: Vec<f32> = (0..8).map(|v| v as f32).collect();
        let out = resize_aa(&d, 1, (1, 8), (1, 4), AaFilter::Bilinear);
        // Triangle of half-width 2 centred between pairs, truncated at the borders.
        assert!((out[1] - 2.5).abs() < 1e-6, "{out:?}");
        assert!((out[2] - 4.5).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn weights_sum_to_one() {
        for (i, o) in [(64, 56), (48, 42), (37, 518), (512, 518)] {
            for f in [AaFilter::Bilinear, AaFilter::Bicubic] {
                for (_, w) in taps(i, o, f) {
                    assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-5);
                }
            }
        }
    }
}
