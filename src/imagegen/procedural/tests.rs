//! Whole-backend checks: every motif and style makes one printable solid and a clean picture.

use super::motifs::{catalogue, Variation};
use super::sdf::Node;
use super::{motif_scene, render, scene_for, ProceduralImages, RenderOptions, Scene};
use crate::domain::{Concept, Style};
use crate::imagegen::{ImageGenerator, IMAGE_SIZE};
use crate::stage::{NoProgress, Progress, StageError};
use image::RgbaImage;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const TILE: u32 = 112;

fn small() -> RenderOptions {
    RenderOptions { size: TILE, ..RenderOptions::default() }
}

fn concept(style: Style, hobbies: &str) -> Concept {
    Concept {
        title: format!("{style} keepsake"),
        style,
        prompt: format!("A {style} figurine celebrating {hobbies}. One solid object, clay render, white background."),
    }
}

/// Number of connected components among the cells of an `n`-cell grid over the box that may hold
/// solid (the field at the centre is under half the cell's diagonal), cells touching at faces,
/// edges or corners. Thin parts, sharp tips and ridges between grooves stay joined to what they
/// sit on; parts a few cells apart stay apart.
fn components(field: impl Fn([f32; 3]) -> f32 + Sync, bounds: ([f32; 3], [f32; 3]), n: usize) -> usize {
    let (lo, hi) = bounds;
    let step = (0..3).map(|a| (hi[a] - lo[a]) / n as f32).fold(0.0, f32::max);
    let dims: Vec<usize> = (0..3).map(|a| (((hi[a] - lo[a]) / step).ceil() as usize + 1).max(1)).collect();
    let (nx, ny, nz) = (dims[0], dims[1], dims[2]);
    let solid: Vec<bool> = (0..nx * ny * nz)
        .into_par_iter()
        .map(|i| {
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny));
            let p = [lo[0] + x as f32 * step, lo[1] + y as f32 * step, lo[2] + z as f32 * step];
            field(p) < 0.87 * step
        })
        .collect();
    let mut seen = vec![false; solid.len()];
    let mut count = 0;
    for start in 0..solid.len() {
        if !solid[start] || seen[start] {
            continue;
        }
        count += 1;
        seen[start] = true;
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny));
            for dz in -1i64..=1 {
                for dy in -1i64..=1 {
                    for dx in -1i64..=1 {
                        let (a, b, c) = (x as i64 + dx, y as i64 + dy, z as i64 + dz);
                        if a < 0 || b < 0 || c < 0 || a >= nx as i64 || b >= ny as i64 || c >= nz as i64 {
                            continue;
                        }
                        let j = a as usize + b as usize * nx + c as usize * nx * ny;
                        if solid[j] && !seen[j] {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
            }
        }
    }
    count
}

fn scene_components(scene: &Scene) -> usize {
    components(|p| scene.sdf(p), scene.bounds(), 64)
}

fn is_white(img: &RgbaImage, x: u32, y: u32) -> bool {
    img.get_pixel(x, y).0[..3] == [255, 255, 255]
}

fn subject_pixels(img: &RgbaImage) -> usize {
    img.pixels().filter(|p| p.0[0] < 250).count()
}

fn border_is_white(img: &RgbaImage) -> bool {
    let (w, h) = img.dimensions();
    (0..w).all(|x| is_white(img, x, 0) && is_white(img, x, h - 1))
        && (0..h).all(|y| is_white(img, 0, y) && is_white(img, w - 1, y))
}

fn mean_abs_diff(a: &RgbaImage, b: &RgbaImage) -> f64 {
    let total: u64 = a.pixels().zip(b.pixels()).map(|(p, q)| u64::from(p.0[0].abs_diff(q.0[0]))).sum();
    total as f64 / (a.width() * a.height()) as f64
}

#[test]
fn the_component_count_sees_gaps_of_a_few_cells() {
    let pair = |gap: f32| {
        Node::union(vec![
            Node::sphere(0.5).at(-0.5 - gap * 0.5, 0.0, 0.0),
            Node::sphere(0.5).at(0.5 + gap * 0.5, 0.0, 0.0),
        ])
    };
    // A 64-cell grid over a 2-unit box: cells of about 0.034.
    for (gap, parts) in [(-0.05, 1), (0.15, 2), (0.3, 2)] {
        let n = pair(gap);
        assert_eq!(components(|p| n.eval(p), n.bounds(), 64), parts, "gap {gap}");
    }
}

