use super::*;
use crate::mesh::analysis::tests::cuboid;
use crate::mesh::analysis::{is_closed_manifold, signed_volume};
use crate::mesh::marching_cubes::{grid_from_fn, marching_cubes};

/// A closed sphere of radius `r` (grid units) from marching cubes, centred at (c, c, c).
fn sphere(n: usize, r: f32) -> Mesh {
    let c = n as f32 / 2.0;
    let g = grid_from_fn([n; 3], [0.0; 3], 1.0, |p| {
        r - ((p[0] - c).powi(2) + (p[1] - c).powi(2) + (p[2] - c).powi(2)).sqrt()
    });
    marching_cubes(&g, 0.0)
}

fn append(m: &mut Mesh, other: &Mesh) {
    let off = m.vertices.len() as u32;
    m.vertices.extend(&other.vertices);
    m.triangles.extend(other.triangles.iter().map(|t| t.map(|i| i + off)));
}

fn no_budget() -> CleanupOptions {
    CleanupOptions { face_budget: None, ..CleanupOptions::default() }
}

#[test]
fn a_clean_solid_passes_unchanged() {
    let s = sphere(24, 9.0);
    let (m, r) = clean(&s, &CleanupOptions::default()).unwrap();
    assert_eq!(m, s);
    assert!(r.notes().is_empty(), "{:?}", r.notes());
    assert_eq!((r.faces_in, r.faces_out), (s.triangles.len(), s.triangles.len()));
}

#[test]
fn a_triangle_soup_is_welded_into_a_closed_cube() {
    let cube = cuboid([0.0; 3], [1.0; 3]);
    let mut soup = Mesh::default();
    for t in &cube.triangles {
        let base = soup.vertices.len() as u32;
        soup.vertices.extend(t.map(|i| {
            let v = cube.vertices[i as usize];
            [v[0] + 1e-8, v[1], v[2] - 1e-8]
        }));
        soup.triangles.push([base, base + 1, base + 2]);
    }
    let (m, r) = clean(&soup, &no_budget()).unwrap();
    assert_eq!(r.welded_vertices, 36 - 8);
    assert_eq!(m.vertices.len(), 8);
    assert!(is_closed_manifold(&m));
}

#[test]
fn degenerate_and_duplicate_faces_go() {
    let mut m = cuboid([0.0; 3], [1.0; 3]);
    let t0 = m.triangles[0];
    m.triangles.push([t0[1], t0[2], t0[0]]); // the same face, rotated
    m.triangles.push([3, 3, 5]); // a repeated corner
                                 // A stray face and its mirror: a wall of no thickness, both go.
    m.triangles.push([0, 3, 5]);
    m.triangles.push([0, 5, 3]);
    let (out, r) = clean(&m, &no_budget()).unwrap();
    assert_eq!(r.degenerate_faces, 1);
    assert_eq!(r.duplicate_faces, 3);
    assert_eq!(out.triangles.len(), 12);
    assert!(is_closed_manifold(&out));
}

#[test]
fn floaters_under_half_a_percent_are_dropped_and_bigger_parts_kept() {
    let mut m = sphere(40, 15.0);
    let faces = m.triangles.len();
    let tiny = cuboid([0.0; 3], [0.5; 3]); // 12 faces: well under 0.5%
    append(&mut m, &tiny);
    let mut second = sphere(40, 15.0);
    for v in &mut second.vertices {
        v[0] += 100.0;
    }
    append(&mut m, &second);
    let (out, r) = clean(&m, &no_budget()).unwrap();
    assert_eq!((r.dropped_parts, r.dropped_part_faces), (1, 12));
    assert_eq!(out.triangles.len(), 2 * faces);
    assert!(is_closed_manifold(&out));
}

#[test]
fn the_largest_part_stays_even_when_all_parts_are_small() {
    let mut m = Mesh::default();
    for i in 0..300 {
        append(&mut m, &cuboid([3.0 * i as f32, 0.0, 0.0], [3.0 * i as f32 + 1.0, 1.0, 1.0]));
    }
    let (out, r) = clean(&m, &no_budget()).unwrap();
    assert_eq!(out.triangles.len(), 12);
    assert_eq!(r.dropped_parts, 299);
}

#[test]
fn mixed_winding_is_made_consistent_and_outward() {
    let s = sphere(24, 9.0);
    let volume = signed_volume(&s);
    let mut m = s.clone();
    for (i, t) in m.triangles.iter_mut().enumerate() {
        if i % 7 == 0 {
            t.swap(1, 2);
        }
    }
    assert!(!is_closed_manifold(&m));
    let (out, r) = clean(&m, &no_budget()).unwrap();
    assert!(is_closed_manifold(&out));
    assert!((signed_volume(&out) - volume).abs() < 1e-6 * volume);
    assert!(r.flipped_faces > 0);

    // All faces inward: consistent already, but the shell is inside out.
    let mut inverted = s.clone();
    inverted.triangles.iter_mut().for_each(|t| t.swap(1, 2));
    let (out, r) = clean(&inverted, &no_budget()).unwrap();
    assert_eq!((r.flipped_faces, r.inverted_shells), (0, 1));
    assert!((signed_volume(&out) - volume).abs() < 1e-6 * volume);
}

