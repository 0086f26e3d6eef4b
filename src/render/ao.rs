//! Ambient occlusion per vertex, once per mesh: depth maps of the whole piece seen from many
//! directions (orthographic, like shadow maps), and for each vertex the cosine-weighted share of
//! the directions above its surface from which it is seen. Creases, the engraving's floors and the
//! underside of overhangs come out darker, the "clay render" look.

use super::display::DisplayMesh;
use super::vec3::{add, cross, dot, normalize, scale, sub, V3};
use rayon::prelude::*;

/// Directions are processed in this many groups (enough to keep every core busy).
const DIRECTION_GROUPS: usize = 8;

/// Directions spread evenly over the sphere (a Fibonacci spiral).
pub fn sphere_directions(n: usize) -> Vec<V3> {
    let golden = std::f32::consts::PI * (3.0 - 5f32.sqrt());
    (0..n)
        .map(|i| {
            let z = 1.0 - 2.0 * (i as f32 + 0.5) / n as f32;
            let r = (1.0 - z * z).max(0.0).sqrt();
            let a = golden * i as f32;
            [r * a.cos(), r * a.sin(), z]
        })
        .collect()
}

/// An orthographic depth map looking along `-dir` (depth grows towards the viewer at +dir).
struct DepthMap {
    u: V3,
    v: V3,
    dir: V3,
    centre: V3,
    /// Map units per millimetre.
    scale: f32,
    res: usize,
    depth: Vec<f32>,
}

impl DepthMap {
    fn new(dir: V3, centre: V3, radius: f32, res: usize) -> DepthMap {
        let helper = if dir[2].abs() < 0.9 { [0.0, 0.0, 1.0] } else { [1.0, 0.0, 0.0] };
        let u = normalize(cross(helper, dir));
        let v = cross(dir, u);
        DepthMap {
            u,
            v,
            dir,
            centre,
            scale: res as f32 / (2.0 * radius),
            res,
            depth: vec![f32::NEG_INFINITY; res * res],
        }
    }

    fn project(&self, p: V3) -> [f32; 3] {
        let d = sub(p, self.centre);
        let h = self.res as f32 * 0.5;
        [dot(d, self.u) * self.scale + h, dot(d, self.v) * self.scale + h, dot(d, self.dir)]
    }

    /// Keeps the nearest (highest) depth per texel, sampling texel centres; both windings drawn.
    fn draw(&mut self, a: [f32; 3], b: [f32; 3], c: [f32; 3]) {
        let area = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        if area.abs() < 1e-12 || !area.is_finite() {
            return;
        }
        let inv = 1.0 / area;
        let max = (self.res - 1) as f32;
        let y0 = a[1].min(b[1]).min(c[1]).floor().clamp(0.0, max) as usize;
        let y1 = a[1].max(b[1]).max(c[1]).ceil().clamp(0.0, max) as usize;
        let bx0 = a[0].min(b[0]).min(c[0]).floor().clamp(0.0, max);
        let bx1 = a[0].max(b[0]).max(c[0]).ceil().clamp(0.0, max);
        // Barycentric weights as planes w = gx * px + gy * py + k.
        let plane = |p: [f32; 3], q: [f32; 3]| {
            let gx = (p[1] - q[1]) * inv;
            let gy = (q[0] - p[0]) * inv;
            (gx, gy, (p[0] * q[1] - p[1] * q[0]) * inv)
        };
        let w0 = plane(b, c);
        let w1 = plane(c, a);
        for y in y0..=y1 {
            let py = y as f32 + 0.5;
            // Each weight is linear along the row: intersect where all three are >= 0, so long
            // slivers cost their length, not their bounding box.
            let (mut lo, mut hi) = (bx0, bx1 + 1.0);
            let w2 = (-w0.0 - w1.0, -w0.1 - w1.1, 1.0 - w0.2 - w1.2);
            for (gx, gy, k) in [w0, w1, w2] {
                let at = gy * py + k;
                if gx.abs() < 1e-20 {
                    if at < 0.0 {
                        hi = lo - 1.0;
                    }
                } else if gx > 0.0 {
                    lo = lo.max(-at / gx - 0.5);
                } else {
                    hi = hi.min(-at / gx - 0.5);
                }
            }
            if hi < lo {
                continue;
            }
            let xs = lo.ceil().max(0.0) as usize;
            let xe = (hi.floor().min(max)) as usize;
            for x in xs..=xe.min(self.res - 1) {
                let px = x as f32 + 0.5;
                let (b0, b1) = (w0.0 * px + w0.1 * py + w0.2, w1.0 * px + w1.1 * py + w1.2);
                let b2 = 1.0 - b0 - b1;
                // Rounding at the span's ends.
                if b0 < -1e-4 || b1 < -1e-4 || b2 < -1e-4 {
                    continue;
                }
                let z = b0 * a[2] + b1 * b[2] + b2 * c[2];
                let slot = &mut self.depth[y * self.res + x];
                if z > *slot {
                    *slot = z;
                }
            }
        }
    }

