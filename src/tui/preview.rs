//! The rotating preview in the Studio: the camera the person steers, the turntable of frames
//! already encoded for the terminal, and which frame shows. State and its pure updates only; the
//! frames are rendered and encoded by [`super::preview_worker`] off the UI thread.
//!
//! Turning cycles the turntable's frames (one every [`FRAME_INTERVAL`], skipping frames not yet
//! built rather than waiting); a change of elevation, zoom, overlays, pane size or solid asks for
//! a new turntable, built in the background, the current frame first. The fly to the engraving
//! renders live frames, each newer request replacing an older one.

use super::action::PreviewKey;
use ratatui_image::protocol::Protocol;
use std::time::{Duration, Instant};

/// Frames in one turn: 10 degrees apart.
pub const TURNTABLE_FRAMES: usize = 36;
/// About 12 frames a second.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(83);
pub const DEFAULT_ELEVATION_DEG: f32 = 15.0;
const ELEVATION_STEP_DEG: f32 = 10.0;
const MIN_ELEVATION_DEG: f32 = -25.0;
const MAX_ELEVATION_DEG: f32 = 75.0;
const ZOOM_STEP: f32 = 1.25;
const MIN_ZOOM: f32 = 0.5;
const MAX_ZOOM: f32 = 6.0;
/// Frames the fly to the engraving (or back) takes.
const FLIGHT_FRAMES: f32 = 10.0;

/// What every frame of one turntable shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameSpec {
    /// The solid's version (`Shared::solid_version` when it was loaded).
    pub mesh: u64,
    /// The pane, in cells.
    pub cells: (u16, u16),
    pub elevation_deg: f32,
    pub zoom: f32,
    pub overhang: bool,
    pub thin: bool,
    pub background: [u8; 3],
    /// Engraved lines, to find the pedestal's height for the engraving view.
    pub lines: u8,
}

/// A frame off the turntable: its azimuth and how far towards the engraving view (0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveView {
    pub azimuth_deg: f32,
    pub engraving: f32,
}

/// Work for the preview worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Build the turntable for `spec`, frame `start` first, then onwards.
    Turntable { spec: FrameSpec, start: usize },
    /// One frame at `view`; a newer request replaces it.
    Live { seq: u64, spec: FrameSpec, view: LiveView },
}

/// Which frame a result is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FrameKey {
    Turntable { spec: FrameSpec, index: usize },
    Live { spec: FrameSpec, seq: u64 },
}

/// The solid as the preview draws it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PreviewInfo {
    pub triangles: usize,
    pub source_triangles: usize,
    pub overhang_faces: usize,
    pub thin_faces: usize,
}

#[derive(Default)]
pub struct PreviewState {
    /// The solid version loaded into the worker, once it is ready.
    pub mesh: Option<u64>,
    pub info: Option<PreviewInfo>,
    /// Turntable frame at the current azimuth.
    pub index: usize,
    pub elevation_deg: f32,
    pub zoom: f32,
    pub overhang: bool,
    pub thin: bool,
    pub playing: bool,
    /// 0 = on the turntable, 1 = looking at the engraving, between while flying.
    pub engraving: f32,
    /// Where the fly is heading (0 or 1).
    pub flight: Option<f32>,
    pub spec: Option<FrameSpec>,
    pub frames: Vec<Option<Protocol>>,
    /// What was on screen before the turntable was rebuilt, shown until its replacement comes.
    pub fallback: Option<Protocol>,
    pub live: Option<(u64, Protocol)>,
    pub live_seq: u64,
    pub next_frame_at: Option<Instant>,
    /// How long the last screen update took; a slow terminal gets fewer frames.
    pub draw_cost: Duration,
}

impl PreviewState {
    pub fn new() -> PreviewState {
        PreviewState { elevation_deg: DEFAULT_ELEVATION_DEG, zoom: 1.0, playing: true, ..PreviewState::default() }
    }

