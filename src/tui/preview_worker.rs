//! The preview's own thread: holds the solid prepared for display, renders frames with the clay
//! renderer and encodes them for the terminal, then sends them to the UI as messages. It blocks
//! (no CPU) while there is nothing to do, answers the newest live request first, and builds a
//! turntable frame by frame so newer requests are looked at between frames.

use super::msg::Msg;
use super::preview::{FrameKey, FrameSpec, LiveView, PreviewInfo, Request, TURNTABLE_FRAMES};
use crate::fab::pedestal::Pedestal;
use crate::mesh::Mesh;
use crate::render::display::{OVERHANG, THIN};
use crate::render::{turntable, Camera, DisplayMesh, PrepareOptions, RenderOptions, Renderer};
use image::{DynamicImage, RgbaImage};
use ratatui::layout::Size;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::halfblocks::Halfblocks;
use ratatui_image::protocol::Protocol;
use ratatui_image::Resize;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Below this many pixels a frame is supersampled 4x4 instead of 2x2 (half-blocks are tiny).
const SMALL_FRAME_PX: u32 = 160 * 120;

pub enum Command {
    /// A new solid: prepare it, say so, and draw the still for the other screens.
    Mesh {
        version: u64,
        mesh: Mesh,
        still: (u32, u32),
        background: [u8; 3],
    },
    Request(Request),
}

/// The handle the runtime keeps; dropping it ends the thread.
pub struct PreviewWorker {
    tx: Sender<Command>,
}

impl PreviewWorker {
    pub fn spawn(picker: Picker, out: UnboundedSender<Msg>) -> PreviewWorker {
        let (tx, rx) = channel();
        std::thread::Builder::new().name("preview".into()).spawn(move || Worker::new(picker, out).run(rx)).ok();
        PreviewWorker { tx }
    }

    pub fn sender(&self) -> Sender<Command> {
        self.tx.clone()
    }

    pub fn send(&self, c: Command) {
        let _ = self.tx.send(c);
    }
}

/// Pixels a pane of `cells` holds with this picker: half-blocks give two square pixels a cell.
pub fn frame_px(picker: &Picker, cells: (u16, u16)) -> (u32, u32) {
    if picker.protocol_type() == ProtocolType::Halfblocks {
        (u32::from(cells.0), u32::from(cells.1) * 2)
    } else {
        let f = picker.font_size();
        (u32::from(cells.0) * u32::from(f.width.max(1)), u32::from(cells.1) * u32::from(f.height.max(1)))
    }
}

/// Encodes a frame rendered at [`frame_px`] for the picker's protocol, filling `cells` exactly.
pub fn encode_frame(picker: &Picker, img: RgbaImage, cells: (u16, u16)) -> Result<Protocol, String> {
    let size = Size::new(cells.0, cells.1);
    let img = DynamicImage::ImageRgba8(img);
    let result = if picker.protocol_type() == ProtocolType::Halfblocks {
        Halfblocks::new(img, size).map(Protocol::Halfblocks)
    } else {
        picker.new_protocol(img, size, Resize::Fit(None))
    };
    result.map_err(|e| format!("preview: cannot encode a frame: {e}"))
}

/// The camera for a frame: the turntable's orbit (distance fitted to the whole turn, then zoomed),
/// blended towards the engraving view.
pub fn frame_camera(d: &DisplayMesh, spec: &FrameSpec, view: LiveView, fit: f32, aspect: f32) -> Camera {
    let mut orbit = Camera::fit(d.bounds, view.azimuth_deg, spec.elevation_deg, aspect);
    orbit.distance = fit / spec.zoom.max(0.1);
    if view.engraving <= 0.0 {
        return orbit;
    }
    let height = f64::from(d.bounds.1[2] - d.bounds.0[2]);
    let pedestal = Pedestal::height_for(height, usize::from(spec.lines.max(1))) as f32;
    orbit.lerp(&Camera::engraving(d.bounds, pedestal, aspect), smooth(view.engraving))
}