#[test]
fn a_cavity_keeps_pointing_inwards() {
    let mut m = cuboid([0.0; 3], [10.0; 3]);
    let mut cavity = cuboid([4.0; 3], [6.0; 3]);
    cavity.triangles.iter_mut().for_each(|t| t.swap(1, 2));
    append(&mut m, &cavity);
    let (out, r) = clean(&m, &CleanupOptions { min_part_share: 0.0, ..no_budget() }).unwrap();
    assert_eq!(r.inverted_shells, 0);
    assert_eq!(signed_volume(&out), 1000.0 - 8.0);
}

#[test]
fn small_holes_are_closed_and_large_ones_reported() {
    let s = sphere(30, 12.0);
    let volume = signed_volume(&s);
    // Three small holes: a few faces around three far-apart vertices.
    let mut holey = s.clone();
    let picks = [0usize, holey.vertices.len() / 2, holey.vertices.len() - 1];
    for &v in &picks {
        holey.triangles.retain(|t| !t.contains(&(v as u32)));
    }
    assert!(!is_closed_manifold(&holey));
    let (out, r) = clean(&holey, &no_budget()).unwrap();
    assert_eq!(r.filled_holes, 3, "{r:?}");
    assert!(is_closed_manifold(&out));
    assert!(watertight_problem(&out, 100).is_none());
    assert!((signed_volume(&out) - volume).abs() < 0.01 * volume);

    // A whole cap off: one loop of many edges, left open and named.
    let mut capless = s.clone();
    let top = capless.bounds().unwrap().1[2] - 4.0;
    let verts = capless.vertices.clone();
    capless.triangles.retain(|t| t.iter().any(|&i| verts[i as usize][2] < top));
    let opts = CleanupOptions { max_hole_edges: 20, ..no_budget() };
    let (out, r) = clean(&capless, &opts).unwrap();
    assert_eq!(r.filled_holes, 0);
    assert_eq!(r.open_holes.len(), 1);
    let why = watertight_problem(&out, 20).unwrap();
    assert!(why.starts_with("1 hole(s) larger than 20 edges (the largest has"), "{why}");
}

#[test]
fn a_missing_square_is_closed_by_ear_clipping_without_new_vertices() {
    let mut m = cuboid([0.0; 3], [1.0; 3]);
    m.triangles.drain(0..2);
    let (out, r) = clean(&m, &no_budget()).unwrap();
    assert_eq!((r.filled_holes, r.hole_faces), (1, 2));
    assert_eq!(out.vertices.len(), 8);
    assert_eq!(signed_volume(&out), 1.0);
}

#[test]
fn decimation_hits_the_budget_and_stays_closed() {
    let s = sphere(64, 28.0);
    assert!(s.triangles.len() > 20_000, "{}", s.triangles.len());
    let volume = signed_volume(&s);
    let opts = CleanupOptions { face_budget: Some(4_000), ..CleanupOptions::default() };
    let (out, r) = clean(&s, &opts).unwrap();
    assert!(out.triangles.len() <= 4_000 && out.triangles.len() > 3_000, "{}", out.triangles.len());
    assert_eq!(r.decimated, Some((s.triangles.len(), out.triangles.len())));
    assert!(is_closed_manifold(&out));
    assert!((signed_volume(&out) - volume).abs() < 0.01 * volume);
}

#[test]
fn empty_broken_and_all_degenerate_meshes_are_refused() {
    assert_eq!(clean(&Mesh::default(), &no_budget()), Err(CleanupError::Empty));
    let flat = Mesh::new(vec![[0.0; 3], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], vec![[0, 1, 2], [0, 0, 1]]);
    assert_eq!(clean(&flat, &no_budget()), Err(CleanupError::AllDegenerate(2)));
    let nan = Mesh::new(vec![[0.0; 3], [f32::NAN, 0.0, 0.0], [0.0, 1.0, 0.0]], vec![[0, 1, 2]]);
    assert_eq!(clean(&nan, &no_budget()), Err(CleanupError::NotFinite));
    let bad = Mesh::new(vec![[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], vec![[0, 1, 7]]);
    assert_eq!(clean(&bad, &no_budget()), Err(CleanupError::BadIndex { index: 7, count: 3 }));
}
