//! Small meshes built in code, for tests, benchmarks and examples: boxes, a sphere, a table, and a
//! pedestal-like drum with a post. All closed, counter-clockwise seen from outside, Z up.

use crate::mesh::Mesh;
use std::collections::HashMap;

/// An axis-aligned box from `lo` to `hi`.
pub fn boxed(lo: [f32; 3], hi: [f32; 3]) -> Mesh {
    let v = (0..8)
        .map(|i| {
            [
                if i & 1 == 0 { lo[0] } else { hi[0] },
                if i & 2 == 0 { lo[1] } else { hi[1] },
                if i & 4 == 0 { lo[2] } else { hi[2] },
            ]
        })
        .collect();
    let quads = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]];
    let t = quads.iter().flat_map(|q| [[q[0], q[1], q[2]], [q[0], q[2], q[3]]]).collect();
    Mesh::new(v, t)
}

/// A cube of side `s` standing on Z = 0, centred on the Z axis.
pub fn cube(s: f32) -> Mesh {
    boxed([-s / 2.0, -s / 2.0, 0.0], [s / 2.0, s / 2.0, s])
}

fn append(into: &mut Mesh, m: Mesh) {
    let base = into.vertices.len() as u32;
    into.vertices.extend(m.vertices);
    into.triangles.extend(m.triangles.iter().map(|t| t.map(|i| i + base)));
}

/// A slab on a leg: its underside overhangs, and the leg's top is in its shadow.
pub fn table() -> Mesh {
    let mut m = boxed([-2.0, -2.0, 0.0], [2.0, 2.0, 10.0]);
    append(&mut m, boxed([-10.0, -10.0, 10.0], [10.0, 10.0, 12.0]));
    m
}

/// A subdivided icosahedron of `radius` centred at `centre`: 20 * 4^level triangles.
pub fn icosphere(radius: f32, level: u32, centre: [f32; 3]) -> Mesh {
    let t = (1.0 + 5f32.sqrt()) / 2.0;
    let mut v: Vec<[f32; 3]> = vec![
        [-1.0, t, 0.0],
        [1.0, t, 0.0],
        [-1.0, -t, 0.0],
        [1.0, -t, 0.0],
        [0.0, -1.0, t],
        [0.0, 1.0, t],
        [0.0, -1.0, -t],
        [0.0, 1.0, -t],
        [t, 0.0, -1.0],
        [t, 0.0, 1.0],
        [-t, 0.0, -1.0],
        [-t, 0.0, 1.0],
    ];
    let mut f: Vec<[u32; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    for _ in 0..level {
        let mut mid: HashMap<(u32, u32), u32> = HashMap::new();
        let mut next = Vec::with_capacity(f.len() * 4);
        for tri in &f {
            let mut m = [0u32; 3];
            for k in 0..3 {
                let (a, b) = (tri[k], tri[(k + 1) % 3]);
                let key = (a.min(b), a.max(b));
                m[k] = *mid.entry(key).or_insert_with(|| {
                    let (p, q) = (v[a as usize], v[b as usize]);
                    v.push([(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0, (p[2] + q[2]) / 2.0]);
                    (v.len() - 1) as u32
                });
            }
            next.extend([[tri[0], m[0], m[2]], [tri[1], m[1], m[0]], [tri[2], m[2], m[1]], m]);
        }
        f = next;
    }
    let v = v
        .iter()
        .map(|p| {
            let l = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
            [centre[0] + p[0] / l * radius, centre[1] + p[1] / l * radius, centre[2] + p[2] / l * radius]
        })
        .collect();
    Mesh::new(v, f)
}

/// A drum (radius `r`, height `h`, `n` sides) standing on Z = 0.
pub fn drum(r: f32, h: f32, n: u32) -> Mesh {
    let mut v = vec![[0.0, 0.0, 0.0], [0.0, 0.0, h]];
    for i in 0..n {
        let a = i as f32 / n as f32 * std::f32::consts::TAU;
        v.push([r * a.cos(), r * a.sin(), 0.0]);
        v.push([r * a.cos(), r * a.sin(), h]);
    }
    let mut t = Vec::new();
    for i in 0..n {
        let j = (i + 1) % n;
        let (b0, t0, b1, t1) = (2 + 2 * i, 3 + 2 * i, 2 + 2 * j, 3 + 2 * j);
        t.push([0, b1, b0]);
        t.push([1, t0, t1]);
        t.push([b0, b1, t1]);
        t.push([b0, t1, t0]);
    }
    Mesh::new(v, t)
}

/// A pedestal-like piece: a wide drum with a block "engraving" standing proud on its front (-Y),
/// a post, and a ball on top. Separate closed parts, as a quick stand-in for a keepsake.
pub fn pedestal_piece() -> Mesh {
    let mut m = drum(20.0, 10.0, 64);
    // A raised "I" and "L" on the front face, readable when facing the camera.
    append(&mut m, boxed([-8.0, -20.6, 2.0], [-6.0, -19.0, 8.0]));
    append(&mut m, boxed([-2.0, -20.6, 2.0], [0.0, -19.0, 8.0]));
    append(&mut m, boxed([0.0, -20.6, 2.0], [5.0, -19.0, 4.0]));
    append(&mut m, boxed([-4.0, -4.0, 10.0], [4.0, 4.0, 40.0]));
    append(&mut m, icosphere(9.0, 3, [0.0, 0.0, 48.0]));
    m
}

/// A closed, bumpy ball of radius about `r` from a `rings` x `segments` latitude-longitude grid:
/// 2 * segments * (rings - 1) triangles, all small, for benchmarks at a known triangle count.
pub fn bumpy_ball(r: f32, rings: u32, segments: u32) -> Mesh {
    let (rings, segments) = (rings.max(2), segments.max(3));
    let mut v = vec![[0.0, 0.0, 2.0 * r], [0.0, 0.0, 0.0]];
    for i in 1..rings {
        let polar = std::f32::consts::PI * i as f32 / rings as f32;
        for j in 0..segments {
            let a = std::f32::consts::TAU * j as f32 / segments as f32;
            let bump = 1.0 + 0.04 * (7.0 * a).sin() * (5.0 * polar).sin();
            let rr = r * bump;
            v.push([rr * polar.sin() * a.cos(), rr * polar.sin() * a.sin(), r + rr * polar.cos()]);
        }
    }
    let at = |i: u32, j: u32| 2 + (i - 1) * segments + j % segments;
    let mut t = Vec::new();
    for j in 0..segments {
        t.push([0, at(1, j), at(1, j + 1)]);
        t.push([1, at(rings - 1, j + 1), at(rings - 1, j)]);
    }
    for i in 1..rings - 1 {
        for j in 0..segments {
            t.push([at(i, j), at(i + 1, j), at(i + 1, j + 1)]);
            t.push([at(i, j), at(i + 1, j + 1), at(i, j + 1)]);
        }
    }
    Mesh::new(v, t)
}
