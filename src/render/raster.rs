//! The z-buffered triangle rasteriser: vertices to clip space and shaded once (Gouraud over a dense
//! mesh looks like per-pixel shading), triangles clipped in homogeneous space against the near
//! plane and a guard band, set up with exact fixed-point edge functions (top-left fill rule, so
//! shared edges neither crack nor double), binned into row bands and drawn in parallel, then
//! supersampled pixels averaged down.
//!
//! Depth is 1/w (larger is nearer), which is linear in screen space and needs no far plane.

use super::camera::{Camera, Projection};
use super::display::{DisplayMesh, OVERHANG, THIN};
use super::matcap::Matcap;
use super::shading::{encode_srgb, ClayLook};
use super::vec3::dot;
use image::{Rgba, RgbaImage};
use rayon::prelude::*;

/// Sub-sample precision of vertex positions: 1/256 of a sample.
const SUB: i64 = 256;
/// Clip triangles to this multiple of the screen (guard band), so fixed point never overflows.
const GUARD: f32 = 2.0;
/// Sample rows per band: the unit of parallel work.
const BAND_ROWS: usize = 16;
/// Triangles per setup task.
const SETUP_CHUNK: usize = 4096;
/// Entries of the linear-to-sRGB table.
const SRGB_STEPS: usize = 4096;

/// How overlays tint the clay: a multiplier on the shade plus a glow, so a tint reads even in the
/// dark underside where overhangs are (linear colour).
const OVERHANG_TINT: Tint = Tint { mul: [0.95, 0.36, 0.22], add: [0.22, 0.035, 0.015] };
const THIN_TINT: Tint = Tint { mul: [0.75, 0.28, 0.95], add: [0.18, 0.03, 0.26] };

#[derive(Clone, Copy)]
struct Tint {
    mul: [f32; 3],
    add: [f32; 3],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    pub width: u32,
    pub height: u32,
    pub background: [u8; 3],
    /// Samples per pixel along each axis (1 = none, 2 = 2x2 supersampling), at most 4.
    pub ssaa: u32,
    /// Tint faces that overhang more than 45 degrees.
    pub overhang: bool,
    /// Tint faces whose wall is too thin to print.
    pub thin: bool,
    pub look: ClayLook,
    /// The clay's colour, multiplied into the shade (linear).
    pub clay: [f32; 3],
    /// How strongly occlusion darkens: the openness is raised to this power.
    pub occlusion_power: f32,
    /// How much fine ridges brighten and fine grooves darken (engraved letters read by this).
    pub detail: f32,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            width: 640,
            height: 480,
            background: [255, 255, 255],
            ssaa: 2,
            overhang: false,
            thin: false,
            look: ClayLook::default(),
            clay: [1.0, 0.97, 0.93],
            occlusion_power: 2.0,
            detail: 0.9,
        }
    }
}

/// One triangle ready to draw: edge functions in fixed point, depth and shade as planes.
#[derive(Clone, Copy)]
struct Setup {
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    /// Edge values at sample (0, 0), including the fill-rule bias.
    e: [i64; 3],
    step_x: [i64; 3],
    step_y: [i64; 3],
    /// Plane origin (in sample coordinates) and gradients of 1/w and shade/w.
    u0: f32,
    v0: f32,
    q: [f32; 3],
    lq: [f32; 3],
    tint: u8,
}

/// One clip-space vertex: position (x, y, w) and linear shade.
#[derive(Clone, Copy)]
struct ClipVertex {
    p: [f32; 3],
    l: f32,
}

/// Reusable buffers and tables; keep one per thread that renders repeatedly.
#[derive(Default)]
pub struct Renderer {
    depth: Vec<f32>,
    colour: Vec<u32>,
    srgb: Vec<u8>,
    /// The last matcap and what it was built for: a turntable keeps one elevation, so one table.
    matcap: Option<(ClayLook, [f32; 3], Matcap)>,
}

