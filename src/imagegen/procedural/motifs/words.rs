//! Words of a prompt as keyword candidates: tokens, a few English stems, and a stable hash.

/// Lower-case words of `text`: letters and digits, split on everything else, possessives dropped.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| {
            let w = w.trim_matches('\'').to_lowercase();
            w.strip_suffix("'s").map(str::to_string).unwrap_or(w)
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The forms a word may have in the keyword table, most literal first: the word itself, then its
/// singular and verb stems ("puppies" -> "puppy", "running" -> "run", "baking" -> "bake").
pub fn stems(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string()];
    let mut push = |s: String| {
        if s.chars().count() >= 3 && !out.contains(&s) {
            out.push(s);
        }
    };
    if let Some(s) = word.strip_suffix("ies") {
        push(format!("{s}y"));
    }
    if let Some(s) = word.strip_suffix("es") {
        push(s.to_string());
    }
    if let Some(s) = word.strip_suffix('s') {
        push(s.to_string());
    }
    for suffix in ["ing", "ers", "er", "ists", "ist"] {
        if let Some(s) = word.strip_suffix(suffix) {
            push(s.to_string());
            push(format!("{s}e"));
            push(undouble(s));
        }
    }
    out
}

/// "runn" -> "run", "knitt" -> "knit"; other stems unchanged.
fn undouble(s: &str) -> String {
    let b = s.as_bytes();
    if b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] && !b"aeiou".contains(&b[b.len() - 1]) {
        s[..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// FNV-1a: the same 64 bits for the same text on every run and platform (unlike `DefaultHasher`,
/// which is seeded per process).
pub fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_lowercase_and_drop_possessives() {
        assert_eq!(tokens("Dad's Ping-Pong, and COFFEE!"), vec!["dad", "ping", "pong", "and", "coffee"]);
    }

    #[test]
    fn stems_cover_plurals_and_verb_forms() {
        for (word, stem) in [
            ("puppies", "puppy"),
            ("books", "book"),
            ("running", "run"),
            ("baking", "bake"),
            ("knitting", "knit"),
            ("hiking", "hike"),
            ("skiing", "ski"),
            ("guitarists", "guitar"),
            ("gardening", "garden"),
        ] {
            assert!(stems(word).iter().any(|s| s == stem), "{word} -> {stem}");
        }
    }

    #[test]
    fn stable_hash_is_fixed() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
