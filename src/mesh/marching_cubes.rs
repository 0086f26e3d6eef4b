//! Marching cubes after Lewiner et al. (2003), "Efficient implementation of Marching Cubes' cases
//! with topological guarantees": the variant scikit-image's `measure.marching_cubes` uses by default,
//! so that the Hunyuan3D-2 port gives the vertices its reference does.
//!
//! Ported from scikit-image's `_marching_cubes_lewiner_cy.pyx` (BSD-3-Clause,
//! <https://github.com/scikit-image/scikit-image/blob/cd0a3d22b9f359f05618d75d5c7a29b91b4951ca/src/_skimage2/measure/_marching_cubes_lewiner_cy.pyx>),
//! itself a port of Lewiner's C++. The ambiguous faces and cube interiors are resolved by Lewiner's
//! tests, so a field that is closed inside the grid gives a closed, manifold mesh.
//!
//! Where this differs from scikit-image on purpose:
//! - a vertex never sits on a grid point: its position along the edge is kept at least about 1e-4
//!   grid units from either end (see `edge_margin`), so a field that equals the level at a grid
//!   point gives no zero-area triangles (scikit-image gives coincident vertices there);
//! - NaN counts as far outside and infinities as the largest finite f32 (scikit-image spreads NaN);
//! - the volume is cut into slabs along the first axis that run in parallel; vertices on the planes
//!   between slabs are merged, so the mesh is the one a single pass gives, vertex order included;
//! - no normals or per-vertex values are computed.

mod luts;

use super::Mesh;
use luts::*;
use rayon::prelude::*;

/// Scalar samples on a regular grid, `values[(i * ny + j) * nz + k]` for the point (i, j, k): numpy's
/// C order with 'ij' indexing, the first axis slowest.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub dims: [usize; 3],
    pub values: Vec<f32>,
}

impl Grid {
    /// A grid with every point set to `value`.
    pub fn filled(dims: [usize; 3], value: f32) -> Self {
        Self { dims, values: vec![value; dims[0] * dims[1] * dims[2]] }
    }

    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        (i * self.dims[1] + j) * self.dims[2] + k
    }

    pub fn get(&self, i: usize, j: usize, k: usize) -> f32 {
        self.values[self.index(i, j, k)]
    }

    /// The grid surrounded by `cells` layers of `fill` on every side. Marching cubes only closes a
    /// surface inside the grid, so a field that is inside at the border needs padding with an
    /// outside value; vertices of the padded grid are shifted by `cells` in each axis.
    pub fn padded(&self, cells: usize, fill: f32) -> Grid {
        let dims = self.dims.map(|d| d + 2 * cells);
        let mut out = Grid::filled(dims, fill);
        for i in 0..self.dims[0] {
            for j in 0..self.dims[1] {
                let src = self.index(i, j, 0);
                let dst = out.index(i + cells, j + cells, cells);
                out.values[dst..dst + self.dims[2]].copy_from_slice(&self.values[src..src + self.dims[2]]);
            }
        }
        out
    }
}

/// Samples `f` at `origin + step * (i, j, k)` for every grid point, in parallel over the first axis.
pub fn grid_from_fn(dims: [usize; 3], origin: [f32; 3], step: f32, f: impl Fn([f32; 3]) -> f32 + Sync) -> Grid {
    let plane = dims[1] * dims[2];
    let mut values = vec![0.0; dims[0] * plane];
    if plane > 0 {
        values.par_chunks_mut(plane).enumerate().for_each(|(i, slice)| {
            let x = origin[0] + step * i as f32;
            for j in 0..dims[1] {
                let y = origin[1] + step * j as f32;
                for k in 0..dims[2] {
                    slice[j * dims[2] + k] = f([x, y, origin[2] + step * k as f32]);
                }
            }
        });
    }
    Grid { dims, values }
}

