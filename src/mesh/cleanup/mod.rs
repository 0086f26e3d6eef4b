//! Clean-up of a raw mesh, the one path every mesh takes before fabrication: weld, drop degenerate
//! and repeated faces, drop floating bits, wind every face the same way and outwards, close small
//! holes, decimate to a face budget. [`CleanupReport`] says what was done.
//!
//! Sized for what image-to-3D models give (a 256^3 marching-cubes mesh is about 700k faces): no
//! step hashes every edge or sorts the faces.

mod adjacency;
mod decimate;
mod hash;
mod holes;
mod orient;
mod weld;

pub use adjacency::EdgeCensus;
pub(crate) use decimate::decimate;

use crate::mesh::Mesh;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Faces of the finished solid, pedestal included, unless the config says otherwise.
pub const DEFAULT_FACE_BUDGET: usize = 200_000;

/// What [`clean`] may do.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanupOptions {
    /// Vertices closer than this share of the model's largest extent become one. A few f32 steps:
    /// enough for the rounding of exporters, too little to collapse the short edges marching cubes
    /// makes near grid points.
    pub weld_fraction: f32,
    /// Connected parts with fewer than this share of all faces are dropped (the largest part always
    /// stays).
    pub min_part_share: f64,
    /// Holes bounded by at most this many edges are closed; 0 leaves every hole open.
    pub max_hole_edges: usize,
    /// Decimate to at most this many faces; None keeps every face.
    pub face_budget: Option<usize>,
}

impl Default for CleanupOptions {
    fn default() -> Self {
        Self { weld_fraction: 1e-7, min_part_share: 0.005, max_hole_edges: 100, face_budget: Some(DEFAULT_FACE_BUDGET) }
    }
}

/// What [`clean`] changed, for notes in the progress log and the summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CleanupReport {
    pub faces_in: usize,
    /// Vertices merged into a neighbour closer than the weld tolerance.
    pub welded_vertices: usize,
    /// Faces with a repeated corner or no area.
    pub degenerate_faces: usize,
    /// Repeats of another face (both copies when they face opposite ways).
    pub duplicate_faces: usize,
    /// Floating parts dropped, and their faces.
    pub dropped_parts: usize,
    pub dropped_part_faces: usize,
    /// Faces turned to agree with their neighbours.
    pub flipped_faces: usize,
    /// Closed shells that were inside out and were turned.
    pub inverted_shells: usize,
    /// Holes closed, and the faces that closed them.
    pub filled_holes: usize,
    pub hole_faces: usize,
    /// Edge counts of the holes too large to close.
    pub open_holes: Vec<usize>,
    /// Faces before and after decimation, when it ran.
    pub decimated: Option<(usize, usize)>,
    /// Over budget, but every simplification tried would have opened the surface: all faces kept.
    #[serde(default)]
    pub decimation_refused: bool,
    pub faces_out: usize,
}

impl CleanupReport {
    /// One plain sentence per change; nothing when the mesh was clean already.
    pub fn notes(&self) -> Vec<String> {
        let mut n = Vec::new();
        let say = |n: &mut Vec<String>, count: usize, what: &str| {
            if count > 0 {
                n.push(format!("{count} {what}"));
            }
        };
        say(&mut n, self.welded_vertices, "duplicate vertices welded");
        say(&mut n, self.degenerate_faces, "degenerate faces (no area) removed");
        say(&mut n, self.duplicate_faces, "duplicate faces removed");
        if self.dropped_parts > 0 {
            n.push(format!(
                "{} loose fragment(s) under {:.1}% of the model dropped ({} faces)",
                self.dropped_parts,
                100.0 * CleanupOptions::default().min_part_share,
                self.dropped_part_faces
            ));
        }
        say(&mut n, self.flipped_faces, "faces flipped to match their neighbours");
        say(&mut n, self.inverted_shells, "inside-out shell(s) turned right way out");
        if self.filled_holes > 0 {
            n.push(format!("{} small hole(s) closed with {} faces", self.filled_holes, self.hole_faces));
        }
        if let Some((from, to)) = self.decimated {
            n.push(format!("simplified from {from} to {to} faces"));
        }
        if self.decimation_refused {
            n.push(format!("kept all {} faces: simplifying would have opened the surface", self.faces_out));
        }
        n
    }
}

#[derive(Debug, Error, PartialEq)]
pub enum CleanupError {
    #[error("the model is empty: it has no faces")]
    Empty,
    #[error("the model has vertices at infinite or undefined positions; export it again")]
    NotFinite,
    #[error("a face refers to vertex {index}, but the model has only {count} vertices; the file is damaged")]
    BadIndex { index: u32, count: usize },
    #[error("all {0} faces of the model are degenerate (collapsed to lines or points); there is no surface to print")]
    AllDegenerate(usize),
}

