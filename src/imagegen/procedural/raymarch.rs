//! Sphere tracing a scene's distance field into a clay image on white.
//!
//! One ray per pixel first; then pixels on silhouettes get four more rays and pixels on creases
//! two (rotated grid), which antialiases edges for a fraction of the cost of supersampling every
//! pixel. Rows run in parallel in bands; each band reports progress and checks for cancellation.
//! Rays start where they enter the scene's box, and the tree skips subtrees whose boxes are far.

use super::compose::Scene;
use super::math::{v3, Aabb, V3};
use super::sdf::Node;
use crate::render::shading::{dither, encode_srgb, ClayLook, LightRig, SurfacePoint};
use crate::stage::{Progress, StageError};
use image::{Rgba, RgbaImage};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How the picture is taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Square side in pixels.
    pub size: u32,
    /// Soft shadows from the key light.
    pub shadows: bool,
    /// Part of the frame the subject may fill, edge to edge (the rest is white margin).
    pub fill: f32,
    /// Material and light strengths.
    pub look: ClayLook,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions { size: crate::imagegen::IMAGE_SIZE, shadows: true, fill: 0.84, look: ClayLook::default() }
    }
}

/// Bands of rows traced in parallel: one progress step each, plus one for the edge pass.
const BANDS: usize = 16;
/// Sphere-tracing steps before a ray that keeps grazing the surface counts as a miss.
const MAX_STEPS: usize = 220;

/// Renders the scene as an opaque image: the subject in clay grey, the background pure white.
pub fn render(scene: &Scene, opts: &RenderOptions, progress: &dyn Progress) -> Result<RgbaImage, StageError> {
    let field = Field::new(scene.root());
    let size = opts.size.max(8) as usize;
    let camera = Camera::framing(&field, opts.fill);
    let shader = Shader::new(&field, &camera, opts);

    let total = BANDS + 1;
    let done = AtomicUsize::new(0);
    let rows_per_band = size.div_ceil(BANDS);
    let mut samples = vec![Sample::MISS; size * size];
    samples.par_chunks_mut(size * rows_per_band).enumerate().for_each(|(band, chunk)| {
        if progress.is_cancelled() {
            return;
        }
        for (i, s) in chunk.iter_mut().enumerate() {
            let (x, y) = (i % size, band * rows_per_band + i / size);
            *s = shader.sample(&camera.ray(x as f32 + 0.5, y as f32 + 0.5, size));
        }
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        progress.step(n, total, "tracing the clay model");
    });
    if progress.is_cancelled() {
        return Err(StageError::Cancelled);
    }

    let edges = edge_pixels(&samples, size);
    let mut values: Vec<f32> = samples.iter().map(|s| s.value).collect();
    values.par_chunks_mut(size).enumerate().for_each(|(y, row)| {
        for (x, value) in row.iter_mut().enumerate() {
            let extra = edges[y * size + x] as usize;
            // Two extra rays take opposite corners of the rotated grid.
            if let Some(stride) = RGSS.len().checked_div(extra) {
                let sum: f32 = RGSS
                    .iter()
                    .step_by(stride)
                    .map(|(dx, dy)| {
                        let ray = camera.ray(x as f32 + 0.5 + dx, y as f32 + 0.5 + dy, size);
                        shader.sample(&ray).value
                    })
                    .sum();
                *value = (*value + sum) / (extra + 1) as f32;
            }
        }
    });
    if progress.is_cancelled() {
        return Err(StageError::Cancelled);
    }
    progress.step(total, total, "smoothing edges");

    let side = size as u32;
    Ok(RgbaImage::from_fn(side, side, |x, y| {
        let g = encode_srgb(values[y as usize * size + x as usize], dither(x, y));
        Rgba([g, g, g, 255])
    }))
}

/// Rotated-grid offsets for the extra edge samples, in pixels.
const RGSS: [(f32, f32); 4] = [(-0.125, -0.375), (0.375, -0.125), (0.125, 0.375), (-0.375, 0.125)];

/// What one ray saw.
#[derive(Debug, Clone, Copy)]
struct Sample {
    hit: bool,
    depth: f32,
    normal: V3,
    /// Linear radiance; 1.0 is the white background.
    value: f32,
}

impl Sample {
    const MISS: Sample = Sample { hit: false, depth: f32::INFINITY, normal: V3::ZERO, value: 1.0 };
}

