//! A mesh made ready to draw many times: broken triangles dropped, reduced to the preview budget,
//! split at sharp edges so flat faces shade flat, with per-vertex ambient occlusion and per-face
//! printability flags. Built once per solid; every frame reuses it.

use super::ao;
use super::simplify;
use super::vec3::{cross, dot, finite, length, normalize, sub, V3};
use crate::mesh::Mesh;
use std::collections::HashMap;

/// Face flag: overhangs more than 45 degrees (and is not the bottom lying on the bed).
pub const OVERHANG: u8 = 1;
/// Face flag: the wall behind it is thinner than a nozzle can print ([`crate::fab::printability::thin_faces`]).
pub const THIN: u8 = 2;

/// Steeper than this below the horizontal needs support: cos 45 degrees.
const OVERHANG_COS: f32 = std::f32::consts::FRAC_1_SQRT_2;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrepareOptions {
    /// Triangles drawn at most; larger meshes are simplified for display.
    pub budget: usize,
    /// Edges sharper than this keep their faces' own normals.
    pub crease_deg: f32,
    /// Directions sampled for ambient occlusion (0: none).
    pub ao_directions: usize,
    /// Resolution of each occlusion depth map.
    pub ao_resolution: u32,
    /// Flag faces on walls thinner than a nozzle prints (as the printability report measures them).
    pub thin_walls: bool,
}

impl Default for PrepareOptions {
    fn default() -> PrepareOptions {
        PrepareOptions {
            budget: simplify::PREVIEW_BUDGET,
            crease_deg: 35.0,
            ao_directions: 48,
            ao_resolution: 512,
            thin_walls: true,
        }
    }
}

/// What the rasteriser draws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DisplayMesh {
    pub positions: Vec<V3>,
    pub normals: Vec<V3>,
    /// Per vertex, 1 = open sky, 0 = enclosed.
    pub occlusion: Vec<f32>,
    /// Per vertex, small-scale convexity in [-1, 1]: positive on fine ridges and letter edges,
    /// negative in fine grooves; zero on coarse geometry.
    pub detail: Vec<f32>,
    pub triangles: Vec<[u32; 3]>,
    /// Per triangle, [`OVERHANG`] | [`THIN`].
    pub flags: Vec<u8>,
    /// (min, max) of the positions; zero for an empty mesh.
    pub bounds: (V3, V3),
    /// Triangles in the mesh it came from, before cleaning and simplification.
    pub source_triangles: usize,
}

impl DisplayMesh {
    pub fn is_empty(&self) -> bool {
        self.triangles.is_empty()
    }

    /// Half the bounding box's diagonal.
    pub fn radius(&self) -> f32 {
        length(sub(self.bounds.1, self.bounds.0)) * 0.5
    }

    pub fn prepare(mesh: &Mesh, opts: &PrepareOptions) -> DisplayMesh {
        let clean = drop_broken(mesh);
        let reduced = simplify::for_display(&clean, opts.budget);
        let (mut out, origin) = split_creases(&reduced, opts.crease_deg);
        let detail = convexity(&reduced);
        out.detail = origin.iter().map(|&v| detail[v as usize]).collect();
        out.source_triangles = mesh.triangles.len();
        out.flags = overhang_flags(&out);
        if opts.thin_walls {
            // Crease splitting keeps the triangles' order, so the flags line up.
            for (f, thin) in out.flags.iter_mut().zip(crate::fab::printability::thin_faces(&reduced)) {
                if thin {
                    *f |= THIN;
                }
            }
        }
        out.occlusion = if opts.ao_directions > 0 {
            ao::vertex_occlusion(&out, opts.ao_directions, opts.ao_resolution)
        } else {
            vec![1.0; out.positions.len()]
        };
        out
    }

    /// Share of faces carrying `flag`.
    pub fn flagged(&self, flag: u8) -> usize {
        self.flags.iter().filter(|f| **f & flag != 0).count()
    }
}