#[test]
fn every_motif_field_is_negative_inside_and_positive_at_its_box_corners() {
    for motif in catalogue() {
        for v in [Variation::TYPICAL, Variation { a: 0.0, b: 1.0, c: 0.9 }] {
            let node: Node = motif.build(&v);
            let (lo, hi) = node.bounds();
            let n = 24;
            let mut inside = false;
            for i in 0..=n * n * n {
                let (x, y, z) = (i % (n + 1), (i / (n + 1)) % (n + 1), i / ((n + 1) * (n + 1)));
                let t = |a: usize, k: usize| lo[a] + (hi[a] - lo[a]) * k as f32 / n as f32;
                if node.eval([t(0, x), t(1, y), t(2, z)]) < 0.0 {
                    inside = true;
                    break;
                }
            }
            assert!(inside, "{} has no inside", motif.name);
            for corner in 0..8 {
                let pick = |a: usize| {
                    if corner >> a & 1 == 0 {
                        lo[a] - 0.01
                    } else {
                        hi[a] + 0.01
                    }
                };
                let p = [pick(0), pick(1), pick(2)];
                assert!(node.eval(p) > 0.0, "{} is solid at its box corner {p:?}", motif.name);
            }
        }
    }
}

#[test]
fn every_motif_is_one_connected_solid() {
    for motif in catalogue() {
        for v in [Variation::TYPICAL, Variation { a: 1.0, b: 0.0, c: 0.2 }] {
            let node = motif.build(&v);
            let parts = components(|p| node.eval(p), node.bounds(), 56);
            assert_eq!(parts, 1, "{} falls apart into {parts} pieces", motif.name);
        }
        let scene = motif_scene(motif.name, 3).expect("catalogue motif");
        assert_eq!(scene_components(&scene), 1, "{} on its base", motif.name);
    }
}

#[test]
fn every_style_is_one_connected_solid_on_a_flat_base() {
    for hobbies in ["tennis, coffee", "knitting and cats", "bicycle", "zorbing"] {
        for style in Style::ALL {
            for seed in [1, 2] {
                let scene = scene_for(&concept(style, hobbies), seed);
                assert_eq!(scene_components(&scene), 1, "{style} {hobbies} seed {seed}");
                let (lo, hi) = scene.bounds();
                assert!(lo[1] >= super::FLOOR - 1e-4, "{style} {hobbies} reaches below the floor");
                // A broad footprint just above the floor and nothing just below it.
                let layer = |y: f32| {
                    (0..=20 * 20)
                        .filter(|i| {
                            let x = lo[0] + (hi[0] - lo[0]) * (i % 21) as f32 / 20.0;
                            let z = lo[2] + (hi[2] - lo[2]) * (i / 21) as f32 / 20.0;
                            scene.sdf([x, y, z]) < 0.0
                        })
                        .count()
                };
                assert!(layer(super::FLOOR + 0.01) > 60, "{style} {hobbies}: no flat base");
                assert_eq!(layer(super::FLOOR - 0.01), 0);
            }
        }
    }
}

#[test]
fn scenes_stay_within_the_model_cube() {
    for hobbies in ["tennis, coffee", "guitar, rockets", "chess"] {
        for style in Style::ALL {
            let (lo, hi) = scene_for(&concept(style, hobbies), 5).bounds();
            for a in 0..3 {
                assert!(lo[a] >= -1.3 && hi[a] <= 1.3, "{style} {hobbies}: {lo:?} {hi:?}");
            }
        }
    }
}

#[test]
fn scene_fields_never_overstate_the_distance() {
    // 1-Lipschitz: the field changes no faster than the point moves.
    let mut scenes: Vec<Scene> =
        Style::ALL.iter().map(|&s| scene_for(&concept(s, "cooking, dogs, football"), 9)).collect();
    scenes.extend(catalogue().iter().filter_map(|m| motif_scene(m.name, 4)));
    for scene in &scenes {
        let (lo, hi) = scene.bounds();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        for _ in 0..4000 {
            let a = [lo[0] + (hi[0] - lo[0]) * rnd(), lo[1] + (hi[1] - lo[1]) * rnd(), lo[2] + (hi[2] - lo[2]) * rnd()];
            let d = [rnd() - 0.5, rnd() - 0.5, rnd() - 0.5];
            let s = 0.05 * rnd();
            let b = [a[0] + d[0] * s, a[1] + d[1] * s, a[2] + d[2] * s];
            let dist = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
            let change = (scene.sdf(a) - scene.sdf(b)).abs();
            assert!(
                change <= dist * 1.02 + 1e-4,
                "{:?}: field changes by {change} over {dist} at {a:?}",
                scene.motif_names()
            );
        }
    }
}

