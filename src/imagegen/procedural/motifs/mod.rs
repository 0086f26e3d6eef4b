//! The motif library: parametric, printable shapes keyed by hobby words.
//!
//! A motif is built in its own frame: standing on y = 0, about one unit tall, centred on the y axis,
//! its face towards +z. Parts are at least 0.03 units thick and always touch, so each motif is one
//! solid; composition scales and places them.

mod catalogue;
mod home;
mod leisure;
mod nature;
mod shapes;
mod sport;
mod symbols;
mod words;

pub use words::stable_hash;

pub(crate) use shapes::star as star_outline;

use super::sdf::Node;
use catalogue::CATALOGUE;
use rand::Rng;

/// Seeded proportions of one motif instance, each in [0, 1); 0.5 is the typical look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variation {
    pub a: f32,
    pub b: f32,
    pub c: f32,
}

impl Variation {
    pub const TYPICAL: Variation = Variation { a: 0.5, b: 0.5, c: 0.5 };

    pub fn from_rng(rng: &mut impl Rng) -> Variation {
        Variation { a: rng.random(), b: rng.random(), c: rng.random() }
    }
}

/// One entry of the library.
pub struct Motif {
    pub name: &'static str,
    /// Base forms of the words that call for this motif; two-word keys match adjacent words.
    pub keywords: &'static [&'static str],
    /// How far to sink the motif into what it stands on, as a fraction of its height: more for
    /// shapes that meet the ground at a point (a ball, a heart's tip) so the join is broad.
    pub footing: f32,
    /// Generic motifs stand in for words the library does not know.
    pub generic: bool,
    build: fn(&Variation) -> Node,
}

impl Motif {
    pub fn build(&self, v: &Variation) -> Node {
        (self.build)(v)
    }
}

impl std::fmt::Debug for Motif {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every motif, in a fixed order.
pub fn catalogue() -> &'static [Motif] {
    CATALOGUE
}

pub fn by_name(name: &str) -> Option<&'static Motif> {
    CATALOGUE.iter().find(|m| m.name == name)
}

fn by_keyword(key: &str) -> Option<&'static Motif> {
    CATALOGUE.iter().find(|m| m.keywords.contains(&key))
}

/// The motifs that words of `text` call for, in order of first appearance, each once.
/// Two-word keys ("table tennis") win over their single words.
pub fn find_in_text(text: &str) -> Vec<&'static Motif> {
    let toks = words::tokens(text);
    let mut found: Vec<&'static Motif> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let pair = toks
            .get(i + 1)
            .and_then(|next| words::stems(next).iter().find_map(|s| by_keyword(&format!("{} {s}", toks[i]))));
        let (hit, used) = match pair {
            Some(m) => (Some(m), 2),
            None => (words::stems(&toks[i]).iter().find_map(|s| by_keyword(s)), 1),
        };
        if let Some(m) = hit {
            if !found.iter().any(|f| f.name == m.name) {
                found.push(m);
            }
        }
        i += used;
    }
    found
}

/// A generic motif for text the library has no keyword for, the same one every time.
pub fn generic_for(text: &str) -> &'static Motif {
    let generics: Vec<&'static Motif> = CATALOGUE.iter().filter(|m| m.generic).collect();
    let key = words::tokens(text).join(" ");
    generics[(stable_hash(&key) % generics.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&'static str> {
        find_in_text(text).iter().map(|m| m.name).collect()
    }

    #[test]
    fn library_has_at_least_24_distinct_motifs_and_unique_keywords() {
        assert!(CATALOGUE.len() >= 24);
        for (i, m) in CATALOGUE.iter().enumerate() {
            assert!(CATALOGUE[..i].iter().all(|o| o.name != m.name), "{}", m.name);
            for k in m.keywords {
                let owners: Vec<_> = CATALOGUE.iter().filter(|o| o.keywords.contains(k)).collect();
                assert_eq!(owners.len(), 1, "keyword {k} is claimed by {owners:?}");
            }
        }
        assert!(CATALOGUE.iter().filter(|m| m.generic).count() >= 3);
    }

    #[test]
    fn hobby_words_pick_motifs_in_order() {
        assert_eq!(names("Tennis, coffee"), vec!["racket_and_ball", "coffee_cup"]);
        assert_eq!(names("hiking and reading books"), vec!["mountain", "book"]);
        assert_eq!(names("Table tennis; board games"), vec!["racket_and_ball", "dice"]);
        assert_eq!(names("mountain biking"), vec!["bicycle"]);
        assert_eq!(names("knitting, puppies, baking"), vec!["yarn_ball", "dog", "cake"]);
        assert_eq!(names("video games and cats"), vec!["game_controller", "cat"]);
        assert!(names("zorbing quux").is_empty());
    }

    #[test]
    fn unknown_words_map_to_a_stable_generic() {
        let a = generic_for("Zorbing");
        assert!(a.generic);
        assert_eq!(a.name, generic_for("zorbing").name);
    }
}
