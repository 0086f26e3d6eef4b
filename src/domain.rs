//! The nouns every stage and front end shares: facts, concepts, sessions, money, progress.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest accepted length of each free-text fact, in characters.
pub const MAX_NAME_CHARS: usize = 60;
pub const MAX_HOBBIES_CHARS: usize = 300;
pub const MAX_QUIRK_CHARS: usize = 200;

/// What the person tells us about whoever is celebrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Name or relation ("Dad", "Zoë").
    pub name: String,
    /// Free text, comma separated ("tennis, coffee").
    pub hobbies: String,
    #[serde(default)]
    pub quirk: String,
    #[serde(default)]
    pub occasion: Option<Occasion>,
}

impl Facts {
    /// The hobbies as separate, trimmed, non-empty entries.
    pub fn hobby_list(&self) -> Vec<String> {
        self.hobbies
            .split([',', ';', '\n', '/', '&'])
            .flat_map(|part| part.split(" and "))
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .collect()
    }

    /// Checks the facts a person typed; the error names the field and what to do.
    pub fn validate(&self) -> Result<(), FactsError> {
        let check = |field: &'static str, value: &str, max: usize| {
            let n = value.chars().count();
            if n > max {
                Err(FactsError::TooLong { field, max, got: n })
            } else {
                Ok(())
            }
        };
        if self.name.trim().is_empty() {
            return Err(FactsError::Empty { field: "name" });
        }
        check("name", &self.name, MAX_NAME_CHARS)?;
        if self.hobby_list().is_empty() {
            return Err(FactsError::Empty { field: "hobbies" });
        }
        check("hobbies", &self.hobbies, MAX_HOBBIES_CHARS)?;
        check("quirk", &self.quirk, MAX_QUIRK_CHARS)?;
        if let Some(c) = [&self.name, &self.hobbies, &self.quirk]
            .iter()
            .flat_map(|s| s.chars())
            .find(|c| c.is_control() && *c != '\n')
        {
            return Err(FactsError::ControlChar(c));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactsError {
    #[error("{field} is empty: tell us at least one {}", if *field == "hobbies" { "hobby or passion (e.g. \"tennis, coffee\")" } else { "word" })]
    Empty { field: &'static str },
    #[error("{field} is {got} characters long; keep it to {max} or fewer")]
    TooLong { field: &'static str, max: usize, got: usize },
    #[error("the text contains a control character ({0:?}); remove it and try again")]
    ControlChar(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Occasion {
    Birthday,
    Graduation,
    Anniversary,
    Retirement,
    Wedding,
    NewBaby,
    Other,
}

impl Occasion {
    pub const ALL: [Occasion; 7] = [
        Occasion::Birthday,
        Occasion::Graduation,
        Occasion::Anniversary,
        Occasion::Retirement,
        Occasion::Wedding,
        Occasion::NewBaby,
        Occasion::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Occasion::Birthday => "birthday",
            Occasion::Graduation => "graduation",
            Occasion::Anniversary => "anniversary",
            Occasion::Retirement => "retirement",
            Occasion::Wedding => "wedding",
            Occasion::NewBaby => "new baby",
            Occasion::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Occasion> {
        let t = text.trim().to_lowercase().replace(['-', '_'], " ");
        Occasion::ALL.into_iter().find(|o| o.label() == t)
    }
}

impl fmt::Display for Occasion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The four looks a gallery offers, one concept each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Style {
    Whimsical,
    Heroic,
    Hybrid,
    Artistic,
}

impl Style {
    pub const ALL: [Style; 4] = [Style::Whimsical, Style::Heroic, Style::Hybrid, Style::Artistic];

    pub fn label(self) -> &'static str {
        match self {
            Style::Whimsical => "Whimsical",
            Style::Heroic => "Heroic",
            Style::Hybrid => "Hybrid",
            Style::Artistic => "Artistic",
        }
    }

    pub fn parse(text: &str) -> Option<Style> {
        Style::ALL.into_iter().find(|s| s.label().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One idea for the figurine: what the gallery card says and what the image model is asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    pub title: String,
    pub style: Style,
    pub prompt: String,
}

/// Appended to every image prompt: what makes a picture turn into a printable solid (the original's
/// key learning). Image backends that read the subject stop at the first full stop before this.
pub const PRINTABILITY_SUFFIX: &str = "One solid, monolithic object as an untextured clay render with soft \
ambient occlusion, neutral grey, on a pure white background; no scenery, no text, no thin or floating \
parts, a broad flat base, nothing overhanging more than 45 degrees.";

/// An image prompt: the subject, then the printability suffix every concept's prompt carries.
pub fn with_printability(subject: &str) -> String {
    let subject = subject.trim().trim_end_matches(['.', ' ']);
    format!("{subject}. {PRINTABILITY_SUFFIX}")
}

/// Money in integer cents of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cents(pub i64);

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

/// Where an order ships, which sets its shipping rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Eu,
    International,
}

impl Region {
    pub fn key(self) -> &'static str {
        match self {
            Region::Eu => "eu",
            Region::International => "international",
        }
    }

    pub fn parse(text: &str) -> Option<Region> {
        match text.trim().to_lowercase().as_str() {
            "eu" | "europe" => Some(Region::Eu),
            "international" | "intl" | "world" => Some(Region::International),
            _ => None,
        }
    }
}

/// The steps of the pipeline, in order. A session records the last one whose output is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Ideation,
    Images,
    Matting,
    Shape,
    Fabrication,
    Slicing,
    Pricing,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Ideation,
        Stage::Images,
        Stage::Matting,
        Stage::Shape,
        Stage::Fabrication,
        Stage::Slicing,
        Stage::Pricing,
    ];

    /// The step's one name, used alike by the studio, `sessions`, the JSON summaries, the logs and
    /// the database: what the step leaves saved.
    pub fn label(self) -> &'static str {
        self.key()
    }

    pub fn key(self) -> &'static str {
        match self {
            Stage::Ideation => "ideas",
            Stage::Images => "images",
            Stage::Matting => "cutout",
            Stage::Shape => "shape",
            Stage::Fabrication => "solid",
            Stage::Slicing => "slicing",
            Stage::Pricing => "price",
        }
    }

    /// A saved step name; databases written before the names were unified used the left-hand ones.
    pub fn from_key(key: &str) -> Option<Stage> {
        let key = match key {
            "ideation" => "ideas",
            "matting" => "cutout",
            "fabrication" => "solid",
            "pricing" => "price",
            other => other,
        };
        Stage::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Where a session starts, which decides the stages it runs: facts go through every stage; a
/// person's own picture starts at the cut-out; their own model at the printable solid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    #[default]
    Facts,
    Picture,
    Model,
}

impl Origin {
    /// The first stage this origin runs; earlier ones have nothing to do.
    pub fn first_stage(self) -> Stage {
        match self {
            Origin::Facts => Stage::Ideation,
            Origin::Picture => Stage::Matting,
            Origin::Model => Stage::Fabrication,
        }
    }

    pub fn runs(self, stage: Stage) -> bool {
        stage >= self.first_stage()
    }

    pub fn label(self) -> &'static str {
        match self {
            Origin::Facts => "facts",
            Origin::Picture => "own picture",
            Origin::Model => "own model",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Longest email address accepted (RFC 5321's limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A plausible email address: something@domain.tld, no spaces, no control characters (which could
/// write to a terminal when the address is shown), at most 254 characters. Both front ends check
/// with this.
pub fn valid_email(email: &str) -> bool {
    let Some((user, domain)) = email.split_once('@') else { return false };
    !user.is_empty()
        && email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || is_bidi_control(c))
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
}

/// Unicode's bidirectional overrides and isolates, which reorder what a terminal shows.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, hobbies: &str) -> Facts {
        Facts { name: name.into(), hobbies: hobbies.into(), quirk: String::new(), occasion: None }
    }

    #[test]
    fn hobbies_split_on_commas_and_and() {
        let f = facts("Dad", " tennis, coffee and   chess ;; ");
        assert_eq!(f.hobby_list(), vec!["tennis", "coffee", "chess"]);
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(facts("Dad", "  , ").validate(), Err(FactsError::Empty { field: "hobbies" }));
        assert_eq!(facts(" ", "golf").validate(), Err(FactsError::Empty { field: "name" }));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(facts(&long, "golf").validate(), Err(FactsError::TooLong { field: "name", .. })));
        assert!(facts("Zoë", "golf").validate().is_ok());
    }

    #[test]
    fn emails() {
        assert!(valid_email("dad@example.com"));
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "dad",
            "@x.com",
            "a@b",
            "a b@c.de",
            "a@.com",
            "a@b.c.",
            "\u{1b}]0;pwned\u{7}@x.com",
            "a\u{202e}b@x.com",
            &long,
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn cents_print_as_money() {
        assert_eq!(Cents(2345).to_string(), "23.45");
        assert_eq!(Cents(-5).to_string(), "-0.05");
    }

    #[test]
    fn steps_have_one_name_and_old_names_still_read() {
        for stage in Stage::ALL {
            assert_eq!(Stage::from_key(stage.key()), Some(stage));
            assert_eq!(stage.to_string(), stage.key());
        }
        assert_eq!(Stage::from_key("fabrication"), Some(Stage::Fabrication));
        assert_eq!(Stage::from_key("pricing"), Some(Stage::Pricing));
        assert_eq!(Stage::from_key("new"), None);
    }

    #[test]
    fn origins_skip_the_stages_they_have_no_input_for() {
        assert!(Origin::Facts.runs(Stage::Ideation));
        assert!(!Origin::Picture.runs(Stage::Images) && Origin::Picture.runs(Stage::Matting));
        assert!(!Origin::Model.runs(Stage::Shape) && Origin::Model.runs(Stage::Fabrication));
        let parsed: Origin = serde_json::from_str("\"picture\"").unwrap();
        assert_eq!(parsed, Origin::Picture);
    }

    #[test]
    fn occasion_parses_labels_and_kebab_case() {
        assert_eq!(Occasion::parse("new-baby"), Some(Occasion::NewBaby));
        assert_eq!(Occasion::parse("Birthday"), Some(Occasion::Birthday));
        assert_eq!(Occasion::parse("funeral"), None);
    }
}
