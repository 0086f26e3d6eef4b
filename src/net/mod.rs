//! The network: one HTTP client for every remote backend (timeouts, retries with backoff and
//! `Retry-After`, cancellation, reply caps), keys that never print, and errors that say what to fix.

mod client;
mod error;
mod secret;
pub mod services;

pub use client::{parse_retry_after, Http, Policy, Reply, Request};
pub use error::{clean, server_words, NetError, Service};
pub use secret::Secret;

use base64::Engine;

/// Standard base64, as every service here uses it.
pub fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Standard base64 that reads padded and unpadded text alike, as services send both.
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Decodes base64 from a service, with or without padding or a `data:` prefix.
pub fn b64_decode(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    let t = match t.strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map(|(_, d)| d).unwrap_or(rest),
        None => t,
    };
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    LENIENT.decode(t.as_bytes()).map_err(|e| format!("its base64 is damaged or cut short ({e})"))
}
