//! The one JSON object `make` and `sessions --resume` print on stdout.

use memoreez::pipeline::Outcome;
use serde_json::{json, Value};

pub fn summary(outcome: &Outcome, seed: u64) -> Value {
    let concept = outcome.chosen.and_then(|i| outcome.concepts.get(i));
    let r = &outcome.results;
    json!({
        "session": outcome.session_id,
        "seed": seed,
        "concept": concept.map(|c| json!({"title": c.title, "style": c.style.label(), "prompt": c.prompt})),
        "files": outcome.files,
        "print": r.slice.as_ref().map(|s| json!({"grams": round2(s.grams), "minutes": round2(s.minutes), "slicer": s.slicer})),
        "price": r.quote,
        "printability": r.printability,
        "backends": r.backends,
        "order": r.order_id,
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