/// Runs every clean-up step the options allow. The result may still be open or non-manifold (see
/// [`watertight_problem`]); callers that need a solid check it.
pub fn clean(raw: &Mesh, opts: &CleanupOptions) -> Result<(Mesh, CleanupReport), CleanupError> {
    let (lo, hi) = raw.bounds().filter(|_| !raw.triangles.is_empty()).ok_or(CleanupError::Empty)?;
    if raw.vertices.iter().flatten().any(|c| !c.is_finite()) {
        return Err(CleanupError::NotFinite);
    }
    let count = raw.vertices.len();
    if let Some(&index) = raw.triangles.iter().flatten().find(|&&i| i as usize >= count) {
        return Err(CleanupError::BadIndex { index, count });
    }
    let size = (0..3).map(|k| hi[k] - lo[k]).fold(0.0f32, f32::max);
    let mut r = CleanupReport { faces_in: raw.triangles.len(), ..CleanupReport::default() };
    let mut m = raw.clone();

    r.welded_vertices = weld::weld(&mut m, size * opts.weld_fraction);
    r.degenerate_faces = weld::drop_degenerate(&mut m);
    if m.triangles.is_empty() {
        return Err(CleanupError::AllDegenerate(r.faces_in));
    }
    r.duplicate_faces = weld::drop_duplicates(&mut m);
    if m.triangles.is_empty() {
        return Err(CleanupError::AllDegenerate(r.faces_in));
    }
    let (parts, faces) = drop_small_parts(&mut m, opts.min_part_share);
    (r.dropped_parts, r.dropped_part_faces) = (parts, faces);
    weld::compact(&mut m);

    // One walk over the edges decides which of the costlier steps are needed at all.
    let census = EdgeCensus::of(&m);
    let o = if census.inconsistent == 0 && census.non_manifold == 0 {
        orient::orient_consistent(&mut m)
    } else {
        orient::orient(&mut m)
    };
    r.flipped_faces = o.flipped;
    r.inverted_shells = o.inverted_shells;
    let mut closed = census.is_clean();
    if census.boundary > 0 && opts.max_hole_edges > 0 {
        let (filled, added, left) = holes::fill_small_holes(&mut m, opts.max_hole_edges);
        (r.filled_holes, r.hole_faces, r.open_holes) = (filled, added, left);
        if filled > 0 {
            // The shells are closed now: their volume tells outside from inside reliably.
            let again = orient::orient(&mut m);
            r.flipped_faces += again.flipped;
            r.inverted_shells = r.inverted_shells.max(again.inverted_shells);
            closed = EdgeCensus::of(&m).is_clean();
        }
    } else if census.boundary > 0 {
        r.open_holes = holes::boundary_loops(&m).iter().map(Vec::len).collect();
    }
    if let Some(budget) = opts.face_budget {
        let from = m.triangles.len();
        match decimate::decimate(&m, budget, closed) {
            Some(d) => {
                m = d;
                r.decimated = Some((from, m.triangles.len()));
            }
            None => r.decimation_refused = from > budget,
        }
    }
    r.faces_out = m.triangles.len();
    Ok((m, r))
}

/// For each face, the smallest vertex index of its vertex-connected part: a label shared by
/// exactly the faces of one part (union-find over the faces' vertices).
pub(crate) fn face_parts(m: &Mesh) -> Vec<u32> {
    let n = m.vertices.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    for t in &m.triangles {
        for k in 1..3 {
            let (a, b) = (find(&mut parent, t[0]), find(&mut parent, t[k]));
            if a != b {
                parent[a.max(b) as usize] = a.min(b);
            }
        }
    }
    m.triangles.iter().map(|t| find(&mut parent, t[0])).collect()
}

/// Drops vertex-connected parts below `share` of all faces, never the largest; returns the parts
/// and faces dropped.
fn drop_small_parts(m: &mut Mesh, share: f64) -> (usize, usize) {
    let n = m.vertices.len();
    let roots = face_parts(m);
    let mut faces_of = vec![0usize; n];
    for &r in &roots {
        faces_of[r as usize] += 1;
    }
    let largest = (0..n).max_by_key(|&v| faces_of[v]).unwrap_or(0);
    let min = (share * m.triangles.len() as f64).ceil() as usize;
    let keep = |r: u32| r as usize == largest || faces_of[r as usize] >= min;
    let dropped_parts = (0..n).filter(|&v| faces_of[v] > 0 && !keep(v as u32)).count();
    if dropped_parts == 0 {
        return (0, 0);
    }
    let before = m.triangles.len();
    let mut f = 0;
    m.triangles.retain(|_| {
        let k = keep(roots[f]);
        f += 1;
        k
    });
    (dropped_parts, before - m.triangles.len())
}

/// Why the mesh is not a closed, consistently wound surface, in words for the person; None when
/// it is one.
pub fn watertight_problem(m: &Mesh, max_hole_edges: usize) -> Option<String> {
    let census = EdgeCensus::of(m);
    if census.is_clean() {
        return None;
    }
    let mut why = Vec::new();
    if census.boundary > 0 {
        let loops = holes::boundary_loops(m);
        let big: Vec<usize> = loops.iter().map(Vec::len).filter(|&n| n > max_hole_edges).collect();
        if big.is_empty() {
            why.push(format!("{} open edge(s) around its holes", census.boundary));
        } else {
            let largest = big.iter().copied().max().unwrap_or(0);
            why.push(format!("{} hole(s) larger than {max_hole_edges} edges (the largest has {largest})", big.len()));
        }
    }
    if census.non_manifold > 0 {
        why.push(format!("{} edge(s) shared by more than two faces", census.non_manifold));
    }
    if census.inconsistent > 0 {
        why.push(format!("{} edge(s) where the surface turns inside out (a one-sided surface)", census.inconsistent));
    }
    Some(why.join(", "))
}

#[cfg(test)]
mod tests;
