//! Which image protocol the studio uses, decided once at start, and encoding images for it.
//!
//! ratatui-image asks the terminal (kitty, sixel, iTerm2, cell size) and falls back to half-blocks when
//! nothing answers. Around that query we decide when not to ask at all (not a terminal, the Linux
//! console, tmux that the library would not recognise and so could not pass images through), and
//! honour an explicit choice in `MEMOREEZ_GRAPHICS`.

use image::DynamicImage;
use ratatui::layout::Size;
use ratatui_image::picker::cap_parser::QueryStdioOptions;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::protocol::Protocol;
use ratatui_image::{FilterType, Resize};

/// Env var that forces a protocol: halfblocks (or none/off), sixel, kitty, iterm2.
pub const GRAPHICS_ENV: &str = "MEMOREEZ_GRAPHICS";

/// How long to wait for the terminal's answer; every terminal answers the status query at the
/// end at once, so this only matters when something in between swallows queries.
const QUERY_TIMEOUT_MS: i32 = 1000;

/// What the environment says about the terminal, gathered once so the decision can be tested.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermHints {
    pub term: Option<String>,
    pub term_program: Option<String>,
    /// `$TMUX` is set: we run inside tmux whatever TERM says.
    pub in_tmux: bool,
    pub is_tty: bool,
    pub forced: Option<String>,
}

impl TermHints {
    pub fn from_env() -> TermHints {
        use std::io::IsTerminal;
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        TermHints {
            term: var("TERM"),
            term_program: var("TERM_PROGRAM"),
            in_tmux: var("TMUX").is_some(),
            is_tty: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
            forced: var(GRAPHICS_ENV),
        }
    }

    /// tmux as ratatui-image recognises it (it then wraps images for passthrough).
    fn tmux_recognised(&self) -> bool {
        self.term.as_deref().is_some_and(|t| t.starts_with("tmux")) || self.term_program.as_deref() == Some("tmux")
    }

    fn forced_protocol(&self) -> Option<Option<ProtocolType>> {
        let f = self.forced.as_deref()?.trim().to_ascii_lowercase();
        Some(match f.as_str() {
            "halfblocks" | "half-blocks" | "blocks" | "none" | "off" => None,
            "sixel" => Some(ProtocolType::Sixel),
            "kitty" => Some(ProtocolType::Kitty),
            "iterm2" | "iterm" => Some(ProtocolType::Iterm2),
            _ => return None,
        })
    }
}

/// Whether to ask the terminal, or settle for half-blocks and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Query,
    HalfBlocks(&'static str),
}

/// The decision before any query.
pub fn plan(h: &TermHints) -> Probe {
    if h.forced_protocol() == Some(None) {
        return Probe::HalfBlocks("half-blocks chosen by MEMOREEZ_GRAPHICS");
    }
    if !h.is_tty {
        return Probe::HalfBlocks("not a terminal");
    }
    match h.term.as_deref() {
        None | Some("dumb") => return Probe::HalfBlocks("TERM is unset or dumb"),
        Some("linux") => return Probe::HalfBlocks("the Linux console shows no images"),
        _ => {}
    }
    if h.in_tmux && !h.tmux_recognised() && h.forced_protocol().is_none() {
        // ratatui-image would not wrap images for passthrough, so they would arrive garbled.
        return Probe::HalfBlocks("tmux with a non-tmux TERM: no passthrough, half-blocks");
    }
    Probe::Query
}

/// The protocol to use given what the query found.
pub fn resolve(h: &TermHints, queried: ProtocolType) -> ProtocolType {
    match h.forced_protocol() {
        Some(Some(p)) => p,
        Some(None) => ProtocolType::Halfblocks,
        None => queried,
    }
}

pub fn protocol_name(p: ProtocolType) -> &'static str {
    match p {
        ProtocolType::Halfblocks => "half-blocks",
        ProtocolType::Sixel => "sixel",
        ProtocolType::Kitty => "kitty",
        ProtocolType::Iterm2 => "iTerm2",
    }
}

/// The picker and what was decided, for the help screen.
#[derive(Clone)]
pub struct Graphics {
    pub picker: Picker,
    pub note: String,
}

impl Graphics {
    /// Half-blocks without touching the terminal: tests, headless, and the fallback.
    pub fn halfblocks(note: &str) -> Graphics {
        Graphics { picker: Picker::halfblocks(), note: note.to_string() }
    }

