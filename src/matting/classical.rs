//! Background removal without a model: the concept images show one object on a plain white
//! background, so flooding from the image's edge over near-white (or transparent) pixels finds the
//! background. Then the "super purge" the original needed against box and wall artefacts: hard
//! alpha, a cleared border, the main subject only, cropped and re-centred on a transparent square.

use super::Matting;
use crate::grid2d::{flood, neighbours4, neighbours8};
use crate::stage::{Progress, StageError};
use image::imageops::FilterType;
use image::{Rgba, RgbaImage};
use std::collections::VecDeque;

/// Flood-fill matting for pictures of one object on a white background.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassicalMatting {
    /// How far from pure white (Euclidean, in 0-255 RGB units) a pixel may be and still count as
    /// background.
    pub tolerance: f32,
    /// Pixels this close to the picture's edge are always cleared.
    pub border_px: u32,
    /// Side of the square output, in pixels.
    pub output_side: u32,
    /// Share of the output side the subject's longer side fills.
    pub fill: f32,
}

impl Default for ClassicalMatting {
    fn default() -> Self {
        Self { tolerance: 36.0, border_px: 3, output_side: 512, fill: 0.85 }
    }
}

/// Below this share of background around the edge, the picture has no plain background to remove.
const MIN_BORDER_BACKGROUND: f32 = 0.25;
/// Enclosed white regions stay see-through only if they look like the background itself: this
/// close to its colour on average ...
const HOLE_COLOUR_TOLERANCE: f32 = 12.0;
/// ... and at least this share of the subject's area; smaller ones are highlights and get filled.
const MIN_HOLE_SHARE: f32 = 0.002;
/// Parts smaller than this share of the largest part are specks and are dropped.
const MIN_PART_SHARE: f32 = 0.002;
/// Parts within this share of the picture's size of the subject count as part of it.
const NEAR_SHARE: f32 = 0.01;
/// Fewer subject pixels than this is no subject.
const MIN_SUBJECT_PX: usize = 64;

const STEPS: usize = 4;

impl Matting for ClassicalMatting {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "classical"
    }

    fn cut_out(&self, image: &RgbaImage, progress: &dyn Progress) -> Result<RgbaImage, StageError> {
        let (w, h) = image.dimensions();
        if w == 0 || h == 0 {
            return Err(StageError::BadInput("the picture is empty (0 pixels)".into()));
        }
        let px = Pixels::new(image);
        let mut mask = self.background_flood(&px)?;
        step(progress, 1, "background flooded from the edges")?;
        self.settle_holes(&px, &mut mask);
        step(progress, 2, "holes filled or opened")?;
        let subject = main_subject(&mask, w as usize, h as usize)?;
        step(progress, 3, "main subject kept")?;
        let out = self.recentre(image, &subject);
        step(progress, 4, "cropped and centred")?;
        Ok(out)
    }
}

fn step(progress: &dyn Progress, n: usize, message: &str) -> Result<(), StageError> {
    progress.step(n, STEPS, message);
    if progress.is_cancelled() {
        return Err(StageError::Cancelled);
    }
    Ok(())
}

/// What each pixel is, as the flood and the clean-up see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// Reached from the edge over background-coloured pixels.
    Background,
    /// Background-coloured but enclosed by the subject: a hole or a highlight.
    Enclosed,
    Subject,
}

/// The picture's pixels with the facts the flood needs.
struct Pixels<'a> {
    image: &'a RgbaImage,
    w: usize,
    h: usize,
}

impl<'a> Pixels<'a> {
    fn new(image: &'a RgbaImage) -> Self {
        Self { image, w: image.width() as usize, h: image.height() as usize }
    }
    fn at(&self, p: usize) -> Rgba<u8> {
        *self.image.get_pixel((p % self.w) as u32, (p / self.w) as u32)
    }
    fn transparent(&self, p: usize) -> bool {
        self.at(p)[3] < 128
    }
    fn distance_to(&self, p: usize, colour: [f32; 3]) -> f32 {
        let c = self.at(p);
        (0..3).map(|k| (c[k] as f32 - colour[k]).powi(2)).sum::<f32>().sqrt()
    }
}