/// The iso-surface where the field crosses `level`, in grid-index units (vertex (i, j, k) is grid
/// point (i, j, k)); each crossed edge gives one shared vertex, placed by linear interpolation.
///
/// Values above `level` are inside (as Hunyuan3D's occupancy logits; a value equal to the level is
/// outside, NaN too): triangles are counter-clockwise seen from the side below the level, so their
/// normals point from higher values towards lower ones and a closed surface has positive
/// [`signed_volume`](super::analysis::signed_volume). This is scikit-image's face order with
/// `gradient_direction='ascent'`, the reverse of its default. The surface closes only inside the
/// grid: pad a field that is inside at the border ([`Grid::padded`]).
/// A grid with fewer than two points along an axis, or with no crossing, gives an empty mesh.
///
/// # Panics
/// When `values.len()` is not the product of `dims` (a caller's bug, not bad input).
pub fn marching_cubes(grid: &Grid, level: f32) -> Mesh {
    let [n0, n1, n2] = grid.dims;
    assert_eq!(grid.values.len(), n0 * n1 * n2, "Grid values do not match its dims {:?}", grid.dims);
    if n0 < 2 || n1 < 2 || n2 < 2 {
        return Mesh::default();
    }
    let layers = n0 - 1;
    let slabs = (rayon::current_num_threads() * 4).clamp(1, layers);
    let bounds: Vec<(usize, usize)> = (0..slabs).map(|s| (s * layers / slabs, (s + 1) * layers / slabs)).collect();
    let parts: Vec<SlabOutput> = bounds.par_iter().map(|&(from, to)| Slab::new(grid, level).run(from, to)).collect();
    stitch(parts)
}

/// How close to a grid point a vertex may come, as a fraction of the edge: far enough that f32
/// keeps it apart from the grid point at any coordinate the grid can have.
fn edge_margin(grid: &Grid) -> f64 {
    let largest = grid.dims.iter().copied().max().unwrap_or(0) as f64;
    (2.0 * largest * f32::EPSILON as f64).max(1e-4)
}

/// scikit-image's FLT_EPSILON, which is numpy's spacing(1.0) for float64.
const EPS: f64 = f64::EPSILON;
const NO_VERTEX: u32 = u32::MAX;

/// Corner offsets (x, y, z) = (k, j, i) of each cube edge's two ends, in Lewiner's numbering:
/// corners 0-3 go round the bottom face (0: origin, 1: +x, 2: +x+y, 3: +y), 4-7 above them.
const EDGE_ENDS: [[[u8; 3]; 2]; 12] = [
    [[0, 0, 0], [1, 0, 0]],
    [[1, 0, 0], [1, 1, 0]],
    [[1, 1, 0], [0, 1, 0]],
    [[0, 1, 0], [0, 0, 0]],
    [[0, 0, 1], [1, 0, 1]],
    [[1, 0, 1], [1, 1, 1]],
    [[1, 1, 1], [0, 1, 1]],
    [[0, 1, 1], [0, 0, 1]],
    [[0, 0, 0], [0, 0, 1]],
    [[1, 0, 0], [1, 0, 1]],
    [[1, 1, 0], [1, 1, 1]],
    [[0, 1, 0], [0, 1, 1]],
];

/// Offset (x, y, z) of each corner.
const CORNER_OFFSET: [[u8; 3]; 8] =
    [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]];

/// A column's inside-code (bit 0: row (z, y), 1: (z, y+1), 2: (z+1, y), 3: (z+1, y+1)) as corner
/// bits of a cube whose left side (x: corners 0, 3, 4, 7) or right side (x + 1: corners 1, 2, 5,
/// 6) it is.
const LEFT_BITS: [u8; 16] = column_bits([0, 3, 4, 7]);
const RIGHT_BITS: [u8; 16] = column_bits([1, 2, 5, 6]);

const fn column_bits(corners: [u8; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let mut code = 0;
    while code < 16 {
        let mut r = 0;
        while r < 4 {
            if code & (1 << r) != 0 {
                out[code] |= 1 << corners[r];
            }
            r += 1;
        }
        code += 1;
    }
    out
}

/// Lewiner's corner number for the corner at offset (x, y, z).
const CORNER_AT: [[[usize; 2]; 2]; 2] = [[[0, 4], [3, 7]], [[1, 5], [2, 6]]];

/// What one slab of cube layers produced, with the vertex ids on its bottom and top planes so that
/// neighbouring slabs can share them.
struct SlabOutput {
    vertices: Vec<[f32; 3]>,
    triangles: Vec<[u32; 3]>,
    /// Face-layer slots of the bottom plane after its first layer; only slots 0 and 1 are plane edges.
    bottom: Vec<u32>,
    top: Vec<u32>,
}

/// The walk over one slab. Names follow Lewiner's code: x is the grid's last axis (k), y the middle
/// (j), z the first (i).
struct Slab<'a> {
    grid: &'a Grid,
    level: f64,
    /// The same level for comparing f32 samples: `v > level` exactly when `v - level > 0` in f64.
    level_f32: f32,
    margin: f64,
    nx: usize,
    ny: usize,
    /// Vertex ids per cell of the current layer, 4 slots each: 0 the x-edge and 1 the y-edge at the
    /// cell's origin on the bottom plane, 2 the z-edge, 3 the interior vertex.
    lower: Vec<u32>,
    /// The same for the top plane (slots 0 and 1 only).
    upper: Vec<u32>,
    vertices: Vec<[f32; 3]>,
    triangles: Vec<[u32; 3]>,
    cube: Cube,
}

