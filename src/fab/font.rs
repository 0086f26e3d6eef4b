//! The bundled font (Open Sans Bold, Apache-2.0): which characters it can draw, line metrics, and
//! glyph outlines flattened to polygons in millimetres.

use crate::fab::compose_table::PAIRS;
use crate::fab::outline::{self, Contour, Island};
use kurbo::{BezPath, PathEl, Point};
use thiserror::Error;
use ttf_parser::{Face, GlyphId, OutlineBuilder};

static OPEN_SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/OpenSans-Bold.ttf");

#[derive(Debug, Error)]
pub enum FontError {
    #[error("the bundled font could not be read: {0}")]
    Parse(String),
    #[error("the font has no glyphs for {}; use Latin letters or leave the line empty", quoted(.0))]
    MissingGlyphs(Vec<char>),
}

/// Joins each letter with the combining accents typed after it (e + U+0308 becomes ë), as Unicode
/// NFC does for Latin, Greek and Cyrillic, so text typed either way draws with the font's own
/// accented glyphs. Marks that do not compose are kept, to be drawn or reported.
pub fn compose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut held: Option<char> = None;
    for c in text.chars() {
        if let Some(base) = held {
            if let Ok(i) = PAIRS.binary_search_by(|(b, m, _)| (*b, *m).cmp(&(base, c))) {
                held = Some(PAIRS[i].2);
                continue;
            }
            out.push(base);
        }
        held = Some(c);
    }
    out.extend(held);
    out
}

/// `'ß', '漢'` for messages.
pub fn quoted(chars: &[char]) -> String {
    chars.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ")
}

/// Horizontal extent and ink box of a line in font units, before any scaling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineMetrics {
    /// Sum of the advances.
    pub advance: f64,
    /// (min x, min y, max x, max y) of all drawn outlines; None for a line of spaces.
    pub ink: Option<[f64; 4]>,
}

pub struct Font {
    face: Face<'static>,
}

impl Font {
    /// The font embedded in the binary.
    pub fn bundled() -> Result<Self, FontError> {
        let face = Face::parse(OPEN_SANS_BOLD, 0).map_err(|e| FontError::Parse(e.to_string()))?;
        Ok(Self { face })
    }

    pub fn units_per_em(&self) -> f64 {
        f64::from(self.face.units_per_em())
    }

    /// Height of capital letters in font units: from OS/2, else measured on 'H'.
    pub fn cap_height(&self) -> f64 {
        if let Some(h) = self.face.capital_height().filter(|h| *h > 0) {
            return f64::from(h);
        }
        self.face
            .glyph_index('H')
            .and_then(|g| self.face.glyph_bounding_box(g))
            .map(|r| f64::from(r.y_max))
            .unwrap_or(0.7 * self.units_per_em())
    }

    /// Characters of `text` (composed, see [`compose`]) the font has no glyph for, each once, in
    /// order of appearance. White space never counts: it is laid out as a space.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in compose(text).chars() {
            if self.glyph(c).is_none() && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Glyph for a character; white space the font lacks falls back to the space glyph.
    fn glyph(&self, c: char) -> Option<GlyphId> {
        match self.face.glyph_index(c) {
            Some(g) if g.0 != 0 => Some(g),
            _ if c.is_whitespace() => self.face.glyph_index(' '),
            _ => None,
        }
    }

    fn glyphs(&self, text: &str) -> Result<Vec<GlyphId>, FontError> {
        let missing = self.missing(text);
        if !missing.is_empty() {
            return Err(FontError::MissingGlyphs(missing));
        }
        Ok(compose(text).chars().filter_map(|c| self.glyph(c)).collect())
    }

    fn advance(&self, g: GlyphId) -> f64 {
        f64::from(self.face.glyph_hor_advance(g).unwrap_or(0))
    }

    /// Advance layout (no kerning): where each glyph's origin sits, in font units.
    pub fn metrics(&self, text: &str) -> Result<LineMetrics, FontError> {
        let mut pen = 0.0;
        let mut ink: Option<[f64; 4]> = None;
        for g in self.glyphs(text)? {
            if let Some(r) = self.face.glyph_bounding_box(g) {
                let b = [pen + f64::from(r.x_min), f64::from(r.y_min), pen + f64::from(r.x_max), f64::from(r.y_max)];
                ink = Some(match ink {
                    None => b,
                    Some(a) => [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])],
                });
            }
            pen += self.advance(g);
        }
        Ok(LineMetrics { advance: pen, ink })
    }

    /// The line's filled regions in millimetres: font units times `mm_per_unit`, then shifted by
    /// `origin` (where the first glyph's origin goes). Curves are flattened to within `tolerance_mm`.
    /// Outer boundaries come out counter-clockwise and holes clockwise.
    pub fn islands(
        &self,
        text: &str,
        mm_per_unit: f64,
        origin: [f64; 2],
        tolerance_mm: f64,
    ) -> Result<Vec<Island>, FontError> {
        let tol_units = tolerance_mm / mm_per_unit;
        let mut pen = 0.0;
        let mut result = Vec::new();
        for g in self.glyphs(text)? {
            let mut builder = PathBuilder::default();
            if self.face.outline_glyph(g, &mut builder).is_some() {
                let contours: Vec<Contour> = flatten(&builder.path, tol_units)
                    .iter()
                    .map(|c| {
                        let mm: Contour = c
                            .iter()
                            .map(|p| [origin[0] + (pen + p[0]) * mm_per_unit, origin[1] + p[1] * mm_per_unit])
                            .collect();
                        outline::tidy(&mm, tolerance_mm * 0.05)
                    })
                    .collect();
                result.extend(outline::islands(orient_for_extrude(contours)));
            }
            pen += self.advance(g);
        }
        Ok(result)
    }
}

