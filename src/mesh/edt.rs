//! Exact Euclidean distance transforms on 2D and 3D grids (Felzenszwalb & Huttenlocher, "Distance
//! Transforms of Sampled Functions", 2012): one lower-envelope-of-parabolas pass along each axis in
//! turn. The 2D one shapes inflated cut-outs; the 3D one measures wall thickness for hollowing.

use rayon::prelude::*;

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

/// Squared distance, in cells, from every cell of a 3D grid to the nearest cell where `target`
/// holds; `f32::INFINITY` everywhere when none does. Cell (i, j, k) is at `(i * ny + j) * nz + k`,
/// the layout of [`Grid`](super::marching_cubes::Grid).
pub fn squared_distance_3d(target: &[bool], dims: [usize; 3]) -> Vec<f32> {
    let [nx, ny, nz] = dims;
    let n = nx * ny * nz;
    assert_eq!(target.len(), n, "mask size does not match {dims:?}");
    let mut grid: Vec<f32> = target.par_iter().map(|&t| if t { 0.0 } else { f32::INFINITY }).collect();
    if n == 0 {
        return grid;
    }
    // Along k: each line is contiguous.
    grid.par_chunks_mut(nz).for_each_init(
        || (Scratch::new(nz), vec![0.0; nz]),
        |(scratch, line), row| {
            line.copy_from_slice(row);
            scratch.transform(line, row);
        },
    );
    // Along j, within each i plane.
    let plane = ny * nz;
    grid.par_chunks_mut(plane).for_each_init(
        || (Scratch::new(ny), vec![0.0; ny], vec![0.0; ny]),
        |(scratch, line, out), cells| {
            for k in 0..nz {
                for j in 0..ny {
                    line[j] = cells[j * nz + k];
                }
                scratch.transform(line, out);
                for j in 0..ny {
                    cells[j * nz + k] = out[j];
                }
            }
        },
    );
    // Along i: lines stride across planes, so transform into a transposed buffer and copy back.
    let mut across = vec![0.0f32; n];
    across.par_chunks_mut(nx).enumerate().for_each_init(
        || (Scratch::new(nx), vec![0.0; nx]),
        |(scratch, line), (jk, out)| {
            for i in 0..nx {
                line[i] = grid[i * plane + jk];
            }
            scratch.transform(line, out);
        },
    );
    grid.par_chunks_mut(plane).enumerate().for_each(|(i, cells)| {
        for (jk, c) in cells.iter_mut().enumerate() {
            *c = across[jk * nx + i];
        }
    });
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
    fn three_dimensions_match_brute_force() {
        let dims = [7, 5, 9];
        let n = dims[0] * dims[1] * dims[2];
        let target: Vec<bool> = (0..n).map(|i| (i * 7919 + i / 3) % 17 == 0).collect();
        let at = |c: usize| [(c / (dims[1] * dims[2])) as f32, ((c / dims[2]) % dims[1]) as f32, (c % dims[2]) as f32];
        let brute: Vec<f32> = (0..n)
            .map(|c| {
                let p = at(c);
                (0..n)
                    .filter(|&t| target[t])
                    .map(|t| {
                        let q = at(t);
                        (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)
                    })
                    .fold(f32::INFINITY, f32::min)
            })
            .collect();
        assert_eq!(squared_distance_3d(&target, dims), brute);
        assert!(squared_distance_3d(&vec![false; n], dims).iter().all(|d| d.is_infinite()));
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
