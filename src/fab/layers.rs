//! Cross-sections of a closed mesh at print layers: the outline loops of each layer, grouped into
//! regions (an outer loop with its holes), and how much of each layer lies under a top or over a
//! bottom surface. What a slicer sees, without the G-code.

use crate::fab::outline;
use crate::mesh::Mesh;
use std::collections::HashMap;

/// One filled region of a layer: outer loop minus its holes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Region {
    /// mm².
    pub area: f64,
    /// Length of all its loops, mm.
    pub outline: f64,
    /// Length of its loops short enough to count as small perimeters, mm.
    pub small_outline: f64,
}

/// One printed layer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub height: f64,
    pub z_mid: f64,
    pub regions: Vec<Region>,
    /// Area lying under a top or over a bottom surface within `skin_layers`, mm².
    pub skin: f64,
}

impl Layer {
    pub fn area(&self) -> f64 {
        self.regions.iter().map(|r| r.area).sum()
    }

    pub fn outline(&self) -> f64 {
        self.regions.iter().map(|r| r.outline).sum()
    }
}

/// How to cut: first layer and later layer heights, loops counted small up to this length, how
/// many layers a top or bottom surface makes solid, and how wide the perimeter shell is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cut {
    pub first_mm: f64,
    pub layer_mm: f64,
    pub small_loop_mm: f64,
    pub skin_layers: usize,
    pub shell_mm: f64,
}

/// One cut edge piece: from the crossing on one mesh edge to the crossing on the next, oriented so
/// the solid is on its left (loops run counter-clockwise seen from above).
struct Piece {
    from: u64,
    to: u64,
    start: [f64; 2],
}

fn edge_key(a: u32, b: u32) -> u64 {
    (u64::from(a.min(b)) << 32) | u64::from(a.max(b))
}

