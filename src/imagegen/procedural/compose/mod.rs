//! Concept -> scene: motifs chosen from the concept's words, arranged on a base in the concept's style.
//!
//! Scene space: y up, the base's flat bottom on y = -1, the subject within about [-1, 1]^3, facing +z.
//! Every part is sunk into what it stands on, so the scene is one connected solid.

mod place;
mod styles;

use super::motifs::{self, stable_hash, Motif, Variation};
use super::sdf::Node;
use crate::domain::{Concept, Style};
use place::{build, disc, flatten_bottom, stand, Fit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use styles::{artistic, heroic, hybrid, whimsical};

/// Bottom of every scene: the base's flat underside.
pub const FLOOR: f32 = -1.0;

/// One concept's geometry: a single solid as a signed distance tree.
#[derive(Debug, Clone)]
pub struct Scene {
    root: Node,
    motifs: Vec<&'static str>,
}

impl Scene {
    /// Signed distance at `p` (negative inside); 1-Lipschitz, so safe for sphere tracing and meshing.
    pub fn sdf(&self, p: [f32; 3]) -> f32 {
        self.root.eval(p)
    }

    /// Lower and upper corners of a box that holds the solid.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        self.root.bounds()
    }

    /// The motifs in the scene, the main one first.
    pub fn motif_names(&self) -> Vec<&'static str> {
        self.motifs.clone()
    }

    pub(crate) fn root(&self) -> &Node {
        &self.root
    }
}

/// The scene for one concept. Motifs come from the title and the prompt's first sentence: hobby
/// motifs in order of appearance, then generic ones; if no word is known, a generic motif chosen
/// by a stable hash of the words. The same concept and seed always give the same scene.
pub fn scene_for(concept: &Concept, seed: u64) -> Scene {
    let subject = subject_text(concept);
    let mut picks = motifs::find_in_text(&subject);
    // Hobby motifs lead; generic ones ("loves" -> heart) only fill in after them.
    picks.sort_by_key(|m| m.generic);
    if picks.is_empty() {
        picks.push(motifs::generic_for(&subject));
    }
    let key = format!("{}|{}", concept.style.label(), subject);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ stable_hash(&key));
    let main = picks[0];
    let second = picks.get(1).copied();
    let (root, used) = match concept.style {
        Style::Whimsical => {
            let companion = second.unwrap_or_else(|| other_generic(main, &mut rng));
            (whimsical(main, companion, &mut rng), vec![main, companion])
        }
        Style::Heroic => (heroic(main, &mut rng), vec![main]),
        Style::Hybrid => {
            let partner = second.unwrap_or_else(|| other_generic(main, &mut rng));
            (hybrid(main, partner, &mut rng), vec![main, partner])
        }
        Style::Artistic => {
            let mut used = vec![main];
            used.extend(second);
            (artistic(main, second, &mut rng), used)
        }
    };
    Scene { root: flatten_bottom(root), motifs: used.iter().map(|m| m.name).collect() }
}

/// One motif alone on a plain disc, upright: for contact sheets and tests.
pub fn motif_scene(name: &str, seed: u64) -> Option<Scene> {
    let motif = motifs::by_name(name)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ stable_hash(name));
    let v = Variation::from_rng(&mut rng);
    let top = FLOOR + 0.12;
    let fit = Fit::new(1.55, 1.45, 1.2);
    let (node, _) = stand(motif, build(motif, &v), fit, 0.0, 0.0, [0.0, top, 0.0]);
    let root = Node::smooth_union(0.04, vec![disc(0.8, top, 0.12), node]);
    Some(Scene { root: flatten_bottom(root), motifs: vec![motif.name] })
}

/// The words that name the subject: the title and the prompt's first sentence (the ideation
/// templates put the subject first and the fixed printability wording after it).
fn subject_text(concept: &Concept) -> String {
    let first = concept.prompt.split('.').next().unwrap_or_default();
    format!("{first} {}", concept.title)
}

/// A generic motif other than `main`, for styles that need a second motif when the words name one.
fn other_generic(main: &'static Motif, rng: &mut ChaCha8Rng) -> &'static Motif {
    let generics: Vec<&'static Motif> =
        motifs::catalogue().iter().filter(|m| m.generic && m.name != main.name).collect();
    if generics.is_empty() {
        return main;
    }
    generics[rng.random_range(0..generics.len())]
}