/// Triangles with a missing corner, a non-finite coordinate or no area are left out.
fn drop_broken(mesh: &Mesh) -> Mesh {
    let triangles = mesh
        .triangles
        .iter()
        .filter(|t| {
            let Some(p) = t.iter().map(|&i| mesh.vertices.get(i as usize).copied()).collect::<Option<Vec<V3>>>() else {
                return false;
            };
            p.iter().all(|v| finite(*v)) && length(cross(sub(p[1], p[0]), sub(p[2], p[0]))) > 0.0
        })
        .copied()
        .collect();
    Mesh::new(mesh.vertices.clone(), triangles)
}

fn face_normal(p: &[V3], t: &[u32; 3]) -> V3 {
    let [a, b, c] = t.map(|i| p[i as usize]);
    cross(sub(b, a), sub(c, a))
}

/// One vertex per (position, smoothing group): a corner takes the area-weighted normals of the
/// faces around its vertex that bend less than `crease_deg` from its own face.
/// Also returns the source vertex of each new vertex.
fn split_creases(mesh: &Mesh, crease_deg: f32) -> (DisplayMesh, Vec<u32>) {
    let p = &mesh.vertices;
    let faces: Vec<V3> = mesh.triangles.iter().map(|t| face_normal(p, t)).collect();
    let units: Vec<V3> = faces.iter().map(|n| normalize(*n)).collect();
    // Faces around each vertex, as compressed rows.
    let mut start = vec![0usize; p.len() + 1];
    for t in &mesh.triangles {
        for &i in t {
            start[i as usize + 1] += 1;
        }
    }
    for i in 0..p.len() {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut around = vec![0u32; start[p.len()]];
    for (f, t) in mesh.triangles.iter().enumerate() {
        for &i in t {
            around[fill[i as usize]] = f as u32;
            fill[i as usize] += 1;
        }
    }
    let cos_crease = crease_deg.to_radians().cos();
    let mut positions = Vec::new();
    let mut normals = Vec::new();
    let mut origin = Vec::new();
    let mut index: HashMap<(u32, [u32; 3]), u32> = HashMap::new();
    let mut triangles = Vec::with_capacity(mesh.triangles.len());
    for (f, t) in mesh.triangles.iter().enumerate() {
        let corners = t.map(|v| {
            let mut n = [0.0f32; 3];
            for &g in &around[start[v as usize]..start[v as usize + 1]] {
                if dot(units[g as usize], units[f]) >= cos_crease {
                    let w = faces[g as usize];
                    n = [n[0] + w[0], n[1] + w[1], n[2] + w[2]];
                }
            }
            let n = normalize(n);
            let key = (v, n.map(f32::to_bits));
            *index.entry(key).or_insert_with(|| {
                positions.push(p[v as usize]);
                normals.push(n);
                origin.push(v);
                (positions.len() - 1) as u32
            })
        });
        triangles.push(corners);
    }
    let bounds = bounds_of(&positions);
    let out = DisplayMesh {
        flags: vec![0; triangles.len()],
        positions,
        normals,
        occlusion: Vec::new(),
        detail: Vec::new(),
        triangles,
        bounds,
        source_triangles: 0,
    };
    (out, origin)
}

/// Edges longer than this (mm) are coarse geometry, which gets no detail shading.
const FINE_EDGE_MM: f32 = 1.5;
/// Convexity at which the detail term saturates.
const DETAIL_GAIN: f32 = 2.0;

/// Per source vertex: how far its neighbours sit below (convex) or above (concave) its tangent
/// plane, relative to the edge length, faded out where edges are long.
fn convexity(mesh: &Mesh) -> Vec<f32> {
    let p = &mesh.vertices;
    let mut normal = vec![[0.0f32; 3]; p.len()];
    let mut offset = vec![[0.0f32; 3]; p.len()];
    let mut length = vec![0.0f32; p.len()];
    let mut count = vec![0u32; p.len()];
    for t in &mesh.triangles {
        let n = face_normal(p, t);
        for k in 0..3 {
            let (a, b) = (t[k] as usize, t[(k + 1) % 3] as usize);
            for (from, to) in [(a, b), (b, a)] {
                let d = sub(p[to], p[from]);
                offset[from] = [offset[from][0] + d[0], offset[from][1] + d[1], offset[from][2] + d[2]];
                length[from] += super::vec3::length(d);
                count[from] += 1;
            }
            normal[a] = [normal[a][0] + n[0], normal[a][1] + n[1], normal[a][2] + n[2]];
        }
    }
    (0..p.len())
        .map(|v| {
            if count[v] == 0 {
                return 0.0;
            }
            let c = count[v] as f32;
            let mean_len = length[v] / c;
            if mean_len <= 0.0 {
                return 0.0;
            }
            let lift = dot(normalize(normal[v]), offset[v]) / c / mean_len;
            let fine = (1.5 - mean_len / FINE_EDGE_MM).clamp(0.0, 1.0);
            (-lift * DETAIL_GAIN * fine).clamp(-1.0, 1.0)
        })
        .collect()
}

fn bounds_of(p: &[V3]) -> (V3, V3) {
    let Some(first) = p.first() else { return ([0.0; 3], [0.0; 3]) };
    p.iter().fold((*first, *first), |(mut lo, mut hi), v| {
        for k in 0..3 {
            lo[k] = lo[k].min(v[k]);
            hi[k] = hi[k].max(v[k]);
        }
        (lo, hi)
    })
}

/// Faces pointing down steeper than 45 degrees, except those lying on the bed.
fn overhang_flags(m: &DisplayMesh) -> Vec<u8> {
    let z0 = m.bounds.0[2];
    let bed = (0.002 * (m.bounds.1[2] - z0)).max(0.05);
    m.triangles
        .iter()
        .map(|t| {
            let n = normalize(face_normal(&m.positions, t));
            let on_bed = t.iter().all(|&i| m.positions[i as usize][2] <= z0 + bed);
            if n[2] < -OVERHANG_COS && !on_bed {
                OVERHANG
            } else {
                0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::shapes::{cube, table};

    fn fast() -> PrepareOptions {
        PrepareOptions { ao_directions: 16, ao_resolution: 128, ..PrepareOptions::default() }
    }

    #[test]
    fn a_cube_gets_flat_faces_and_open_corners() {
        let d = DisplayMesh::prepare(&cube(10.0), &fast());
        assert_eq!(d.triangles.len(), 12);
        assert_eq!(d.positions.len(), 24, "each corner splits into its three faces");
        for (n, p) in d.normals.iter().zip(&d.positions) {
            assert!((length(*n) - 1.0).abs() < 1e-4);
            assert!(dot(*n, sub(*p, [0.0, 0.0, 5.0])) > 0.0, "normals point outward");
        }
        assert!(d.occlusion.iter().all(|&o| o > 0.8), "a convex cube is open: {:?}", d.occlusion);
        assert_eq!(d.flagged(OVERHANG), 0, "the bottom lies on the bed");
    }

    #[test]
    fn a_table_top_overhangs_and_darkens_underneath() {
        let d = DisplayMesh::prepare(&table(), &fast());
        assert!(d.flagged(OVERHANG) >= 2, "the underside of the top overhangs");
        let under = d
            .positions
            .iter()
            .zip(&d.occlusion)
            .filter(|(p, _)| p[2] > 0.5 && p[2] < 10.5 && p[0].abs() < 2.5)
            .map(|(_, o)| *o)
            .fold(1.0f32, f32::min);
        assert!(under < 0.7, "the leg's top under the slab is occluded: {under}");
    }

    #[test]
    fn thin_plates_are_flagged_and_thick_blocks_not() {
        let plate = DisplayMesh::prepare(&crate::render::shapes::boxed([0.0; 3], [20.0, 20.0, 0.5]), &fast());
        assert!(plate.flagged(THIN) >= 4, "the plate's faces: {}", plate.flagged(THIN));
        assert_eq!(DisplayMesh::prepare(&cube(10.0), &fast()).flagged(THIN), 0);
    }

    #[test]
    fn broken_triangles_are_dropped_not_fatal() {
        let mesh = Mesh::new(
            vec![[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [f32::NAN, 0.0, 0.0], [2.0, 0.0, 0.0]],
            vec![[0, 1, 2], [0, 1, 3], [0, 1, 4], [0, 9, 1]],
        );
        let d = DisplayMesh::prepare(&mesh, &fast());
        assert_eq!(d.triangles.len(), 1);
        assert!(DisplayMesh::prepare(&Mesh::default(), &fast()).is_empty());
    }
}
