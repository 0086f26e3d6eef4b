//! Where each remote service is and how to sign in: the config file's `[backends.cloudflare]`,
//! `[backends.openai]` and `[backends.ollama]`, with the environment taking precedence, resolved into
//! endpoints the backends use. Keys stay [`Secret`]s throughout.

use super::{Secret, Service};
use serde::{Deserialize, Serialize};

pub const CLOUDFLARE_BASE: &str = "https://api.cloudflare.com/client/v4";
pub const CLOUDFLARE_TEXT_MODEL: &str = "@cf/meta/llama-3.1-8b-instruct";
pub const CLOUDFLARE_IMAGE_MODEL: &str = "@cf/black-forest-labs/flux-1-schnell";
pub const OPENAI_BASE: &str = "https://api.openai.com/v1";
pub const OPENAI_CHAT_MODEL: &str = "gpt-4o-mini";
pub const OPENAI_IMAGE_MODEL: &str = "dall-e-3";
pub const OLLAMA_HOST: &str = "http://127.0.0.1:11434";
pub const OLLAMA_MODEL: &str = "llama3.1:8b";

/// `[backends.cloudflare]`: Workers AI. `CLOUDFLARE_ACCOUNT_ID`, `CLOUDFLARE_API_TOKEN` and
/// `MEMOREEZ_CLOUDFLARE_BASE_URL` win over the file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudflareSettings {
    pub account_id: Option<String>,
    pub api_token: Option<Secret>,
    pub base_url: Option<String>,
    pub text_model: Option<String>,
    pub image_model: Option<String>,
    /// Flux Schnell steps, 1-8 [default: 4].
    pub steps: Option<u32>,
}

/// `[backends.openai]`: any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, LM Studio).
/// `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `MEMOREEZ_OPENAI_CHAT_MODEL` and `MEMOREEZ_OPENAI_IMAGE_MODEL` win.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiSettings {
    pub api_key: Option<Secret>,
    pub base_url: Option<String>,
    pub chat_model: Option<String>,
    pub image_model: Option<String>,
}

/// `[backends.ollama]`: an Ollama server. `OLLAMA_HOST` and `MEMOREEZ_OLLAMA_MODEL` win.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OllamaSettings {
    pub host: Option<String>,
    pub model: Option<String>,
}

/// Cloudflare Workers AI, ready to call.
#[derive(Debug, Clone)]
pub struct Cloudflare {
    pub base_url: String,
    pub account_id: String,
    pub token: Secret,
    pub text_model: String,
    pub image_model: String,
    pub steps: u32,
}

impl Cloudflare {
    pub fn service(&self) -> Service {
        Service::new("Cloudflare Workers AI").key_env("CLOUDFLARE_API_TOKEN").url_env("MEMOREEZ_CLOUDFLARE_BASE_URL")
    }

    pub fn run_url(&self, model: &str) -> String {
        format!("{}/accounts/{}/ai/run/{}", self.base_url, self.account_id, model)
    }

    /// The `result` of a reply: Workers AI wraps every one as `{"result", "success", "errors", "messages"}`.
    pub fn result(service: &Service, body: &serde_json::Value) -> Result<serde_json::Value, super::NetError> {
        if body.get("success").and_then(serde_json::Value::as_bool) == Some(false) {
            let said = super::server_words(body.to_string().as_bytes());
            return Err(super::NetError::bad_reply(service, format!("it reported a failure: {said}")));
        }
        let result = body.get("result").cloned().filter(|r| !r.is_null());
        result.ok_or_else(|| super::NetError::bad_reply(service, "its reply has no result"))
    }
}

/// An OpenAI-compatible server, ready to call. Local servers often need no key.
#[derive(Debug, Clone)]
pub struct OpenAi {
    pub base_url: String,
    pub key: Option<Secret>,
    pub chat_model: String,
    pub image_model: String,
}

impl OpenAi {
    pub fn service(&self) -> Service {
        let name = if self.base_url == OPENAI_BASE {
            "OpenAI".to_string()
        } else {
            format!("the OpenAI-compatible server at {}", self.base_url)
        };
        Service::new(name).key_env("OPENAI_API_KEY").url_env("OPENAI_BASE_URL")
    }
}

#[derive(Debug, Clone)]
pub struct Ollama {
    pub host: String,
    pub model: String,
}