/// The cube being triangulated: its origin and its corners' values minus the level.
#[derive(Default)]
struct Cube {
    x: usize,
    y: usize,
    z: usize,
    v: [f64; 8],
    centre: Option<[f64; 3]>,
}

impl<'a> Slab<'a> {
    fn new(grid: &'a Grid, level: f32) -> Self {
        let (nx, ny) = (grid.dims[2], grid.dims[1]);
        Self {
            grid,
            level: level as f64,
            level_f32: level,
            margin: edge_margin(grid),
            nx,
            ny,
            lower: vec![NO_VERTEX; nx * ny * 4],
            upper: vec![NO_VERTEX; nx * ny * 4],
            vertices: Vec::new(),
            triangles: Vec::new(),
            cube: Cube::default(),
        }
    }

    /// A grid value relative to the level, with NaN far outside and infinities made finite so that
    /// the ambiguity tests' products stay numbers.
    fn value(&self, z: usize, y: usize, x: usize) -> f64 {
        let big = f32::MAX as f64;
        let v = self.grid.values[(z * self.ny + y) * self.nx + x];
        if v.is_nan() {
            -big
        } else {
            (v as f64 - self.level).clamp(-big, big)
        }
    }

    fn run(mut self, from: usize, to: usize) -> SlabOutput {
        let mut bottom = Vec::new();
        let (nx, ny) = (self.nx, self.ny);
        let mut codes = vec![0u8; nx];
        for z in from..to {
            std::mem::swap(&mut self.lower, &mut self.upper);
            self.upper.fill(NO_VERTEX);
            for y in 0..ny - 1 {
                // Which of the four grid rows around this row of cubes are inside, per column; most
                // cubes are all inside or all outside and are skipped on that alone.
                let row = |zz: usize, yy: usize| &self.grid.values[(zz * ny + yy) * nx..][..nx];
                let rows = [row(z, y), row(z, y + 1), row(z + 1, y), row(z + 1, y + 1)];
                let level = self.level_f32;
                for (x, code) in codes.iter_mut().enumerate() {
                    *code = rows.iter().enumerate().fold(0, |acc, (r, values)| acc | ((values[x] > level) as u8) << r);
                }
                for x in 0..nx - 1 {
                    let index = LEFT_BITS[codes[x] as usize] | RIGHT_BITS[codes[x + 1] as usize];
                    if index != 0 && index != 255 {
                        self.march(x, y, z, index as usize);
                    }
                }
            }
            if z == from {
                bottom = self.lower.clone();
            }
        }
        SlabOutput { vertices: self.vertices, triangles: self.triangles, bottom, top: self.upper }
    }

    fn march(&mut self, x: usize, y: usize, z: usize, index: usize) {
        let v = [
            self.value(z, y, x),
            self.value(z, y, x + 1),
            self.value(z, y + 1, x + 1),
            self.value(z, y + 1, x),
            self.value(z + 1, y, x),
            self.value(z + 1, y, x + 1),
            self.value(z + 1, y + 1, x + 1),
            self.value(z + 1, y + 1, x),
        ];
        let [case, config] = CASES[index];
        if case <= 0 {
            return;
        }
        self.cube = Cube { x, y, z, v, centre: None };
        self.big_switch(case as u8, config as usize);
    }

    fn add(&mut self, edges: &[i8], count: usize) {
        for t in edges[..3 * count].chunks_exact(3) {
            let tri = [0, 1, 2].map(|n| self.vertex(t[n] as usize));
            self.triangles.push(tri);
        }
    }