    /// Nearest depth around a point (the 2x2 texels it falls between), so edges do not flicker.
    fn sample(&self, x: f32, y: f32) -> f32 {
        let max = self.res as isize - 1;
        let (xi, yi) = ((x - 0.5).floor() as isize, (y - 0.5).floor() as isize);
        let mut d = f32::NEG_INFINITY;
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (sx, sy) = ((xi + dx).clamp(0, max) as usize, (yi + dy).clamp(0, max) as usize);
            d = d.max(self.depth[sy * self.res + sx]);
        }
        d
    }
}

/// Per-vertex openness in [0, 1] from `directions` depth maps of `res` x `res` texels.
pub fn vertex_occlusion(mesh: &DisplayMesh, directions: usize, res: u32) -> Vec<f32> {
    let n = mesh.positions.len();
    if n == 0 || directions == 0 {
        return vec![1.0; n];
    }
    let centre = scale(add(mesh.bounds.0, mesh.bounds.1), 0.5);
    let radius = mesh.radius().max(1e-3) * 1.02;
    let res = res.clamp(16, 4096) as usize;
    let texel = 2.0 * radius / res as f32;
    let dirs = sphere_directions(directions);
    // Fixed groups summed in a fixed order: the same result whatever the number of threads.
    let group = dirs.len().div_ceil(DIRECTION_GROUPS).max(1);
    let sums: Vec<(Vec<f32>, Vec<f32>)> = dirs
        .par_chunks(group)
        .map(|dirs| {
            dirs.iter().fold((vec![0.0f32; n], vec![0.0f32; n]), |(mut seen, mut total), &dir| {
                let mut map = DepthMap::new(dir, centre, radius, res);
                let projected: Vec<[f32; 3]> = mesh.positions.iter().map(|&p| map.project(p)).collect();
                for t in &mesh.triangles {
                    map.draw(projected[t[0] as usize], projected[t[1] as usize], projected[t[2] as usize]);
                }
                for i in 0..n {
                    let cos = dot(mesh.normals[i], dir);
                    if cos <= 0.0 {
                        continue;
                    }
                    // Lift the point off its own surface a little (more at grazing angles) so a
                    // surface does not shadow itself.
                    let lifted = add(mesh.positions[i], scale(mesh.normals[i], 1.5 * texel));
                    let [x, y, z] = map.project(lifted);
                    let bias = texel * (0.5 + (1.0 - cos * cos).max(0.0).sqrt() / cos.max(0.2));
                    total[i] += cos;
                    if z + bias >= map.sample(x, y) {
                        seen[i] += cos;
                    }
                }
                (seen, total)
            })
        })
        .collect();
    let (mut seen, mut total) = (vec![0.0f32; n], vec![0.0f32; n]);
    for (s, t) in &sums {
        for i in 0..n {
            seen[i] += s[i];
            total[i] += t[i];
        }
    }
    seen.iter().zip(&total).map(|(s, t)| if *t > 0.0 { (s / t).clamp(0.0, 1.0) } else { 1.0 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_cover_the_sphere_evenly() {
        let d = sphere_directions(64);
        let mean = d.iter().fold([0.0f32; 3], |a, v| add(a, *v));
        assert!(mean.iter().all(|m| m.abs() < 0.5), "{mean:?}");
        assert!(d.iter().all(|v| (dot(*v, *v) - 1.0).abs() < 1e-4));
    }
}