impl Ollama {
    pub fn service(&self) -> Service {
        Service::new(format!("Ollama at {}", self.host)).url_env("OLLAMA_HOST")
    }
}

/// Reads a variable; the real environment in the program, a map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn pick(env: Env<'_>, var: &str, file: &Option<String>) -> Option<String> {
    env(var).or_else(|| file.clone()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// An address as given, without a trailing slash; the scheme is added when missing.
pub fn base_url(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    if url.contains("://") {
        url.to_string()
    } else {
        format!("http://{url}")
    }
}

impl CloudflareSettings {
    /// The service when both an account and a token are set; otherwise what is missing.
    pub fn resolve(&self, env: Env<'_>) -> Result<Cloudflare, String> {
        let account_id = pick(env, "CLOUDFLARE_ACCOUNT_ID", &self.account_id);
        let token = env("CLOUDFLARE_API_TOKEN").and_then(Secret::new).or_else(|| self.api_token.clone());
        let (Some(account_id), Some(token)) = (account_id, token) else {
            return Err("Cloudflare needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (or account_id and \
                        api_token in [backends.cloudflare])"
                .into());
        };
        if !account_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err("CLOUDFLARE_ACCOUNT_ID should be the 32 letters and digits of your account id".into());
        }
        Ok(Cloudflare {
            base_url: base_url(
                &pick(env, "MEMOREEZ_CLOUDFLARE_BASE_URL", &self.base_url).unwrap_or(CLOUDFLARE_BASE.into()),
            ),
            account_id,
            token,
            text_model: self.text_model.clone().unwrap_or(CLOUDFLARE_TEXT_MODEL.into()),
            image_model: self.image_model.clone().unwrap_or(CLOUDFLARE_IMAGE_MODEL.into()),
            steps: self.steps.unwrap_or(4).clamp(1, 8),
        })
    }
}

impl OpenAiSettings {
    /// The service when a key or an address is set (a local server needs no key).
    pub fn resolve(&self, env: Env<'_>) -> Result<OpenAi, String> {
        let key = env("OPENAI_API_KEY").and_then(Secret::new).or_else(|| self.api_key.clone());
        let base = pick(env, "OPENAI_BASE_URL", &self.base_url);
        if key.is_none() && base.is_none() {
            return Err("OpenAI needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local server (or api_key / \
                        base_url in [backends.openai])"
                .into());
        }
        Ok(OpenAi {
            base_url: base_url(&base.unwrap_or(OPENAI_BASE.into())),
            key,
            chat_model: pick(env, "MEMOREEZ_OPENAI_CHAT_MODEL", &self.chat_model).unwrap_or(OPENAI_CHAT_MODEL.into()),
            image_model: pick(env, "MEMOREEZ_OPENAI_IMAGE_MODEL", &self.image_model)
                .unwrap_or(OPENAI_IMAGE_MODEL.into()),
        })
    }
}

impl OllamaSettings {
    /// The server: `OLLAMA_HOST` as Ollama itself reads it (a bare host, host:port or a URL), else the
    /// file, else 127.0.0.1:11434. `configured` is false when nothing named one (for `auto`).
    pub fn resolve(&self, env: Env<'_>) -> (Ollama, bool) {
        let given = pick(env, "OLLAMA_HOST", &self.host);
        let configured = given.is_some();
        let host = given.map(|h| ollama_host(&h)).unwrap_or(OLLAMA_HOST.into());
        let model = pick(env, "MEMOREEZ_OLLAMA_MODEL", &self.model).unwrap_or(OLLAMA_MODEL.into());
        (Ollama { host, model }, configured)
    }
}

