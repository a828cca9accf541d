#!/usr/bin/python3
"""A hand-written PyTorch reference for the LLaMA family (Models/Llama/): a tiny random LLaMA in HF layout and its logits.

Regenerate the fixture (Debian 12: `apt-get install python3-torch python3-sentencepiece`; plain PyTorch, no
transformers; run llama_tokenizer.py first, it writes the tokenizer.model whose size this model's vocabulary takes):

    /usr/bin/python3 scripts/reference/llama_tokenizer.py tests/Pipeline.Tests/Fixtures/llama-tiny
    /usr/bin/python3 scripts/reference/llama.py tests/Pipeline.Tests/Fixtures/llama-tiny

It writes, into the given directory:
  config.json        as HF's LlamaConfig.to_dict would (model_type llama, grouped-query attention with 4 heads over 2
                     key/value heads, an untied lm_head, silu, rope_theta, rope_scaling null)
  model.safetensors  the LlamaForCausalLM state dict: `model.` prefix, `lm_head.weight`, and the
                     `self_attn.rotary_emb.inv_freq` buffers older HF versions stored
  reference.json     a right-padded batch (input_ids, attention_mask) and the lm_head's logits at its real tokens
  lora.json          LoRA adapters (rank 2, alpha 4, non-zero B) on all seven projections (q, k, v, o, gate, up, down),
                     the logits of the reference batch with them and the gradients of mean(logits²) at the real tokens
                     with respect to every adapter weight (keys: this project's module names)
  generation.json    greedy and beam search (4 beams, length_penalty 0.9, no_repeat_ngram_size 2) of a few prompts,
                     each alone (common.py, after transformers' generate)

The forward pass follows transformers' modeling_llama.py (eager attention): RMSNorm (x · rsqrt(mean(x²) + eps) · w),
rotary embeddings on q and k with HF's rotate_half convention (the two halves of each head, not interleaved pairs),
inv_freq = 1 / theta^(2i/head_dim) at positions 0..L-1, keys and values repeated over the query heads of their group
(repeat_kv: query head h reads kv head h // (heads / kv_heads)), causal softmax(q·kᵀ/√head_dim) plus the padding mask,
SwiGLU down(silu(gate(x)) · up(x)), a final norm and lm_head. Computed in float64 from the float32 weights.
"""
import json
import math
import sys
from pathlib import Path

import torch

from common import generation_cases, rounded, save_safetensors

CONFIG = dict(vocab_size=384, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, head_dim=8, max_position_embeddings=32, rms_norm_eps=1e-6, rope_theta=10000.0,
              bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)
LENGTHS = [9, 6, 1]  # real tokens per row, right-padded to the longest with eos
PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]


def shapes(c):
    """[out, in] of each projection of a layer."""
    d, heads, kv, hd, inner = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["intermediate_size"]
    return {"self_attn.q_proj": (heads * hd, d), "self_attn.k_proj": (kv * hd, d), "self_attn.v_proj": (kv * hd, d),
            "self_attn.o_proj": (d, heads * hd), "mlp.gate_proj": (inner, d), "mlp.up_proj": (inner, d), "mlp.down_proj": (d, inner)}


def random_weights(c, generator):
    d = c["hidden_size"]

    def normal(*shape, std):
        return torch.randn(*shape, generator=generator) * std

    w = {"embed_tokens.weight": normal(c["vocab_size"], d, std=0.5)}
    for i in range(c["num_hidden_layers"]):
        p = f"layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + normal(d, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + normal(d, std=0.1)
        for name, (n_out, n_in) in shapes(c).items():
            w[p + name + ".weight"] = normal(n_out, n_in, std=1 / math.sqrt(n_in))
    w["norm.weight"] = 1 + normal(d, std=0.1)
    w["lm_head.weight"] = normal(c["vocab_size"], d, std=1 / math.sqrt(d))
    return w


