//! Exact Euclidean distance transform on a 2D grid (Felzenszwalb & Huttenlocher, "Distance
//! Transforms of Sampled Functions", 2012): one lower-envelope-of-parabolas pass per row, then per
//! column.

/// Squared distance, in cells, from every cell to the nearest cell where `target` holds.
/// `f32::INFINITY` everywhere when no cell is a target. `target` is row-major, `w` x `h`.
pub fn squared_distance(target: &[bool], w: usize, h: usize) -> Vec<f32> {
    assert_eq!(target.len(), w * h, "mask size does not match {w} x {h}");
    let mut grid: Vec<f32> = target.iter().map(|&t| if t { 0.0 } else { f32::INFINITY }).collect();
    let mut scratch = Scratch::new(w.max(h));
    let mut line = vec![0.0; w.max(h)];
    for y in 0..h {
        let row = &mut grid[y * w..(y + 1) * w];
        line[..w].copy_from_slice(row);
        scratch.transform(&line[..w], row);
    }
    let mut column = vec![0.0; h];
    for x in 0..w {
        for y in 0..h {
            line[y] = grid[y * w + x];
        }
        scratch.transform(&line[..h], &mut column);
        for y in 0..h {
            grid[y * w + x] = column[y];
        }
    }
    grid
}

/// Buffers for the 1D transform, reused across lines.
struct Scratch {
    /// Positions of the parabolas in the lower envelope.
    v: Vec<usize>,
    /// Boundaries between them.
    z: Vec<f64>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self { v: vec![0; n], z: vec![0.0; n + 1] }
    }

    /// `out[q] = min_p (q - p)^2 + f[p]`. Infinite samples are left out of the envelope, which keeps
    /// the arithmetic finite.
    fn transform(&mut self, f: &[f32], out: &mut [f32]) {
        let mut finite = (0..f.len()).filter(|&q| f[q].is_finite());
        let Some(first) = finite.next() else {
            out.fill(f32::INFINITY);
            return;
        };
        let mut k: usize = 0;
        self.v[0] = first;
        self.z[0] = f64::NEG_INFINITY;
        self.z[1] = f64::INFINITY;
        for q in finite {
            let fq = f[q] as f64 + (q * q) as f64;
            // z[0] is -inf, so the search stops at k = 0 at the latest.
            let mut s;
            loop {
                let p = self.v[k];
                s = (fq - (f[p] as f64 + (p * p) as f64)) / (2.0 * (q as f64 - p as f64));
                if s > self.z[k] {
                    break;
                }
                k -= 1;
            }
            k += 1;
            self.v[k] = q;
            self.z[k] = s;
            self.z[k + 1] = f64::INFINITY;
        }
        k = 0;
        for (q, o) in out.iter_mut().enumerate() {
            while self.z[k + 1] < q as f64 {
                k += 1;
            }
            let p = self.v[k];
            let d = q as f64 - p as f64;
            *o = (d * d + f[p] as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(target: &[bool], w: usize, h: usize) -> Vec<f32> {
        (0..w * h)
            .map(|c| {
                let (x, y) = ((c % w) as f32, (c / w) as f32);
                (0..w * h)
                    .filter(|&t| target[t])
                    .map(|t| ((t % w) as f32 - x).powi(2) + ((t / w) as f32 - y).powi(2))
                    .fold(f32::INFINITY, f32::min)
            })
            .collect()
    }

    #[test]
    fn matches_brute_force_on_scattered_targets() {
        let (w, h) = (23, 17);
        // A fixed pseudo-random pattern, sparse in places, with a dense block in one corner.
        let target: Vec<bool> = (0..w * h).map(|i| (i * 7919 + i / 5) % 13 == 0 || (i % w > 18 && i / w < 3)).collect();
        assert_eq!(squared_distance(&target, w, h), brute(&target, w, h));
    }

    #[test]
    fn single_target_and_none() {
        let (w, h) = (9, 6);
        let mut target = vec![false; w * h];
        assert!(squared_distance(&target, w, h).iter().all(|d| d.is_infinite()));
        target[2 * w + 3] = true;
        let d = squared_distance(&target, w, h);
        assert_eq!(d[2 * w + 3], 0.0);
        assert_eq!(d[5 * w + 8], 9.0 + 25.0);
        assert_eq!(d, brute(&target, w, h));
    }
}
