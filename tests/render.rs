//! The clay renderer: golden images of a few meshes (compared with a per-pixel tolerance), near
//! plane clipping, broken input and empty meshes.
//!
//! Goldens live in `snapshots/render/`. A missing golden fails; run with
//! `MEMOREEZ_UPDATE_GOLDENS=1` to write (or rewrite) them, then look at them before committing.

use image::RgbaImage;
use memoreez::mesh::Mesh;
use memoreez::render::shapes::{cube, icosphere, pedestal_piece, table};
use memoreez::render::{turntable, Camera, DisplayMesh, PrepareOptions, RenderOptions, Renderer};
use std::path::PathBuf;

const UPDATE_ENV: &str = "MEMOREEZ_UPDATE_GOLDENS";
/// A channel may differ by this much (threads sum occlusion in any order)...
const CHANNEL_TOLERANCE: u8 = 12;
/// ...and at most this share of pixels may differ by more.
const PIXEL_SHARE: f64 = 0.005;

fn prepare(mesh: &Mesh) -> DisplayMesh {
    DisplayMesh::prepare(mesh, &PrepareOptions { ao_directions: 32, ao_resolution: 256, ..PrepareOptions::default() })
}

fn opts(w: u32, h: u32) -> RenderOptions {
    RenderOptions { width: w, height: h, ..RenderOptions::default() }
}

fn golden(name: &str, img: &RgbaImage) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots/render").join(format!("{name}.png"));
    if std::env::var_os(UPDATE_ENV).is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        img.save(&path).unwrap();
        return;
    }
    let want = match image::open(&path) {
        Ok(i) => i.to_rgba8(),
        Err(e) => panic!("no golden at {} ({e}); run with {UPDATE_ENV}=1 to write it and look at it", path.display()),
    };
    assert_eq!(want.dimensions(), img.dimensions(), "{name}: size changed");
    let off = want
        .pixels()
        .zip(img.pixels())
        .filter(|(a, b)| a.0.iter().zip(b.0.iter()).any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE))
        .count();
    let share = off as f64 / f64::from(img.width() * img.height());
    if share > PIXEL_SHARE {
        let dump = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.actual.png"));
        img.save(&dump).unwrap();
        panic!(
            "{name}: {off} pixels ({:.2}%) differ from the golden; this render is at {}",
            share * 100.0,
            dump.display()
        );
    }
}

fn covered(img: &RgbaImage, bg: [u8; 3]) -> usize {
    img.pixels().filter(|p| p.0[..3] != bg).count()
}

#[test]
fn golden_cube_sphere_pedestal_and_overhangs() {
    let mut r = Renderer::new();
    let o = opts(160, 120);
    let cube = prepare(&cube(20.0));
    golden("cube", &r.render(&cube, &turntable::still_camera(&cube, 4.0 / 3.0), &o));
    let ball = prepare(&icosphere(10.0, 3, [0.0, 0.0, 10.0]));
    golden("icosphere", &r.render(&ball, &turntable::still_camera(&ball, 4.0 / 3.0), &o));
    let piece = prepare(&pedestal_piece());
    let front = turntable::turntable_cameras(&piece, 4, turntable::TURNTABLE_ELEVATION_DEG, 4.0 / 3.0);
    golden("pedestal-front", &r.render(&piece, &front[0], &o));
    let t = prepare(&table());
    let low = turntable::fitted(&t, -30.0, -20.0, 4.0 / 3.0);
    golden("table-overhang", &r.render(&t, &low, &RenderOptions { overhang: true, ..o }));
}

#[test]
fn overhang_tint_shows_only_when_asked_and_only_underneath() {
    let t = prepare(&table());
    let cam = turntable::fitted(&t, -30.0, -20.0, 1.0);
    let mut r = Renderer::new();
    let plain = r.render(&t, &cam, &opts(96, 96));
    let tinted = r.render(&t, &cam, &RenderOptions { overhang: true, ..opts(96, 96) });
    let reddish = |img: &RgbaImage| img.pixels().filter(|p| i32::from(p.0[0]) - i32::from(p.0[2]) > 60).count();
    assert_eq!(reddish(&plain), 0);
    assert!(reddish(&tinted) > 200, "the slab's underside is tinted: {}", reddish(&tinted));
    let above = turntable::fitted(&t, -30.0, 30.0, 1.0);
    assert_eq!(
        reddish(&r.render(&t, &above, &RenderOptions { overhang: true, ..opts(96, 96) })),
        0,
        "not seen from above"
    );
}

#[test]
fn a_floor_crossing_the_near_plane_is_clipped_cleanly() {
    // A huge floor reaching far behind the eye, seen from just above it.
    let floor = Mesh::new(
        vec![[-1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0], [1000.0, 1000.0, 0.0], [-1000.0, 1000.0, 0.0]],
        vec![[0, 1, 2], [0, 2, 3]],
    );
    let d = DisplayMesh::prepare(
        &floor,
        &PrepareOptions { ao_directions: 0, thin_walls: false, ..PrepareOptions::default() },
    );
    let cam = Camera { target: [0.0, 0.0, 0.2], azimuth_deg: 0.0, elevation_deg: 10.0, distance: 5.0, fov_deg: 28.0 };
    let img = Renderer::new().render(&d, &cam, &opts(120, 90));
    let bg = [255, 255, 255];
    let row = |y: u32| (0..120).filter(|&x| img.get_pixel(x, y).0[..3] != bg).count();
    // The horizon sits 10 degrees above the centre: rows above it are empty, rows below full.
    assert_eq!(row(5), 0, "sky above the horizon");
    for y in 50..90 {
        assert_eq!(row(y), 120, "row {y} of the floor is fully drawn");
    }
    let grey = img.get_pixel(60, 85).0;
    assert!(grey[0] > 40 && grey[0] < 250, "the floor is shaded clay, not garbage: {grey:?}");
}