/// Cuts `mesh` (mm, Z up) into layers from its lowest point up; None for an empty or flat mesh.
pub fn cut_layers(mesh: &Mesh, cut: &Cut) -> Option<Vec<Layer>> {
    let (lo, hi) = mesh.bounds()?;
    let (z0, top) = (f64::from(lo[2]), f64::from(hi[2]));
    if top - z0 <= 0.0 || mesh.triangles.is_empty() {
        return None;
    }
    let mut layers = Vec::new();
    let mut z = z0;
    while z < top - 1e-6 {
        let h = if layers.is_empty() { cut.first_mm } else { cut.layer_mm }.min(top - z);
        layers.push(Layer { height: h, z_mid: z + 0.5 * h, ..Layer::default() });
        z += h;
    }
    let n_layers = layers.len();
    let index_of = |z: f64| -> usize {
        let k = if z - z0 < cut.first_mm { 0 } else { 1 + ((z - z0 - cut.first_mm) / cut.layer_mm) as usize };
        k.min(n_layers - 1)
    };
    let mids: Vec<f64> = layers.iter().map(|l| l.z_mid).collect();
    let mut skin = vec![0.0; n_layers];
    let mut pieces: Vec<Vec<Piece>> = (0..n_layers).map(|_| Vec::new()).collect();

    for t in &mesh.triangles {
        let p = t.map(|i| mesh.vertices[i as usize].map(f64::from));
        let u = [p[1][0] - p[0][0], p[1][1] - p[0][1], p[1][2] - p[0][2]];
        let v = [p[2][0] - p[0][0], p[2][1] - p[0][1], p[2][2] - p[0][2]];
        let n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        // Horizontal projection of the face: skin on the layers below a top or above a bottom.
        // On a slope the band those layers expose is narrow and partly covered by the perimeters
        // already; only what reaches past the shell counts.
        let twice = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        let slope = if n[2] != 0.0 { (n[0].hypot(n[1]) / n[2]).abs() } else { f64::INFINITY };
        let band = cut.skin_layers as f64 * cut.layer_mm;
        let past_shell = if twice > 0.0 { (1.0 - cut.shell_mm * slope / band).max(0.0) } else { 0.0 };
        let projected = 0.5 * n[2] * past_shell;
        let zmin = p[0][2].min(p[1][2]).min(p[2][2]);
        let zmax = p[0][2].max(p[1][2]).max(p[2][2]);
        if projected != 0.0 {
            // A face spanning several layers exposes a share of itself on each.
            let (ka, kb) = (index_of(zmin), index_of(zmax));
            let share = projected.abs() / (kb - ka + 1) as f64;
            for k in ka..=kb {
                let range = if projected > 0.0 {
                    (k + 1).saturating_sub(cut.skin_layers)..k + 1
                } else {
                    k..(k + cut.skin_layers).min(n_layers)
                };
                skin[range].iter_mut().for_each(|s| *s += share);
            }
        }

        let first = mids.partition_point(|&m| m < zmin);
        for (j, &h) in mids.iter().enumerate().skip(first) {
            if h >= zmax {
                break;
            }
            // The two edges with one end below h and one at or above: the same test on both
            // triangles of an edge, so neighbouring pieces meet on the same key.
            let mut hits: [(u64, [f64; 2]); 2] = [(0, [0.0; 2]); 2];
            let mut count = 0;
            for e in 0..3 {
                let (a, b) = (p[e], p[(e + 1) % 3]);
                if (a[2] < h) != (b[2] < h) {
                    let s = (h - a[2]) / (b[2] - a[2]);
                    if count < 2 {
                        hits[count] =
                            (edge_key(t[e], t[(e + 1) % 3]), [a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])]);
                    }
                    count += 1;
                }
            }
            if count != 2 {
                continue;
            }
            let d = [hits[1].1[0] - hits[0].1[0], hits[1].1[1] - hits[0].1[1]];
            let (a, b) = if d[0] * -n[1] + d[1] * n[0] >= 0.0 { (hits[0], hits[1]) } else { (hits[1], hits[0]) };
            pieces[j].push(Piece { from: a.0, to: b.0, start: a.1 });
        }
    }
    for (j, l) in layers.iter_mut().enumerate() {
        l.skin = skin[j];
        l.regions = regions(loops(&pieces[j]), cut.small_loop_mm);
    }
    Some(layers)
}

/// Chains pieces into closed loops by their shared edge keys. A chain that does not close (an open
/// mesh) still counts as a loop.
fn loops(pieces: &[Piece]) -> Vec<Vec<[f64; 2]>> {
    let by_start: HashMap<u64, usize> = pieces.iter().enumerate().map(|(i, p)| (p.from, i)).collect();
    let mut used = vec![false; pieces.len()];
    let mut result = Vec::new();
    for i in 0..pieces.len() {
        if used[i] {
            continue;
        }
        let mut ring = Vec::new();
        let mut k = i;
        while !used[k] {
            used[k] = true;
            ring.push(pieces[k].start);
            match by_start.get(&pieces[k].to) {
                Some(&next) => k = next,
                None => break,
            }
        }
        result.push(ring);
    }
    result
}

