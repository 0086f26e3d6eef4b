//! Holes: the loops of edges that only one face uses, and closing the small ones.
//!
//! A loop is closed by ear clipping in the plane that fits it best (no new vertex, good for flat
//! and gently curved holes); when that cannot work (the loop folds over itself in that plane, or
//! a cut would reuse an edge the mesh already has) a fan from a new vertex at the loop's centre
//! closes it instead, which never touches the rest of the surface.

use super::adjacency::{runs, VertexFaces};
use crate::mesh::Mesh;
use std::collections::HashMap;

/// The holes of a consistently wound mesh: each loop lists its vertices in the order the faces
/// beside it run them.
pub(crate) fn boundary_loops(m: &Mesh) -> Vec<Vec<u32>> {
    let vf = VertexFaces::new(m);
    let mut out_of: HashMap<u32, Vec<u32>> = HashMap::new();
    for (f, t) in m.triangles.iter().enumerate() {
        for k in 0..3 {
            let (a, b) = (t[k], t[(k + 1) % 3]);
            if vf.edge_use(&m.triangles, f as u32, a, b).is_boundary() {
                out_of.entry(a).or_default().push(b);
            }
        }
    }
    let mut starts: Vec<u32> = out_of.keys().copied().collect();
    starts.sort_unstable();
    let mut loops = Vec::new();
    for s in starts {
        while let Some(first) = out_of.get_mut(&s).and_then(Vec::pop) {
            let mut lp = vec![s];
            let mut at = first;
            // A walk that dead-ends (an edge pattern no loop explains) is dropped.
            let closed = loop {
                if at == s {
                    break true;
                }
                lp.push(at);
                match out_of.get_mut(&at).and_then(Vec::pop) {
                    Some(next) => at = next,
                    None => break false,
                }
            };
            if closed {
                loops.push(lp);
            }
        }
    }
    loops
}

/// Closes every loop of at most `max_edges` edges; returns (holes closed, faces added) and the
/// sizes of the loops left open.
pub(crate) fn fill_small_holes(m: &mut Mesh, max_edges: usize) -> (usize, usize, Vec<usize>) {
    let loops = boundary_loops(m);
    if loops.is_empty() {
        return (0, 0, Vec::new());
    }
    let vf = VertexFaces::new(m);
    let (mut filled, mut added, mut left) = (0, 0, Vec::new());
    let mut new_faces = Vec::new();
    for lp in loops {
        if lp.len() > max_edges {
            left.push(lp.len());
            continue;
        }
        // The filling runs every edge the other way round: walk the loop backwards.
        let poly: Vec<u32> = lp.iter().rev().copied().collect();
        let before = new_faces.len();
        if !ear_clip(m, &vf, &poly, &mut new_faces) {
            new_faces.truncate(before);
            centre_fan(m, &poly, &mut new_faces);
        }
        filled += 1;
        added += new_faces.len() - before;
    }
    m.triangles.extend(new_faces);
    (filled, added, left)
}

fn centre_fan(m: &mut Mesh, poly: &[u32], out: &mut Vec<[u32; 3]>) {
    let n = poly.len() as f64;
    let mut c = [0.0f64; 3];
    for &i in poly {
        for (ck, vk) in c.iter_mut().zip(m.vertices[i as usize]) {
            *ck += f64::from(vk) / n;
        }
    }
    let ci = m.vertices.len() as u32;
    m.vertices.push(c.map(|x| x as f32));
    for k in 0..poly.len() {
        out.push([poly[k], poly[(k + 1) % poly.len()], ci]);
    }
}

fn has_edge(m: &Mesh, vf: &VertexFaces, a: u32, b: u32) -> bool {
    vf.around(a).iter().any(|&g| {
        let t = &m.triangles[g as usize];
        runs(t, a, b) || runs(t, b, a)
    })
}

/// Ear clipping of `poly` (counter-clockwise about its Newell normal) projected on its plane.
/// False when the projection is not a simple polygon or a cut would duplicate a mesh edge.
fn ear_clip(m: &Mesh, vf: &VertexFaces, poly: &[u32], out: &mut Vec<[u32; 3]>) -> bool {
    let mut seen = std::collections::HashSet::new();
    if !poly.iter().all(|i| seen.insert(*i)) {
        return false;
    }
    let p3: Vec<[f64; 3]> = poly.iter().map(|&i| m.vertices[i as usize].map(f64::from)).collect();
    let mut nrm = [0.0f64; 3];
    for k in 0..p3.len() {
        let (a, b) = (p3[k], p3[(k + 1) % p3.len()]);
        nrm[0] += (a[1] - b[1]) * (a[2] + b[2]);
        nrm[1] += (a[2] - b[2]) * (a[0] + b[0]);
        nrm[2] += (a[0] - b[0]) * (a[1] + b[1]);
    }
    let len = (nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]).sqrt();
    if len == 0.0 {
        return false;
    }
    let nz = nrm.map(|x| x / len);
    // Any vector not parallel to the normal gives the plane's first axis.
    let seed = if nz[0].abs() < 0.9 { [1.0, 0.0, 0.0] } else { [0.0, 1.0, 0.0] };
    let cross =
        |a: [f64; 3], b: [f64; 3]| [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    let ux = cross(seed, nz);
    let ul = (ux[0] * ux[0] + ux[1] * ux[1] + ux[2] * ux[2]).sqrt();
    let ux = ux.map(|x| x / ul);
    let uy = cross(nz, ux);
    let p2: Vec<[f64; 2]> = p3
        .iter()
        .map(|p| [p[0] * ux[0] + p[1] * ux[1] + p[2] * ux[2], p[0] * uy[0] + p[1] * uy[1] + p[2] * uy[2]])
        .collect();
    let turn = |a: [f64; 2], b: [f64; 2], c: [f64; 2]| (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    let mut idx: Vec<usize> = (0..poly.len()).collect();
    let mut cuts: Vec<(u32, u32)> = Vec::new();
    while idx.len() > 3 {
        let n = idx.len();
        let ear = (0..n).find(|&k| {
            let (a, b, c) = (idx[(k + n - 1) % n], idx[k], idx[(k + 1) % n]);
            if turn(p2[a], p2[b], p2[c]) <= 0.0 {
                return false;
            }
            let blocked = idx.iter().any(|&o| {
                o != a
                    && o != b
                    && o != c
                    && turn(p2[a], p2[b], p2[o]) >= 0.0
                    && turn(p2[b], p2[c], p2[o]) >= 0.0
                    && turn(p2[c], p2[a], p2[o]) >= 0.0
            });
            let (pa, pc) = (poly[a], poly[c]);
            let repeats = cuts.iter().any(|&(x, y)| (x, y) == (pa, pc) || (x, y) == (pc, pa));
            !blocked && !repeats && !has_edge(m, vf, pa, pc)
        });
        let Some(k) = ear else { return false };
        let (a, b, c) = (idx[(k + n - 1) % n], idx[k], idx[(k + 1) % n]);
        out.push([poly[a], poly[b], poly[c]]);
        cuts.push((poly[a], poly[c]));
        idx.remove(k);
    }
    let (a, b, c) = (idx[0], idx[1], idx[2]);
    if turn(p2[a], p2[b], p2[c]) <= 0.0 {
        return false;
    }
    out.push([poly[a], poly[b], poly[c]]);
    true
}
