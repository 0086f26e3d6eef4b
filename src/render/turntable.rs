//! Cameras for a turntable (the piece turning once round its vertical axis) and for the usual still.

use super::camera::Camera;
use super::display::DisplayMesh;
use super::vec3::V3;

/// The usual still: from the front, a little to the left, looking 20 degrees down.
pub const STILL_AZIMUTH_DEG: f32 = -30.0;
pub const STILL_ELEVATION_DEG: f32 = 20.0;
/// Turntables look down a little less, so the engraving on the front reads well when it passes.
pub const TURNTABLE_ELEVATION_DEG: f32 = 15.0;

/// The camera for the usual still of `mesh` in an image of `aspect`.
pub fn still_camera(mesh: &DisplayMesh, aspect: f32) -> Camera {
    fitted(mesh, STILL_AZIMUTH_DEG, STILL_ELEVATION_DEG, aspect)
}

/// A camera at `azimuth`/`elevation` looking at the middle of `mesh`, as close as its vertices allow.
pub fn fitted(mesh: &DisplayMesh, azimuth_deg: f32, elevation_deg: f32, aspect: f32) -> Camera {
    let mut cam = Camera::fit(mesh.bounds, azimuth_deg, elevation_deg, aspect);
    if !mesh.positions.is_empty() {
        cam.distance = cam.distance_to_fit_points(mesh.positions.iter().copied(), aspect);
    }
    cam
}

/// `frames` cameras evenly round the piece from `start` (frame 0 at `start.azimuth_deg`), all at
/// the distance that fits the widest view, so the piece does not pulse as it turns.
pub fn orbit(start: &Camera, frames: usize, bounds: Option<(V3, V3)>, aspect: f32) -> Vec<Camera> {
    let frames = frames.max(1);
    let mut cams: Vec<Camera> = (0..frames).map(|i| start.orbited(360.0 * i as f32 / frames as f32, 0.0)).collect();
    if let Some(bounds) = bounds {
        let fit = cams.iter().map(|cam| cam.distance_to_fit(bounds, aspect)).fold(0.0f32, f32::max);
        for cam in &mut cams {
            cam.distance = fit;
        }
    }
    cams
}

/// A turntable of `mesh` starting at the front (azimuth 0), fitted to the frame.
pub fn turntable_cameras(mesh: &DisplayMesh, frames: usize, elevation_deg: f32, aspect: f32) -> Vec<Camera> {
    let start = Camera::fit(mesh.bounds, 0.0, elevation_deg, aspect);
    let mut cams = orbit(&start, frames, None, aspect);
    let fit =
        cams.iter().map(|c| c.distance_to_fit_points(mesh.positions.iter().copied(), aspect)).fold(0.0f32, f32::max);
    if fit > 0.0 {
        for c in &mut cams {
            c.distance = fit;
        }
    }
    cams
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::display::PrepareOptions;
    use crate::render::shapes::boxed;

    #[test]
    fn frames_go_once_round_at_one_distance() {
        let opts = PrepareOptions { ao_directions: 0, thin_walls: false, ..PrepareOptions::default() };
        let m = DisplayMesh::prepare(&boxed([-30.0, -5.0, 0.0], [30.0, 5.0, 20.0]), &opts);
        let cams = turntable_cameras(&m, 12, 15.0, 1.0);
        assert_eq!(cams.len(), 12);
        assert_eq!(cams[0].azimuth_deg, 0.0);
        assert!((cams[3].azimuth_deg - 90.0).abs() < 1e-3);
        assert!(cams.iter().all(|c| c.distance == cams[0].distance));
    }
}