/// Groups loops into regions: counter-clockwise loops are outers, clockwise ones holes of the
/// smallest outer around them.
fn regions(loops: Vec<Vec<[f64; 2]>>, small_loop_mm: f64) -> Vec<Region> {
    let measured: Vec<(Vec<[f64; 2]>, f64, f64)> = loops
        .into_iter()
        .filter(|l| l.len() >= 3)
        .map(|l| {
            let a = outline::signed_area(&l);
            let p = outline::perimeter(&l);
            (l, a, p)
        })
        .collect();
    let small = |p: f64| if p <= small_loop_mm { p } else { 0.0 };
    let mut outers: Vec<(usize, Region)> = measured
        .iter()
        .enumerate()
        .filter(|(_, (_, a, _))| *a > 0.0)
        .map(|(i, (_, a, p))| (i, Region { area: *a, outline: *p, small_outline: small(*p) }))
        .collect();
    for (ring, a, p) in measured.iter().filter(|(_, a, _)| *a <= 0.0) {
        let owner = outers
            .iter_mut()
            .filter(|(i, _)| measured[*i].1 >= -a && outline::contains(&measured[*i].0, ring[0]))
            .min_by(|x, y| measured[x.0].1.total_cmp(&measured[y.0].1));
        if let Some((_, r)) = owner {
            r.area += a;
            r.outline += p;
            r.small_outline += small(*p);
        }
    }
    outers.into_iter().map(|(_, r)| Region { area: r.area.max(0.0), ..r }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fab::manifold_io;
    use manifold_rs::Manifold;
    use std::f64::consts::PI;

    const CUT: Cut =
        Cut { first_mm: 0.35, layer_mm: 0.2, small_loop_mm: 2.0 * PI * 6.5, skin_layers: 3, shell_mm: 1.2 };

    #[test]
    fn a_box_gives_one_region_per_layer_with_skins_at_both_ends() {
        let m = manifold_io::to_mesh(&Manifold::cube(20.0, 10.0, 10.0));
        let layers = cut_layers(&m, &CUT).unwrap();
        assert_eq!(layers.len(), 1 + ((10.0 - 0.35) / 0.2f64).ceil() as usize);
        for l in &layers {
            assert_eq!(l.regions.len(), 1);
            assert!((l.area() - 200.0).abs() < 1e-6 && (l.outline() - 60.0).abs() < 1e-6, "{l:?}");
            assert_eq!(l.regions[0].small_outline, 0.0);
        }
        assert!(layers[..3].iter().all(|l| (l.skin - 200.0).abs() < 1e-6));
        assert!(layers[layers.len() - 3..].iter().all(|l| (l.skin - 200.0).abs() < 1e-6));
        assert!(layers[5].skin.abs() < 1e-6);
    }

    #[test]
    fn holes_belong_to_their_region_and_separate_parts_are_separate() {
        let tube = Manifold::cylinder(10.0, 10.0, 5.0, 128).difference(&Manifold::cylinder(5.0, 5.0, 5.0, 128));
        let post = Manifold::cylinder(3.0, 3.0, 5.0, 64).translate(30.0, 0.0, 0.0);
        let layers = cut_layers(&manifold_io::to_mesh(&tube.union(&post)), &CUT).unwrap();
        let l = &layers[3];
        assert_eq!(l.regions.len(), 2, "{l:?}");
        let ring = PI * (100.0 - 25.0);
        let tube_region = l.regions.iter().find(|r| r.area > 100.0).unwrap();
        assert!((tube_region.area - ring).abs() / ring < 0.01, "{l:?}");
        // The hole (circumference 31 mm) is small, the outside (63 mm) is not.
        assert!((tube_region.small_outline - 2.0 * PI * 5.0).abs() < 0.1, "{tube_region:?}");
        let post_region = l.regions.iter().find(|r| r.area < 100.0).unwrap();
        assert!((post_region.small_outline - post_region.outline).abs() < 1e-9);
    }

    #[test]
    fn steep_slopes_make_no_skin_and_gentle_ones_do() {
        // A cone 40 mm wide and 4 mm tall slopes gently (about 11 degrees); 40 tall, steeply.
        let flat = cut_layers(&manifold_io::to_mesh(&Manifold::cylinder(20.0, 0.0, 4.0, 64)), &CUT).unwrap();
        let steep = cut_layers(&manifold_io::to_mesh(&Manifold::cylinder(20.0, 0.0, 40.0, 64)), &CUT).unwrap();
        let mid = |l: &[Layer]| l[l.len() / 2].skin;
        // A ring 0.6 / tan(slope) wide minus the shell: about 1.8 mm of the 10 mm radius there.
        let ring = 2.0 * PI * 10.0 * (0.6 / 0.2 - 1.2);
        assert!((mid(&flat) - ring).abs() < 0.15 * ring, "{} vs {ring}", mid(&flat));
        assert_eq!(mid(&steep), 0.0);
    }
}
