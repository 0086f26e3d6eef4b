//! What a session remembers besides its facts: the choices that drive the stages, and their results.

use crate::domain::{Concept, Facts, Origin, Region, Stage};
use crate::fab::pricing::Quote;
use crate::fab::{FabSpec, Printability, SliceStats};
use crate::store::SessionRow;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// Choices made up front or along the way; saved with the session so a resume needs nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionParams {
    /// Facts, a person's own picture, or their own model: decides which stages run.
    pub origin: Origin,
    pub seed: u64,
    /// Which concept (0-based) to turn into a solid; None until the person picks.
    pub pick: Option<usize>,
    pub fab: FabSpec,
    pub region: Region,
    /// How often each concept's image was regenerated; part of its image seed.
    pub regenerations: [u32; 4],
    /// Where the finished files should also be written, besides the data dir.
    pub outputs: Outputs,
    /// When set, finishing the session places an order.
    pub order: Option<OrderRequest>,
}

impl Default for SessionParams {
    fn default() -> Self {
        Self {
            origin: Origin::Facts,
            seed: 0,
            pick: None,
            fab: FabSpec::default(),
            region: Region::Eu,
            regenerations: [0; 4],
            outputs: Outputs::default(),
            order: None,
        }
    }
}

impl SessionParams {
    /// The seed of one concept's image: stable per slot, new on each regeneration.
    pub fn image_seed(&self, slot: usize) -> u64 {
        let regen = self.regenerations.get(slot).copied().unwrap_or(0) as u64;
        self.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add((slot as u64 + 1) * 0x1000_0000).wrapping_add(regen)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outputs {
    pub stl: Option<PathBuf>,
    pub threemf: Option<PathBuf>,
    /// Only written when asked for, and only once a slicer has made G-code.
    pub gcode: Option<PathBuf>,
}

impl Outputs {
    /// `name.stl`, `name.3mf` and `name.gcode` in `dir`: what the studio's save key writes.
    pub fn in_dir(dir: &std::path::Path, name: &str) -> Outputs {
        Outputs {
            stl: Some(dir.join(format!("{name}.stl"))),
            threemf: Some(dir.join(format!("{name}.3mf"))),
            gcode: Some(dir.join(format!("{name}.gcode"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub email: String,
    #[serde(default)]
    pub address: String,
}

/// Results of the stages after the solid, for summaries and the Checkout screen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionResults {
    pub printability: Option<Printability>,
    pub slice: Option<SliceStats>,
    pub quote: Option<Quote>,
    /// Step name -> backend name, as last run.
    pub backends: std::collections::BTreeMap<String, super::BackendLabel>,
    /// SHA-256 of the current printable solid's STL; None until it is made, and after an edit.
    pub solid_sha256: Option<String>,
    /// The latest order placed for this session, kept after edits (its files stay in its folder).
    pub order_id: Option<String>,
    /// SHA-256 of the solid that order was priced on.
    pub ordered_solid_sha256: Option<String>,
}

impl SessionResults {
    /// Whether the latest order is for the solid as it is now (not for an earlier version).
    pub fn order_is_current(&self) -> bool {
        self.order_id.is_some() && self.ordered_solid_sha256 == self.solid_sha256
    }
}

/// A session as the pipeline and both front ends see it, read once from its row.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub facts: Facts,
    pub params: SessionParams,
    pub results: SessionResults,
    /// The last step whose output is saved; None for facts only.
    pub step: Option<Stage>,
    pub chosen: Option<usize>,
    pub created_at: String,
    pub updated_at: String,
}

/// A session row whose saved JSON cannot be read; it is never run on defaults.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("session {short} is damaged: its saved {part} cannot be read ({reason}). Nothing was changed; start a new session (`memoreez make` or the studio); the files it made are still under assets/ in the data dir")]
pub struct DamagedSession {
    pub id: String,
    pub short: String,
    pub part: &'static str,
    pub reason: String,
}

impl Session {
    pub fn from_row(row: SessionRow) -> Result<Session, DamagedSession> {
        fn part<T: serde::de::DeserializeOwned>(
            row: &SessionRow,
            part: &'static str,
            text: &str,
        ) -> Result<T, DamagedSession> {
            serde_json::from_str(text).map_err(|e| DamagedSession {
                id: row.id.clone(),
                short: row.id.chars().take(8).collect(),
                part,
                reason: e.to_string(),
            })
        }
        Ok(Session {
            facts: part(&row, "facts", &row.facts)?,
            params: part(&row, "choices", &row.params)?,
            results: part(&row, "results", &row.results)?,
            step: row.step,
            chosen: row.chosen_concept,
            created_at: row.created_at.clone(),
            updated_at: row.updated_at.clone(),
            id: row.id,
        })
    }

    pub fn reached(&self) -> Reached {
        if self.results.order_is_current() {
            Reached::Ordered
        } else {
            self.step.map_or(Reached::Facts, Reached::Step)
        }
    }

    /// What the session is about, for lists: the hobbies, or where an own picture or model came from.
    pub fn about(&self) -> String {
        match self.params.origin {
            Origin::Facts => self.facts.hobbies.clone(),
            other => other.label().to_string(),
        }
    }
}

/// A session as lists show it (the studio's and `sessions`); a damaged row is listed as such
/// rather than hidden, so the person sees why it will not open.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub name: String,
    /// The hobbies, "own picture" / "own model", or what is damaged.
    pub about: String,
    /// How far it got ("solid", "ordered", ...), or "damaged".
    pub reached: String,
    /// None for a damaged row.
    pub origin: Option<Origin>,
}

impl Listing {
    pub fn of(row: &SessionRow) -> Listing {
        match Session::from_row(row.clone()) {
            Ok(s) => Listing {
                about: s.about(),
                reached: s.reached().to_string(),
                origin: Some(s.params.origin),
                name: s.facts.name,
            },
            Err(e) => Listing {
                name: String::new(),
                about: format!("its saved {} cannot be read", e.part),
                reached: "damaged".into(),
                origin: None,
            },
        }
    }
}

/// How far a session got, in the one vocabulary of steps (see [`Stage::label`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// Only the facts are saved.
    Facts,
    Step(Stage),
    /// An order was placed for the current solid.
    Ordered,
}

impl Reached {
    pub fn label(self) -> &'static str {
        match self {
            Reached::Facts => "facts",
            Reached::Step(s) => s.label(),
            Reached::Ordered => "ordered",
        }
    }
}

impl fmt::Display for Reached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Everything a finished run hands to its front end.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub session_id: String,
    pub concepts: Vec<Concept>,
    /// Set once the run got past the pick.
    pub chosen: Option<usize>,
    pub results: SessionResults,
    pub files: OutputFiles,
}

impl Outcome {
    /// What a run knows before its first stage.
    pub fn new(s: &Session) -> Outcome {
        Outcome {
            session_id: s.id.clone(),
            concepts: Vec::new(),
            chosen: None,
            results: s.results.clone(),
            files: OutputFiles::default(),
        }
    }
}

/// Absolute paths of the files this run wrote for the person.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutputFiles {
    pub stl: Option<PathBuf>,
    #[serde(rename = "3mf")]
    pub threemf: Option<PathBuf>,
    pub gcode: Option<PathBuf>,
    /// What could not be written and why (G-code asked for but not sliced).
    #[serde(skip)]
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_seeds_differ_per_slot_and_regeneration() {
        let mut p = SessionParams { seed: 5, ..SessionParams::default() };
        let seeds: std::collections::HashSet<u64> = (0..4).map(|s| p.image_seed(s)).collect();
        assert_eq!(seeds.len(), 4);
        let before = p.image_seed(2);
        p.regenerations[2] += 1;
        assert_ne!(before, p.image_seed(2));
    }