    /// A new solid is being loaded: forget the old one's frames but keep showing the last one.
    pub fn reset_mesh(&mut self) {
        self.keep_fallback();
        self.mesh = None;
        self.info = None;
        self.spec = None;
        self.frames.clear();
        self.live = None;
        self.next_frame_at = None;
    }

    pub fn loaded(&mut self, version: u64, info: PreviewInfo) {
        self.mesh = Some(version);
        self.info = Some(info);
    }

    fn keep_fallback(&mut self) {
        let current = if self.engraving > 0.0 {
            self.live.take().map(|(_, p)| p)
        } else {
            self.frames.get_mut(self.index).and_then(Option::take)
        };
        if let Some(p) = current {
            self.fallback = Some(p);
        }
    }

    /// The frame to show now.
    pub fn protocol(&self) -> Option<&Protocol> {
        let current = if self.engraving > 0.0 {
            self.live.as_ref().map(|(_, p)| p)
        } else {
            self.frames.get(self.index).and_then(Option::as_ref)
        };
        current.or(self.fallback.as_ref())
    }

    /// Whether the clock must run for the preview (the caller checks the Studio is on screen).
    pub fn animating(&self) -> bool {
        self.mesh.is_some()
            && (self.flight.is_some()
                || self.playing && self.engraving == 0.0 && self.frames.iter().any(Option::is_some))
    }

    /// The spec the pane needs now.
    pub fn wanted_spec(&self, cells: (u16, u16), background: [u8; 3], lines: u8) -> Option<FrameSpec> {
        let mesh = self.mesh?;
        (cells.0 > 0 && cells.1 > 0).then_some(FrameSpec {
            mesh,
            cells,
            elevation_deg: self.elevation_deg,
            zoom: self.zoom,
            overhang: self.overhang,
            thin: self.thin,
            background,
            lines,
        })
    }

    /// Asks for a new turntable when what the pane needs changed.
    pub fn sync(&mut self, wanted: Option<FrameSpec>) -> Vec<Request> {
        let Some(spec) = wanted else { return Vec::new() };
        if self.spec == Some(spec) {
            return Vec::new();
        }
        self.keep_fallback();
        self.spec = Some(spec);
        self.frames = vec![None; TURNTABLE_FRAMES];
        let mut out = vec![Request::Turntable { spec, start: self.index }];
        if self.engraving > 0.0 {
            out.extend(self.live_request());
        }
        out
    }

    fn azimuth(&self) -> f32 {
        self.index as f32 * 360.0 / TURNTABLE_FRAMES as f32
    }

    fn live_request(&mut self) -> Option<Request> {
        let spec = self.spec?;
        self.live_seq += 1;
        Some(Request::Live {
            seq: self.live_seq,
            spec,
            view: LiveView { azimuth_deg: self.azimuth(), engraving: self.engraving },
        })
    }

    /// A rendered frame came back; stale ones are dropped.
    pub fn accept(&mut self, key: FrameKey, protocol: Protocol) -> bool {
        match key {
            FrameKey::Turntable { spec, index } if Some(spec) == self.spec && index < self.frames.len() => {
                self.frames[index] = Some(protocol);
                if index == self.index && self.engraving == 0.0 {
                    self.fallback = None;
                }
                true
            }
            FrameKey::Live { spec, seq }
                if Some(spec) == self.spec && self.live.as_ref().is_none_or(|(s, _)| seq > *s) =>
            {
                self.live = Some((seq, protocol));
                if self.engraving > 0.0 {
                    self.fallback = None;
                }
                true
            }
            _ => false,
        }
    }

