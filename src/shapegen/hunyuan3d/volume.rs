//! Decoding the occupancy field on a grid: dense ([`decode_dense`], `VanillaVolumeDecoder`) and
//! hierarchical with adaptive key selection ([`decode_flashvdm`], `FlashVDMVolumeDecoding('mean')`).
//!
//! Ported from hy3dgen 2.0.2 `hy3dgen/shapegen/models/autoencoders/{volume_decoders,attention_processors}.py`.
//! Differs on purpose:
//! - the latents' keys and values are computed once per shape, not per chunk;
//! - FlashVDM picks each group's keys from every 50th query as upstream, then decodes the group in
//!   chunks of at most `chunk` queries with those keys (upstream attends over a whole group at once,
//!   which needs memory in proportion to the group); the values are the same.
//!
//! Grids are `mesh::marching_cubes::Grid`s with `ij` indexing over `[-bounds, bounds]^3`; FlashVDM
//! leaves NaN where it decoded nothing.

use super::vae::{DecoderKv, GeoDecoder};
use super::Error;
use crate::mesh::marching_cubes::Grid;
use crate::stage::Progress;
use candle_core::{DType, Device, IndexOp, Tensor};

/// numpy's `linspace(-bounds, bounds, n, dtype=float32)`: computed in f64, then rounded.
pub fn axis(bounds: f64, n: usize) -> Vec<f32> {
    super::scheduler::linspace(-bounds, bounds, n).into_iter().map(|v| v as f32).collect()
}

/// How many queries one chunk may hold so that the attention scores and the MLP activations of a
/// chunk stay under `budget_bytes` (f32): the chunk size adapts to the model and the memory given.
pub fn chunk_for_budget(budget_bytes: usize, heads: usize, keys: usize, width: usize) -> usize {
    let per_query = 4 * (heads * keys * 2 + width * 8);
    (budget_bytes / per_query.max(1)).clamp(256, 1 << 20)
}

/// Memory for one decoding chunk when none is configured: an eighth of what the system reports
/// available (Linux `MemAvailable`), kept between 64 MiB and 2 GiB; 512 MiB where that is unknown.
pub fn default_chunk_budget() -> usize {
    const FALLBACK: usize = 512 << 20;
    let Ok(info) = std::fs::read_to_string("/proc/meminfo") else { return FALLBACK };
    mem_available(&info).map_or(FALLBACK, |bytes| (bytes / 8).clamp(64 << 20, 2 << 30))
}

/// `MemAvailable` from `/proc/meminfo`'s text, in bytes.
fn mem_available(meminfo: &str) -> Option<usize> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Where decoding reports to, with the level being decoded in its messages.
struct Reporter<'a> {
    progress: &'a dyn Progress,
    what: String,
    done: usize,
    total: usize,
}

impl Reporter<'_> {
    fn tick(&mut self) -> Result<(), Error> {
        self.done += 1;
        self.progress.step(self.done, self.total, &self.what);
        if self.progress.is_cancelled() {
            return Err(Error::Cancelled);
        }
        Ok(())
    }
}

fn points_tensor(points: &[[f32; 3]], device: &Device) -> candle_core::Result<Tensor> {
    let flat: Vec<f32> = points.iter().flatten().copied().collect();
    Tensor::from_vec(flat, (1, points.len(), 3), device)
}

fn logits_vec(t: &Tensor) -> candle_core::Result<Vec<f32>> {
    t.to_dtype(DType::F32)?.flatten_all()?.to_vec1()
}