/// Eases in and out, so the fly starts and lands gently.
fn smooth(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The distance at which the piece fits every frame of a turn at `spec`'s elevation.
pub fn turntable_fit(d: &DisplayMesh, spec: &FrameSpec, aspect: f32) -> f32 {
    let cams = turntable::turntable_cameras(d, TURNTABLE_FRAMES, spec.elevation_deg, aspect);
    cams.first().map_or(1.0, |c| c.distance)
}

/// Renders and encodes one frame; also what the tests use to build a screen without the thread.
pub fn render_frame(
    renderer: &mut Renderer,
    picker: &Picker,
    d: &DisplayMesh,
    spec: &FrameSpec,
    view: LiveView,
    fit: f32,
) -> Result<Protocol, String> {
    let (w, h) = frame_px(picker, spec.cells);
    let aspect = w.max(1) as f32 / h.max(1) as f32;
    let cam = frame_camera(d, spec, view, fit, aspect);
    let ssaa = if w * h < SMALL_FRAME_PX { 4 } else { 2 };
    let opts = RenderOptions {
        width: w,
        height: h,
        background: spec.background,
        ssaa,
        overhang: spec.overhang,
        thin: spec.thin,
        ..RenderOptions::default()
    };
    encode_frame(picker, renderer.render(d, &cam, &opts), spec.cells)
}

/// The solid prepared for the preview.
pub fn prepare(mesh: &Mesh) -> (DisplayMesh, PreviewInfo) {
    let d = DisplayMesh::prepare(mesh, &PrepareOptions::default());
    let info = PreviewInfo {
        triangles: d.triangles.len(),
        source_triangles: d.source_triangles,
        overhang_faces: d.flagged(OVERHANG),
        thin_faces: d.flagged(THIN),
    };
    (d, info)
}

/// A solid to prepare: its version, the mesh, and the still's size and background.
struct PendingMesh {
    version: u64,
    mesh: Mesh,
    still: (u32, u32),
    background: [u8; 3],
}

struct Turntable {
    spec: FrameSpec,
    start: usize,
    done: Vec<bool>,
    fit: f32,
}

struct Worker {
    picker: Picker,
    out: UnboundedSender<Msg>,
    renderer: Renderer,
    mesh: Option<(u64, Arc<DisplayMesh>)>,
    pending_mesh: Option<PendingMesh>,
    live: Option<(u64, FrameSpec, LiveView)>,
    turntable: Option<Turntable>,
}

impl Worker {
    fn new(picker: Picker, out: UnboundedSender<Msg>) -> Worker {
        Worker { picker, out, renderer: Renderer::new(), mesh: None, pending_mesh: None, live: None, turntable: None }
    }

    fn busy(&self) -> bool {
        self.pending_mesh.is_some()
            || self.live.is_some()
            || self.turntable.as_ref().is_some_and(|t| t.done.contains(&false))
    }

    /// Takes a command in; newer requests of a kind replace older ones.
    fn absorb(&mut self, c: Command) {
        match c {
            Command::Mesh { version, mesh, still, background } => {
                self.pending_mesh = Some(PendingMesh { version, mesh, still, background });
                self.live = None;
                self.turntable = None;
            }
            Command::Request(Request::Live { seq, spec, view }) => self.live = Some((seq, spec, view)),
            Command::Request(Request::Turntable { spec, start }) => match &mut self.turntable {
                Some(t) if t.spec == spec => t.start = start,
                _ => self.turntable = Some(Turntable { spec, start, done: vec![false; TURNTABLE_FRAMES], fit: 0.0 }),
            },
        }
    }

    fn run(mut self, rx: Receiver<Command>) {
        loop {
            if !self.busy() {
                match rx.recv() {
                    Ok(c) => self.absorb(c),
                    Err(_) => return,
                }
            }
            while let Ok(c) = rx.try_recv() {
                self.absorb(c);
            }
            if self.out.is_closed() {
                return;
            }
            self.step();
        }
    }

    /// One unit of work: the mesh, else the live frame, else the next turntable frame.
    fn step(&mut self) {
        if let Some(PendingMesh { version, mesh, still, background }) = self.pending_mesh.take() {
            let (d, info) = prepare(&mesh);
            let d = Arc::new(d);
            self.mesh = Some((version, d.clone()));
            let _ = self.out.send(Msg::PreviewLoaded { version, result: Ok(info) });
            let cam = turntable::still_camera(&d, still.0 as f32 / still.1.max(1) as f32);
            let opts = RenderOptions { width: still.0, height: still.1, background, ..RenderOptions::default() };
            let img = self.renderer.render(&d, &cam, &opts);
            let _ = self.out.send(Msg::SolidRendered { version, result: Ok(Arc::new(DynamicImage::ImageRgba8(img))) });
            return;
        }
        let Some((version, d)) = self.mesh.clone() else {
            self.live = None;
            self.turntable = None;
            return;
        };
        if let Some((seq, spec, view)) = self.live.take() {
            if spec.mesh == version {
                let fit = self.fit_for(&d, &spec);
                let result = render_frame(&mut self.renderer, &self.picker, &d, &spec, view, fit);
                let _ = self.out.send(Msg::PreviewFrame { key: FrameKey::Live { spec, seq }, result });
            }
            return;
        }
        let Some(mut t) = self.turntable.take() else { return };
        if t.spec.mesh != version {
            return;
        }
        if t.fit <= 0.0 {
            let (w, h) = frame_px(&self.picker, t.spec.cells);
            t.fit = turntable_fit(&d, &t.spec, w.max(1) as f32 / h.max(1) as f32);
        }
        let n = TURNTABLE_FRAMES;
        if let Some(index) = (0..n).map(|k| (t.start + k) % n).find(|&i| !t.done[i]) {
            let view = LiveView { azimuth_deg: index as f32 * 360.0 / n as f32, engraving: 0.0 };
            let result = render_frame(&mut self.renderer, &self.picker, &d, &t.spec, view, t.fit);
            t.done[index] = true;
            let _ = self.out.send(Msg::PreviewFrame { key: FrameKey::Turntable { spec: t.spec, index }, result });
        }
        self.turntable = Some(t);
    }

    fn fit_for(&mut self, d: &DisplayMesh, spec: &FrameSpec) -> f32 {
        match &self.turntable {
            Some(t) if t.spec == *spec && t.fit > 0.0 => t.fit,
            _ => {
                let (w, h) = frame_px(&self.picker, spec.cells);
                turntable_fit(d, spec, w.max(1) as f32 / h.max(1) as f32)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::shapes::pedestal_piece;

    fn spec(mesh: u64) -> FrameSpec {
        FrameSpec {
            mesh,
            cells: (30, 12),
            elevation_deg: 15.0,
            zoom: 1.0,
            overhang: false,
            thin: false,
            background: [10, 10, 30],
            lines: 2,
        }
    }

    #[test]
    fn the_worker_prepares_builds_a_turntable_and_answers_live_requests() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let w = PreviewWorker::spawn(Picker::halfblocks(), tx);
        w.send(Command::Mesh { version: 3, mesh: pedestal_piece(), still: (64, 48), background: [0; 3] });
        w.send(Command::Request(Request::Turntable { spec: spec(3), start: 5 }));
        let mut frames = Vec::new();
        let mut loaded = false;
        let mut still = false;
        while frames.len() < TURNTABLE_FRAMES {
            match rx.blocking_recv() {
                Some(Msg::PreviewLoaded { version: 3, result: Ok(info) }) => {
                    loaded = true;
                    assert!(info.triangles > 100);
                }
                Some(Msg::SolidRendered { version: 3, result: Ok(img) }) => still = img.width() == 64,
                Some(Msg::PreviewFrame { key: FrameKey::Turntable { index, .. }, result }) => {
                    let p = result.unwrap();
                    assert_eq!((p.size().width, p.size().height), (30, 12));
                    frames.push(index);
                }
                Some(_) => {}
                None => panic!("the worker stopped"),
            }
        }
        assert!(loaded && still);
        assert_eq!(frames[0], 5, "the asked-for frame comes first");
        let mut sorted = frames.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..TURNTABLE_FRAMES).collect::<Vec<_>>(), "each frame once");
        w.send(Command::Request(Request::Live {
            seq: 7,
            spec: spec(3),
            view: LiveView { azimuth_deg: 0.0, engraving: 1.0 },
        }));
        match rx.blocking_recv() {
            Some(Msg::PreviewFrame { key: FrameKey::Live { seq: 7, .. }, result }) => assert!(result.is_ok()),
            _ => panic!("a live frame"),
        }
        // A request for an older solid is dropped, not drawn.
        w.send(Command::Request(Request::Live {
            seq: 8,
            spec: spec(2),
            view: LiveView { azimuth_deg: 0.0, engraving: 0.0 },
        }));
        w.send(Command::Request(Request::Live {
            seq: 9,
            spec: spec(3),
            view: LiveView { azimuth_deg: 0.0, engraving: 0.0 },
        }));
        match rx.blocking_recv() {
            Some(Msg::PreviewFrame { key: FrameKey::Live { seq, .. }, .. }) => assert_eq!(seq, 9),
            _ => panic!("a live frame"),
        }
    }
}