fn pack(c: [u8; 3]) -> u32 {
    u32::from(c[0]) | u32::from(c[1]) << 8 | u32::from(c[2]) << 16
}

impl Renderer {
    pub fn new() -> Renderer {
        Renderer::default()
    }

    /// Draws `mesh` from `camera` into a new image.
    pub fn render(&mut self, mesh: &DisplayMesh, camera: &Camera, opts: &RenderOptions) -> RgbaImage {
        let (w, h) = (opts.width.max(1), opts.height.max(1));
        let s = opts.ssaa.clamp(1, 4);
        let (sw, sh) = ((w * s) as usize, (h * s) as usize);
        if self.srgb.len() != SRGB_STEPS {
            self.srgb = (0..SRGB_STEPS).map(|i| encode_srgb(i as f32 / (SRGB_STEPS - 1) as f32, 0.0)).collect();
        }
        let bg = pack(opts.background);
        self.depth.clear();
        self.depth.resize(sw * sh, 0.0);
        self.colour.clear();
        self.colour.resize(sw * sh, bg);
        if !mesh.is_empty() {
            let proj = camera.projection(w as f32 / h as f32, mesh.radius());
            let verts = self.vertices(mesh, &proj, opts);
            let tints = tints(opts);
            let chunks = setup_all(mesh, &verts, proj.near, sw, sh, opts);
            let srgb = &self.srgb;
            let bands = sh.div_ceil(BAND_ROWS);
            self.depth
                .par_chunks_mut(sw * BAND_ROWS)
                .zip(self.colour.par_chunks_mut(sw * BAND_ROWS))
                .enumerate()
                .for_each(|(band, (depth, colour))| {
                    let rows = (band * BAND_ROWS, ((band + 1) * BAND_ROWS).min(sh));
                    for (tris, bins) in &chunks {
                        for &i in &bins[band] {
                            draw(&tris[i as usize], rows, sw, depth, colour, &tints, srgb);
                        }
                    }
                });
            debug_assert!(chunks.iter().all(|(_, b)| b.len() == bands));
        }
        resolve(&self.colour, w, h, s)
    }

    /// Clip position and clay shade of every vertex.
    fn vertices(&mut self, mesh: &DisplayMesh, proj: &Projection, opts: &RenderOptions) -> Vec<ClipVertex> {
        let b = proj.basis;
        let up = [b.right[2], b.up[2], b.back[2]];
        if !matches!(&self.matcap, Some((look, u, _)) if *look == opts.look && *u == up) {
            self.matcap = Some((opts.look, up, Matcap::new(&opts.look, up)));
        }
        let Some((_, _, matcap)) = &self.matcap else { return Vec::new() };
        let power = opts.occlusion_power.max(0.0);
        let gain = opts.detail;
        (0..mesh.positions.len())
            .into_par_iter()
            .map(|i| {
                let n = mesh.normals[i];
                let ao = mesh.occlusion.get(i).copied().unwrap_or(1.0).clamp(0.0, 1.0);
                let detail = mesh.detail.get(i).copied().unwrap_or(0.0);
                let nv = [dot(n, b.right), dot(n, b.up), dot(n, b.back)];
                let l = matcap.shade(nv, ao.powf(power)) * (1.0 + gain * detail).max(0.0);
                ClipVertex { p: proj.clip(mesh.positions[i]), l }
            })
            .collect()
    }
}

/// Draws `mesh` once; see [`Renderer`] to reuse buffers between frames.
pub fn render(mesh: &DisplayMesh, camera: &Camera, opts: &RenderOptions) -> RgbaImage {
    Renderer::new().render(mesh, camera, opts)
}

/// Colour per tint index: 0 clay, 1 overhang, 2 thin.
fn tints(opts: &RenderOptions) -> [Tint; 3] {
    let clay = Tint { mul: opts.clay, add: [0.0; 3] };
    let on_clay = |t: Tint| Tint { mul: [0, 1, 2].map(|k| opts.clay[k] * t.mul[k]), add: t.add };
    [clay, on_clay(OVERHANG_TINT), on_clay(THIN_TINT)]
}