    fn row(params: &str, results: &str) -> SessionRow {
        SessionRow {
            id: "0123456789abcdef".into(),
            step: Some(Stage::Fabrication),
            facts: r#"{"name": "Dad", "hobbies": "golf"}"#.into(),
            params: params.into(),
            chosen_concept: Some(0),
            results: results.into(),
            created_at: "t".into(),
            updated_at: "t".into(),
        }
    }

    #[test]
    fn a_damaged_row_is_an_error_naming_the_session_and_the_part() {
        let err = Session::from_row(row(r#"{"seed": "seven"}"#, "{}")).unwrap_err();
        assert_eq!((err.short.as_str(), err.part), ("01234567", "choices"));
        let text = err.to_string();
        assert!(text.contains("session 01234567 is damaged") && text.contains("start a new session"), "{text}");
        assert_eq!(Session::from_row(row("{}", "{not json")).unwrap_err().part, "results");
        assert!(Session::from_row(row("{}", "{}")).is_ok());
    }

    #[test]
    fn ordered_only_while_the_ordered_solid_is_current() {
        let mut s = Session::from_row(row("{}", "{}")).unwrap();
        assert_eq!(s.reached(), Reached::Step(Stage::Fabrication));
        s.results.solid_sha256 = Some("aa".into());
        s.results.order_id = Some("o1".into());
        s.results.ordered_solid_sha256 = Some("aa".into());
        assert_eq!(s.reached().label(), "ordered");
        s.results.solid_sha256 = Some("bb".into());
        assert_eq!(s.reached().label(), "solid");
    }

    #[test]
    fn params_survive_json_and_old_rows_fill_defaults() {
        let p = SessionParams { pick: Some(1), seed: 9, ..SessionParams::default() };
        let back: SessionParams = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        let old: SessionParams = serde_json::from_str(r#"{"seed": 3}"#).unwrap();
        assert_eq!(old.seed, 3);
        assert_eq!(old.fab, FabSpec::default());
    }
}