/// How many extra rays each pixel gets: four on silhouettes and depth steps, two (opposite
/// corners) on creases, none elsewhere.
fn edge_pixels(samples: &[Sample], size: usize) -> Vec<u8> {
    let grade = |a: &Sample, b: &Sample| -> u8 {
        if a.hit != b.hit || (a.hit && (a.depth - b.depth).abs() > 0.02 * a.depth) {
            4
        } else if a.hit && a.normal.dot(b.normal) < 0.75 {
            2
        } else {
            0
        }
    };
    let mut extra = vec![0u8; size * size];
    for y in 0..size {
        for x in 0..size {
            let i = y * size + x;
            for j in [(x + 1 < size).then_some(i + 1), (y + 1 < size).then_some(i + size)].into_iter().flatten() {
                let g = grade(&samples[i], &samples[j]);
                extra[i] = extra[i].max(g);
                extra[j] = extra[j].max(g);
            }
        }
    }
    extra
}

/// The scene's field with its box and characteristic size.
struct Field<'a> {
    root: &'a Node,
    bounds: Aabb,
    /// Half the box diagonal: sets the scale of occlusion and shadow searches.
    scale: f32,
}

impl<'a> Field<'a> {
    fn new(root: &'a Node) -> Field<'a> {
        let bounds = root.aabb();
        Field { root, bounds, scale: bounds.size().length() * 0.5 }
    }

    fn eval(&self, p: V3) -> f32 {
        self.root.eval_v(p)
    }

    /// Distance along the ray to the surface, if it meets it. `pixel` is the footprint per unit
    /// distance; a ray that comes within half a pixel counts as a hit.
    fn trace(&self, origin: V3, dir: V3, pixel: f32) -> Option<f32> {
        let (t0, t1) = self.bounds.expand(1e-3).ray_span(origin, dir)?;
        let mut t = t0;
        for _ in 0..MAX_STEPS {
            let d = self.eval(origin + dir * t);
            if d < 0.5 * pixel * t {
                return Some(t);
            }
            t += d;
            if t > t1 {
                return None;
            }
        }
        None
    }

    /// Gradient by differences over a tetrahedron: four evaluations instead of six.
    fn normal(&self, p: V3) -> V3 {
        let h = 5e-4 * self.scale;
        [v3(1.0, -1.0, -1.0), v3(-1.0, -1.0, 1.0), v3(-1.0, 1.0, -1.0), v3(1.0, 1.0, 1.0)]
            .iter()
            .fold(V3::ZERO, |n, &k| n + k * self.eval(p + k * h))
            .normalize()
    }

    /// Ambient occlusion from five samples along the normal (Inigo Quilez's method): how much
    /// nearer the surface is than the step taken.
    fn occlusion(&self, p: V3, n: V3) -> f32 {
        let reach = 0.16 * self.scale;
        let mut occ = 0.0;
        let mut weight = 1.0;
        for i in 0..5 {
            let h = 0.01 * self.scale + reach * i as f32 / 4.0;
            occ += (h - self.eval(p + n * h)) * weight;
            weight *= 0.85;
        }
        (1.0 - 2.2 * occ / self.scale).clamp(0.0, 1.0)
    }

    /// Soft shadow towards a light: the narrowest cone the ray squeezes through, up to where the
    /// ray leaves the scene's box.
    fn shadow(&self, p: V3, to_light: V3) -> f32 {
        let k = 10.0;
        let mut res: f32 = 1.0;
        let mut t = 0.01 * self.scale;
        let t_max = self.bounds.ray_span(p, to_light).map_or(0.0, |(_, t1)| t1);
        for _ in 0..28 {
            let h = self.eval(p + to_light * t);
            res = res.min(k * h / t);
            if res < 0.01 || t > t_max {
                break;
            }
            t += h.clamp(0.012 * self.scale, 0.15 * self.scale);
        }
        let r = res.clamp(0.0, 1.0);
        r * r * (3.0 - 2.0 * r)
    }
}

/// A pinhole camera from the front, a little to the right and above, framed on the subject.
struct Camera {
    eye: V3,
    forward: V3,
    right: V3,
    up: V3,
    /// Half the image side, and its centre, in units of the image plane at distance 1.
    half: f32,
    centre: (f32, f32),
}

impl Camera {
    fn looking(target: V3, distance: f32) -> Camera {
        // About 17 degrees to the right of the subject's face and 19 above it: front-on enough to
        // read the motifs, turned enough to show they are solid.
        let (yaw, pitch) = (0.3f32, 0.33f32);
        let back = v3(yaw.sin() * pitch.cos(), pitch.sin(), yaw.cos() * pitch.cos());
        let eye = target + back * distance;
        let forward = -back;
        let right = forward.cross(v3(0.0, 1.0, 0.0)).normalize();
        let up = right.cross(forward);
        Camera { eye, forward, right, up, half: 1.0, centre: (0.0, 0.0) }
    }

