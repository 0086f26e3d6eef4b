//! Pictures from a service: Cloudflare Workers AI's Flux Schnell and OpenAI-compatible
//! `/images/generations`. Each reply is a base64 picture, read and brought to the gallery's size.

use super::{ImageGenerator, IMAGE_SIZE};
use crate::domain::Concept;
use crate::domain::{with_printability, PRINTABILITY_SUFFIX};
use crate::net::services::{Cloudflare, OpenAi};
use crate::net::{b64_decode, Http, NetError, Request, Service};
use crate::stage::{BackendKind, Progress, StageError};
use image::RgbaImage;
use serde_json::{json, Value};

/// Pictures asked for at once; services rate-limit beyond a few.
pub const PARALLEL: usize = 4;

/// The concept's prompt with the printability suffix (once), within `max` characters.
fn prompt_for(concept: &Concept, max: usize) -> String {
    let p = if concept.prompt.contains(PRINTABILITY_SUFFIX) {
        concept.prompt.clone()
    } else {
        with_printability(&concept.prompt)
    };
    p.chars().take(max).collect()
}

/// Decodes a service's picture and makes it the gallery's square RGBA.
fn picture(service: &Service, b64: &str) -> Result<RgbaImage, NetError> {
    let bytes = b64_decode(b64).map_err(|e| NetError::bad_reply(service, format!("the picture: {e}")))?;
    // The JPEG decoder fills a cut-off picture with grey rather than failing: look for its end marker.
    let jpeg = bytes.starts_with(&[0xFF, 0xD8]);
    let tail = bytes.iter().rposition(|&b| b != 0).map_or(&bytes[..0], |end| &bytes[..=end]);
    if jpeg && !tail.ends_with(&[0xFF, 0xD9]) {
        return Err(NetError::bad_reply(service, "the picture is cut short (its JPEG data has no end)"));
    }
    let img = image::load_from_memory(&bytes)
        .map_err(|e| NetError::bad_reply(service, format!("the picture cannot be read ({e}); it may be cut short")))?;
    let img = img.to_rgba8();
    if img.width() == IMAGE_SIZE && img.height() == IMAGE_SIZE {
        return Ok(img);
    }
    Ok(image::imageops::resize(&img, IMAGE_SIZE, IMAGE_SIZE, image::imageops::FilterType::Lanczos3))
}

/// Content-policy refusals come back as 400s whose words say so; show them as refusals.
fn policy_refusal(e: NetError) -> NetError {
    match e {
        NetError::Status { status: 400 | 403 | 422, ref detail, ref service, .. } => {
            let d = detail.to_lowercase();
            let words = ["nsfw", "content policy", "content_policy", "safety", "moderation", "flagged", "not allowed"];
            if words.iter().any(|w| d.contains(w)) {
                NetError::Refused {
                    service: service.clone(),
                    detail: format!("{detail}; press r to draw it again, or change the hobbies' wording"),
                }
            } else {
                e
            }
        }
        other => other,
    }
}

pub struct CloudflareImages {
    pub http: Http,
    pub cf: Cloudflare,
}

impl ImageGenerator for CloudflareImages {
    fn kind(&self) -> BackendKind {
        BackendKind::Remote
    }

    fn name(&self) -> &str {
        "cloudflare"
    }

    fn model(&self) -> Option<String> {
        Some(self.cf.image_model.clone())
    }

    fn parallel(&self) -> usize {
        PARALLEL
    }

    fn generate(&self, concept: &Concept, seed: u64, progress: &dyn Progress) -> Result<RgbaImage, StageError> {
        let service = self.cf.service();
        let body = json!({
            "prompt": prompt_for(concept, 2048),
            "steps": self.cf.steps,
            "seed": seed % (1 << 31),
        });
        let req = Request::post(self.cf.run_url(&self.cf.image_model), &body).bearer(Some(&self.cf.token));
        let reply: Value = self.http.send(&service, &req, progress).map_err(policy_refusal)?.json(&service)?;
        let result = Cloudflare::result(&service, &reply)?;
        let b64 = result
            .get("image")
            .and_then(Value::as_str)
            .ok_or_else(|| NetError::bad_reply(&service, "its result has no image"))?;
        Ok(picture(&service, b64)?)
    }
}

pub struct OpenAiImages {
    pub http: Http,
    pub api: OpenAi,
}

impl ImageGenerator for OpenAiImages {
    fn kind(&self) -> BackendKind {
        BackendKind::Remote
    }

    fn name(&self) -> &str {
        "openai"
    }

    fn model(&self) -> Option<String> {
        Some(self.api.image_model.clone())
    }

    fn parallel(&self) -> usize {
        PARALLEL
    }

    fn generate(&self, concept: &Concept, _seed: u64, progress: &dyn Progress) -> Result<RgbaImage, StageError> {
        let service = self.api.service();
        let mut body = json!({
            "model": self.api.image_model,
            "prompt": prompt_for(concept, 4000),
            "n": 1,
            "size": "1024x1024",
        });
        // gpt-image models always answer in base64 and refuse the parameter; the rest need it.
        if !self.api.image_model.starts_with("gpt-image") {
            body["response_format"] = json!("b64_json");
        }
        let url = format!("{}/images/generations", self.api.base_url);
        let req = Request::post(url, &body).bearer(self.api.key.as_ref());
        let reply: Value = self.http.send(&service, &req, progress).map_err(policy_refusal)?.json(&service)?;
        let b64 = reply
            .pointer("/data/0/b64_json")
            .and_then(Value::as_str)
            .ok_or_else(|| NetError::bad_reply(&service, "its reply has no data[0].b64_json"))?;
        Ok(picture(&service, b64)?)
    }
}