#[test]
fn every_motif_renders_inside_a_white_frame() {
    catalogue().par_iter().for_each(|motif| {
        let scene = motif_scene(motif.name, 11).expect("catalogue motif");
        let img = render(&scene, &small(), &NoProgress).expect("render");
        assert_eq!(img.dimensions(), (TILE, TILE));
        assert!(subject_pixels(&img) > (TILE * TILE / 8) as usize, "{} is too small or missing", motif.name);
        assert!(border_is_white(&img), "{} touches the border", motif.name);
        assert!(img.pixels().all(|p| p.0[3] == 255), "{} is not opaque", motif.name);
    });
}

#[test]
fn the_four_styles_of_one_input_differ_visibly() {
    // Mean absolute difference of grey levels over the whole frame. Two renders of one scene
    // differ by 0. A subject covers about a third of the frame, some 100 grey levels below the
    // white, so a change seen at a glance (another base, pose or part, moving a fifth of the
    // subject's area between subject and background) averages 6 levels or more. Measured
    // between styles: 12 to 26.
    for hobbies in ["tennis, coffee", "cats"] {
        let images: Vec<RgbaImage> = Style::ALL
            .par_iter()
            .map(|&s| render(&scene_for(&concept(s, hobbies), 7), &small(), &NoProgress).expect("render"))
            .collect();
        for i in 0..images.len() {
            for j in i + 1..images.len() {
                let mad = mean_abs_diff(&images[i], &images[j]);
                assert!(mad > 6.0, "{hobbies}: {} and {} differ by only {mad:.2}", Style::ALL[i], Style::ALL[j]);
            }
        }
    }
}

#[test]
fn same_input_gives_identical_bytes() {
    let c = concept(Style::Whimsical, "gardening, chess");
    let gen = ProceduralImages::with_options(small());
    let a = gen.generate(&c, 42, &NoProgress).expect("render");
    let b = gen.generate(&c, 42, &NoProgress).expect("render");
    assert_eq!(a.as_raw(), b.as_raw());
    let other = gen.generate(&c, 43, &NoProgress).expect("render");
    assert_ne!(a.as_raw(), other.as_raw(), "another seed varies the picture");
}

#[test]
fn unknown_words_still_give_a_picture() {
    let c = concept(Style::Heroic, "zorbing and quuxing");
    let scene = scene_for(&c, 1);
    let names = scene.motif_names();
    assert!(!names.is_empty());
    assert!(catalogue().iter().any(|m| m.generic && m.name == names[0]), "{names:?} should be a generic motif");
    let img = ProceduralImages::with_options(small()).generate(&c, 1, &NoProgress).expect("render");
    assert!(subject_pixels(&img) > 0);
}

#[test]
fn motifs_follow_the_words_of_the_subject_not_the_print_wording() {
    let c = Concept {
        title: "Ace and Espresso".into(),
        style: Style::Hybrid,
        prompt: "A tennis racket fused with a coffee cup. Solid base, no text, no thin parts.".into(),
    };
    assert_eq!(scene_for(&c, 0).motif_names(), vec!["racket_and_ball", "coffee_cup"]);
    let grandma = concept(Style::Hybrid, "Grandma loves baking and her garden");
    assert_eq!(scene_for(&grandma, 0).motif_names(), vec!["cake", "potted_plant"]);
}

#[test]
fn full_size_image_is_opaque_with_a_pure_white_background() {
    let img = ProceduralImages::new().generate(&concept(Style::Artistic, "music"), 3, &NoProgress).expect("render");
    assert_eq!(img.dimensions(), (IMAGE_SIZE, IMAGE_SIZE));
    assert!(border_is_white(&img));
    let darkest = img.pixels().map(|p| p.0[0]).min().unwrap_or(255);
    let lightest_subject = img.pixels().map(|p| p.0[0]).filter(|&g| g < 255).max().unwrap_or(0);
    assert!(darkest > 20, "clay should not go black");
    assert!(subject_pixels(&img) > 0 && lightest_subject < 255);
}

struct Recorder {
    steps: AtomicUsize,
    cancel_after: usize,
}

impl Progress for Recorder {
    fn step(&self, _: usize, _: usize, _: &str) {
        self.steps.fetch_add(1, Ordering::SeqCst);
    }
    fn note(&self, _: &str) {}
    fn is_cancelled(&self) -> bool {
        self.steps.load(Ordering::SeqCst) >= self.cancel_after
    }
}

#[test]
fn progress_is_reported_and_cancel_stops_the_render() {
    let scene = scene_for(&concept(Style::Heroic, "books"), 1);
    let all = Recorder { steps: AtomicUsize::new(0), cancel_after: usize::MAX };
    render(&scene, &small(), &all).expect("render");
    assert!(all.steps.load(Ordering::SeqCst) >= 8);
    let stop = Recorder { steps: AtomicUsize::new(0), cancel_after: 2 };
    assert!(matches!(render(&scene, &small(), &stop), Err(StageError::Cancelled)));
}
