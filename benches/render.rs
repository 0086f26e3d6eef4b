//! The clay renderer and the preview's terminal path:
//! - one 640x480 frame of a 200k-triangle mesh, shaded, 2x2 supersampled (and without, as the
//!   reference for the cost of anti-aliasing), plus the once-per-solid preparation;
//! - encoding one such frame as sixel, kitty and half-blocks with ratatui-image's encoders;
//! - one playback tick of a pre-encoded turntable: the whole Studio redrawn with the next frame
//!   and written to a sink, as the event loop does 12 times a second.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use memoreez::render::shapes::bumpy_ball;
use memoreez::render::{turntable, DisplayMesh, PrepareOptions, RenderOptions, Renderer};
use memoreez::tui::preview::{FrameKey, TURNTABLE_FRAMES};
use memoreez::tui::preview_worker::{encode_frame, frame_px};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use ratatui_image::picker::{Picker, ProtocolType};
use std::hint::black_box;
use std::time::Duration;

/// 2 * 500 * 200 = 200,000 triangles.
fn mesh_200k() -> memoreez::mesh::Mesh {
    bumpy_ball(40.0, 201, 500)
}

fn picker(p: ProtocolType) -> Picker {
    // Headless: the half-blocks picker (font 10x20) told to encode another protocol.
    let mut picker = Picker::halfblocks();
    picker.set_protocol_type(p);
    picker
}

fn render(c: &mut Criterion) {
    let mesh = mesh_200k();
    assert_eq!(mesh.triangles.len(), 200_000);
    // Drawn at full count: the preview budget is lifted so the frame really has 200k triangles.
    let opts = PrepareOptions { budget: usize::MAX, ..PrepareOptions::default() };
    let display = DisplayMesh::prepare(&mesh, &opts);
    let cam = turntable::still_camera(&display, 640.0 / 480.0);
    let mut g = c.benchmark_group("render");
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(8));
    let mut r = Renderer::new();
    for ssaa in [1, 2] {
        let o = RenderOptions { width: 640, height: 480, ssaa, ..RenderOptions::default() };
        g.bench_with_input(BenchmarkId::new("200k_tris_640x480_ssaa", ssaa), &o, |b, o| {
            b.iter(|| black_box(r.render(&display, &cam, o)))
        });
    }
    g.sample_size(10);
    g.bench_function("prepare_200k_tris_once_per_solid", |b| b.iter(|| black_box(DisplayMesh::prepare(&mesh, &opts))));
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mesh = mesh_200k();
    let display = DisplayMesh::prepare(&mesh, &PrepareOptions::default());
    let cam = turntable::still_camera(&display, 640.0 / 480.0);
    let frame = Renderer::new().render(&display, &cam, &RenderOptions::default());
    let mut g = c.benchmark_group("encode_640x480");
    g.sample_size(20);
    // A 64 x 24 cell pane at the 10 x 20 font the headless picker assumes is 640 x 480 pixels.
    for (name, p) in
        [("sixel", ProtocolType::Sixel), ("kitty", ProtocolType::Kitty), ("halfblocks", ProtocolType::Halfblocks)]
    {
        let picker = picker(p);
        g.bench_function(name, |b| b.iter(|| black_box(encode_frame(&picker, frame.clone(), (64, 24)))));
    }
    // What the Studio really encodes in half-block mode: a frame rendered at the pane's 64 x 48.
    let small = Renderer::new().render(
        &display,
        &cam,
        &RenderOptions { width: 64, height: 48, ssaa: 4, ..RenderOptions::default() },
    );
    let hb = picker(ProtocolType::Halfblocks);
    g.bench_function("halfblocks_native_64x48", |b| b.iter(|| black_box(encode_frame(&hb, small.clone(), (64, 24)))));
    g.finish();
}

/// A Studio at 160x48 whose preview holds a full pre-encoded turntable for `p`.
fn studio_with_turntable(p: ProtocolType) -> memoreez::tui::app::App {
    let mut app = memoreez::tui::testing::scene("studio-done", 160, 48);
    let picker = picker(p);
    let mut r = Renderer::new();
    let display = DisplayMesh::prepare(&memoreez::render::shapes::pedestal_piece(), &PrepareOptions::default());
    let spec = app.studio.preview.spec.expect("the scene loads the preview");
    let (w, h) = frame_px(&picker, spec.cells);
    let cams = turntable::turntable_cameras(&display, TURNTABLE_FRAMES, 15.0, w as f32 / h as f32);
    for (index, cam) in cams.iter().enumerate() {
        let img = r.render(&display, cam, &RenderOptions { width: w, height: h, ..RenderOptions::default() });
        let frame = encode_frame(&picker, img, spec.cells).expect("encode");
        app.studio.preview.accept(FrameKey::Turntable { spec, index }, frame);
    }
    app
}

fn playback(c: &mut Criterion) {
    let mut g = c.benchmark_group("playback_tick_160x48");
    g.sample_size(30);
    for (name, p) in
        [("sixel", ProtocolType::Sixel), ("kitty", ProtocolType::Kitty), ("halfblocks", ProtocolType::Halfblocks)]
    {
        let mut app = studio_with_turntable(p);
        let viewport = ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 160, 48));
        let mut term =
            Terminal::with_options(CrosstermBackend::new(std::io::sink()), ratatui::TerminalOptions { viewport })
                .expect("terminal");
        g.bench_function(name, |b| {
            b.iter(|| {
                let pv = &mut app.studio.preview;
                pv.index = (pv.index + 1) % TURNTABLE_FRAMES;
                term.draw(|f| f.render_widget(&app, f.area())).expect("draw");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, render, encode, playback);
criterion_main!(benches);
