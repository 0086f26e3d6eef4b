//! The offline ideation backend: hobby words -> four concepts, one per style, by templates.
//! Deterministic for the same facts and seed; any words work, known or not.

use super::{Ideator, PRINTABILITY_SUFFIX};
use crate::domain::{Concept, Facts, Occasion, Style};
use crate::stage::{Progress, StageError};
use rand::seq::IndexedRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub struct TemplateIdeator;

impl Ideator for TemplateIdeator {
    fn kind(&self) -> crate::stage::BackendKind {
        crate::stage::BackendKind::Offline
    }

    fn name(&self) -> &str {
        "templates"
    }

    fn concepts(&self, facts: &Facts, seed: u64, progress: &dyn Progress) -> Result<Vec<Concept>, StageError> {
        facts.validate().map_err(|e| StageError::BadInput(e.to_string()))?;
        let words = Words::from_facts(facts);
        let concepts: Vec<Concept> = Style::ALL
            .iter()
            .enumerate()
            .map(|(i, &style)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(i as u64 + 1)));
                let c = concept(&words, style, &mut rng);
                progress.step(i + 1, 4, &format!("{}: {}", style, c.title));
                c
            })
            .collect();
        Ok(concepts)
    }
}

/// The cleaned-up words the templates use.
struct Words {
    hobbies: Vec<String>,
    quirk: Option<String>,
    occasion: Option<Occasion>,
}

/// Removes what would end the subject sentence early or confuse a prompt.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c == '.' || c == '"' || c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn title_case(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Words {
    fn from_facts(facts: &Facts) -> Words {
        let mut hobbies: Vec<String> = facts.hobby_list().iter().map(|h| clean(h)).filter(|h| !h.is_empty()).collect();
        hobbies.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        let quirk = Some(clean(&facts.quirk)).filter(|q| !q.is_empty());
        Words { hobbies, quirk, occasion: facts.occasion }
    }

    fn first(&self) -> &str {
        self.hobbies.first().map(String::as_str).unwrap_or("joy")
    }

    /// A second theme: the next hobby, else something from the occasion, else the quirk.
    fn second(&self) -> String {
        if let Some(h) = self.hobbies.get(1) {
            return h.clone();
        }
        if let Some(o) = self.occasion.and_then(occasion_object) {
            return o.to_string();
        }
        self.quirk.clone().unwrap_or_else(|| "a shining star".to_string())
    }
}

/// A small object that says the occasion without words.
fn occasion_object(o: Occasion) -> Option<&'static str> {
    match o {
        Occasion::Birthday => Some("birthday cake"),
        Occasion::Graduation => Some("stack of books"),
        Occasion::Anniversary => Some("heart"),
        Occasion::Retirement => Some("armchair and a coffee cup"),
        Occasion::Wedding => Some("pair of hearts"),
        Occasion::NewBaby => Some("teddy bear"),
        Occasion::Other => None,
    }
}

fn concept(w: &Words, style: Style, rng: &mut ChaCha8Rng) -> Concept {
    let pick = |rng: &mut ChaCha8Rng, options: &[&'static str]| -> &'static str {
        options.choose(rng).copied().unwrap_or_default()
    };
    let h1 = w.first().to_string();
    let h2 = w.second();
    let extra =
        w.occasion.and_then(occasion_object).map(|o| format!(", with a small {o} at its feet")).unwrap_or_default();
    let (title, subject) = match style {
        Style::Whimsical => {
            let adj = pick(rng, &["Tiny", "Jolly", "Bouncy", "Cheeky", "Cosy"]);
            let noun = pick(rng, &["Champion", "Buddy", "Hero", "Fan", "Wizard"]);
            let quirk = w.quirk.as_deref().map(|q| format!(", a nod to {q}")).unwrap_or_default();
            (
                format!("{adj} {} {noun}", title_case(&h1)),
                format!(
                    "A chunky, cute chibi-style {h1} figurine with big rounded shapes and a playful tilt, \
                     a little {h2} companion leaning on it{quirk}{extra}"
                ),
            )
        }
        Style::Heroic => {
            let noun = pick(rng, &["Legend", "Titan", "Icon", "Master", "Hall of Fame"]);
            (
                format!("{} {noun}", title_case(&h1)),
                format!(
                    "A proud, monumental {h1} statue standing tall and upright on a stepped stone plinth, \
                     heroic and triumphant, bold simplified forms"
                ),
            )
        }
        Style::Hybrid => {
            let link = pick(rng, &["Meets", "and", "x", "with"]);
            (
                format!("{} {link} {}", title_case(&h1), title_case(&h2)),
                format!(
                    "A playful fusion of {h1} and {h2} merged into one sculpture, the two shapes \
                     grown together side by side as a single piece"
                ),
            )
        }
        Style::Artistic => {
            let noun = pick(rng, &["Ode to", "Rhythm of", "Spirit of", "Poem of"]);
            let all = w.hobbies.join(" and ");
            let quirk = w.quirk.as_deref().map(|q| format!(" and {q}")).unwrap_or_default();
            (
                format!("{noun} {}", title_case(&h1)),
                format!(
                    "An abstract, flowing sculpture of stacked and interlocking forms evoking {all}{quirk}, \
                     smooth gallery-piece curves"
                ),
            )
        }
    };
    Concept { title, style, prompt: format!("{subject}. {PRINTABILITY_SUFFIX}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::NoProgress;

    fn facts(hobbies: &str) -> Facts {
        Facts { name: "Dad".into(), hobbies: hobbies.into(), quirk: String::new(), occasion: None }
    }

    #[test]
    fn four_concepts_in_the_four_styles_with_printable_wording() {
        let cs = TemplateIdeator.concepts(&facts("tennis, coffee"), 1, &NoProgress).unwrap();
        assert_eq!(cs.iter().map(|c| c.style).collect::<Vec<_>>(), Style::ALL);
        for c in &cs {
            assert!(c.prompt.ends_with(PRINTABILITY_SUFFIX));
            assert!(c.prompt.contains("tennis"), "{}", c.prompt);
            assert!(!c.title.is_empty());
        }
        assert!(cs[2].prompt.contains("coffee"));
    }

    #[test]
    fn same_input_and_seed_same_concepts_other_seed_may_differ() {
        let f = facts("chess; gardening");
        let a = TemplateIdeator.concepts(&f, 42, &NoProgress).unwrap();
        assert_eq!(a, TemplateIdeator.concepts(&f, 42, &NoProgress).unwrap());
        let titles: std::collections::HashSet<_> =
            (0..20).map(|s| TemplateIdeator.concepts(&f, s, &NoProgress).unwrap()[0].title.clone()).collect();
        assert!(titles.len() > 1, "seeds should vary the titles");
    }

    #[test]
    fn unknown_words_and_single_hobbies_still_give_concepts() {
        let mut f = facts("zorbing");
        f.occasion = Some(Occasion::Birthday);
        f.quirk = "always hums. loudly".into();
        let cs = TemplateIdeator.concepts(&f, 0, &NoProgress).unwrap();
        assert!(cs[2].prompt.contains("birthday cake"));
        // The subject sentence ends at the first full stop, before the printability wording.
        let subject = cs[0].prompt.split('.').next().unwrap();
        assert!(subject.contains("always hums loudly"), "{subject}");
    }

    #[test]
    fn empty_hobbies_are_bad_input() {
        assert!(matches!(TemplateIdeator.concepts(&facts(" , "), 0, &NoProgress), Err(StageError::BadInput(_))));
    }
}