    /// Where a point lands on the image plane at distance 1.
    fn project(&self, p: V3) -> (f32, f32) {
        let d = p - self.eye;
        let z = d.dot(self.forward).max(1e-6);
        (d.dot(self.right) / z, d.dot(self.up) / z)
    }

    /// Frames the box loosely, finds the subject's true outline with a coarse pass of rays, and
    /// frames that so it fills `fill` of the image, centred.
    fn framing(field: &Field, fill: f32) -> Camera {
        let b = field.bounds;
        let mut cam = Camera::looking(b.center(), field.scale * 4.5);
        let (u0, u1, v0, v1) = extent(b.corners().iter().map(|&c| cam.project(c)));
        cam.half = 0.5 * (u1 - u0).max(v1 - v0) * 1.02;
        cam.centre = ((u0 + u1) * 0.5, (v0 + v1) * 0.5);

        let n = 96;
        let pixel = 2.0 * cam.half / n as f32;
        let hits: Vec<(f32, f32)> = (0..n * n)
            .into_par_iter()
            .filter_map(|i| {
                let (x, y) = ((i % n) as f32 + 0.5, (i / n) as f32 + 0.5);
                let ray = cam.ray(x, y, n);
                field.trace(ray.origin, ray.dir, ray.pixel).map(|_| cam.plane(x, y, n))
            })
            .collect();
        if hits.is_empty() {
            return cam;
        }
        let (u0, u1, v0, v1) = extent(hits.into_iter());
        // One coarse pixel of slack on every side: thin parts between coarse rays stay inside.
        let (u0, u1, v0, v1) = (u0 - pixel, u1 + pixel, v0 - pixel, v1 + pixel);
        cam.half = 0.5 * (u1 - u0).max(v1 - v0) / fill;
        cam.centre = ((u0 + u1) * 0.5, (v0 + v1) * 0.5);
        cam
    }

    /// Image-plane position of pixel coordinates (x right, y down) in an image `n` pixels wide.
    fn plane(&self, x: f32, y: f32, n: usize) -> (f32, f32) {
        let n = n as f32;
        (self.centre.0 + (2.0 * x / n - 1.0) * self.half, self.centre.1 + (1.0 - 2.0 * y / n) * self.half)
    }

    fn ray(&self, x: f32, y: f32, n: usize) -> Ray {
        let (u, v) = self.plane(x, y, n);
        let dir = (self.forward + self.right * u + self.up * v).normalize();
        Ray { origin: self.eye, dir, pixel: 2.0 * self.half / n as f32 }
    }
}

/// Smallest and largest u, then v, of image-plane points.
fn extent(pts: impl Iterator<Item = (f32, f32)>) -> (f32, f32, f32, f32) {
    pts.fold((f32::MAX, f32::MIN, f32::MAX, f32::MIN), |e, (u, v)| (e.0.min(u), e.1.max(u), e.2.min(v), e.3.max(v)))
}

struct Ray {
    origin: V3,
    dir: V3,
    /// Footprint of one pixel per unit of distance.
    pixel: f32,
}

/// Turns rays into shaded samples.
struct Shader<'a> {
    field: &'a Field<'a>,
    look: ClayLook,
    rig: LightRig,
    shadows: bool,
}

impl<'a> Shader<'a> {
    fn new(field: &'a Field<'a>, cam: &Camera, opts: &RenderOptions) -> Shader<'a> {
        let rig = LightRig::camera_relative(cam.right.to_array(), [0.0, 1.0, 0.0], (-cam.forward).to_array());
        Shader { field, look: opts.look, rig, shadows: opts.shadows }
    }

    fn sample(&self, ray: &Ray) -> Sample {
        let Some(t) = self.field.trace(ray.origin, ray.dir, ray.pixel) else {
            return Sample::MISS;
        };
        let p = ray.origin + ray.dir * t;
        let n = self.field.normal(p);
        let lift = p + n * (2e-3 * self.field.scale);
        let key = V3::from(self.rig.key);
        // Surfaces facing away from the key get none of it: no shadow to find.
        let shadow = if self.shadows && n.dot(key) > -self.look.wrap { self.field.shadow(lift, key) } else { 1.0 };
        let point = SurfacePoint {
            normal: n.to_array(),
            to_eye: (-ray.dir).to_array(),
            occlusion: self.field.occlusion(p, n),
            shadow,
        };
        Sample { hit: true, depth: t, normal: n, value: self.look.shade(&self.rig, &point) }
    }
}