/// Ollama's own reading of `OLLAMA_HOST`: the server's bind address 0.0.0.0 means this machine, and
/// the port defaults to 11434.
fn ollama_host(given: &str) -> String {
    let url = base_url(given);
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", &url));
    let rest = rest.replacen("0.0.0.0", "127.0.0.1", 1);
    let has_port = rest.rsplit_once(':').is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()));
    if has_port || rest.contains('/') {
        format!("{scheme}://{rest}")
    } else {
        format!("{scheme}://{rest}:11434")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_environment_wins_over_the_file_and_gaps_are_named() {
        let file = CloudflareSettings { account_id: Some("fromfile".into()), ..Default::default() };
        let err = file.resolve(&env(&[])).unwrap_err();
        assert!(err.contains("CLOUDFLARE_API_TOKEN"), "{err}");
        let cf = file.resolve(&env(&[("CLOUDFLARE_API_TOKEN", "tok"), ("CLOUDFLARE_ACCOUNT_ID", "abc123")])).unwrap();
        assert_eq!(cf.run_url("@cf/x"), "https://api.cloudflare.com/client/v4/accounts/abc123/ai/run/@cf/x");
        let bad = file.resolve(&env(&[("CLOUDFLARE_API_TOKEN", "t"), ("CLOUDFLARE_ACCOUNT_ID", "a/../b")]));
        assert!(bad.unwrap_err().contains("account id"));
        let local =
            file.resolve(&env(&[("CLOUDFLARE_API_TOKEN", "t"), ("MEMOREEZ_CLOUDFLARE_BASE_URL", "127.0.0.1:9/")]));
        assert_eq!(local.unwrap().base_url, "http://127.0.0.1:9");
    }

    #[test]
    fn openai_takes_a_key_or_a_local_address() {
        assert!(OpenAiSettings::default().resolve(&env(&[])).is_err());
        let local = OpenAiSettings::default().resolve(&env(&[("OPENAI_BASE_URL", "http://gpu:8000/v1")])).unwrap();
        assert!(local.key.is_none() && local.base_url == "http://gpu:8000/v1");
        assert!(local.service().name.contains("gpu:8000"));
        let cloud = OpenAiSettings::default().resolve(&env(&[("OPENAI_API_KEY", "sk-1")])).unwrap();
        assert_eq!(cloud.service().name, "OpenAI");
    }

    #[test]
    fn ollama_host_is_read_as_ollama_reads_it() {
        assert_eq!(ollama_host("0.0.0.0"), "http://127.0.0.1:11434");
        assert_eq!(ollama_host("gpu.local:9999"), "http://gpu.local:9999");
        assert_eq!(ollama_host("https://ollama.example.com"), "https://ollama.example.com:11434");
        let (o, configured) = OllamaSettings::default().resolve(&env(&[]));
        assert_eq!((o.host.as_str(), configured), (OLLAMA_HOST, false));
    }
}

/// One cheap request each, for `memoreez doctor`: whether the service answers and takes the key.
pub mod check {
    use super::{Cloudflare, Ollama, OpenAi};
    use crate::net::{Http, NetError, Request};
    use crate::stage::NoProgress;
    use serde_json::Value;

    pub fn cloudflare(http: &Http, cf: &Cloudflare) -> Result<String, NetError> {
        let service = cf.service();
        let url = format!("{}/accounts/{}/ai/models/search?per_page=1", cf.base_url, cf.account_id);
        http.send(&service, &Request::get(url).bearer(Some(&cf.token)).once(), &NoProgress)?;
        Ok("answers, and takes the token".into())
    }

    pub fn openai(http: &Http, api: &OpenAi) -> Result<String, NetError> {
        let service = api.service();
        let reply = http.send(
            &service,
            &Request::get(format!("{}/models", api.base_url)).bearer(api.key.as_ref()).once(),
            &NoProgress,
        )?;
        let models: Value = reply.json(&service)?;
        let ids: Vec<&str> = models["data"].as_array().into_iter().flatten().filter_map(|m| m["id"].as_str()).collect();
        let has = |m: &str| if ids.contains(&m) { "listed" } else { "not listed" };
        Ok(format!("answers; {} models, chat model {} {}", ids.len(), api.chat_model, has(&api.chat_model)))
    }

    pub fn ollama(http: &Http, api: &Ollama) -> Result<String, NetError> {
        let service = api.service();
        let reply = http.send(&service, &Request::get(format!("{}/api/tags", api.host)).once(), &NoProgress)?;
        let tags: Value = reply.json(&service)?;
        let names: Vec<&str> =
            tags["models"].as_array().into_iter().flatten().filter_map(|m| m["name"].as_str()).collect();
        Ok(if names.contains(&api.model.as_str()) {
            format!("answers; {} is pulled", api.model)
        } else {
            format!("answers, but {} is not pulled: run `ollama pull {}`", api.model, api.model)
        })
    }
}
