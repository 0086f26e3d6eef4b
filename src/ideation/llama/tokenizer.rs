//! The tokenizer of a GGUF model: `tokenizer.json` beside the file when there is one, otherwise
//! built from the file's own metadata (`tokenizer.ggml.*`): a byte-level BPE from its tokens and
//! merges, the pre-tokenizer its `pre` name stands for (as llama.cpp reads it), and its control
//! tokens as special tokens so that chat markers such as `<|im_start|>` stay one token each.

use candle_core::quantized::gguf_file::{Content, Value};
use std::path::Path;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

/// GGUF token types (llama.cpp's `llama_token_type`).
const CONTROL: i32 = 3;
const USER_DEFINED: i32 = 4;

/// Llama 3's split pattern (llama.cpp's `llama-bpe`).
const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The model's vocabulary, and which ids end a reply.
pub struct ModelTokenizer {
    pub tokenizer: Tokenizer,
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    /// Control tokens that end a turn (`<|im_end|>`, `<|eot_id|>`, ...), besides `eos`.
    pub stops: Vec<u32>,
    pub tokens: Vec<String>,
}

fn meta<'a>(c: &'a Content, key: &str) -> Option<&'a Value> {
    c.metadata.get(key)
}

fn strings(c: &Content, key: &str) -> Result<Vec<String>, String> {
    let list = meta(c, key).ok_or(format!("the file has no {key}"))?.to_vec().map_err(|e| e.to_string())?;
    list.iter().map(|v| v.to_string().cloned().map_err(|e| format!("{key}: {e}"))).collect()
}

fn id(c: &Content, key: &str) -> Option<u32> {
    meta(c, key).and_then(|v| v.to_u32().ok())
}

impl ModelTokenizer {
    /// `tokenizer.json` beside `model` wins; otherwise the GGUF metadata.
    pub fn load(model: &Path, content: &Content) -> Result<ModelTokenizer, String> {
        let tokens = strings(content, "tokenizer.ggml.tokens")?;
        let types: Vec<i32> = match meta(content, "tokenizer.ggml.token_type").map(|v| v.to_vec()) {
            Some(Ok(list)) => list.iter().map(|v| v.to_i32().unwrap_or(1)).collect(),
            _ => vec![1; tokens.len()],
        };
        let beside = model.with_file_name("tokenizer.json");
        let tokenizer = if beside.is_file() {
            Tokenizer::from_file(&beside).map_err(|e| format!("cannot read {}: {e}", beside.display()))?
        } else {
            from_metadata(content, &tokens, &types)?
        };
        let stop_words = ["<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "</s>", "<end_of_turn>"];
        let stops = tokens
            .iter()
            .enumerate()
            .filter(|(i, t)| types.get(*i) == Some(&CONTROL) && stop_words.contains(&t.as_str()))
            .map(|(i, _)| i as u32)
            .collect();
        Ok(ModelTokenizer {
            tokenizer,
            bos: id(content, "tokenizer.ggml.bos_token_id"),
            eos: id(content, "tokenizer.ggml.eos_token_id"),
            stops,
            tokens,
        })
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>, String> {
        // Special tokens in the rendered chat template are markers, not text.
        let enc = self.tokenizer.encode(text, false).map_err(|e| format!("cannot tokenize the prompt: {e}"))?;
        Ok(enc.get_ids().to_vec())
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        self.tokenizer.decode(ids, true).map_err(|e| format!("cannot decode the reply: {e}"))
    }

    pub fn is_stop(&self, id: u32) -> bool {
        Some(id) == self.eos || self.stops.contains(&id)
    }

    pub fn token_text(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }
}

fn from_metadata(c: &Content, tokens: &[String], types: &[i32]) -> Result<Tokenizer, String> {
    let model = meta(c, "tokenizer.ggml.model").and_then(|v| v.to_string().ok()).map(String::as_str).unwrap_or("");
    if model != "gpt2" {
        return Err(format!(
            "its tokenizer is of type '{model}', which memoreez builds only for byte-level BPE ('gpt2') models; put \
             the model's tokenizer.json beside the .gguf file"
        ));
    }
    let merges: Vec<(String, String)> = strings(c, "tokenizer.ggml.merges")?
        .into_iter()
        .map(|m| {
            m.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or(format!("a merge without a space: {m:?}"))
        })
        .collect::<Result<_, _>>()?;
    let vocab: tokenizers::models::bpe::Vocab = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
    let bpe =
        BPE::builder().vocab_and_merges(vocab, merges).build().map_err(|e| format!("cannot build its BPE: {e}"))?;
    let mut tk = Tokenizer::new(bpe);
    let pre = meta(c, "tokenizer.ggml.pre").and_then(|v| v.to_string().ok()).map(String::as_str).unwrap_or("default");
    tk.with_pre_tokenizer(Some(pre_tokenizer(pre)?));
    tk.with_decoder(Some(ByteLevel::default()));
    let special: Vec<AddedToken> = tokens
        .iter()
        .zip(types)
        .filter(|(_, t)| **t == CONTROL || **t == USER_DEFINED)
        .map(|(s, t)| AddedToken::from(s.clone(), *t == CONTROL))
        .collect();
    tk.add_special_tokens(&special);
    Ok(tk)
}

/// The pre-tokenizer llama.cpp uses for each `tokenizer.ggml.pre` name.
fn pre_tokenizer(pre: &str) -> Result<PreTokenizerWrapper, String> {
    let byte_level = ByteLevel::new(false, true, true);
    Ok(match pre {
        "default" | "gpt-2" | "gpt2" | "olmo" | "mpt" => byte_level.into(),
        // Digits one by one, then GPT-2's split.
        "smollm" | "starcoder" | "refact" | "command-r" | "codeshell" | "exaone" | "minerva" => {
            Sequence::new(vec![Digits::new(true).into(), byte_level.into()]).into()
        }
        "llama-bpe" | "llama3" | "llama-v3" => {
            let split = Split::new(SplitPattern::Regex(LLAMA3_SPLIT.into()), SplitDelimiterBehavior::Isolated, false)
                .map_err(|e| format!("cannot build the Llama 3 split: {e}"))?;
            Sequence::new(vec![split.into(), ByteLevel::new(false, true, false).into()]).into()
        }
        other => {
            return Err(format!(
                "its pre-tokenizer '{other}' is not one memoreez can build from the file; put the model's \
                 tokenizer.json beside the .gguf file"
            ))
        }
    })
}
