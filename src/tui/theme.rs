//! Colour themes read from TOML (`themes/*.toml`, built in; more in the config dir's `themes/`),
//! and the monochrome look used when `NO_COLOR` is set.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;
use thiserror::Error;

/// The themes shipped with the binary, so it works from any directory.
const BUILT_IN: [(&str, &str); 3] = [
    ("deep-space", include_str!("../../themes/deep-space.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
];

pub const DEFAULT_THEME: &str = "deep-space";

#[derive(Debug, Error)]
pub enum ThemeError {
    #[error("no theme named '{name}'; available: {available}")]
    Unknown { name: String, available: String },
    #[error("theme '{name}' is not valid: {message}")]
    Invalid { name: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    #[serde(default)]
    description: String,
    colors: ColorsFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColorsFile {
    background: String,
    surface: String,
    text: String,
    muted: String,
    accent: String,
    accent_text: String,
    border: String,
    selection: String,
    ok: String,
    warn: String,
    error: String,
}

/// Resolved colours plus whether colour is allowed at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    /// One line for the theme list.
    pub description: String,
    pub background: Color,
    pub surface: Color,
    pub text: Color,
    pub muted: Color,
    pub accent: Color,
    pub accent_text: Color,
    pub border: Color,
    pub selection: Color,
    pub ok: Color,
    pub warn: Color,
    pub error: Color,
    /// True under NO_COLOR: meaning is carried by bold, reverse and symbols only.
    pub monochrome: bool,
}

impl Default for Theme {
    fn default() -> Self {
        // The built-in default always parses; the test below guards that.
        Theme::parse(BUILT_IN[0].1).unwrap_or_else(|_| Theme::monochrome())
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("reset") || t.eq_ignore_ascii_case("default") {
        return Ok(Color::Reset);
    }
    let hex = t.strip_prefix('#').ok_or_else(|| format!("'{t}' is not a colour: use #rrggbb or \"reset\""))?;
    if hex.len() != 6 {
        return Err(format!("'{t}' is not a colour: use #rrggbb"));
    }
    let v = u32::from_str_radix(hex, 16).map_err(|_| format!("'{t}' is not a hex colour"))?;
    Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

impl Theme {
    pub fn parse(text: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string().trim().replace('\n', " "))?;
        let c = &file.colors;
        Ok(Theme {
            name: file.name,
            description: file.description,
            background: parse_color(&c.background)?,
            surface: parse_color(&c.surface)?,
            text: parse_color(&c.text)?,
            muted: parse_color(&c.muted)?,
            accent: parse_color(&c.accent)?,
            accent_text: parse_color(&c.accent_text)?,
            border: parse_color(&c.border)?,
            selection: parse_color(&c.selection)?,
            ok: parse_color(&c.ok)?,
            warn: parse_color(&c.warn)?,
            error: parse_color(&c.error)?,
            monochrome: false,
        })
    }

    /// The terminal's own colours only.
    pub fn monochrome() -> Theme {
        Theme {
            name: "monochrome".into(),
            description: "the terminal's own colours (NO_COLOR)".into(),
            background: Color::Reset,
            surface: Color::Reset,
            text: Color::Reset,
            muted: Color::Reset,
            accent: Color::Reset,
            accent_text: Color::Reset,
            border: Color::Reset,
            selection: Color::Reset,
            ok: Color::Reset,
            warn: Color::Reset,
            error: Color::Reset,
            monochrome: true,
        }
    }

    /// Names of the built-in themes plus those in `user_dir`.
    pub fn available(user_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(entries) = user_dir.and_then(|d| std::fs::read_dir(d).ok()) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml") {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        if !names.iter().any(|n| n == stem) {
                            names.push(stem.to_string());
                        }
                    }
                }
            }
        }
        names
    }

    /// A theme by name: `user_dir/NAME.toml` first (so a built-in can be overridden), then built-ins.
    /// `no_color` (NO_COLOR set) wins over any choice.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid { name: name.to_string(), message };
        let theme = match user_dir.map(|d| d.join(format!("{name}.toml"))).filter(|p| p.is_file()) {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
                Theme::parse(&text).map_err(invalid)?
            }
            None => match BUILT_IN.iter().find(|(n, _)| *n == name) {
                Some((_, text)) => Theme::parse(text).map_err(invalid)?,
                None => {
                    return Err(ThemeError::Unknown {
                        name: name.to_string(),
                        available: Theme::available(user_dir).join(", "),
                    })
                }
            },
        };
        Ok(if no_color { Theme::monochrome() } else { theme })
    }

    /// NO_COLOR as the convention defines it: present and not empty.
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    pub fn base(&self) -> Style {
        Style::new().fg(self.text).bg(self.background)
    }

    pub fn panel(&self) -> Style {
        Style::new().fg(self.text).bg(self.surface)
    }

    pub fn muted(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            Style::new().fg(self.muted)
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.monochrome) {
            (true, true) => Style::new().add_modifier(Modifier::BOLD),
            (true, false) => Style::new().fg(self.accent).add_modifier(Modifier::BOLD),
            (false, _) => Style::new().fg(self.border),
        }
    }

    pub fn accent(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.accent).add_modifier(Modifier::BOLD)
        }
    }

    /// A highlighted item: a selected chip, card or button.
    pub fn selected(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new().fg(self.accent_text).bg(self.accent).add_modifier(Modifier::BOLD)
        }
    }

    /// A softer highlight: the row under the cursor in a list.
    pub fn cursor_row(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().bg(self.selection).fg(self.text)
        }
    }

    pub fn ok(&self) -> Style {
        Style::new().fg(self.ok)
    }

    pub fn warn(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(self.warn)
        }
    }

    pub fn error(&self) -> Style {
        if self.monochrome {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            Style::new().fg(self.error).add_modifier(Modifier::BOLD)
        }
    }

    /// The background as RGB, for images drawn behind transparent pixels.
    pub fn background_rgb(&self) -> [u8; 3] {
        match self.surface {
            Color::Rgb(r, g, b) => [r, g, b],
            _ => [0, 0, 0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse_and_deep_space_is_violet() {
        for (name, _) in BUILT_IN {
            let t = Theme::load(name, None, false).unwrap();
            assert_eq!(t.name, name);
        }
        assert_eq!(Theme::default().accent, Color::Rgb(0x8b, 0x5c, 0xf6));
        assert_eq!(Theme::default().name, DEFAULT_THEME);
    }

    #[test]
    fn no_color_wins_and_unknown_names_list_the_choices() {
        assert!(Theme::load("light", None, true).unwrap().monochrome);
        let err = Theme::load("neon", None, false).unwrap_err().to_string();
        assert!(err.contains("deep-space") && err.contains("high-contrast"), "{err}");
    }

    #[test]
    fn user_themes_override_and_bad_colours_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = include_str!("../../themes/light.toml").replace("\"light\"", "\"mine\"");
        std::fs::write(dir.path().join("mine.toml"), &text).unwrap();
        assert_eq!(Theme::load("mine", Some(dir.path()), false).unwrap().name, "mine");
        assert!(Theme::available(Some(dir.path())).contains(&"mine".to_string()));
        let bad = text.replace("#6d28d9", "violet");
        std::fs::write(dir.path().join("bad.toml"), bad).unwrap();
        let err = Theme::load("bad", Some(dir.path()), false).unwrap_err().to_string();
        assert!(err.contains("violet"), "{err}");
    }
}