def inv_freq(c, dtype=torch.float64):
    hd = c["head_dim"]
    return 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).to(dtype) / hd))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def forward(w, c, ids, attention_mask, lora=None, scaling=1.0):
    """The logits [B, L, V]. `lora`: float64 adapters by this project's module names (layers.0.self_attn.q_proj.lora_A.weight
    [r, in], ….lora_B.weight [out, r]), each adding B·A·x·scaling to its projection's output."""
    w = {k: v.double() for k, v in w.items()}
    lora = lora or {}
    b, length = ids.shape
    heads, kv, hd, eps = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["rms_norm_eps"]
    x = w["embed_tokens.weight"][ids]
    positions = torch.arange(length, dtype=torch.float64)  # right padding: positions 0..L-1
    freqs = positions[:, None] * inv_freq(c)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool)).view(1, 1, length, length)
    lowest = torch.finfo(torch.float64).min
    padding = (1.0 - attention_mask.double()).view(b, 1, 1, length) * lowest

    def rms(t, name):
        return t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + eps) * w[name + ".weight"]

    def linear(t, name):
        y = t @ w[name + ".weight"].T
        if name + ".lora_A.weight" in lora:
            y = y + t @ lora[name + ".lora_A.weight"].T @ lora[name + ".lora_B.weight"].T * scaling
        return y

    def split(t, n):
        return t.view(b, length, n, hd).transpose(1, 2)

    for i in range(c["num_hidden_layers"]):
        p = f"layers.{i}."
        h = rms(x, p + "input_layernorm")
        q = split(linear(h, p + "self_attn.q_proj"), heads)
        k = split(linear(h, p + "self_attn.k_proj"), kv)
        v = split(linear(h, p + "self_attn.v_proj"), kv)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(heads // kv, dim=1), v.repeat_interleave(heads // kv, dim=1)  # repeat_kv
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        scores = torch.where(causal, scores, torch.tensor(lowest, dtype=torch.float64)) + padding
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, length, heads * hd)
        x = x + linear(attended, p + "self_attn.o_proj")
        h = rms(x, p + "post_attention_layernorm")
        gated = torch.nn.functional.silu(linear(h, p + "mlp.gate_proj")) * linear(h, p + "mlp.up_proj")
        x = x + linear(gated, p + "mlp.down_proj")
    return rms(x, "norm") @ w["lm_head.weight"].T


def next_log_probs(w, c):
    def log_probs(tokens):
        ids = torch.tensor([tokens])
        return torch.log_softmax(forward(w, c, ids, torch.ones_like(ids))[0, -1], -1)
    return log_probs


LORA = dict(rank=2, alpha=4.0, targets=["query", "key", "value", "attention_output", "ffn_gate", "ffn_in", "ffn_out"])


def lora_case(w, c, ids, mask, lengths):
    generator = torch.Generator().manual_seed(77)
    r = LORA["rank"]
    adapters = {}
    for i in range(c["num_hidden_layers"]):
        for name, (n_out, n_in) in shapes(c).items():
            adapters[f"layers.{i}.{name}.lora_A.weight"] = torch.randn(r, n_in, generator=generator) / math.sqrt(n_in)
            adapters[f"layers.{i}.{name}.lora_B.weight"] = torch.randn(n_out, r, generator=generator) * 0.2
    leaves = {k: v.double().requires_grad_() for k, v in adapters.items()}
    logits = forward(w, c, ids, mask, leaves, scaling=LORA["alpha"] / r)
    loss = logits[mask.bool()].pow(2).mean()
    loss.backward()
    return {**LORA, "input_ids": ids.tolist(), "attention_mask": mask.tolist(), "loss": float(loss),
            "adapters": {k: rounded(v.tolist()) for k, v in adapters.items()},
            "logits": [rounded(logits[row, :length].tolist()) for row, length in enumerate(lengths)],
            "gradients": {k: rounded(v.grad.tolist()) for k, v in leaves.items()}}


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    c = CONFIG
    generator = torch.Generator().manual_seed(2025)
    w = random_weights(c, generator)

    state = {("" if k.startswith("lm_head.") else "model.") + k: v for k, v in w.items()}
    for i in range(c["num_hidden_layers"]):  # a buffer of older checkpoints: set aside on import
        state[f"model.layers.{i}.self_attn.rotary_emb.inv_freq"] = inv_freq(c, torch.float32)
    save_safetensors(out / "model.safetensors", state)

    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], **c, "hidden_act": "silu",
              "attention_bias": False, "mlp_bias": False, "attention_dropout": 0.0, "rope_scaling": None,
              "initializer_range": 0.02, "pretraining_tp": 1, "use_cache": True, "torch_dtype": "float32"}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    width = max(LENGTHS)
    ids = torch.randint(3, c["vocab_size"], (len(LENGTHS), width), generator=generator)
    ids[:, 0] = c["bos_token_id"]
    mask = torch.zeros(len(LENGTHS), width, dtype=torch.long)
    for row, length in enumerate(LENGTHS):
        mask[row, :length] = 1
    ids = torch.where(mask.bool(), ids, torch.tensor(c["eos_token_id"]))
    logits = forward(w, c, ids, mask)
    reference = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                 "logits": [rounded(logits[row, :length].tolist()) for row, length in enumerate(LENGTHS)]}
    (out / "reference.json").write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    (out / "lora.json").write_text(json.dumps(lora_case(w, c, ids, mask, LENGTHS), separators=(",", ":")) + "\n")
    (out / "generation.json").write_text(json.dumps(generation_cases(next_log_probs(w, c), c["eos_token_id"]), indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
