//! Ideation with a local Llama-family model in GGUF, through candle-transformers' quantised llama:
//! the tokenizer from the file (or `tokenizer.json` beside it), its own chat template, temperature /
//! top-p sampling with a seed, tokens streamed to the progress pane. Loaded by the first request and
//! kept for the process.

mod template;
mod tokenizer;

pub use template::ChatTemplate;
pub use tokenizer::ModelTokenizer;

use super::llm::{Chat, ChatError, Message};
use crate::net::Service;
use crate::shapegen::hunyuan3d::backend::{select_device, DeviceChoice};
use crate::stage::{BackendKind, Progress, StageError};
use candle_core::quantized::gguf_file;
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::quantized_llama::ModelWeights;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const MODEL_ENV: &str = "MEMOREEZ_LLAMA_MODEL";

/// `[backends.llama]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlamaSettings {
    /// The GGUF file (Llama 3.2 3B or 3.1 8B Instruct for real use); `MEMOREEZ_LLAMA_MODEL` wins.
    pub model: Option<PathBuf>,
    /// Longest reply, in tokens.
    pub max_tokens: usize,
    /// 0 decodes greedily.
    pub temperature: f64,
    pub top_p: f64,
    /// auto, cpu or cuda.
    pub device: Option<DeviceChoice>,
}

impl Default for LlamaSettings {
    fn default() -> Self {
        LlamaSettings { model: None, max_tokens: 1500, temperature: 0.7, top_p: 0.9, device: None }
    }
}

impl LlamaSettings {
    /// The model file, checked to exist; otherwise what to set.
    pub fn resolve(&self, env: crate::net::services::Env<'_>) -> Result<PathBuf, String> {
        let path = env(MODEL_ENV).map(PathBuf::from).or_else(|| self.model.clone()).ok_or(format!(
            "the llama backend needs a GGUF model: set {MODEL_ENV} or backends.llama.model (for example Llama \
             3.2 3B Instruct Q4_K_M)"
        ))?;
        if !path.is_file() {
            return Err(format!("the llama model {} does not exist", path.display()));
        }
        Ok(path)
    }
}

/// The model in memory.
pub struct Loaded {
    pub weights: ModelWeights,
    pub tokenizer: ModelTokenizer,
    pub template: ChatTemplate,
    pub device: Device,
}

impl Loaded {
    pub fn load(path: &Path, device: &Device) -> Result<Loaded, String> {
        let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let content = gguf_file::Content::read(&mut file)
            .map_err(|e| format!("{} is not a GGUF model file: {e}", path.display()))?;
        let tokenizer = ModelTokenizer::load(path, &content)?;
        let text = |key: &str| content.metadata.get(key).and_then(|v| v.to_string().ok()).cloned();
        let token = |id: Option<u32>| id.and_then(|i| tokenizer.token_text(i)).unwrap_or_default().to_string();
        let template = ChatTemplate::new(text("tokenizer.chat_template"), token(tokenizer.bos), token(tokenizer.eos));
        let weights = ModelWeights::from_gguf(content, &mut file, device)
            .map_err(|e| format!("cannot load the model from {}: {e}", path.display()))?;
        Ok(Loaded { weights, tokenizer, template, device: device.clone() })
    }

    /// Continues `prompt` token by token until a stop token or `max_tokens`; `on_token` hears each
    /// new id and may stop the run by returning false.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        sampling: Sampling,
        seed: u64,
        max_tokens: usize,
        mut on_token: impl FnMut(&ModelTokenizer, &[u32]) -> bool,
    ) -> Result<Vec<u32>, String> {
        let fail = |e: candle_core::Error| format!("the model failed: {e}");
        let mut sampler = LogitsProcessor::from_sampling(seed, sampling);
        let mut out: Vec<u32> = Vec::new();
        let input = Tensor::new(prompt, &self.device).and_then(|t| t.unsqueeze(0)).map_err(fail)?;
        let mut logits = self.weights.forward(&input, 0).map_err(fail)?;
        for _ in 0..max_tokens {
            let next = sampler.sample(&logits.squeeze(0).map_err(fail)?).map_err(fail)?;
            if self.tokenizer.is_stop(next) {
                break;
            }
            out.push(next);
            if !on_token(&self.tokenizer, &out) {
                break;
            }
            let input = Tensor::new(&[next], &self.device).and_then(|t| t.unsqueeze(0)).map_err(fail)?;
            logits = self.weights.forward(&input, prompt.len() + out.len() - 1).map_err(fail)?;
        }
        Ok(out)
    }
}

/// The `llama` ideation backend's chat.
pub struct LlamaChat {
    path: PathBuf,
    settings: LlamaSettings,
    name: String,
    loaded: Mutex<Option<Loaded>>,
}

impl LlamaChat {
    pub fn new(path: PathBuf, settings: LlamaSettings) -> LlamaChat {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        LlamaChat { path, settings, name, loaded: Mutex::new(None) }
    }

    fn sampling(&self) -> Sampling {
        if self.settings.temperature <= 0.0 {
            Sampling::ArgMax
        } else {
            Sampling::TopP { p: self.settings.top_p.clamp(0.01, 1.0), temperature: self.settings.temperature }
        }
    }
}

impl Chat for LlamaChat {
    fn service(&self) -> Service {
        Service::new(format!("the local model {}", self.name))
    }

    fn model(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> BackendKind {
        BackendKind::Local
    }

    fn complete(
        &self,
        messages: &[Message],
        _schema: &Value,
        seed: u64,
        progress: &dyn Progress,
    ) -> Result<Value, ChatError> {
        let stop = |m: String| ChatError::Stop(StageError::Failed(m));
        let mut slot = self.loaded.lock().map_err(|_| stop("an earlier load of the model panicked".into()))?;
        if slot.is_none() {
            progress.note(&format!("loading {}", self.path.display()));
            let (device, _) =
                select_device(self.settings.device.unwrap_or_default(), None).map_err(|e| stop(e.to_string()))?;
            *slot = Some(Loaded::load(&self.path, &device).map_err(|e| ChatError::Stop(StageError::BadInput(e)))?);
        }
        let model = slot.as_mut().ok_or_else(|| stop("the model is not loaded".into()))?;
        let prompt = model.template.render(messages).map_err(stop)?;
        let ids = model.tokenizer.encode(&prompt).map_err(stop)?;
        let max = self.settings.max_tokens.max(1);
        let mut cancelled = false;
        let out = model
            .generate(&ids, self.sampling(), seed, max, |tokenizer, so_far| {
                if progress.is_cancelled() {
                    cancelled = true;
                    return false;
                }
                let tail: String = tokenizer.decode(&so_far[so_far.len().saturating_sub(12)..]).unwrap_or_default();
                progress.step(
                    so_far.len(),
                    max,
                    &format!("{} tokens: …{}", so_far.len(), crate::net::clean(&tail, 40)),
                );
                true
            })
            .map_err(stop)?;
        if cancelled {
            return Err(ChatError::Stop(StageError::Cancelled));
        }
        Ok(Value::String(model.tokenizer.decode(&out).map_err(stop)?))
    }
}
