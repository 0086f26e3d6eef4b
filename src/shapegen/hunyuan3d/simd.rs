//! Small f32 row kernels for the CPU paths, written so that the compiler vectorises them, and
//! compiled a second time for AVX2 + FMA, picked at run time where the processor has them (the
//! default x86-64 target only allows SSE2).
//!
//! Sums and maxima run over eight lanes at once (floating-point reductions are not vectorised
//! otherwise, as reordering them changes the result), and `exp` is a polynomial instead of libm's
//! scalar call.

/// Lanes of the accumulators in the reductions: one AVX register of f32.
const LANES: usize = 8;

/// `a * b + c`, fused where `FMA` says the processor has the instruction (without it `mul_add`
/// is a slow library call).
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `exp(x)` to about 1 ulp for `x` in `[-87, 88]`; inputs below flush to about 1e-38, as softmax
/// weights that small do not change a sum of at least 1.
pub fn exp(x: f32) -> f32 {
    exp_with::<false>(x)
}

#[inline(always)]
fn exp_with<const FMA: bool>(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that n * LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding 1.5 * 2^23 rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let t = madd::<FMA>(x, LOG2E, ROUND);
    let n = t - ROUND;
    let r = madd::<FMA>(-n, LN2_LO, madd::<FMA>(-n, LN2_HI, x));
    // Cephes' expf polynomial for exp(r) on |r| <= ln(2) / 2.
    let mut p = 1.987_569_1e-4f32;
    p = madd::<FMA>(p, r, 1.398_199_9e-3);
    p = madd::<FMA>(p, r, 8.333_452e-3);
    p = madd::<FMA>(p, r, 4.166_579_6e-2);
    p = madd::<FMA>(p, r, 1.666_666_5e-1);
    p = madd::<FMA>(p, r, 0.5);
    let e = madd::<FMA>(p * r, r, r) + 1.0;
    let bits = (t.to_bits() as i32 - ROUND.to_bits() as i32 + 127) << 23;
    e * f32::from_bits(bits as u32)
}

#[inline(always)]
fn max_inline(row: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = if x > *a { x } else { *a };
        }
    }
    tail.iter().chain(&acc).fold(f32::NEG_INFINITY, |m, &x| if x > m { x } else { m })
}

#[inline(always)]
fn sum_inline(row: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let chunks = row.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[inline(always)]
fn softmax_numerator_inline<const FMA: bool>(row: &mut [f32]) -> f32 {
    let max = max_inline(row);
    // Three passes over a row that stays in L1: each loop is simple enough to vectorise.
    for x in row.iter_mut() {
        *x = exp_with::<FMA>(*x - max);
    }
    sum_inline(row)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_numerator_avx2(row: &mut [f32]) -> f32 {
    softmax_numerator_inline::<true>(row)
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}

/// Replaces `row` by `exp(row - max(row))` and returns its sum: softmax before the division.
pub fn softmax_numerator(row: &mut [f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the processor supports AVX2 and FMA, checked above.
        return unsafe { softmax_numerator_avx2(row) };
    }
    softmax_numerator_inline::<false>(row)
}

#[inline(always)]
fn gelu_tanh_inline<const FMA: bool>(xs: &mut [f32]) {
    // 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)), u = sqrt(2 / pi) (x + 0.044715 x^3).
    const TWO_SQRT_2_OVER_PI: f32 = 2.0 * 0.797_884_6;
    for x in xs.iter_mut() {
        let v = *x;
        let u2 = TWO_SQRT_2_OVER_PI * madd::<FMA>(0.044_715 * v * v, v, v);
        *x = v / (1.0 + exp_with::<FMA>(-u2));
    }
}

#[inline(always)]
fn gelu_erf_inline<const FMA: bool>(xs: &mut [f32]) {
    // 0.5 x (1 + erf(x / sqrt 2)), with erfc(|z|) from Abramowitz & Stegun 7.1.26 (absolute
    // error under 1.5e-7), taken directly for negative x so that 1 + erf does not cancel.
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_74, 1.421_413_7, -1.453_152, 1.061_405_4];
    for x in xs.iter_mut() {
        let v = *x;
        let z = v.abs() * std::f32::consts::FRAC_1_SQRT_2;
        let t = 1.0 / madd::<FMA>(P, z, 1.0);
        let mut poly = A[4];
        poly = madd::<FMA>(poly, t, A[3]);
        poly = madd::<FMA>(poly, t, A[2]);
        poly = madd::<FMA>(poly, t, A[1]);
        poly = madd::<FMA>(poly, t, A[0]);
        let erfc = poly * t * exp_with::<FMA>(-z * z);
        let one_plus_erf = if v >= 0.0 { 2.0 - erfc } else { erfc };
        *x = 0.5 * v * one_plus_erf;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_tanh_avx2(xs: &mut [f32]) {
    gelu_tanh_inline::<true>(xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gelu_erf_avx2(xs: &mut [f32]) {
    gelu_erf_inline::<true>(xs)
}

/// `nn.GELU(approximate="tanh")` in place.
pub fn gelu_tanh(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the processor supports AVX2 and FMA, checked above.
        return unsafe { gelu_tanh_avx2(xs) };
    }
    gelu_tanh_inline::<false>(xs)
}

/// `nn.GELU()` (the `erf` form) in place.
pub fn gelu_erf(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() {
        // SAFETY: the processor supports AVX2 and FMA, checked above.
        return unsafe { gelu_erf_avx2(xs) };
    }
    gelu_erf_inline::<false>(xs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        let mut x = -87.0f32;
        while x < 88.0 {
            let (got, want) = (exp(x), x.exp());
            assert!((got - want).abs() <= 2.0 * f32::EPSILON * want, "exp({x}) = {got}, libm {want}");
            x += 0.013;
        }
        assert!(exp(-1000.0) < 1e-37 && exp(-1000.0) >= 0.0);
    }

    #[test]
    fn softmax_numerator_subtracts_the_max_and_sums() {
        for len in [1, 7, 8, 9, 100] {
            let mut row: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin() * 50.0).collect();
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let want: Vec<f32> = row.iter().map(|x| (x - max).exp()).collect();
            let sum = softmax_numerator(&mut row);
            for (g, w) in row.iter().zip(&want) {
                assert!((g - w).abs() <= 2.0 * f32::EPSILON * w.max(1e-30), "{g} vs {w}");
            }
            let want_sum: f32 = want.iter().sum();
            assert!((sum - want_sum).abs() <= 1e-6 * want_sum);
        }
    }
}