    /// The id of the vertex on `edge` (12: the interior vertex), made on first use.
    fn vertex(&mut self, edge: usize) -> u32 {
        let Cube { x, y, z, .. } = self.cube;
        let cell = |dx: usize, dy: usize| 4 * ((y + dy) * self.nx + x + dx);
        let (upper, slot) = match edge {
            0 => (false, cell(0, 0)),
            1 => (false, cell(1, 0) + 1),
            2 => (false, cell(0, 1)),
            3 => (false, cell(0, 0) + 1),
            4 => (true, cell(0, 0)),
            5 => (true, cell(1, 0) + 1),
            6 => (true, cell(0, 1)),
            7 => (true, cell(0, 0) + 1),
            8 => (false, cell(0, 0) + 2),
            9 => (false, cell(1, 0) + 2),
            10 => (false, cell(1, 1) + 2),
            11 => (false, cell(0, 1) + 2),
            _ => (false, cell(0, 0) + 3),
        };
        let existing = if upper { self.upper[slot] } else { self.lower[slot] };
        if existing != NO_VERTEX {
            return existing;
        }
        let offset = if edge < 12 { self.edge_point(edge) } else { self.centre() };
        // Output order is (i, j, k) = (z, y, x).
        let p = [z as f64 + offset[2], y as f64 + offset[1], x as f64 + offset[0]].map(|c| c as f32);
        let id = self.vertices.len() as u32;
        self.vertices.push(p);
        if upper {
            self.upper[slot] = id;
        } else {
            self.lower[slot] = id;
        }
        id
    }

    /// Where the level crosses `edge`, as an offset (x, y, z) within the cube. scikit-image's
    /// weighting by 1/|v| is linear interpolation; written the same way to give the same bits.
    fn edge_point(&self, edge: usize) -> [f64; 3] {
        let [a, b] = EDGE_ENDS[edge];
        let va = self.cube.v[CORNER_AT[a[0] as usize][a[1] as usize][a[2] as usize]];
        let vb = self.cube.v[CORNER_AT[b[0] as usize][b[1] as usize][b[2] as usize]];
        let wa = 1.0 / (EPS + va.abs());
        let wb = 1.0 / (EPS + vb.abs());
        let sum = wa + wb;
        [0, 1, 2].map(|axis| {
            let along = a[axis] as f64 * wa + b[axis] as f64 * wb;
            if a[axis] == b[axis] {
                along / sum
            } else {
                (along / sum).clamp(self.margin, 1.0 - self.margin)
            }
        })
    }

    /// The interior vertex: corners weighted by 1/|v|, as scikit-image; computed once per cube.
    fn centre(&mut self) -> [f64; 3] {
        if let Some(c) = self.cube.centre {
            return c;
        }
        // Summed in corner order, as scikit-image, to give the same bits.
        let mut acc = [0.0f64; 3];
        let mut total = 0.0;
        for (corner, offset) in CORNER_OFFSET.iter().enumerate() {
            let w = 1.0 / (EPS + self.cube.v[corner].abs());
            for axis in 0..3 {
                acc[axis] += offset[axis] as f64 * w;
            }
            total += w;
        }
        let c = acc.map(|a| (a / total).clamp(self.margin, 1.0 - self.margin));
        self.cube.centre = Some(c);
        c
    }

    /// Whether the surface separates the face's corners along the face's diagonal (Lewiner's
    /// test_face): `face` is ±1..6, its sign saying which answer means "yes".
    fn test_face(&self, face: i8) -> bool {
        let v = &self.cube.v;
        let [a, b, c, d] = match face.unsigned_abs() {
            1 => [v[0], v[4], v[5], v[1]],
            2 => [v[1], v[5], v[6], v[2]],
            3 => [v[2], v[6], v[7], v[3]],
            4 => [v[3], v[7], v[4], v[0]],
            5 => [v[0], v[3], v[2], v[1]],
            6 => [v[4], v[7], v[6], v[5]],
            _ => [0.0; 4],
        };
        let ac_bd = a * c - b * d;
        if ac_bd > -EPS && ac_bd < EPS {
            face >= 0
        } else {
            face as f64 * a * ac_bd >= 0.0
        }
    }