    /// Asks the terminal when that is sensible. Must run before anything reads terminal events.
    pub fn detect(h: &TermHints) -> Graphics {
        if let Probe::HalfBlocks(why) = plan(h) {
            return Graphics::halfblocks(why);
        }
        let options = QueryStdioOptions { timeout_ms: QUERY_TIMEOUT_MS, ..QueryStdioOptions::default() };
        match Picker::from_query_stdio_with_options(options) {
            Ok(mut picker) => {
                let p = resolve(h, picker.protocol_type());
                picker.set_protocol_type(p);
                let note = if p == ProtocolType::Halfblocks {
                    "the terminal offered no image protocol"
                } else {
                    "the terminal answered"
                };
                Graphics { picker, note: note.to_string() }
            }
            Err(_) => Graphics::halfblocks("the terminal did not answer the query"),
        }
    }

    pub fn protocol(&self) -> ProtocolType {
        self.picker.protocol_type()
    }

    /// Pixels per cell (width, height).
    pub fn cell_px(&self) -> (u16, u16) {
        let f = self.picker.font_size();
        (f.width.max(1), f.height.max(1))
    }
}

/// Scales `image` to fit `cells` and encodes it for the terminal. CPU work: call it off the UI thread.
pub fn encode(picker: &Picker, image: &DynamicImage, cells: Size) -> Result<Protocol, String> {
    picker
        .new_protocol(image.clone(), cells, Resize::Scale(Some(FilterType::Triangle)))
        .map_err(|e| format!("cannot show the image: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(term: &str, program: Option<&str>, tmux: bool) -> TermHints {
        TermHints {
            term: Some(term.to_string()),
            term_program: program.map(str::to_string),
            in_tmux: tmux,
            is_tty: true,
            forced: None,
        }
    }

    #[test]
    fn ordinary_terminals_are_asked() {
        assert_eq!(plan(&hints("xterm-256color", None, false)), Probe::Query);
        assert_eq!(plan(&hints("xterm-kitty", None, false)), Probe::Query);
        assert_eq!(plan(&hints("xterm-256color", Some("WezTerm"), false)), Probe::Query);
    }

    #[test]
    fn tmux_is_asked_only_when_the_library_recognises_it() {
        assert_eq!(plan(&hints("tmux-256color", None, true)), Probe::Query);
        assert_eq!(plan(&hints("screen-256color", Some("tmux"), true)), Probe::Query);
        assert!(matches!(plan(&hints("screen-256color", None, true)), Probe::HalfBlocks(_)));
        // GNU screen (no $TMUX) is asked: the terminal behind it may answer.
        assert_eq!(plan(&hints("screen", None, false)), Probe::Query);
    }

    #[test]
    fn no_terminal_console_and_dumb_get_half_blocks() {
        let mut h = hints("xterm", None, false);
        h.is_tty = false;
        assert_eq!(plan(&h), Probe::HalfBlocks("not a terminal"));
        assert!(matches!(plan(&hints("linux", None, false)), Probe::HalfBlocks(_)));
        assert!(matches!(plan(&hints("dumb", None, false)), Probe::HalfBlocks(_)));
        let unset = TermHints { is_tty: true, ..TermHints::default() };
        assert!(matches!(plan(&unset), Probe::HalfBlocks(_)));
    }

    #[test]
    fn the_env_override_wins() {
        let mut h = hints("xterm-kitty", None, false);
        h.forced = Some("halfblocks".into());
        assert!(matches!(plan(&h), Probe::HalfBlocks(_)));
        assert_eq!(resolve(&h, ProtocolType::Kitty), ProtocolType::Halfblocks);
        h.forced = Some("Sixel".into());
        assert_eq!(plan(&h), Probe::Query);
        assert_eq!(resolve(&h, ProtocolType::Halfblocks), ProtocolType::Sixel);
        // A forced protocol inside unrecognised tmux is the person's call.
        let mut t = hints("screen", None, true);
        t.forced = Some("sixel".into());
        assert_eq!(plan(&t), Probe::Query);
        // Nonsense is ignored rather than fatal.
        h.forced = Some("holograms".into());
        assert_eq!(resolve(&h, ProtocolType::Kitty), ProtocolType::Kitty);
    }

    #[test]
    fn half_blocks_encode_to_the_asked_cells() {
        let g = Graphics::halfblocks("test");
        let img = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(64, 64, image::Rgba([200, 10, 10, 255])));
        let p = encode(&g.picker, &img, Size::new(10, 5)).unwrap();
        assert!(p.size().width <= 10 && p.size().height <= 5);
        assert_eq!(g.protocol(), ProtocolType::Halfblocks);
    }
}