fn tint_of(flags: u8, opts: &RenderOptions) -> u8 {
    if opts.thin && flags & THIN != 0 {
        2
    } else if opts.overhang && flags & OVERHANG != 0 {
        1
    } else {
        0
    }
}

type Binned = (Vec<Setup>, Vec<Vec<u32>>);

/// Clips, culls and sets up every triangle, in parallel chunks, each with its own bins per band.
fn setup_all(
    mesh: &DisplayMesh,
    verts: &[ClipVertex],
    near: f32,
    sw: usize,
    sh: usize,
    opts: &RenderOptions,
) -> Vec<Binned> {
    let bands = sh.div_ceil(BAND_ROWS);
    mesh.triangles
        .par_chunks(SETUP_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut tris = Vec::with_capacity(chunk.len());
            let mut bins = vec![Vec::new(); bands];
            for (k, t) in chunk.iter().enumerate() {
                let (Some(&a), Some(&b), Some(&v2)) =
                    (verts.get(t[0] as usize), verts.get(t[1] as usize), verts.get(t[2] as usize))
                else {
                    continue;
                };
                let flags = mesh.flags.get(c * SETUP_CHUNK + k).copied().unwrap_or(0);
                let tint = tint_of(flags, opts);
                clip_and_setup([a, b, v2], near, sw, sh, tint, &mut |s| {
                    for bin in &mut bins[s.y0 as usize / BAND_ROWS..=s.y1 as usize / BAND_ROWS] {
                        bin.push(tris.len() as u32);
                    }
                    tris.push(s);
                });
            }
            (tris, bins)
        })
        .collect()
}

/// Signed distances to the clip planes: near, then the guard band's four sides.
fn plane_distances(v: &ClipVertex, near: f32) -> [f32; 5] {
    let [x, y, w] = v.p;
    [w - near, GUARD * w - x, GUARD * w + x, GUARD * w - y, GUARD * w + y]
}

fn clip_and_setup(v: [ClipVertex; 3], near: f32, sw: usize, sh: usize, tint: u8, emit: &mut impl FnMut(Setup)) {
    if v.iter().any(|c| !(c.p.iter().all(|x| x.is_finite()) && c.l.is_finite())) {
        return;
    }
    let d = v.map(|c| plane_distances(&c, near));
    // Wholly outside one plane: nothing to draw.
    if (0..5).any(|k| d.iter().all(|di| di[k] < 0.0)) {
        return;
    }
    if d.iter().all(|di| di.iter().all(|x| *x >= 0.0)) {
        // In front of the eye, det[x y w] has the sign of the screen area: most faces turned
        // away are dropped here, before projecting (the exact test in `setup` decides the rest).
        let [a, b, c] = v.map(|c| c.p);
        let det = a[0] * (b[1] * c[2] - c[1] * b[2]) - a[1] * (b[0] * c[2] - c[0] * b[2])
            + a[2] * (b[0] * c[1] - c[0] * b[1]);
        if det < -1e-6 * (a[2] * b[2] * c[2]).abs() {
            return;
        }
        if let Some(s) = setup(v, sw, sh, tint) {
            emit(s);
        }
        return;
    }
    // Sutherland-Hodgman in homogeneous space, then a fan.
    let mut poly: Vec<ClipVertex> = v.to_vec();
    for k in 0..5 {
        let mut next = Vec::with_capacity(poly.len() + 1);
        for i in 0..poly.len() {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            let (da, db) = (plane_distances(&a, near)[k], plane_distances(&b, near)[k]);
            if da >= 0.0 {
                next.push(a);
            }
            if (da >= 0.0) != (db >= 0.0) {
                let t = da / (da - db);
                let mix = |x: f32, y: f32| x + (y - x) * t;
                next.push(ClipVertex {
                    p: [mix(a.p[0], b.p[0]), mix(a.p[1], b.p[1]), mix(a.p[2], b.p[2])],
                    l: mix(a.l, b.l),
                });
            }
        }
        poly = next;
        if poly.len() < 3 {
            return;
        }
    }
    for i in 1..poly.len() - 1 {
        if let Some(s) = setup([poly[0], poly[i], poly[i + 1]], sw, sh, tint) {
            emit(s);
        }
    }
}

