//! API keys: kept out of `Debug`, `Display` and serialisation, so a key cannot leak through a log
//! line, an error message or a saved config by accident.

use std::fmt;

/// A key or token. Only [`Secret::expose`] gives the value, and only the HTTP client calls it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// None for an empty or blank value, so `KEY=` in the environment counts as unset.
    pub fn new(value: impl Into<String>) -> Option<Secret> {
        let v = value.into().trim().to_string();
        (!v.is_empty()).then_some(Secret(v))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced, for anything a server echoes back.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Secret(s.trim().to_string()))
    }
}

/// Written back as a placeholder: a config saved from memory never carries the key.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints() {
        let k = Secret::new("sk-live-123456").unwrap();
        assert!(!format!("{k:?} {k}").contains("123456"));
        assert!(!serde_json::to_string(&k).unwrap().contains("123456"));
        assert_eq!(k.redact("bad key sk-live-123456 given"), "bad key [redacted] given");
        assert!(Secret::new("  ").is_none());
    }
}
