//! Frames to files: PNG stills, numbered PNG frames, and looping animated GIFs.

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, RgbaImage};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum EncodeError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode {what}: {message}")]
    Image { what: &'static str, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EncodeError + '_ {
    move |source| EncodeError::Io { path: path.to_path_buf(), source }
}

/// The image as PNG bytes.
pub fn png_bytes(img: &RgbaImage) -> Result<Vec<u8>, EncodeError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| EncodeError::Image { what: "a PNG", message: e.to_string() })?;
    Ok(out.into_inner())
}

/// Writes `frames` as `frame_000.png`, `frame_001.png`, ... into `dir` (created if missing).
pub fn write_frames(dir: &Path, frames: &[RgbaImage]) -> Result<Vec<PathBuf>, EncodeError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let digits = frames.len().saturating_sub(1).to_string().len().max(3);
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let path = dir.join(format!("frame_{i:0digits$}.png"));
            std::fs::write(&path, png_bytes(f)?).map_err(io(&path))?;
            Ok(path)
        })
        .collect()
}

/// An animated GIF looping forever at `fps` frames a second.
pub fn gif_bytes(frames: &[RgbaImage], fps: u32) -> Result<Vec<u8>, EncodeError> {
    let gif_err = |e: image::ImageError| EncodeError::Image { what: "the GIF", message: e.to_string() };
    let mut out = Vec::new();
    {
        // Speed 10 of 30: quantisation good enough for grey clay, a few times faster than the best.
        let mut enc = GifEncoder::new_with_speed(&mut out, 10);
        enc.set_repeat(Repeat::Infinite).map_err(gif_err)?;
        let delay = Delay::from_numer_denom_ms(1000, fps.max(1));
        for f in frames {
            enc.encode_frame(Frame::from_parts(f.clone(), 0, 0, delay)).map_err(gif_err)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gif_loops_and_holds_every_frame() {
        let frames: Vec<RgbaImage> =
            (0..3).map(|i| RgbaImage::from_pixel(8, 6, image::Rgba([i * 80, 100, 200, 255]))).collect();
        let bytes = gif_bytes(&frames, 12).unwrap();
        assert_eq!(&bytes[..6], b"GIF89a");
        let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&bytes)).unwrap();
        use image::AnimationDecoder;
        let decoded: Vec<_> = decoder.into_frames().collect::<Result<_, _>>().unwrap();
        assert_eq!(decoded.len(), 3);
        assert!(bytes.windows(11).any(|w| w == b"NETSCAPE2.0"), "a looping GIF");
    }

    #[test]
    fn frames_are_numbered_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let frames = vec![RgbaImage::new(2, 2); 3];
        let paths = write_frames(&dir.path().join("out"), &frames).unwrap();
        let names: Vec<_> = paths.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["frame_000.png", "frame_001.png", "frame_002.png"]);
    }
}