/// `VanillaVolumeDecoder`: every point of the `(resolution+1)^3` grid, in chunks of `chunk` queries.
pub fn decode_dense(
    decoder: &GeoDecoder,
    kv: &DecoderKv,
    bounds: f64,
    resolution: usize,
    chunk: usize,
    progress: &dyn Progress,
) -> Result<Grid, Error> {
    let n = resolution + 1;
    let ax = axis(bounds, n);
    let total = n * n * n;
    let chunk = chunk.max(1);
    let mut rep =
        Reporter { progress, what: format!("volume decoding at {n}^3"), done: 0, total: total.div_ceil(chunk) };
    let mut values = Vec::with_capacity(total);
    let mut start = 0;
    while start < total {
        let end = (start + chunk).min(total);
        let pts: Vec<[f32; 3]> = (start..end).map(|idx| [ax[idx / (n * n)], ax[(idx / n) % n], ax[idx % n]]).collect();
        let logits = decoder.decode(kv, &points_tensor(&pts, kv.k.device())?)?;
        values.extend(logits_vec(&logits)?);
        start = end;
        rep.tick()?;
    }
    Ok(Grid { dims: [n, n, n], values })
}

/// FlashVDM's number of selected keys for `m` latents.
pub fn topk_for(m: usize) -> usize {
    match m {
        3072 => 1024,
        512 => 256,
        _ => m / 3,
    }
}

/// Per-head indices of the `topk` keys with the largest mean similarity to the sampled queries.
fn select_keys(q1: &Tensor, kv: &DecoderKv, topk: usize) -> Result<DecoderKv, Error> {
    let sim = super::nn::matmul(q1, &kv.k.transpose(2, 3)?.contiguous()?)?.to_dtype(DType::F32)?.mean(2)?; // [1, H, M]
    let sim: Vec<Vec<f32>> = sim.i(0)?.to_vec2()?;
    let mut ks = Vec::with_capacity(sim.len());
    let mut vs = Vec::with_capacity(sim.len());
    for (h, row) in sim.iter().enumerate() {
        let mut order: Vec<u32> = (0..row.len() as u32).collect();
        order.sort_by(|&a, &b| row[b as usize].total_cmp(&row[a as usize]));
        order.truncate(topk);
        let idx = Tensor::from_vec(order, topk, kv.k.device())?;
        ks.push(kv.k.i((0, h))?.index_select(&idx, 0)?);
        vs.push(kv.v.i((0, h))?.index_select(&idx, 0)?);
    }
    Ok(DecoderKv { k: Tensor::stack(&ks, 0)?.unsqueeze(0)?, v: Tensor::stack(&vs, 0)?.unsqueeze(0)? })
}

/// What FlashVDM evaluates: occupancy logits at points, decoded a group at a time, each group with
/// what [`Field::group`] prepared from a sample of its points (the latent decoder picks the keys
/// there). An analytic field lets the decoding's bookkeeping be measured and tested on its own.
pub trait Field {
    type Group;
    fn group(&self, sampled: &[[f32; 3]]) -> Result<Self::Group, Error>;
    fn decode(&self, group: &Self::Group, points: &[[f32; 3]]) -> Result<Vec<f32>, Error>;
}

/// The geometry decoder over one shape's cached keys and values, with FlashVDM's adaptive key
/// selection per group.
pub struct LatentField<'a> {
    pub decoder: &'a GeoDecoder,
    pub kv: &'a DecoderKv,
}

impl Field for LatentField<'_> {
    type Group = DecoderKv;

    fn group(&self, sampled: &[[f32; 3]]) -> Result<DecoderKv, Error> {
        let (_, q1) = self.decoder.queries(&points_tensor(sampled, self.kv.k.device())?, self.kv.k.dtype())?;
        select_keys(&q1, self.kv, topk_for(self.kv.k.dim(2)?))
    }

    fn decode(&self, group: &DecoderKv, points: &[[f32; 3]]) -> Result<Vec<f32>, Error> {
        let (x, q) = self.decoder.queries(&points_tensor(points, self.kv.k.device())?, self.kv.k.dtype())?;
        let attn = super::nn::attention_heads_merged(&q, &group.k, &group.v)?;
        Ok(logits_vec(&self.decoder.finish(&x, &attn)?)?)
    }
}

/// An analytic sphere-like occupancy field, `slope * (radius - |p|)` (positive inside, as the
/// decoder's logits are): for measuring FlashVDM's decoding on a known surface.
#[derive(Debug, Clone, Copy)]
pub struct SphereField {
    pub radius: f32,
    pub slope: f32,
}