    /// A key for the preview.
    pub fn on_key(&mut self, key: PreviewKey, now: Instant) -> Vec<Request> {
        let mut out = Vec::new();
        match key {
            PreviewKey::Pause if self.engraving > 0.0 => self.fly(0.0, &mut out),
            PreviewKey::Pause => {
                self.playing = !self.playing;
                self.next_frame_at = None;
            }
            PreviewKey::Orbit { azimuth, elevation } => {
                if self.engraving > 0.0 {
                    self.engraving = 0.0;
                    self.flight = None;
                }
                let n = TURNTABLE_FRAMES as i64;
                self.index = (self.index as i64 + i64::from(azimuth)).rem_euclid(n) as usize;
                self.elevation_deg = (self.elevation_deg + f32::from(elevation) * ELEVATION_STEP_DEG)
                    .clamp(MIN_ELEVATION_DEG, MAX_ELEVATION_DEG);
                // Not built yet: build from here on.
                if let Some(spec) = self.spec.filter(|_| self.frames.get(self.index).is_some_and(Option::is_none)) {
                    out.push(Request::Turntable { spec, start: self.index });
                }
            }
            PreviewKey::Zoom(by) => {
                self.zoom = (self.zoom * ZOOM_STEP.powi(i32::from(by))).clamp(MIN_ZOOM, MAX_ZOOM);
            }
            PreviewKey::Reset => {
                self.elevation_deg = DEFAULT_ELEVATION_DEG;
                self.zoom = 1.0;
                self.index = 0;
                self.engraving = 0.0;
                self.flight = None;
                self.playing = true;
                self.next_frame_at = None;
            }
            PreviewKey::Overhangs => self.overhang = !self.overhang,
            PreviewKey::ThinWalls => self.thin = !self.thin,
            PreviewKey::Engraving => {
                let to = if self.flight.unwrap_or(self.engraving) >= 0.5 { 0.0 } else { 1.0 };
                self.fly(to, &mut out);
            }
        }
        let _ = now;
        out
    }

    fn fly(&mut self, to: f32, out: &mut Vec<Request>) {
        self.flight = Some(to);
        self.next_frame_at = None;
        if to > 0.0 {
            self.playing = false;
            if self.engraving == 0.0 {
                // The first live frame starts from the turntable's.
                self.engraving = 1e-3;
                self.keep_fallback_from_turntable();
            }
        }
        out.extend(self.live_request());
    }

    fn keep_fallback_from_turntable(&mut self) {
        if let Some(p) = self.frames.get(self.index).and_then(Option::as_ref) {
            self.fallback = Some(p.clone());
        }
    }