const WHITE: [f32; 3] = [255.0; 3];

impl ClassicalMatting {
    fn looks_like_background(&self, px: &Pixels, p: usize) -> bool {
        px.transparent(p) || px.distance_to(p, WHITE) <= self.tolerance
    }

    fn in_border(&self, p: usize, w: usize, h: usize) -> bool {
        let b = self.border_px as usize;
        let (x, y) = (p % w, p / w);
        x < b || y < b || x + b >= w || y + b >= h
    }

    /// Labels every pixel: background reached from the edge (4-connected, so a diagonal gap in an
    /// outline does not let it in), enclosed background-coloured regions, and the rest.
    fn background_flood(&self, px: &Pixels) -> Result<Vec<Label>, StageError> {
        let (w, h) = (px.w, px.h);
        let mut labels: Vec<Label> = (0..w * h)
            .map(|p| {
                if self.in_border(p, w, h) || self.looks_like_background(px, p) {
                    Label::Enclosed
                } else {
                    Label::Subject
                }
            })
            .collect();
        let edge: Vec<usize> = (0..w * h).filter(|&p| self.in_border(p, w, h)).collect();
        let outer: Vec<usize> =
            (0..w * h).filter(|&p| p % w == 0 || p / w == 0 || p % w == w - 1 || p / w == h - 1).collect();
        let background_on_edge = outer.iter().filter(|&&p| self.looks_like_background(px, p)).count();
        if (background_on_edge as f32) < MIN_BORDER_BACKGROUND * outer.len() as f32 {
            return Err(StageError::BadInput(format!(
                "only {}% of the picture's edge is white or transparent, so there is no plain \
                 background to remove; use a picture of one object on a white background",
                100 * background_on_edge / outer.len().max(1)
            )));
        }
        let mut queue: VecDeque<usize> = edge.into_iter().collect();
        for &p in &queue {
            labels[p] = Label::Background;
        }
        while let Some(p) = queue.pop_front() {
            for n in neighbours4(p, w, h) {
                if labels[n] == Label::Enclosed {
                    labels[n] = Label::Background;
                    queue.push_back(n);
                }
            }
        }
        if labels.iter().all(|&l| l != Label::Subject) {
            return Err(StageError::BadInput(
                "found nothing but background: the picture looks plain white or fully transparent; \
                 use one that shows a subject on a white background"
                    .into(),
            ));
        }
        Ok(labels)
    }

    /// Enclosed regions become subject (highlights, light paint) unless they look like the
    /// background seen through an opening: transparent, or the background's colour and not tiny.
    fn settle_holes(&self, px: &Pixels, labels: &mut [Label]) {
        let (w, h) = (px.w, px.h);
        let reference = background_colour(px, labels);
        let subject_area = labels.iter().filter(|&&l| l != Label::Background).count();
        let min_hole = (MIN_HOLE_SHARE * subject_area as f32).max(4.0) as usize;
        let mut seen = vec![false; w * h];
        for start in 0..w * h {
            if labels[start] != Label::Enclosed || seen[start] {
                continue;
            }
            let region = flood(start, w, h, &mut seen, |p| labels[p] == Label::Enclosed, neighbours4);
            let transparent = region.iter().filter(|&&p| px.transparent(p)).count();
            let opaque: Vec<usize> = region.iter().copied().filter(|&p| !px.transparent(p)).collect();
            let mean_distance = if opaque.is_empty() {
                0.0
            } else {
                opaque.iter().map(|&p| px.distance_to(p, reference)).sum::<f32>() / opaque.len() as f32
            };
            let see_through =
                2 * transparent >= region.len() || (region.len() >= min_hole && mean_distance <= HOLE_COLOUR_TOLERANCE);
            let label = if see_through { Label::Background } else { Label::Subject };
            for p in region {
                labels[p] = label;
            }
        }
    }