#[test]
fn a_camera_inside_the_bounding_box_draws_what_is_in_front() {
    let t = prepare(&table());
    // Under the slab, beside the leg, looking at it: the slab's underside runs behind the eye.
    let cam = Camera { target: [0.0, 0.0, 5.0], azimuth_deg: 0.0, elevation_deg: 0.0, distance: 7.0, fov_deg: 60.0 };
    let img = Renderer::new().render(&t, &cam, &opts(120, 90));
    let bg = [255, 255, 255];
    let n = covered(&img, bg);
    assert!(n > 120 * 90 / 3, "the leg and the slab's underside fill much of the view: {n}");
    assert!(n < 120 * 90, "the gap under the slab shows the background");
    // Covered pixels are clay (warm grey: red >= blue), never stray colours from bad clipping.
    for p in img.pixels().filter(|p| p.0[..3] != bg) {
        assert!(p.0[0] + 2 >= p.0[2] && p.0[0] > 5, "{p:?}");
    }
    // Inside the slab itself: everything around is seen from behind and culled; no panic.
    let inside = Camera { target: [0.0, 0.0, 11.0], distance: 0.5, ..cam };
    let img = Renderer::new().render(&t, &inside, &opts(64, 48));
    assert_eq!(img.dimensions(), (64, 48));
}

#[test]
fn degenerate_and_broken_triangles_are_skipped() {
    let good = cube(10.0);
    let mut bad = good.clone();
    let n = bad.vertices.len() as u32;
    let (a, b) = (bad.vertices[0], bad.vertices[1]);
    bad.vertices.push([f32::NAN, 0.0, 0.0]);
    bad.vertices.push([f32::INFINITY, 1.0, 1.0]);
    bad.vertices.push([(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0, (a[2] + b[2]) / 2.0]);
    bad.triangles.push([0, 0, 1]); // repeats a corner
    bad.triangles.push([0, n + 2, 1]); // three corners on a line: no area
    bad.triangles.push([0, n, 1]); // NaN corner
    bad.triangles.push([0, n + 1, 1]); // infinite corner
    bad.triangles.push([0, 1, n + 7]); // no such vertex
    let cam = turntable::still_camera(&prepare(&good), 1.0);
    let mut r = Renderer::new();
    let a = r.render(&prepare(&good), &cam, &opts(64, 64));
    let b = r.render(&prepare(&bad), &cam, &opts(64, 64));
    assert_eq!(a.as_raw(), b.as_raw(), "broken triangles leave no trace");
    // Straight into the rasteriser, bypassing preparation: still no panic, no stray pixels.
    let mut raw = prepare(&good);
    raw.positions.push([f32::NAN; 3]);
    raw.normals.push([0.0, 0.0, 1.0]);
    raw.occlusion.push(1.0);
    raw.detail.push(0.0);
    let nan = (raw.positions.len() - 1) as u32;
    raw.triangles.push([0, nan, 1]);
    raw.triangles.push([0, 1, 999_999]);
    raw.flags.extend([0, 0]);
    assert_eq!(r.render(&raw, &cam, &opts(64, 64)).as_raw(), a.as_raw());
}

#[test]
fn an_empty_mesh_is_background_only() {
    let bg = [19, 22, 41];
    let d = prepare(&Mesh::default());
    let cam = Camera { target: [0.0; 3], azimuth_deg: 0.0, elevation_deg: 0.0, distance: 1.0, fov_deg: 30.0 };
    let img = Renderer::new().render(&d, &cam, &RenderOptions { background: bg, ..opts(40, 30) });
    assert!(img.pixels().all(|p| p.0 == [19, 22, 41, 255]));
    assert_eq!(covered(&memoreez::render::still(&Mesh::default(), 8, 8, bg), bg), 0);
}

#[test]
fn shared_edges_leave_no_cracks() {
    // A fan of thin slivers and a jittered grid, facing the camera: every pixel inside is drawn.
    let mut v = Vec::new();
    let mut t = Vec::new();
    let n = 37u32;
    for y in 0..=n {
        for x in 0..=n {
            let j = ((x * 7919 + y * 104_729) % 13) as f32 * 0.013;
            v.push([x as f32 + j, -0.0, y as f32 - j]);
        }
    }
    for y in 0..n {
        for x in 0..n {
            let i = y * (n + 1) + x;
            t.push([i, i + 1, i + n + 2]);
            t.push([i, i + n + 2, i + n + 1]);
        }
    }
    let d = DisplayMesh::prepare(
        &Mesh::new(v, t),
        &PrepareOptions { ao_directions: 0, thin_walls: false, ..PrepareOptions::default() },
    );
    let cam = Camera { target: [18.5, 0.0, 18.5], azimuth_deg: 0.0, elevation_deg: 0.0, distance: 400.0, fov_deg: 4.0 };
    for ssaa in [1, 2] {
        let img = Renderer::new().render(&d, &cam, &RenderOptions { ssaa, ..opts(100, 100) });
        let bg = [255, 255, 255];
        let holes = (30..70)
            .flat_map(|y| (30..70).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0[..3] == bg)
            .count();
        assert_eq!(holes, 0, "ssaa {ssaa}");
    }
}
