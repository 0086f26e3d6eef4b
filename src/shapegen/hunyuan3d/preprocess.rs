//! `ImageProcessorV2` (hy3dgen 2.0.2 `hy3dgen/shapegen/preprocessors.py`): crop an RGBA image to its
//! alpha box, scale the crop to 85% of a square canvas (`cv2.INTER_AREA`), composite on white, then
//! resize to `size` (`cv2.INTER_CUBIC` for the image, as `cv2` computes it with its default IPP,
//! and `INTER_NEAREST` for the mask). See [`super::cv_resize`] for how exact each resampling is.
//!
//! Kept from upstream on purpose, for parity: the alpha box excludes its last row and column
//! (`x_max - x_min` pixels, not `+ 1`), and the compositing and mask arithmetic run in f32 and
//! truncate to 8 bits as numpy's `astype(np.uint8)` does.

use super::cv_resize::{resize, Image8, Interpolation};
use super::Error;
use candle_core::{Device, Tensor};
use image::RgbaImage;

/// The processor's two outputs: `[1, 3, S, S]` and `[1, 1, S, S]`, both in `[-1, 1]`.
pub struct Processed {
    pub image: Tensor,
    pub mask: Tensor,
}

/// `ImageProcessorV2(size, border_ratio)`.
#[derive(Debug, Clone, Copy)]
pub struct ImageProcessorV2 {
    pub size: usize,
    pub border_ratio: f64,
}

impl ImageProcessorV2 {
    pub fn new(cfg: &super::config::ImageProcessorConfig) -> Self {
        Self { size: cfg.size, border_ratio: cfg.border_ratio.unwrap_or(0.15) }
    }

    /// `recenter`: the square canvas (side `max(H, W)`) as RGB on white, and its alpha.
    pub fn recenter(&self, rgba: &RgbaImage) -> Result<(Image8, Image8), Error> {
        let (w, h) = (rgba.width() as usize, rgba.height() as usize);
        let size = w.max(h);
        let (mut x_min, mut x_max, mut y_min, mut y_max) = (usize::MAX, 0, usize::MAX, 0);
        for (x, y, p) in rgba.enumerate_pixels() {
            if p.0[3] != 0 {
                let (row, col) = (y as usize, x as usize);
                x_min = x_min.min(row);
                x_max = x_max.max(row);
                y_min = y_min.min(col);
                y_max = y_max.max(col);
            }
        }
        if x_min == usize::MAX || x_max == x_min || y_max == y_min {
            return Err(Error::BadInput(
                "the cut-out is empty: no opaque pixels (or only a line of them) to build a shape from".into(),
            ));
        }
        let (ch, cw) = (x_max - x_min, y_max - y_min);
        let desired = (size as f64 * (1.0 - self.border_ratio)) as usize;
        let scale = desired as f64 / ch.max(cw) as f64;
        let h2 = (ch as f64 * scale) as usize;
        let w2 = (cw as f64 * scale) as usize;
        if h2 == 0 || w2 == 0 {
            return Err(Error::BadInput("the cut-out's subject is too thin to scale".into()));
        }
        let mut crop = Image8::new(cw, ch, 4);
        for r in 0..ch {
            for c in 0..cw {
                let p = rgba.get_pixel((y_min + c) as u32, (x_min + r) as u32).0;
                crop.data[(r * cw + c) * 4..][..4].copy_from_slice(&p);
            }
        }
        let scaled = resize(&crop, w2, h2, Interpolation::Area);
        let (x2, y2) = ((size - h2) / 2, (size - w2) / 2);
        let mut rgb = Image8::new(size, size, 3);
        let mut mask = Image8::new(size, size, 1);
        for r in 0..size {
            for c in 0..size {
                let inside = r >= x2 && r < x2 + h2 && c >= y2 && c < y2 + w2;
                let p: [u8; 4] = if inside {
                    let i = ((r - x2) * w2 + (c - y2)) * 4;
                    [scaled.data[i], scaled.data[i + 1], scaled.data[i + 2], scaled.data[i + 3]]
                } else {
                    [0; 4]
                };
                let a = p[3] as f32 / 255.0;
                let px = &mut rgb.data[(r * size + c) * 3..][..3];
                for (out, &ch) in px.iter_mut().zip(&p[..3]) {
                    let v = ch as f32 * a + 255.0f32 * (1.0 - a);
                    *out = v.clamp(0.0, 255.0) as u8;
                }
                mask.data[r * size + c] = (a * 255.0).clamp(0.0, 255.0) as u8;
            }
        }
        Ok((rgb, mask))
    }

    /// `__call__`: the image and mask tensors, `x / 255 * 2 - 1` in f32.
    pub fn process(&self, rgba: &RgbaImage, device: &Device) -> Result<Processed, Error> {
        let (rgb, mask) = self.recenter(rgba)?;
        let s = self.size;
        let rgb = resize(&rgb, s, s, Interpolation::CubicIpp);
        let mask = resize(&mask, s, s, Interpolation::Nearest);
        let norm = |v: u8| v as f32 / 255.0 * 2.0 - 1.0;
        let mut planes = vec![0f32; 3 * s * s];
        for i in 0..s * s {
            for c in 0..3 {
                planes[c * s * s + i] = norm(rgb.data[i * 3 + c]);
            }
        }
        let m: Vec<f32> = mask.data.iter().map(|&v| norm(v)).collect();
        Ok(Processed {
            image: Tensor::from_vec(planes, (1, 3, s, s), device)?,
            mask: Tensor::from_vec(m, (1, 1, s, s), device)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_cutout_is_bad_input() {
        let p = ImageProcessorV2 { size: 16, border_ratio: 0.15 };
        let img = RgbaImage::new(10, 10);
        assert!(matches!(p.recenter(&img), Err(Error::BadInput(_))));
    }

    #[test]
    fn opaque_square_is_centred_on_white() {
        let p = ImageProcessorV2 { size: 20, border_ratio: 0.15 };
        let mut img = RgbaImage::new(20, 20);
        for y in 2..8 {
            for x in 3..9 {
                img.put_pixel(x, y, image::Rgba([10, 20, 30, 255]));
            }
        }
        let (rgb, mask) = p.recenter(&img).unwrap();
        // corners are background: white, transparent
        assert_eq!(&rgb.data[..3], &[255, 255, 255]);
        assert_eq!(mask.data[0], 0);
        // the centre is the subject
        let c = (10 * 20 + 10) * 3;
        assert_eq!(&rgb.data[c..c + 3], &[10, 20, 30]);
        assert_eq!(mask.data[10 * 20 + 10], 255);
    }
}