    /// The subject cropped, scaled so its longer side fills `fill` of the output, centred on a
    /// transparent square; alpha is hard (0 or 255).
    fn recentre(&self, image: &RgbaImage, subject: &Subject) -> RgbaImage {
        let side = self.output_side.max(1);
        let (bw, bh) = (subject.x1 - subject.x0, subject.y1 - subject.y0);
        let scale = self.fill.clamp(0.05, 1.0) * side as f32 / bw.max(bh) as f32;
        let nw = ((bw as f32 * scale).round() as u32).clamp(1, side);
        let nh = ((bh as f32 * scale).round() as u32).clamp(1, side);
        // Premultiplied, so the colour of cleared pixels does not bleed into the subject's edge.
        let crop = RgbaImage::from_fn(bw as u32, bh as u32, |x, y| {
            let (sx, sy) = (subject.x0 + x as usize, subject.y0 + y as usize);
            if subject.mask[sy * subject.w + sx] {
                let c = image.get_pixel(sx as u32, sy as u32);
                Rgba([c[0], c[1], c[2], 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let scaled = image::imageops::resize(&crop, nw, nh, FilterType::CatmullRom);
        let mut out = RgbaImage::new(side, side);
        let (ox, oy) = ((side - nw) / 2, (side - nh) / 2);
        for (x, y, c) in scaled.enumerate_pixels() {
            if c[3] >= 128 {
                let a = c[3] as f32 / 255.0;
                let un = |v: u8| (v as f32 / a).round().min(255.0) as u8;
                out.put_pixel(ox + x, oy + y, Rgba([un(c[0]), un(c[1]), un(c[2]), 255]));
            }
        }
        out
    }
}

/// Mean colour of the opaque background, white when there is none (an already cut-out picture).
fn background_colour(px: &Pixels, labels: &[Label]) -> [f32; 3] {
    let mut sum = [0.0f64; 3];
    let mut n = 0usize;
    for p in (0..labels.len()).filter(|&p| labels[p] == Label::Background && !px.transparent(p)) {
        let c = px.at(p);
        for k in 0..3 {
            sum[k] += c[k] as f64;
        }
        n += 1;
    }
    if n == 0 {
        WHITE
    } else {
        sum.map(|s| (s / n as f64) as f32)
    }
}

/// The kept subject pixels and their bounding box (x1, y1 exclusive).
struct Subject {
    mask: Vec<bool>,
    w: usize,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

/// The largest 8-connected part, and the parts that come within a small distance of it (a detached
/// hand, a hat brim), transitively; specks are dropped.
fn main_subject(labels: &[Label], w: usize, h: usize) -> Result<Subject, StageError> {
    let mut part_of = vec![usize::MAX; w * h];
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut seen = vec![false; w * h];
    for start in 0..w * h {
        if labels[start] == Label::Subject && !seen[start] {
            let region = flood(start, w, h, &mut seen, |p| labels[p] == Label::Subject, neighbours8);
            for &p in &region {
                part_of[p] = parts.len();
            }
            parts.push(region);
        }
    }
    let largest = (0..parts.len()).max_by_key(|&i| parts[i].len());
    let Some(largest) = largest.filter(|&i| parts[i].len() >= MIN_SUBJECT_PX) else {
        let size = largest.map_or(0, |i| parts[i].len());
        return Err(StageError::BadInput(format!(
            "found nothing but background: the largest non-white area is {size} pixels; use a \
             picture where the subject stands out from a white background"
        )));
    };
    let min_part = (MIN_PART_SHARE * parts[largest].len() as f32) as usize;
    let reach = ((NEAR_SHARE * w.max(h) as f32).round() as u16).max(2);
    // Breadth-first from the kept parts through everything, up to `reach` steps; a part met on the
    // way is kept and its pixels start at distance 0 again.
    let mut kept = vec![false; parts.len()];
    let mut dist = vec![u16::MAX; w * h];
    let mut queue = VecDeque::new();
    let keep = |i: usize, dist: &mut Vec<u16>, queue: &mut VecDeque<usize>, kept: &mut Vec<bool>| {
        kept[i] = true;
        for &p in &parts[i] {
            dist[p] = 0;
            queue.push_back(p);
        }
    };
    keep(largest, &mut dist, &mut queue, &mut kept);
    while let Some(p) = queue.pop_front() {
        if dist[p] >= reach {
            continue;
        }
        for n in neighbours8(p, w, h) {
            let part = part_of[n];
            if part != usize::MAX && !kept[part] && parts[part].len() >= min_part {
                keep(part, &mut dist, &mut queue, &mut kept);
            } else if dist[n] > dist[p] + 1 {
                dist[n] = dist[p] + 1;
                queue.push_back(n);
            }
        }
    }
    let mut subject = Subject { mask: vec![false; w * h], w, x0: w, y0: h, x1: 0, y1: 0 };
    for (_, part) in parts.iter().enumerate().filter(|(i, _)| kept[*i]) {
        for &p in part {
            let (x, y) = (p % w, p / w);
            subject.mask[p] = true;
            subject.x0 = subject.x0.min(x);
            subject.y0 = subject.y0.min(y);
            subject.x1 = subject.x1.max(x + 1);
            subject.y1 = subject.y1.max(y + 1);
        }
    }
    Ok(subject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::NoProgress;
    use std::sync::atomic::{AtomicBool, Ordering};

    const GREY: Rgba<u8> = Rgba([128, 128, 128, 255]);

    fn canvas(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_pixel(w, h, Rgba([255, 255, 255, 255]))
    }

    fn disc(img: &mut RgbaImage, cx: f32, cy: f32, r: f32, colour: Rgba<u8>) {
        for (x, y, p) in img.enumerate_pixels_mut() {
            if ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt() <= r {
                *p = colour;
            }
        }
    }

    /// Bounding box (x0, y0, x1, y1) of the opaque pixels, and checks alpha is hard.
    fn opaque_box(img: &RgbaImage) -> (u32, u32, u32, u32) {
        let mut b = (u32::MAX, u32::MAX, 0, 0);
        for (x, y, p) in img.enumerate_pixels() {
            assert!(p[3] == 0 || p[3] == 255, "soft alpha {} at {x},{y}", p[3]);
            if p[3] == 255 {
                b = (b.0.min(x), b.1.min(y), b.2.max(x + 1), b.3.max(y + 1));
            }
        }
        b
    }

    #[test]
    fn disc_on_white_is_cut_out_centred_and_scaled() {
        let mut img = canvas(300, 200);
        disc(&mut img, 80.0, 60.0, 30.0, GREY);
        let out = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap();
        assert_eq!(out.dimensions(), (512, 512));
        let (x0, y0, x1, y1) = opaque_box(&out);
        let side = 0.85 * 512.0;
        assert!(((x1 - x0) as f32 - side).abs() <= 2.0, "width {}", x1 - x0);
        assert!(((y1 - y0) as f32 - side).abs() <= 2.0, "height {}", y1 - y0);
        assert!((x0 as i32 - (512 - x1) as i32).abs() <= 1);
        assert!((y0 as i32 - (512 - y1) as i32).abs() <= 1);
        // Corners transparent, centre the subject's colour.
        assert_eq!(out.get_pixel(0, 0)[3], 0);
        assert_eq!(*out.get_pixel(256, 256), GREY);
    }

    #[test]
    fn tall_subject_keeps_its_aspect() {
        let mut img = canvas(200, 200);
        for y in 20..180 {
            for x in 90..110 {
                img.put_pixel(x, y, GREY);
            }
        }
        let out = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap();
        let (x0, y0, x1, y1) = opaque_box(&out);
        assert!(((y1 - y0) as f32 - 435.2).abs() <= 2.0);
        assert!(((x1 - x0) as f32 - 435.2 / 8.0).abs() <= 2.0, "width {}", x1 - x0);
    }

    #[test]
    fn specks_far_away_are_dropped_and_near_parts_kept() {
        let mut img = canvas(400, 400);
        disc(&mut img, 200.0, 200.0, 60.0, GREY);
        // A detached part 3 px from the subject (a hand): kept.
        disc(&mut img, 200.0, 273.0, 10.0, GREY);
        // A blob far away: dropped, so the box is the two discs only.
        disc(&mut img, 40.0, 40.0, 12.0, GREY);
        let out = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap();
        let (x0, y0, x1, y1) = opaque_box(&out);
        // Subject box is 120 wide, 60 + 73 + 10 = 143 tall: taller than wide by that ratio.
        let ratio = (x1 - x0) as f32 / (y1 - y0) as f32;
        assert!((ratio - 120.0 / 143.0).abs() < 0.03, "ratio {ratio}");
    }

    #[test]
    fn ring_keeps_its_white_hole_but_highlights_are_filled() {
        let mut img = canvas(300, 300);
        disc(&mut img, 150.0, 150.0, 100.0, GREY);
        disc(&mut img, 150.0, 150.0, 40.0, Rgba([255, 255, 255, 255]));
        // A small near-white highlight on the ring.
        disc(&mut img, 150.0, 80.0, 4.0, Rgba([245, 245, 245, 255]));
        let out = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap();
        assert_eq!(out.get_pixel(256, 256)[3], 0, "the ring's hole is see-through");
        // The highlight sits 70 px above the centre at a scale of 435.2 / 200.
        let hy = (256.0 - 70.0 * 435.2 / 200.0) as u32;
        assert_eq!(out.get_pixel(256, hy)[3], 255, "highlight filled");
    }

    #[test]
    fn input_alpha_is_respected() {
        let mut img = RgbaImage::from_pixel(100, 100, Rgba([10, 200, 10, 0]));
        disc(&mut img, 50.0, 50.0, 20.0, Rgba([200, 30, 30, 255]));
        let out = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap();
        let (x0, _, x1, _) = opaque_box(&out);
        assert!(((x1 - x0) as f32 - 435.2).abs() <= 2.0);
        assert_eq!(*out.get_pixel(256, 256), Rgba([200, 30, 30, 255]));
    }

    #[test]
    fn frame_artefacts_at_the_border_are_cleared() {
        let mut img = canvas(200, 200);
        // A grey line along the top edge, as a box or wall artefact.
        for x in 0..200 {
            for y in 0..2 {
                img.put_pixel(x, y, GREY);
            }
        }
        disc(&mut img, 100.0, 110.0, 40.0, GREY);
        let out = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap();
        let (x0, y0, x1, y1) = opaque_box(&out);
        assert!(((x1 - x0) as i32 - (y1 - y0) as i32).abs() <= 2, "only the disc is left");
    }

    #[test]
    fn plain_white_or_transparent_is_bad_input() {
        for img in [canvas(64, 64), RgbaImage::new(64, 64)] {
            let err = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap_err();
            assert!(matches!(&err, StageError::BadInput(m) if m.contains("nothing but background")), "{err}");
        }
        let err = ClassicalMatting::default().cut_out(&RgbaImage::new(0, 0), &NoProgress).unwrap_err();
        assert!(matches!(err, StageError::BadInput(_)));
        // A few stray pixels are not a subject either.
        let mut img = canvas(64, 64);
        disc(&mut img, 30.0, 30.0, 2.0, GREY);
        assert!(matches!(ClassicalMatting::default().cut_out(&img, &NoProgress), Err(StageError::BadInput(_))));
    }

    #[test]
    fn picture_without_white_background_is_bad_input() {
        let img = RgbaImage::from_pixel(64, 64, Rgba([30, 90, 160, 255]));
        let err = ClassicalMatting::default().cut_out(&img, &NoProgress).unwrap_err();
        assert!(matches!(&err, StageError::BadInput(m) if m.contains("edge")), "{err}");
    }

    struct CancelAfterFirst(AtomicBool);
    impl Progress for CancelAfterFirst {
        fn step(&self, _: usize, _: usize, _: &str) {
            self.0.store(true, Ordering::SeqCst);
        }
        fn note(&self, _: &str) {}
        fn is_cancelled(&self) -> bool {
            self.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn cancel_stops_between_steps() {
        let mut img = canvas(100, 100);
        disc(&mut img, 50.0, 50.0, 20.0, GREY);
        let r = ClassicalMatting::default().cut_out(&img, &CancelAfterFirst(AtomicBool::new(false)));
        assert!(matches!(r, Err(StageError::Cancelled)));
    }
}
