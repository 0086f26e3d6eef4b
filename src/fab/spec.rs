//! The one check of what a person asks for the piece: its height and the engraved lines (their
//! length, counted as the font composes them, and whether the font can draw them). The config, the
//! CLI and the studio all call this, so the rules exist once.

use super::{engraving, font, FabSpec};
use std::ops::RangeInclusive;
use thiserror::Error;

/// Height of the whole piece, pedestal included, mm.
pub const HEIGHT_RANGE_MM: RangeInclusive<f32> = 30.0..=250.0;
/// Longest engraved line, in characters as engraved (a letter and its accent count once).
pub const MAX_LINE_CHARS: usize = 24;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SpecError {
    #[error("the height {0} mm is outside {lo}-{hi} mm", lo = HEIGHT_RANGE_MM.start(), hi = HEIGHT_RANGE_MM.end())]
    Height(f32),
    #[error("line {line} is {chars} characters; keep it to {MAX_LINE_CHARS} or fewer")]
    LineTooLong { line: usize, chars: usize },
    #[error("line {line}: {}", engraving::EngravingError::MissingGlyphs { chars: missing.clone() })]
    MissingGlyphs { line: usize, missing: Vec<char> },
}

impl SpecError {
    /// A few words for a form field that already says which field it is.
    pub fn short(&self) -> String {
        match self {
            SpecError::Height(_) => format!("{:.0}-{:.0} mm", HEIGHT_RANGE_MM.start(), HEIGHT_RANGE_MM.end()),
            SpecError::LineTooLong { .. } => format!("max {MAX_LINE_CHARS} chars"),
            SpecError::MissingGlyphs { missing, .. } => format!("no glyph for {}", font::quoted(missing)),
        }
    }

    /// The same message naming the field as the person gave it ("--line1", "Line 1").
    pub fn for_field(&self, field: &str) -> String {
        let (lo, hi) = (HEIGHT_RANGE_MM.start(), HEIGHT_RANGE_MM.end());
        match self {
            SpecError::Height(h) => format!("{field} {h} is outside {lo}-{hi} mm"),
            SpecError::LineTooLong { chars, .. } => {
                format!("{field} is {chars} characters; keep it to {MAX_LINE_CHARS} or fewer")
            }
            SpecError::MissingGlyphs { missing, .. } => {
                format!("{field}: {}", engraving::EngravingError::MissingGlyphs { chars: missing.clone() })
            }
        }
    }

    /// Which engraved line (1 or 2) is at fault, if a line is.
    pub fn line(&self) -> Option<usize> {
        match self {
            SpecError::Height(_) => None,
            SpecError::LineTooLong { line, .. } | SpecError::MissingGlyphs { line, .. } => Some(*line),
        }
    }
}

/// Characters of a line as engraved: a letter followed by a combining accent is one.
pub fn line_chars(text: &str) -> usize {
    font::compose(text.trim()).chars().count()
}

pub fn check_height(height_mm: f32) -> Result<(), SpecError> {
    if height_mm.is_finite() && HEIGHT_RANGE_MM.contains(&height_mm) {
        Ok(())
    } else {
        Err(SpecError::Height(height_mm))
    }
}

/// Checks engraved line `line` (1 or 2).
pub fn check_line(line: usize, text: &str) -> Result<(), SpecError> {
    let chars = line_chars(text);
    if chars > MAX_LINE_CHARS {
        return Err(SpecError::LineTooLong { line, chars });
    }
    let missing = engraving::missing_glyphs(text);
    if !missing.is_empty() {
        return Err(SpecError::MissingGlyphs { line, missing });
    }
    Ok(())
}

/// The first line of `text` cut to what fits on the pedestal (a default taken from a name).
pub fn fit_line(text: &str) -> String {
    font::compose(text.trim()).chars().take(MAX_LINE_CHARS).collect()
}

impl FabSpec {
    /// Height first, then line 1, then line 2: the first problem found.
    pub fn check(&self) -> Result<(), SpecError> {
        check_height(self.height_mm)?;
        check_line(1, &self.line1)?;
        check_line(2, &self.line2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_composed_characters_the_same_everywhere() {
        // "Zoë" typed as Z, o, e and a combining diaeresis is three letters on the pedestal.
        let decomposed = "Zoe\u{0308}";
        assert_eq!(line_chars(decomposed), 3);
        let long = format!("{}e\u{0308}", "x".repeat(MAX_LINE_CHARS - 1));
        assert_eq!(check_line(1, &long), Ok(()), "24 composed characters fit");
        let err = check_line(2, &format!("{long}x")).unwrap_err();
        assert_eq!(err, SpecError::LineTooLong { line: 2, chars: MAX_LINE_CHARS + 1 });
        assert_eq!(err.line(), Some(2));
        assert_eq!(fit_line(&format!("  {long}yyy")).chars().count(), MAX_LINE_CHARS);
    }

    #[test]
    fn height_and_glyphs_are_checked() {
        assert!(check_height(30.0).is_ok() && check_height(250.0).is_ok());
        for bad in [29.9, 250.1, f32::NAN, f32::INFINITY] {
            assert!(matches!(check_height(bad), Err(SpecError::Height(_))), "{bad}");
        }
        let err = check_line(1, "DAD ☃").unwrap_err();
        assert!(matches!(&err, SpecError::MissingGlyphs { line: 1, missing } if missing == &vec!['☃']), "{err}");
        assert!(err.to_string().starts_with("line 1: the font has no glyphs"), "{err}");
        let spec = FabSpec { height_mm: 10.0, line1: "☃".into(), ..FabSpec::default() };
        assert!(matches!(spec.check(), Err(SpecError::Height(_))), "height is checked first");
    }
}