/// Projects a clipped triangle and builds its edge functions; None when it faces away, has no
/// area, or covers no sample centre.
fn setup(v: [ClipVertex; 3], sw: usize, sh: usize, tint: u8) -> Option<Setup> {
    let screen = v.map(|c| {
        let iw = 1.0 / c.p[2];
        let x = (c.p[0] * iw * 0.5 + 0.5) * sw as f32;
        let y = (0.5 - c.p[1] * iw * 0.5) * sh as f32;
        ((x * SUB as f32).round() as i64, (y * SUB as f32).round() as i64, iw, c.l * iw)
    });
    let (a, mut b, mut c) = (screen[0], screen[1], screen[2]);
    let area = (b.0 - a.0) * (c.1 - a.1) - (c.0 - a.0) * (b.1 - a.1);
    // Counter-clockwise from outside turns clockwise on a y-down screen: negative area faces us.
    if area >= 0 {
        return None;
    }
    std::mem::swap(&mut b, &mut c);
    let p = [a, b, c];
    let half = SUB / 2;
    let lo_x = p.iter().map(|q| q.0).min()?;
    let hi_x = p.iter().map(|q| q.0).max()?;
    let lo_y = p.iter().map(|q| q.1).min()?;
    let hi_y = p.iter().map(|q| q.1).max()?;
    // Samples whose centres (i * SUB + SUB/2) lie within the box.
    let first = |lo: i64| (lo - half + SUB - 1).div_euclid(SUB).max(0);
    let last = |hi: i64, n: usize| (hi - half).div_euclid(SUB).min(n as i64 - 1);
    let (x0, x1, y0, y1) = (first(lo_x), last(hi_x, sw), first(lo_y), last(hi_y, sh));
    if x0 > x1 || y0 > y1 {
        return None;
    }
    let mut e = [0i64; 3];
    let mut step_x = [0i64; 3];
    let mut step_y = [0i64; 3];
    for i in 0..3 {
        let (s, t) = (p[i], p[(i + 1) % 3]);
        let (dx, dy) = (t.0 - s.0, t.1 - s.1);
        let top_left = (dy == 0 && dx > 0) || dy < 0;
        // E(P) = dx (Py - sy) - dy (Px - sx) at the centre of sample (0, 0).
        e[i] = dx * (half - s.1) - dy * (half - s.0) + if top_left { 0 } else { -1 };
        step_x[i] = -dy * SUB;
        step_y[i] = dx * SUB;
    }
    // Planes through the three vertices in sample coordinates (centre of sample i at i).
    let f = |q: (i64, i64, f32, f32)| (q.0 as f32 / SUB as f32 - 0.5, q.1 as f32 / SUB as f32 - 0.5);
    let (u0, v0) = f(a);
    let (u1, v1) = f(b);
    let (u2, v2) = f(c);
    let det = (u1 - u0) * (v2 - v0) - (u2 - u0) * (v1 - v0);
    if det.abs() < 1e-12 {
        return None;
    }
    let plane = |f0: f32, f1: f32, f2: f32| {
        let ga = ((f1 - f0) * (v2 - v0) - (f2 - f0) * (v1 - v0)) / det;
        let gb = ((f2 - f0) * (u1 - u0) - (f1 - f0) * (u2 - u0)) / det;
        [f0, ga, gb]
    };
    Some(Setup {
        x0: x0 as u32,
        x1: x1 as u32,
        y0: y0 as u32,
        y1: y1 as u32,
        e,
        step_x,
        step_y,
        u0,
        v0,
        q: plane(a.2, b.2, c.2),
        lq: plane(a.3, b.3, c.3),
        tint,
    })
}