    /// Whether the cube's interior joins the two parts of the surface (Lewiner's test_interior).
    fn test_interior(&self, case: u8, config: usize, subconfig: usize, s: i8) -> bool {
        let v = &self.cube.v;
        let (at, bt, ct, dt);
        if case == 4 || case == 10 {
            let a = (v[4] - v[0]) * (v[6] - v[2]) - (v[7] - v[3]) * (v[5] - v[1]);
            let b = v[2] * (v[4] - v[0]) + v[0] * (v[6] - v[2]) - v[1] * (v[7] - v[3]) - v[3] * (v[5] - v[1]);
            let t = -b / (2.0 * a + EPS);
            if !(0.0..=1.0).contains(&t) {
                return s > 0;
            }
            at = v[0] + (v[4] - v[0]) * t;
            bt = v[3] + (v[7] - v[3]) * t;
            ct = v[2] + (v[6] - v[2]) * t;
            dt = v[1] + (v[5] - v[1]) * t;
        } else {
            let edge = match case {
                6 => TEST6[config][2],
                7 => TEST7[config][4],
                12 => TEST12[config][3],
                _ => TILING13_5_1[config][subconfig][0],
            };
            // (corner where the edge starts, its other end, then three edges parallel to it as
            // (start, end) corners, in Lewiner's order)
            let (p, q, rest): (usize, usize, [(usize, usize); 3]) = match edge {
                0 => (0, 1, [(3, 2), (7, 6), (4, 5)]),
                1 => (1, 2, [(0, 3), (4, 7), (5, 6)]),
                2 => (2, 3, [(1, 0), (5, 4), (6, 7)]),
                3 => (3, 0, [(2, 1), (6, 5), (7, 4)]),
                4 => (4, 5, [(7, 6), (3, 2), (0, 1)]),
                5 => (5, 6, [(4, 7), (0, 3), (1, 2)]),
                6 => (6, 7, [(5, 4), (1, 0), (2, 3)]),
                7 => (7, 4, [(6, 5), (2, 1), (3, 0)]),
                8 => (0, 4, [(3, 7), (2, 6), (1, 5)]),
                9 => (1, 5, [(0, 4), (3, 7), (2, 6)]),
                10 => (2, 6, [(1, 5), (0, 4), (3, 7)]),
                11 => (3, 7, [(2, 6), (1, 5), (0, 4)]),
                // scikit-image carries on with zeros here; so do we.
                _ => (0, 0, [(0, 0); 3]),
            };
            if p == q {
                at = 0.0;
                bt = 0.0;
                ct = 0.0;
                dt = 0.0;
            } else {
                let t = v[p] / (v[p] - v[q] + EPS);
                let lerp = |(m, n): (usize, usize)| v[m] + (v[n] - v[m]) * t;
                at = 0.0;
                bt = lerp(rest[0]);
                ct = lerp(rest[1]);
                dt = lerp(rest[2]);
            }
        }
        let test = (at >= 0.0) as u8 | ((bt >= 0.0) as u8) << 1 | ((ct >= 0.0) as u8) << 2 | ((dt >= 0.0) as u8) << 3;
        match test {
            0..=4 | 6 | 8 | 9 | 12 => s > 0,
            // scikit-image's port falls off the end of the function here and returns false, where
            // Lewiner's C++ returns s < 0; both triangulations are closed, we follow scikit-image.
            5 => at * ct - bt * dt < EPS && s > 0,
            10 => at * ct - bt * dt >= EPS && s > 0,
            _ => s < 0,
        }
    }

    /// Lewiner's case analysis: picks the tiling for the cube's sign pattern, testing ambiguous
    /// faces and the interior where the pattern alone does not decide.
    fn big_switch(&mut self, case: u8, config: usize) {
        match case {
            1 => self.add(&TILING1[config], 1),
            2 => self.add(&TILING2[config], 2),
            3 => {
                if self.test_face(TEST3[config]) {
                    self.add(&TILING3_2[config], 4)
                } else {
                    self.add(&TILING3_1[config], 2)
                }
            }
            4 => {
                if self.test_interior(case, config, 0, TEST4[config]) {
                    self.add(&TILING4_1[config], 2)
                } else {
                    self.add(&TILING4_2[config], 6)
                }
            }
            5 => self.add(&TILING5[config], 3),
            6 => {
                if self.test_face(TEST6[config][0]) {
                    self.add(&TILING6_2[config], 5)
                } else if self.test_interior(case, config, 0, TEST6[config][1]) {
                    self.add(&TILING6_1_1[config], 3)
                } else {
                    self.add(&TILING6_1_2[config], 9)
                }
            }
            7 => {
                let sub = (0..3).filter(|&n| self.test_face(TEST7[config][n])).fold(0, |acc, n| acc | 1 << n);
                match sub {
                    0 => self.add(&TILING7_1[config], 3),
                    1 => self.add(&TILING7_2[config][0], 5),
                    2 => self.add(&TILING7_2[config][1], 5),
                    3 => self.add(&TILING7_3[config][0], 9),
                    4 => self.add(&TILING7_2[config][2], 5),
                    5 => self.add(&TILING7_3[config][1], 9),
                    6 => self.add(&TILING7_3[config][2], 9),
                    _ => {
                        if self.test_interior(case, config, sub, TEST7[config][3]) {
                            self.add(&TILING7_4_2[config], 9)
                        } else {
                            self.add(&TILING7_4_1[config], 5)
                        }
                    }
                }
            }
            8 => self.add(&TILING8[config], 2),
            9 => self.add(&TILING9[config], 4),
            10 => {
                if self.test_face(TEST10[config][0]) {
                    if self.test_face(TEST10[config][1]) {
                        self.add(&TILING10_1_1_INV[config], 4)
                    } else {
                        self.add(&TILING10_2[config], 8)
                    }
                } else if self.test_face(TEST10[config][1]) {
                    self.add(&TILING10_2_INV[config], 8)
                } else if self.test_interior(case, config, 0, TEST10[config][2]) {
                    self.add(&TILING10_1_1[config], 4)
                } else {
                    self.add(&TILING10_1_2[config], 8)
                }
            }
            11 => self.add(&TILING11[config], 4),
            12 => {
                if self.test_face(TEST12[config][0]) {
                    if self.test_face(TEST12[config][1]) {
                        self.add(&TILING12_1_1_INV[config], 4)
                    } else {
                        self.add(&TILING12_2[config], 8)
                    }
                } else if self.test_face(TEST12[config][1]) {
                    self.add(&TILING12_2_INV[config], 8)
                } else if self.test_interior(case, config, 0, TEST12[config][2]) {
                    self.add(&TILING12_1_1[config], 4)
                } else {
                    self.add(&TILING12_1_2[config], 8)
                }
            }
            13 => self.case13(config),
            14 => self.add(&TILING14[config], 4),
            _ => {}
        }
    }

