//! Contact sheet of the procedural concept images, to judge them by eye.
//!
//! `cargo run --release --example motif_sheet -- out.png` draws every motif of the library, in
//! catalogue order, six to a row. `-- out.png --hobbies "tennis, coffee"` draws the four styles of
//! that input instead (one row per seed with `--seeds N`). `--size PX` sets each tile's side.

use image::{imageops, RgbaImage};
use memoreez::domain::{Concept, Style};
use memoreez::imagegen::procedural::{motif_scene, motifs, render, scene_for, RenderOptions, Scene};
use memoreez::stage::NoProgress;
use std::error::Error;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().cloned().unwrap_or_else(|| "motif_sheet.png".into());
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned());
    let tile: u32 = flag("--size").map(|s| s.parse()).transpose()?.unwrap_or(256);
    let seeds: u64 = flag("--seeds").map(|s| s.parse()).transpose()?.unwrap_or(1);

    let mut scenes: Vec<(String, Scene)> = Vec::new();
    match flag("--hobbies") {
        Some(hobbies) => {
            for seed in 0..seeds {
                for style in Style::ALL {
                    let concept = Concept {
                        title: format!("{style} keepsake"),
                        style,
                        prompt: format!("A {style} figurine about {hobbies}. Single solid object."),
                    };
                    scenes.push((format!("{style} seed {seed}"), scene_for(&concept, seed)));
                }
            }
        }
        None => {
            for m in motifs::catalogue() {
                let scene = motif_scene(m.name, 7).ok_or("motif vanished from the catalogue")?;
                scenes.push((m.name.to_string(), scene));
            }
        }
    }

    let cols = if flag("--hobbies").is_some() { 4 } else { 6 };
    let rows = scenes.len().div_ceil(cols) as u32;
    let mut sheet = RgbaImage::from_pixel(tile * cols as u32, tile * rows, image::Rgba([255; 4]));
    let options = RenderOptions { size: tile, ..RenderOptions::default() };
    for (i, (label, scene)) in scenes.iter().enumerate() {
        let start = Instant::now();
        let img = render(scene, &options, &NoProgress)?;
        println!(
            "{i:2} {label:<20} {:>6.0} ms  motifs: {}",
            start.elapsed().as_secs_f64() * 1000.0,
            scene.motif_names().join(", ")
        );
        let (x, y) = ((i % cols) as u32 * tile, (i / cols) as u32 * tile);
        imageops::replace(&mut sheet, &img, x.into(), y.into());
    }
    sheet.save(&out)?;
    println!("wrote {out}");
    Ok(())
}