/// Rasterises one triangle into the rows `rows` (a band whose buffers start at rows.0).
fn draw(
    t: &Setup,
    rows: (usize, usize),
    sw: usize,
    depth: &mut [f32],
    colour: &mut [u32],
    tints: &[Tint; 3],
    srgb: &[u8],
) {
    let y0 = (t.y0 as usize).max(rows.0);
    let y1 = (t.y1 as usize).min(rows.1 - 1);
    if y0 > y1 {
        return;
    }
    let tint = tints[t.tint as usize];
    let scale = (SRGB_STEPS - 1) as f32;
    let x0 = t.x0 as usize;
    for y in y0..=y1 {
        let (xs, ys) = (x0 as i64, y as i64);
        let mut e = [0, 1, 2].map(|i| t.e[i] + t.step_x[i] * xs + t.step_y[i] * ys);
        let (dx, dy) = (x0 as f32 - t.u0, y as f32 - t.v0);
        let mut q = t.q[0] + t.q[1] * dx + t.q[2] * dy;
        let mut lq = t.lq[0] + t.lq[1] * dx + t.lq[2] * dy;
        let row = (y - rows.0) * sw;
        for x in x0..=t.x1 as usize {
            if (e[0] | e[1] | e[2]) >= 0 {
                let slot = row + x;
                if q > depth[slot] {
                    depth[slot] = q;
                    let l = (lq / q).max(0.0);
                    let ch = |k: usize| srgb[((l * tint.mul[k] + tint.add[k]).min(1.0) * scale) as usize];
                    colour[slot] = pack([ch(0), ch(1), ch(2)]);
                }
            }
            e[0] += t.step_x[0];
            e[1] += t.step_x[1];
            e[2] += t.step_x[2];
            q += t.q[1];
            lq += t.lq[1];
        }
    }
}

/// Averages each pixel's s x s samples.
fn resolve(colour: &[u32], w: u32, h: u32, s: u32) -> RgbaImage {
    let (w, h, s) = (w as usize, h as usize, s as usize);
    let sw = w * s;
    let mut out = vec![0u8; w * h * 4];
    let n = (s * s) as u32;
    out.par_chunks_mut(w * 4).enumerate().for_each(|(y, row)| {
        if s == 2 {
            // The usual case, unrolled.
            let (top, bottom) = (&colour[2 * y * sw..(2 * y + 1) * sw], &colour[(2 * y + 1) * sw..(2 * y + 2) * sw]);
            for (x, px) in row.chunks_exact_mut(4).enumerate() {
                let q = [top[2 * x], top[2 * x + 1], bottom[2 * x], bottom[2 * x + 1]];
                for (k, out) in px[..3].iter_mut().enumerate() {
                    let sum: u32 = q.iter().map(|c| (c >> (8 * k)) & 0xff).sum();
                    *out = ((sum + 2) / 4) as u8;
                }
                px[3] = 255;
            }
            return;
        }
        for x in 0..w {
            let mut sum = [0u32; 3];
            for sy in 0..s {
                let base = (y * s + sy) * sw + x * s;
                for c in &colour[base..base + s] {
                    sum[0] += c & 0xff;
                    sum[1] += (c >> 8) & 0xff;
                    sum[2] += (c >> 16) & 0xff;
                }
            }
            let px = &mut row[x * 4..x * 4 + 4];
            for k in 0..3 {
                px[k] = ((sum[k] + n / 2) / n) as u8;
            }
            px[3] = 255;
        }
    });
    RgbaImage::from_raw(w as u32, h as u32, out).unwrap_or_else(|| RgbaImage::from_pixel(1, 1, Rgba([0, 0, 0, 255])))
}
