//! What a session remembers besides its facts: the choices that drive the stages, and their results.

use crate::domain::Concept;
use crate::fab::pricing::Quote;
use crate::fab::{FabSpec, Printability, SliceStats};
use crate::store::Region;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Choices made up front or along the way; saved with the session so a resume needs nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionParams {
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
    /// Stage key -> backend name, as last run.
    pub backends: std::collections::BTreeMap<String, String>,
    pub order_id: Option<String>,
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

/// Absolute paths of the files this run wrote for the person.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OutputFiles {
    pub stl: Option<PathBuf>,
    #[serde(rename = "3mf")]
    pub threemf: Option<PathBuf>,
    pub gcode: Option<PathBuf>,
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
