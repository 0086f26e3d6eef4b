#!/usr/bin/env python3
"""Greedy reference continuations of a GGUF chat model by llama.cpp (llama-cpp-python), for the
parity test of our candle port: for each prompt, the token ids llama.cpp gives the rendered chat
text and the first N tokens it decodes greedily (temperature 0, no repeat penalty).

    python3 -m venv /tmp/llref && /tmp/llref/bin/pip install llama-cpp-python
    /tmp/llref/bin/python scripts/llama_reference.py MODEL.gguf tests/fixtures/llama/smollm2-135m-q4_1.json
"""
import json
import sys

import numpy as np

from llama_cpp import Llama

PROMPTS = [
    ("You are a helpful assistant.", "Name three hobbies that make good figurines."),
    ("You design small 3D-printed keepsake figurines.", "Hobbies: beekeeping, jazz saxophone. Write one concept as JSON."),
    ("Reply in full sentences.", "Describe a saxophone, a beehive and a teapot, with 12 facts about each."),
]
N = 40


def chatml(system, user):
    return f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"


def main(model, out):
    # An f32 KV cache as candle keeps it (llama.cpp's default rounds K and V to f16, which flips
    # near-tied tokens: on the first prompt " is" and "'s" are 0.2 apart at the third token).
    llm = Llama(model_path=model, n_ctx=1024, n_threads=2, verbose=False, seed=0, type_k=0, type_v=0, logits_all=True)
    cases = []
    for system, user in PROMPTS:
        text = chatml(system, user)
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        # The same algorithm as ours: the prompt in one batch, then one token at a time, argmax.
        llm.reset()
        llm.eval(ids)
        greedy, top = [], []
        while len(greedy) < N:
            scores = np.array(llm.scores[llm.n_tokens - 1])
            best = np.argsort(-scores)[:5]
            tok = int(best[0])
            if tok == llm.token_eos():
                break
            greedy.append(tok)
            top.append([[int(t), round(float(scores[t]), 4)] for t in best])
            llm.eval([tok])
        cases.append({"system": system, "user": user, "text": text, "prompt_ids": ids, "greedy": greedy, "top5": top,
                      "greedy_text": llm.detokenize(greedy).decode(errors="replace")})
    with open(out, "w") as f:
        json.dump({"model": model.split("/")[-1], "reference": "llama-cpp-python (llama.cpp), greedy, f32 KV cache",
                   "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