impl SphereField {
    pub fn at(&self, p: [f32; 3]) -> f32 {
        self.slope * (self.radius - (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt())
    }
}

impl Field for SphereField {
    type Group = ();

    fn group(&self, _: &[[f32; 3]]) -> Result<(), Error> {
        Ok(())
    }

    fn decode(&self, _: &(), points: &[[f32; 3]]) -> Result<Vec<f32>, Error> {
        Ok(points.iter().map(|&p| self.at(p)).collect())
    }
}

/// Decodes consecutive groups of `points` (sizes in `groups`), each group prepared from its own
/// every `stride`-th point, in chunks of at most `chunk` points.
fn decode_groups<F: Field>(
    field: &F,
    points: &[[f32; 3]],
    groups: &[usize],
    stride: usize,
    chunk: usize,
    rep: &mut Reporter,
) -> Result<Vec<f32>, Error> {
    let mut out = Vec::with_capacity(points.len());
    let mut start = 0;
    for &count in groups {
        let group = &points[start..start + count];
        let sampled: Vec<[f32; 3]> = group.iter().step_by(stride).copied().collect();
        let prepared = field.group(&sampled)?;
        for sub in group.chunks(chunk.max(1)) {
            out.extend(field.decode(&prepared, sub)?);
            rep.tick()?;
        }
        start += count;
    }
    Ok(out)
}

/// FlashVDM's resolution ladder: halvings of `octree` down to `min_resolution`, the coarsest rounded
/// to `4k - 1` (Python's round, ties to even), the others doubling from it.
pub fn flashvdm_resolutions(octree: usize, min_resolution: usize) -> Vec<usize> {
    let mut res = Vec::new();
    let mut r = octree;
    if r < min_resolution {
        res.push(r);
    }
    while r >= min_resolution {
        res.push(r);
        r /= 2;
    }
    res.reverse();
    let first = ((res[0] as f64 / 4.0).round_ties_even() as usize * 4).saturating_sub(1);
    (0..res.len()).map(|i| first << i).collect()
}

/// `extract_near_surface_volume_fn(grid, alpha) + (|grid| < 0.95)`: nonzero where the sign of
/// `grid + alpha` differs from one of its six neighbours (borders replicated, neighbours at the
/// -10000 "not decoded" value replaced by the point itself), or where the field is small.
fn near_surface(grid: &[f32], n: usize, alpha: f32) -> Vec<u8> {
    let val: Vec<f32> = grid.iter().map(|v| v + alpha).collect();
    let sign = |v: f32| -> f32 {
        if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        }
    };
    let idx = |i: usize, j: usize, k: usize| (i * n + j) * n + k;
    let mut out = vec![0u8; n * n * n];
    for i in 0..n {
        for j in 0..n {
            for k in 0..n {
                let c = idx(i, j, k);
                let v = val[c];
                let s = sign(v);
                let neighbours = [
                    idx((i + 1).min(n - 1), j, k),
                    idx(i.saturating_sub(1), j, k),
                    idx(i, (j + 1).min(n - 1), k),
                    idx(i, j.saturating_sub(1), k),
                    idx(i, j, (k + 1).min(n - 1)),
                    idx(i, j, k.saturating_sub(1)),
                ];
                let differs = neighbours.iter().any(|&o| {
                    let nv = if val[o] > -9000.0 { val[o] } else { v };
                    sign(nv) != s
                });
                let mask = u8::from(differs && v > -9000.0);
                out[c] = mask + u8::from(grid[c].abs() < 0.95);
            }
        }
    }
    out
}

/// A 3x3x3 dilation (what the all-ones `Conv3d` with zero padding does to a non-negative mask).
fn dilate(mask: &[u8], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; mask.len()];
    for i in 0..n {
        for j in 0..n {
            for k in 0..n {
                let mut any = false;
                'search: for a in i.saturating_sub(1)..=(i + 1).min(n - 1) {
                    for b in j.saturating_sub(1)..=(j + 1).min(n - 1) {
                        for c in k.saturating_sub(1)..=(k + 1).min(n - 1) {
                            if mask[(a * n + b) * n + c] > 0 {
                                any = true;
                                break 'search;
                            }
                        }
                    }
                }
                out[(i * n + j) * n + k] = u8::from(any);
            }
        }
    }
    out
}