    fn case13(&mut self, config: usize) {
        let faces = (0..6).filter(|&n| self.test_face(TEST13[config][n])).fold(0, |acc, n| acc | 1 << n);
        let sub = SUBCONFIG13[faces];
        match sub {
            0 => self.add(&TILING13_1[config], 4),
            1..=6 => self.add(&TILING13_2[config][sub as usize - 1], 6),
            7..=18 => self.add(&TILING13_3[config][sub as usize - 7], 10),
            19..=22 => self.add(&TILING13_4[config][sub as usize - 19], 12),
            23..=26 => {
                let n = sub as usize - 23;
                if self.test_interior(13, config, n, TEST13[config][6]) {
                    self.add(&TILING13_5_1[config][n], 6)
                } else {
                    self.add(&TILING13_5_2[config][n], 10)
                }
            }
            27..=38 => self.add(&TILING13_3_INV[config][sub as usize - 27], 10),
            39..=44 => self.add(&TILING13_2_INV[config][sub as usize - 39], 6),
            45 => self.add(&TILING13_1_INV[config], 4),
            // Lewiner's table marks sign patterns that cannot occur with -1; nothing to add.
            _ => {}
        }
    }
}

/// Joins the slabs into one mesh: vertices on a plane between two slabs were made by both, and the
/// upper slab's copies are replaced by the lower slab's.
fn stitch(parts: Vec<SlabOutput>) -> Mesh {
    let mut mesh = Mesh::default();
    let mut previous_top: Option<Vec<u32>> = None;
    for part in parts {
        let base = mesh.vertices.len() as u32;
        let mut remap = vec![NO_VERTEX; part.vertices.len()];
        if let Some(top) = &previous_top {
            for (slot, (&mine, &theirs)) in part.bottom.iter().zip(top).enumerate() {
                // Slots 2 and 3 (z-edges, interiors) belong to one layer only.
                if slot % 4 < 2 && mine != NO_VERTEX && theirs != NO_VERTEX {
                    remap[mine as usize] = theirs;
                }
            }
        }
        let mut next = base;
        for (local, v) in part.vertices.iter().enumerate() {
            if remap[local] == NO_VERTEX {
                remap[local] = next;
                next += 1;
                mesh.vertices.push(*v);
            }
        }
        mesh.triangles.extend(part.triangles.iter().map(|t| t.map(|i| remap[i as usize])));
        previous_top = Some(part.top.iter().map(|&i| if i == NO_VERTEX { i } else { remap[i as usize] }).collect());
    }
    mesh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mesh::analysis::{components, is_closed_manifold, signed_volume};

    fn sphere(dims: usize, centre: f32, r: f32) -> Grid {
        grid_from_fn([dims; 3], [0.0; 3], 1.0, |p| {
            let d = p.iter().map(|c| (c - centre) * (c - centre)).sum::<f32>().sqrt();
            r - d
        })
    }

    #[test]
    fn sphere_is_closed_manifold_with_the_right_volume() {
        let r = 11.3;
        let m = marching_cubes(&sphere(32, 15.4, r), 0.0);
        assert!(is_closed_manifold(&m));
        assert_eq!(components(&m).len(), 1);
        let exact = 4.0 / 3.0 * std::f64::consts::PI * (r as f64).powi(3);
        let v = signed_volume(&m);
        assert!((v - exact).abs() / exact < 0.02, "volume {v} vs {exact}");
    }

    #[test]
    fn vertices_lie_on_the_surface_in_grid_units() {
        let m = marching_cubes(&sphere(24, 11.5, 7.7), 0.0);
        for v in &m.vertices {
            let d = v.iter().map(|c| (c - 11.5) * (c - 11.5)).sum::<f32>().sqrt();
            assert!((d - 7.7).abs() < 0.1, "vertex {v:?} at distance {d}");
        }
    }

    #[test]
    fn field_exactly_at_the_level_on_grid_points_still_gives_a_clean_mesh() {
        // A sphere of integer radius centred on a grid point: six grid points lie on the surface,
        // and a box whose faces lie on grid planes has whole planes of them.
        let m = marching_cubes(&sphere(20, 10.0, 6.0), 0.0);
        assert!(is_closed_manifold(&m));
        let cube =
            grid_from_fn([12; 3], [0.0; 3], 1.0, |p| 3.0 - p.iter().map(|c| (c - 5.5).abs()).fold(0.0, f32::max));
        let m = marching_cubes(&cube, 0.5);
        assert!(is_closed_manifold(&m));
        // The 5^3 box, less the bevel marching cubes cuts along its edges (a half cell each side).
        let v = signed_volume(&m);
        assert!(v > 95.0 && v < 105.0, "volume {v}");
    }

    #[test]
    fn inside_is_above_the_level_and_triangles_face_outwards() {
        let m = marching_cubes(&sphere(16, 7.5, 5.0), 0.0);
        assert!(signed_volume(&m) > 0.0);
        // The same field negated: the shell is now "inside" but touches the border, so it is open.
        let mut inverted = sphere(16, 7.5, 5.0);
        inverted.values.iter_mut().for_each(|v| *v = -*v);
        let m = marching_cubes(&inverted, 0.0);
        assert!(signed_volume(&m) < 0.0);
    }

    #[test]
    fn field_touching_the_border_is_open_until_padded() {
        // A slab that fills the grid in two axes.
        let g = grid_from_fn([10, 8, 8], [0.0; 3], 1.0, |p| 2.0 - (p[0] - 4.5).abs());
        assert!(!is_closed_manifold(&marching_cubes(&g, 0.0)));
        let padded = g.padded(1, -1.0);
        assert_eq!(padded.dims, [12, 10, 10]);
        assert_eq!(padded.get(5, 1, 1), g.get(4, 0, 0));
        let m = marching_cubes(&padded, 0.0);
        assert!(is_closed_manifold(&m));
        // Thickness 4, the cross-section 7 x 7 grid cells plus the half cell out to the padding.
        assert!((signed_volume(&m) - 4.0 * 8.0 * 8.0).abs() < 4.0 * 8.0 * 8.0 * 0.05);
    }

    #[test]
    fn all_inside_all_outside_and_tiny_grids_are_empty() {
        assert!(marching_cubes(&Grid::filled([5, 6, 7], 1.0), 0.0).is_empty());
        assert!(marching_cubes(&Grid::filled([5, 6, 7], -1.0), 0.0).is_empty());
        assert!(marching_cubes(&Grid::filled([1, 6, 7], 1.0), 0.0).is_empty());
        assert!(marching_cubes(&Grid::filled([0, 0, 0], 1.0), 0.0).is_empty());
    }

    #[test]
    fn nan_counts_as_outside() {
        let mut g = sphere(16, 7.5, 5.0);
        // Knock out a far corner: it was outside anyway.
        g.values[0] = f32::NAN;
        let m = marching_cubes(&g, 0.0);
        assert!(is_closed_manifold(&m));
        assert!(m.vertices.iter().all(|v| v.iter().all(|c| c.is_finite())));
        // A NaN inside the sphere punches a small cavity but the result stays closed and finite.
        let centre = g.index(7, 7, 7);
        g.values[centre] = f32::NAN;
        let m = marching_cubes(&g, 0.0);
        assert!(is_closed_manifold(&m));
        assert_eq!(components(&m).len(), 2);
        assert!(m.vertices.iter().all(|v| v.iter().all(|c| c.is_finite())));
    }

    #[test]
    fn slabs_share_their_boundary_vertices() {
        // Many thin layers along the first axis: every slab boundary is crossed by the surface.
        let g = grid_from_fn([40, 12, 12], [0.0; 3], 1.0, |p| {
            let r = ((p[1] - 5.5).powi(2) + (p[2] - 5.5).powi(2)).sqrt();
            (4.0 - r).min(18.5 - (p[0] - 19.5).abs())
        });
        let m = marching_cubes(&g, 0.0);
        assert!(is_closed_manifold(&m));
        assert_eq!(components(&m).len(), 1);
        // Each crossed edge gives exactly one vertex: no two vertices share a position.
        let mut keys: Vec<[u32; 3]> = m.vertices.iter().map(|v| v.map(f32::to_bits)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), m.vertices.len());
    }

    #[test]
    fn ambiguous_saddles_give_closed_surfaces() {
        // A lattice of touching blobs and a gyroid: full of ambiguous faces and cube interiors.
        let blobs = grid_from_fn([26; 3], [0.0; 3], 1.0, |p| {
            let inside = p.iter().all(|c| (2.0..=23.0).contains(c));
            let w = p.iter().map(|c| (c * 0.9).cos()).product::<f32>();
            if inside {
                w + 0.05
            } else {
                -1.0
            }
        });
        let m = marching_cubes(&blobs, 0.0);
        assert!(!m.is_empty());
        assert!(is_closed_manifold(&m));
        let gyroid = grid_from_fn([30; 3], [0.0; 3], 1.0, |p| {
            let [x, y, z] = p.map(|c| c * 0.7);
            let g = x.sin() * y.cos() + y.sin() * z.cos() + z.sin() * x.cos();
            // Cut to a ball so the surface is closed inside the grid.
            let d = p.iter().map(|c| (c - 14.5).powi(2)).sum::<f32>().sqrt();
            g.min(12.0 - d)
        });
        let m = marching_cubes(&gyroid, 0.0);
        assert!(is_closed_manifold(&m));
        assert!(signed_volume(&m) > 0.0);
    }

    #[test]
    fn matches_scikit_image_on_a_gyroid() {
        // Reference: skimage 0.26 `measure.marching_cubes(g, 0.1, method='lewiner',
        // gradient_direction='ascent')` on this field, computed in float64 and stored as float32.
        let dims = [20, 21, 22];
        let mut g = Grid::filled(dims, 0.0);
        for i in 0..dims[0] {
            for j in 0..dims[1] {
                for k in 0..dims[2] {
                    let [x, y, z] = [i, j, k].map(|c| c as f64 * 0.6);
                    let v = x.sin() * y.cos() + y.sin() * z.cos() + z.sin() * x.cos();
                    let at = g.index(i, j, k);
                    g.values[at] = v as f32;
                }
            }
        }
        let m = marching_cubes(&g, 0.1);
        assert_eq!((m.vertices.len(), m.triangles.len()), (3992, 7388));
        let sum = (0..3).map(|k| m.vertices.iter().map(|v| v[k] as f64).sum::<f64>());
        for (got, want) in sum.zip([37971.91901421, 40250.52043252, 42011.33255515]) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
        let squares: f64 = m.vertices.iter().flatten().map(|&c| (c as f64).powi(2)).sum();
        assert!((squares - 1633995.5628573971).abs() < 1e-2);
        assert!((crate::mesh::analysis::surface_area(&m) - 2400.6765305243653).abs() < 1e-3);
        // Same order as scikit-image, too.
        let t = 0.177_103_22_f32;
        assert_eq!(m.vertices[..3], [[0.0, 0.0, t], [0.0, t, 0.0], [t, 0.0, 0.0]]);
    }

    #[test]
    fn grid_from_fn_samples_in_ij_order() {
        let g = grid_from_fn([2, 3, 4], [1.0, 2.0, 3.0], 0.5, |p| 100.0 * p[0] + 10.0 * p[1] + p[2]);
        assert_eq!(g.values.len(), 24);
        assert_eq!(g.get(1, 2, 3), 100.0 * 1.5 + 10.0 * 3.0 + 4.5);
        assert_eq!(g.values[g.index(0, 1, 0)], 100.0 + 25.0 + 3.0);
    }
}