    /// The animation clock: turns the piece (dropping frames when late or not yet built) and flies.
    pub fn on_tick(&mut self, now: Instant) -> Vec<Request> {
        if !self.animating() {
            self.next_frame_at = None;
            return Vec::new();
        }
        let interval = FRAME_INTERVAL.max(self.draw_cost * 2);
        let Some(due) = self.next_frame_at else {
            self.next_frame_at = Some(now + interval);
            return Vec::new();
        };
        if now < due {
            return Vec::new();
        }
        // Frames due since: at least one, more when the terminal or the clock fell behind.
        let late = now.duration_since(due).as_millis() / FRAME_INTERVAL.as_millis().max(1);
        let steps = 1 + late.min(TURNTABLE_FRAMES as u128) as usize;
        self.next_frame_at = Some(now + interval);
        let mut out = Vec::new();
        if let Some(to) = self.flight {
            let step = steps as f32 / FLIGHT_FRAMES;
            self.engraving =
                if to > self.engraving { (self.engraving + step).min(1.0) } else { (self.engraving - step).max(0.0) };
            if self.engraving == to {
                self.flight = None;
                if to == 0.0 {
                    self.playing = true;
                    self.keep_fallback();
                }
            }
            if self.engraving > 0.0 {
                out.extend(self.live_request());
            }
            return out;
        }
        // The farthest built frame within reach: a frame not built yet is skipped, not waited for.
        let n = TURNTABLE_FRAMES;
        if let Some(k) = (1..=steps).rev().find(|k| self.frames.get((self.index + k) % n).is_some_and(Option::is_some))
        {
            self.index = (self.index + k) % n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Size;

    fn frame() -> Protocol {
        let img = image::DynamicImage::new_rgba8(4, 4);
        ratatui_image::picker::Picker::halfblocks()
            .new_protocol(img, Size::new(2, 1), ratatui_image::Resize::Fit(None))
            .unwrap()
    }

    fn loaded() -> (PreviewState, FrameSpec) {
        let mut p = PreviewState::new();
        p.loaded(1, PreviewInfo::default());
        let spec = p.wanted_spec((20, 10), [0; 3], 2).unwrap();
        let req = p.sync(Some(spec));
        assert_eq!(req, vec![Request::Turntable { spec, start: 0 }]);
        assert!(p.sync(Some(spec)).is_empty(), "asked once");
        (p, spec)
    }

    #[test]
    fn turning_cycles_built_frames_and_skips_missing_ones() {
        let (mut p, spec) = loaded();
        assert!(!p.animating(), "nothing to show yet: no clock");
        for i in [0, 1, 3] {
            assert!(p.accept(FrameKey::Turntable { spec, index: i }, frame()));
        }
        assert!(p.animating());
        let t0 = Instant::now();
        p.on_tick(t0);
        p.on_tick(t0 + FRAME_INTERVAL);
        assert_eq!(p.index, 1);
        // Frame 2 is not built: the next tick stays, the one after jumps to 3.
        p.on_tick(t0 + FRAME_INTERVAL * 2);
        assert_eq!(p.index, 1);
        p.on_tick(t0 + FRAME_INTERVAL * 4);
        assert_eq!(p.index, 3, "late ticks skip ahead to the farthest built frame");
        p.on_key(PreviewKey::Pause, t0);
        assert!(!p.animating(), "paused: the clock stops");
    }

    #[test]
    fn changes_rebuild_and_keep_the_old_frame_meanwhile() {
        let (mut p, spec) = loaded();
        p.accept(FrameKey::Turntable { spec, index: 0 }, frame());
        p.on_key(PreviewKey::Orbit { azimuth: 0, elevation: 1 }, Instant::now());
        let wanted = p.wanted_spec((20, 10), [0; 3], 2);
        assert_eq!(wanted.map(|s| s.elevation_deg), Some(DEFAULT_ELEVATION_DEG + 10.0));
        let req = p.sync(wanted);
        assert!(matches!(req.as_slice(), [Request::Turntable { start: 0, .. }]));
        assert!(p.protocol().is_some(), "the old frame shows until the new one comes");
        assert!(!p.accept(FrameKey::Turntable { spec, index: 0 }, frame()), "a frame of the old spec is stale");
        assert!(p.fallback.is_some());
        p.accept(FrameKey::Turntable { spec: wanted.unwrap(), index: 0 }, frame());
        assert!(p.fallback.is_none());
    }

    #[test]
    fn the_engraving_fly_renders_live_frames_and_comes_back() {
        let (mut p, spec) = loaded();
        p.accept(FrameKey::Turntable { spec, index: 0 }, frame());
        p.index = 9;
        let req = p.on_key(PreviewKey::Engraving, Instant::now());
        assert!(matches!(req.as_slice(), [Request::Live { seq: 1, .. }]));
        assert!(!p.playing && p.animating());
        let t0 = Instant::now();
        p.on_tick(t0);
        let mut seqs = Vec::new();
        for i in 1..=20u32 {
            for r in p.on_tick(t0 + FRAME_INTERVAL * i) {
                if let Request::Live { seq, view, .. } = r {
                    seqs.push(seq);
                    assert!(view.engraving > 0.0 && view.engraving <= 1.0);
                }
            }
        }
        assert_eq!(p.engraving, 1.0);
        assert!(p.flight.is_none() && !p.animating(), "arrived: the clock stops");
        assert!(seqs.windows(2).all(|w| w[1] > w[0]));
        assert!(!p.accept(FrameKey::Live { spec, seq: 1 }, frame()) || p.live.as_ref().is_some_and(|l| l.0 == 1));
        p.on_key(PreviewKey::Engraving, t0);
        assert_eq!(p.flight, Some(0.0), "e again flies back");
        p.on_key(PreviewKey::Reset, t0);
        assert!(p.playing && p.engraving == 0.0 && p.index == 0);
    }

    #[test]
    fn zoom_and_elevation_stay_in_range() {
        let mut p = PreviewState::new();
        for _ in 0..20 {
            p.on_key(PreviewKey::Zoom(1), Instant::now());
            p.on_key(PreviewKey::Orbit { azimuth: -1, elevation: 1 }, Instant::now());
        }
        assert_eq!(p.zoom, MAX_ZOOM);
        assert_eq!(p.elevation_deg, MAX_ELEVATION_DEG);
        assert_eq!(p.index, TURNTABLE_FRAMES - 20);
    }
}

/// The app-level side: messages and keys in, effects out. The Studio screen owns the state.
pub mod glue {
    use super::{FrameKey, PreviewInfo, Request};
    use crate::tui::action::PreviewKey;
    use crate::tui::app::{App, ScreenId};
    use crate::tui::msg::Effect;
    use crate::tui::screens::studio;
    use ratatui_image::protocol::Protocol;
    use std::time::Instant;

    fn effects(requests: Vec<Request>) -> Vec<Effect> {
        requests.into_iter().map(Effect::Preview).collect()
    }

    /// Whether the preview is on screen (the Studio, nothing over it, big enough).
    pub fn visible(app: &App) -> bool {
        app.screen == ScreenId::Studio && app.overlay.is_none() && !app.too_small()
    }

    /// When the preview's clock must wake the loop, if it is turning or flying on screen.
    pub fn next_wakeup(app: &App, now: Instant) -> Option<Instant> {
        let p = &app.studio.preview;
        (visible(app) && p.animating()).then(|| p.next_frame_at.unwrap_or(now))
    }

    pub fn on_tick(app: &mut App) -> Vec<Effect> {
        if !visible(app) {
            app.studio.preview.next_frame_at = None;
            return Vec::new();
        }
        let now = app.shared.now;
        effects(app.studio.preview.on_tick(now))
    }

    pub fn on_key(app: &mut App, key: PreviewKey) -> Vec<Effect> {
        let now = app.shared.now;
        effects(app.studio.preview.on_key(key, now))
    }

    pub fn on_loaded(app: &mut App, version: u64, result: Result<PreviewInfo, String>) {
        if version != app.shared.solid_version {
            return;
        }
        match result {
            Ok(info) => app.studio.preview.loaded(version, info),
            Err(e) => app.shared.progress.log(format!("preview: {e}")),
        }
    }

    pub fn on_frame(app: &mut App, key: FrameKey, result: Result<Protocol, String>) {
        match result {
            Ok(p) => {
                app.studio.preview.accept(key, p);
            }
            Err(e) => app.shared.progress.log(e),
        }
    }

    /// The turntable the pane needs at the current size and settings.
    pub fn sync(app: &mut App) -> Vec<Effect> {
        if !visible(app) {
            return Vec::new();
        }
        let rect = studio::picture_rect(app.body());
        // The engraving as last cut, which is what the solid shows.
        let lines = app.shared.session.as_ref().map_or(2, |s| {
            [&s.params.fab.line1, &s.params.fab.line2].iter().filter(|l| !l.trim().is_empty()).count() as u8
        });
        let background = app.shared.theme.background_rgb();
        let wanted = app.studio.preview.wanted_spec((rect.width, rect.height), background, lines);
        effects(app.studio.preview.sync(wanted))
    }
}

/// A few words under the preview: what it does and which tints are on.
pub fn status(p: &PreviewState) -> Option<String> {
    let info = p.info?;
    p.mesh?;
    let mut words = vec![if p.flight.is_some() {
        "flying"
    } else if p.engraving > 0.0 {
        "engraving"
    } else if p.playing {
        "turning"
    } else {
        "paused"
    }
    .to_string()];
    if p.overhang {
        words.push(if info.overhang_faces == 0 { "no overhangs".into() } else { "overhangs".into() });
    }
    if p.thin {
        words.push(if info.thin_faces == 0 { "no thin walls".into() } else { "thin walls".into() });
    }
    Some(words.join(" · "))
}
