//! The chat wire formats: Cloudflare Workers AI, OpenAI-compatible `/chat/completions`, and Ollama's
//! own `/api/chat`. Each turns a conversation into one reply; `llm` does the rest.

use super::llm::{Chat, ChatError, Message};
use crate::net::services::{Cloudflare, Ollama, OpenAi};
use crate::net::{Http, NetError, Request, Service};
use crate::stage::{BackendKind, Progress};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};

/// Enough for four concepts with room to spare (Cloudflare's default of 256 cuts them off).
const MAX_TOKENS: u32 = 1500;
const TEMPERATURE: f64 = 0.8;

fn wire(messages: &[Message]) -> Value {
    Value::Array(messages.iter().map(|m| json!({"role": m.role, "content": m.content})).collect())
}

pub struct CloudflareChat {
    pub http: Http,
    pub cf: Cloudflare,
}

impl Chat for CloudflareChat {
    fn service(&self) -> Service {
        self.cf.service()
    }

    fn model(&self) -> &str {
        &self.cf.text_model
    }

    fn kind(&self) -> BackendKind {
        BackendKind::Remote
    }

    fn complete(
        &self,
        messages: &[Message],
        schema: &Value,
        seed: u64,
        progress: &dyn Progress,
    ) -> Result<Value, ChatError> {
        let service = self.service();
        let body = json!({
            "messages": wire(messages),
            "max_tokens": MAX_TOKENS,
            "temperature": TEMPERATURE,
            // Workers AI takes seeds from 1 to 9,999,999,999.
            "seed": seed % 9_999_999_999 + 1,
            "response_format": {"type": "json_schema", "json_schema": schema},
        });
        let req = Request::post(self.cf.run_url(&self.cf.text_model), &body).bearer(Some(&self.cf.token));
        let reply: Value = self.http.send(&service, &req, progress)?.json(&service)?;
        let result = Cloudflare::result(&service, &reply)?;
        // With a schema the response arrives already parsed; without, as text.
        result
            .get("response")
            .cloned()
            .filter(|r| !r.is_null())
            .ok_or_else(|| NetError::bad_reply(&service, "its result has no response").into())
    }
}

pub struct OpenAiChat {
    pub http: Http,
    pub api: OpenAi,
    /// Set once the server turned `json_schema` down: it is then asked for a plain JSON object.
    pub schema_refused: AtomicBool,
}

impl OpenAiChat {
    pub fn new(http: Http, api: OpenAi) -> Self {
        OpenAiChat { http, api, schema_refused: AtomicBool::new(false) }
    }

    fn body(&self, messages: &[Message], schema: &Value, seed: u64, strict: bool) -> Value {
        let format = if strict {
            json!({"type": "json_schema", "json_schema": {"name": "concepts", "schema": schema, "strict": true}})
        } else {
            json!({"type": "json_object"})
        };
        json!({
            "model": self.api.chat_model,
            "messages": wire(messages),
            "max_tokens": MAX_TOKENS,
            "temperature": TEMPERATURE,
            "seed": seed % (1 << 31),
            "response_format": format,
        })
    }
}

/// A 400 that names the response format: the server does not take `json_schema`.
fn refuses_schema(e: &NetError) -> bool {
    match e {
        NetError::Status { status: 400 | 422, detail, .. } => {
            let d = detail.to_lowercase();
            d.contains("response_format") || d.contains("json_schema") || d.contains("schema")
        }
        _ => false,
    }
}

impl Chat for OpenAiChat {
    fn service(&self) -> Service {
        self.api.service()
    }

    fn model(&self) -> &str {
        &self.api.chat_model
    }

    fn kind(&self) -> BackendKind {
        BackendKind::Remote
    }

    fn complete(
        &self,
        messages: &[Message],
        schema: &Value,
        seed: u64,
        progress: &dyn Progress,
    ) -> Result<Value, ChatError> {
        let service = self.service();
        let url = format!("{}/chat/completions", self.api.base_url);
        let send = |strict: bool| {
            let body = self.body(messages, schema, seed, strict);
            self.http.send(&service, &Request::post(&url, &body).bearer(self.api.key.as_ref()), progress)
        };
        let reply = if self.schema_refused.load(Ordering::Relaxed) {
            send(false)?
        } else {
            match send(true) {
                Err(e) if refuses_schema(&e) => {
                    progress.note(&format!("{} does not take a JSON schema; asking for plain JSON", service.name));
                    self.schema_refused.store(true, Ordering::Relaxed);
                    send(false)?
                }
                other => other?,
            }
        };
        let reply: Value = reply.json(&service)?;
        let message = reply
            .pointer("/choices/0/message")
            .ok_or_else(|| NetError::bad_reply(&service, "its reply has no choices"))?;
        if let Some(refusal) = message.get("refusal").and_then(Value::as_str).filter(|r| !r.is_empty()) {
            return Err(NetError::Refused { service: service.name, detail: crate::net::clean(refusal, 300) }.into());
        }
        let content = message.get("content").and_then(Value::as_str).unwrap_or_default();
        Ok(Value::String(content.to_string()))
    }
}

pub struct OllamaChat {
    pub http: Http,
    pub api: Ollama,
}

impl Chat for OllamaChat {
    fn service(&self) -> Service {
        self.api.service()
    }

    fn model(&self) -> &str {
        &self.api.model
    }

    fn kind(&self) -> BackendKind {
        BackendKind::Remote
    }

    fn complete(
        &self,
        messages: &[Message],
        schema: &Value,
        seed: u64,
        progress: &dyn Progress,
    ) -> Result<Value, ChatError> {
        let service = self.service();
        let body = json!({
            "model": self.api.model,
            "messages": wire(messages),
            "stream": false,
            "format": schema,
            "options": {"seed": seed % (1 << 31), "temperature": TEMPERATURE, "num_predict": MAX_TOKENS},
        });
        let url = format!("{}/api/chat", self.api.host);
        let reply = match self.http.send(&service, &Request::post(&url, &body), progress) {
            Err(NetError::Status { status: 404, detail, .. }) if detail.contains("not found") => {
                return Err(NetError::Status {
                    service: service.name.clone(),
                    status: 404,
                    message: format!(
                        "{detail}: fetch it with `ollama pull {}` or set MEMOREEZ_OLLAMA_MODEL",
                        self.api.model
                    ),
                    detail,
                }
                .into())
            }
            other => other?,
        };
        let reply: Value = reply.json(&service)?;
        let content = reply.pointer("/message/content").and_then(Value::as_str);
        content
            .map(|c| Value::String(c.to_string()))
            .ok_or_else(|| NetError::bad_reply(&service, "its reply has no message").into())
    }
}