/// TrueType draws outer contours clockwise, CFF counter-clockwise; extrusion wants outers
/// counter-clockwise. Every contour of a glyph is reversed when the glyph's total signed area says
/// its outers run clockwise, which holds for either convention.
fn orient_for_extrude(mut contours: Vec<Contour>) -> Vec<Contour> {
    let total: f64 = contours.iter().map(|c| outline::signed_area(c)).sum();
    if total < 0.0 {
        for c in &mut contours {
            c.reverse();
        }
    }
    contours
}

/// Collects a glyph outline as a kurbo path in font units.
#[derive(Default)]
struct PathBuilder {
    path: BezPath,
}

impl OutlineBuilder for PathBuilder {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path.move_to(pt(x, y));
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path.line_to(pt(x, y));
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.path.quad_to(pt(x1, y1), pt(x, y));
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.path.curve_to(pt(x1, y1), pt(x2, y2), pt(x, y));
    }
    fn close(&mut self) {
        self.path.close_path();
    }
}

fn pt(x: f32, y: f32) -> Point {
    Point::new(f64::from(x), f64::from(y))
}

/// Splits a path into flattened closed contours (font units).
fn flatten(path: &BezPath, tolerance: f64) -> Vec<Contour> {
    let mut contours: Vec<Contour> = Vec::new();
    let mut current: Contour = Vec::new();
    kurbo::flatten(path.iter(), tolerance, |el| match el {
        PathEl::MoveTo(p) => {
            if current.len() >= 3 {
                contours.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push([p.x, p.y]);
        }
        PathEl::LineTo(p) => current.push([p.x, p.y]),
        PathEl::ClosePath => {
            if current.len() >= 3 {
                contours.push(std::mem::take(&mut current));
            }
            current.clear();
        }
        // flatten only emits the three kinds above.
        PathEl::QuadTo(..) | PathEl::CurveTo(..) => {}
    });
    if current.len() >= 3 {
        contours.push(current);
    }
    contours
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_font_parses_and_has_latin_letters() {
        let f = Font::bundled().unwrap();
        assert!(f.missing("DAD 60 YEARS Zoë Jürgen & Ana ß").is_empty());
        assert_eq!(f.missing("a漢b漢☃"), vec!['漢', '☃']);
        assert!(f.cap_height() > 0.5 * f.units_per_em() && f.cap_height() < f.units_per_em());
    }

    #[test]
    fn typed_accents_compose_into_the_fonts_own_letters() {
        assert_eq!(compose("Zoe\u{308}"), "Zoë");
        assert_eq!(compose("Ju\u{308}rgen & Ana"), "Jürgen & Ana");
        // Two marks in canonical order: dot below, then circumflex.
        assert_eq!(compose("e\u{323}\u{302}"), "ệ");
        assert_eq!(compose("\u{301}A\u{30a}"), "\u{301}Å");
        assert_eq!(compose("plain"), "plain");
        let f = Font::bundled().unwrap();
        assert!(f.missing("Zoe\u{308} Franc\u{327}ois").is_empty());
        assert_eq!(
            f.islands("Zoe\u{308}", 0.01, [0.0, 0.0], 0.02).unwrap(),
            f.islands("Zoë", 0.01, [0.0, 0.0], 0.02).unwrap()
        );
    }

    #[test]
    fn greek_and_cyrillic_are_drawn_but_other_scripts_are_named() {
        let f = Font::bundled().unwrap();
        assert!(f.missing("Дмитрий Ωμέγα").is_empty());
        assert_eq!(f.missing("漢字 שלום"), vec!['漢', '字', 'ש', 'ל', 'ו', 'ם']);
    }

    #[test]
    fn truetype_outers_are_clockwise_before_fixing() {
        let f = Font::bundled().unwrap();
        let g = f.face.glyph_index('O').unwrap();
        let mut b = PathBuilder::default();
        f.face.outline_glyph(g, &mut b).unwrap();
        let raw = flatten(&b.path, 1.0);
        assert_eq!(raw.len(), 2);
        let biggest = raw.iter().max_by(|a, b| outline::signed_area(a).abs().total_cmp(&outline::signed_area(b).abs()));
        assert!(outline::signed_area(biggest.unwrap()) < 0.0, "TrueType outer contour should be clockwise");
    }

    #[test]
    fn o_becomes_one_island_with_one_hole_and_positive_area() {
        let f = Font::bundled().unwrap();
        let isl = f.islands("O", 0.01, [0.0, 0.0], 0.02).unwrap();
        assert_eq!(isl.len(), 1);
        assert_eq!(isl[0].holes.len(), 1);
        assert!(outline::signed_area(&isl[0].outer) > 0.0);
        assert!(outline::signed_area(&isl[0].holes[0]) < 0.0);
        assert!(isl[0].area() > 0.0);
    }

    #[test]
    fn accented_letters_give_separate_islands_for_marks() {
        let f = Font::bundled().unwrap();
        // ë: the bowl of e (with its counter) and two dots.
        let isl = f.islands("ë", 0.01, [0.0, 0.0], 0.02).unwrap();
        assert_eq!(isl.len(), 3, "{isl:?}");
    }

    #[test]
    fn metrics_follow_advances_and_report_missing() {
        let f = Font::bundled().unwrap();
        let one = f.metrics("D").unwrap();
        let three = f.metrics("DAD").unwrap();
        assert!(three.advance > 2.5 * one.advance);
        assert!(f.metrics("   ").unwrap().ink.is_none());
        match f.metrics("A漢") {
            Err(e @ FontError::MissingGlyphs(_)) => {
                assert_eq!(e.to_string(), "the font has no glyphs for '漢'; use Latin letters or leave the line empty")
            }
            other => panic!("{other:?}"),
        }
    }
}