/// Options of [`decode_flashvdm`], upstream's defaults in [`FlashVdm::default`].
#[derive(Debug, Clone, Copy)]
pub struct FlashVdm {
    pub bounds: f64,
    pub octree_resolution: usize,
    pub min_resolution: usize,
    pub mc_level: f32,
    pub chunk: usize,
}

impl Default for FlashVdm {
    fn default() -> Self {
        Self { bounds: 1.01, octree_resolution: 384, min_resolution: 63, mc_level: 0.0, chunk: 8000 }
    }
}

/// `FlashVDMVolumeDecoding('mean')`: a coarse dense pass in 4x4x4 mini-grids (each with its own
/// key selection from every 100th query), then at each finer level only the points near the
/// surface of the level before, grouped into a 6x6x6 partition of their bounding box (keys chosen
/// per group from every 50th query). Also returns how many points were decoded.
pub fn decode_flashvdm(
    decoder: &GeoDecoder,
    kv: &DecoderKv,
    opts: &FlashVdm,
    progress: &dyn Progress,
) -> Result<(Grid, usize), Error> {
    decode_flashvdm_field(&LatentField { decoder, kv }, opts, progress)
}

/// [`decode_flashvdm`] over any [`Field`].
pub fn decode_flashvdm_field<F: Field>(
    field: &F,
    opts: &FlashVdm,
    progress: &dyn Progress,
) -> Result<(Grid, usize), Error> {
    const MINI: usize = 4;
    const SENTINEL: f32 = -10000.0;
    let resolutions = flashvdm_resolutions(opts.octree_resolution, opts.min_resolution);
    let levels = resolutions.len();
    let chunk = opts.chunk.max(1);

    // Level 0, dense, in MINI^3 mini-grids of m^3 points each.
    let n0 = resolutions[0] + 1;
    let m = n0 / MINI;
    let ax = axis(opts.bounds, n0);
    let mut points = Vec::with_capacity(n0 * n0 * n0);
    for a in 0..MINI {
        for b in 0..MINI {
            for c in 0..MINI {
                for i in 0..m {
                    for j in 0..m {
                        for k in 0..m {
                            points.push([ax[a * m + i], ax[b * m + j], ax[c * m + k]]);
                        }
                    }
                }
            }
        }
    }
    let groups = vec![m * m * m; MINI * MINI * MINI];
    let per_group = (m * m * m).div_ceil(chunk);
    let mut rep = Reporter {
        progress,
        what: format!("FlashVDM level 1/{levels} at {n0}^3"),
        done: 0,
        total: per_group * groups.len(),
    };
    let logits = decode_groups(field, &points, &groups, 100, chunk, &mut rep)?;
    let mut decoded = logits.len();
    let mut grid = vec![0f32; n0 * n0 * n0];
    let mut p = 0;
    for a in 0..MINI {
        for b in 0..MINI {
            for c in 0..MINI {
                for i in 0..m {
                    for j in 0..m {
                        for k in 0..m {
                            grid[((a * m + i) * n0 + b * m + j) * n0 + c * m + k] = logits[p];
                            p += 1;
                        }
                    }
                }
            }
        }
    }
    let mut n = n0;

    let bbox_min = -opts.bounds as f32;
    for (level, &res) in resolutions.iter().enumerate().skip(1) {
        let last = level + 1 == levels;
        let next_n = res + 1;
        let mut curr = near_surface(&grid, n, opts.mc_level);
        if !last {
            curr = dilate(&curr, n);
        }
        let mut next_index = vec![0u8; next_n * next_n * next_n];
        for i in 0..n {
            for j in 0..n {
                for k in 0..n {
                    if curr[(i * n + j) * n + k] > 0 {
                        next_index[((2 * i) * next_n + 2 * j) * next_n + 2 * k] = 1;
                    }
                }
            }
        }
        for _ in 0..(if last { 2 } else { 1 }) {
            next_index = dilate(&next_index, next_n);
        }
        let step = (2.0 * opts.bounds / res as f64) as f32;
        let nidx: Vec<usize> = (0..next_index.len()).filter(|&i| next_index[i] > 0).collect();
        let pts: Vec<[f32; 3]> = nidx
            .iter()
            .map(|&f| {
                let (i, j, k) = (f / (next_n * next_n), (f / next_n) % next_n, f % next_n);
                [i, j, k].map(|v| v as f32 * step + bbox_min)
            })
            .collect();
        // Partition into a 6x6x6 grid over the points' bounding box, sorted by cell as torch.sort does.
        const CELLS: usize = 6;
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for p in &pts {
            for a in 0..3 {
                lo[a] = lo[a].min(p[a]);
                hi[a] = hi[a].max(p[a]);
            }
        }
        let cell = |p: &[f32; 3]| -> usize {
            let c = |a: usize| ((p[a] - lo[a]) / (hi[a] - lo[a]) * 5.999f32).floor() as usize;
            c(0) * CELLS * CELLS + c(1) * CELLS + c(2)
        };
        let cells: Vec<usize> = pts.iter().map(cell).collect();
        let keys: Vec<i64> = cells.iter().map(|&c| c as i64).collect();
        let order = super::torch_sort::sort_indices(&keys);
        let sorted: Vec<[f32; 3]> = order.iter().map(|&i| pts[i]).collect();
        let mut groups: Vec<usize> = Vec::new();
        let mut prev = None;
        for &i in &order {
            if prev == Some(cells[i]) {
                *groups.last_mut().expect("a group was started") += 1;
            } else {
                groups.push(1);
                prev = Some(cells[i]);
            }
        }
        let mut rep = Reporter {
            progress,
            what: format!("FlashVDM level {}/{levels} at {next_n}^3", level + 1),
            done: 0,
            total: groups.iter().map(|g| g.div_ceil(chunk)).sum(),
        };
        let logits = decode_groups(field, &sorted, &groups, 50, chunk, &mut rep)?;
        decoded += logits.len();
        let mut next = vec![SENTINEL; next_n * next_n * next_n];
        for (s, &i) in order.iter().enumerate() {
            next[nidx[i]] = logits[s];
        }
        grid = next;
        n = next_n;
    }
    for v in grid.iter_mut() {
        if *v == SENTINEL {
            *v = f32::NAN;
        }
    }
    Ok((Grid { dims: [n, n, n], values: grid }, decoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FlashVDM at octree 256 on a sphere of radius 0.5: far fewer queries than the dense 257^3
    /// grid, every cell that the surface crosses at the finest level decoded, and the decoded values
    /// those of the field.
    #[test]
    fn flashvdm_on_a_sphere_decodes_the_surface_band_only() {
        let field = SphereField { radius: 0.5, slope: 20.0 };
        let opts = FlashVdm { octree_resolution: 256, ..FlashVdm::default() };
        let (grid, decoded) = decode_flashvdm_field(&field, &opts, &crate::stage::NoProgress).unwrap();
        let dense = 257usize.pow(3);
        eprintln!(
            "FlashVDM at octree 256 on {field:?}: {decoded} queries against {dense} dense ({:.1}%), grid {:?}",
            100.0 * decoded as f64 / dense as f64,
            grid.dims
        );
        assert!(decoded * 10 < dense, "{decoded} queries");
        let n = grid.dims[0];
        assert_eq!(n, 253);
        let ax = axis(opts.bounds, n);
        let at = |i: usize, j: usize, k: usize| grid.values[(i * n + j) * n + k];
        let mut crossing = 0;
        for i in 0..n - 1 {
            for j in 0..n - 1 {
                for k in 0..n - 1 {
                    let a = field.at([ax[i], ax[j], ax[k]]);
                    let b = field.at([ax[i + 1], ax[j], ax[k]]);
                    if (a > 0.0) != (b > 0.0) {
                        crossing += 1;
                        // FlashVDM places its points as `index * step - bounds`, not by linspace.
                        assert!((at(i, j, k) - a).abs() < 1e-4, "cell {i} {j} {k} on the surface: {}", at(i, j, k));
                        assert!((at(i + 1, j, k) - b).abs() < 1e-4, "cell {} {j} {k}: {}", i + 1, at(i + 1, j, k));
                    }
                }
            }
        }
        assert!(crossing > 10_000, "{crossing} crossings");
        let decoded_at_finest = grid.values.iter().filter(|v| !v.is_nan()).count();
        assert!(decoded_at_finest < decoded);
    }

    /// Progress that asks to stop once `after` steps were reported, recording the steps it saw.
    struct StopAfter {
        after: usize,
        steps: std::sync::Mutex<Vec<(usize, usize)>>,
    }

    impl Progress for StopAfter {
        fn step(&self, n: usize, total: usize, _: &str) {
            self.steps.lock().unwrap().push((n, total));
        }
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            self.steps.lock().unwrap().len() >= self.after
        }
    }

    #[test]
    fn flashvdm_reports_each_chunk_and_stops_between_chunks_when_cancelled() {
        let field = SphereField { radius: 0.5, slope: 20.0 };
        let opts = FlashVdm { octree_resolution: 64, min_resolution: 16, chunk: 100, ..FlashVdm::default() };
        let progress = StopAfter { after: 3, steps: Default::default() };
        assert!(matches!(decode_flashvdm_field(&field, &opts, &progress), Err(Error::Cancelled)));
        let steps = progress.steps.lock().unwrap().clone();
        // Level 1 at 16^3 in 4^3 mini-grids of 64 points: one chunk of 100 per mini-grid.
        assert_eq!(steps, vec![(1, 64), (2, 64), (3, 64)]);
    }

    #[test]
    fn chunk_budget_follows_available_memory() {
        let info = "MemTotal:       24683720 kB\nMemFree:        13685412 kB\nMemAvailable:   23207264 kB\n";
        assert_eq!(mem_available(info), Some(23_207_264 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        let budget = default_chunk_budget();
        assert!((64 << 20..=2 << 30).contains(&budget), "{budget}");
        // A smaller budget never gives a larger chunk.
        assert!(chunk_for_budget(64 << 20, 16, 3072, 1024) <= chunk_for_budget(budget.max(64 << 20), 16, 3072, 1024));
    }

    #[test]
    fn ladder_as_upstream() {
        assert_eq!(flashvdm_resolutions(64, 16), vec![15, 30, 60]);
        assert_eq!(flashvdm_resolutions(256, 63), vec![63, 126, 252]);
        assert_eq!(flashvdm_resolutions(384, 63), vec![95, 190, 380]);
        // 72 / 4 = 18 -> ... 36 / 4 = 9 -> 35; ties go to even: 18/4 = 4.5 -> 4
        assert_eq!(flashvdm_resolutions(18, 63), vec![15]);
    }

    #[test]
    fn near_surface_marks_sign_changes_and_small_values() {
        let n = 3;
        let mut g = vec![5.0f32; 27];
        g[13] = -5.0; // centre inside-out
        let m = near_surface(&g, n, 0.0);
        assert_eq!(m[13], 1);
        assert_eq!(m[(n + 1) * n + 1], 1); // (0,1,1) faces the centre
        assert_eq!(m[0], 0); // a corner has no face neighbour of another sign
        let mut g2 = vec![5.0f32; 27];
        g2[0] = 0.5;
        assert_eq!(near_surface(&g2, n, 0.0)[0], 1);
    }

    #[test]
    fn dilation_grows_by_one() {
        let n = 5;
        let mut m = vec![0u8; 125];
        m[(2 * n + 2) * n + 2] = 1;
        let d = dilate(&m, n);
        assert_eq!(d.iter().filter(|&&v| v > 0).count(), 27);
    }
}
