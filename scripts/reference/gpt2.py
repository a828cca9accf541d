#!/usr/bin/python3
"""A hand-written PyTorch reference for the GPT-2 family (Models/Gpt2/): a tiny random GPT-2 in HF layout and its logits.

Regenerate the fixture (Debian 12: `apt-get install python3-torch`; plain PyTorch, no transformers):

    /usr/bin/python3 scripts/reference/gpt2.py tests/Pipeline.Tests/Fixtures/gpt2-tiny

It writes, into the given directory:
  config.json        as HF's GPT2Config.to_dict would (model_type gpt2, n_inner null, gelu_new, …)
  model.safetensors  the GPT2LMHeadModel state dict: `transformer.` prefix, Conv1D weights [in, out], and the causal-mask
                     buffers (`attn.bias`, `attn.masked_bias`) that older HF versions stored
  reference.json     a right-padded batch (input_ids, attention_mask) and the tied LM head's logits at its real tokens
  lora.json          LoRA adapters (rank 2, alpha 4, non-zero B) on query/value slices, c_proj, c_fc and the MLP's c_proj,
                     the logits of the reference batch with them and the gradients of mean(logits²) at the real tokens
                     with respect to every adapter weight (keys: this project's module names)
  generation.json    expected token ids of a few prompts under greedy search and beam search (4 beams, length_penalty
                     0.9, no_repeat_ngram_size 2), each prompt alone, following transformers' generate (greedy loop;
                     BeamSearchScorer / BeamHypotheses: top 2·beams candidates, score = sum logprob / generated_len^penalty
                     with the end-of-text token counted and the prompt not, early_stopping False)

The forward pass follows transformers' modeling_gpt2.py (eager attention): pre-LayerNorm blocks, learned positions
0..L-1, attention scaled by 1/sqrt(head_dim) under the causal mask plus the padding mask (finfo.min), NewGELU
(tanh approximation), ln_f, logits = h · wteᵀ. It is computed in float64 from the float32 weights, so the
fixture does not depend on one implementation's float32 rounding.
"""
import json
import math
import sys
from pathlib import Path

import torch

from common import generation_cases, rounded, save_safetensors

CONFIG = dict(vocab_size=64, n_positions=16, n_embd=16, n_layer=2, n_head=4, n_inner=None,
              layer_norm_epsilon=1e-5, bos_token_id=63, eos_token_id=63)
LENGTHS = [8, 5, 1]  # real tokens per row, right-padded to the longest with eos (GPT-2 has no pad token)


def random_weights(c, generator):
    d, inner = c["n_embd"], c["n_inner"] or 4 * c["n_embd"]

    def normal(*shape, std):
        return torch.randn(*shape, generator=generator) * std

    w = {"wte.weight": normal(c["vocab_size"], d, std=0.5), "wpe.weight": normal(c["n_positions"], d, std=0.3)}
    for i in range(c["n_layer"]):
        p = f"h.{i}."
        for ln in ("ln_1", "ln_2"):
            w[p + ln + ".weight"] = 1 + normal(d, std=0.1)
            w[p + ln + ".bias"] = normal(d, std=0.1)
        # Conv1D: weight [in, out]
        for name, n_in, n_out in (("attn.c_attn", d, 3 * d), ("attn.c_proj", d, d), ("mlp.c_fc", d, inner), ("mlp.c_proj", inner, d)):
            w[p + name + ".weight"] = normal(n_in, n_out, std=1 / math.sqrt(n_in))
            w[p + name + ".bias"] = normal(n_out, std=0.1)
    w["ln_f.weight"] = 1 + normal(d, std=0.1)
    w["ln_f.bias"] = normal(d, std=0.1)
    return w


def new_gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(w, c, ids, attention_mask, lora=None, scaling=1.0):
    """The logits [B, L, V]. `lora`: float64 adapters by this project's module names (h.0.attn.c_attn.lora_A.query.weight
    [r, in], ….lora_B.query.weight [out, r]; h.0.mlp.c_fc.lora_A.weight, …), each adding B·A·x·scaling to its output:
    to its slice of the fused c_attn (microsoft/LoRA's MergedLinear), to the whole output elsewhere."""
    w = {k: v.double() for k, v in w.items()}
    lora = lora or {}
    b, length = ids.shape
    d, heads = c["n_embd"], c["n_head"]
    eps = c["layer_norm_epsilon"]
    x = w["wte.weight"][ids] + w["wpe.weight"][torch.arange(length)].unsqueeze(0)  # positions 0..L-1: right padding
    causal = torch.tril(torch.ones(length, length, dtype=torch.bool)).view(1, 1, length, length)
    lowest = torch.finfo(torch.float64).min
    padding = (1.0 - attention_mask.double()).view(b, 1, 1, length) * lowest

    def ln(t, name):
        return torch.nn.functional.layer_norm(t, (d,), w[name + ".weight"], w[name + ".bias"], eps)

    def conv1d(t, name):
        y = t @ w[name + ".weight"] + w[name + ".bias"]
        if name.endswith("c_attn"):
            parts = list(y.split(d, dim=-1))
            for s, slice_name in enumerate(("query", "key", "value")):
                if f"{name}.lora_A.{slice_name}.weight" in lora:
                    parts[s] = parts[s] + adapter(t, f"{name}.lora_A.{slice_name}.weight", f"{name}.lora_B.{slice_name}.weight")
            return torch.cat(parts, -1)
        if name + ".lora_A.weight" in lora:
            y = y + adapter(t, name + ".lora_A.weight", name + ".lora_B.weight")
        return y

    def adapter(t, a, b):
        return t @ lora[a].T @ lora[b].T * scaling

    def split(t):
        return t.view(b, length, heads, d // heads).transpose(1, 2)

    for i in range(c["n_layer"]):
        p = f"h.{i}."
        q, k, v = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn").split(d, dim=2)
        q, k, v = split(q), split(k), split(v)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
        scores = torch.where(causal, scores, torch.tensor(lowest, dtype=torch.float64)) + padding
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, length, d)
        x = x + conv1d(attended, p + "attn.c_proj")
        x = x + conv1d(new_gelu(conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    return ln(x, "ln_f") @ w["wte.weight"].T


def next_log_probs(w, c):
    """log-softmax of the next-token logits after `tokens` (one unpadded prompt + what was generated), float64."""
    def log_probs(tokens):
        ids = torch.tensor([tokens])
        return torch.log_softmax(forward(w, c, ids, torch.ones_like(ids))[0, -1], -1)
    return log_probs


LORA = dict(rank=2, alpha=4.0, targets=["query", "value", "attention_output", "ffn_in", "ffn_out"])


def lora_case(w, c, ids, mask, lengths):
    """LoRA forward and backward: adapters with non-zero B on LORA's targets (drawn from their own generator, so the
    other files do not change), the logits at the real tokens and the gradients of mean(logits² at real tokens) with
    respect to every A and B, in float64."""
    generator = torch.Generator().manual_seed(77)
    d, inner, r = c["n_embd"], c["n_inner"] or 4 * c["n_embd"], LORA["rank"]
    adapters = {}
    for i in range(c["n_layer"]):
        modules = [(f"h.{i}.attn.c_attn", s, d, d) for s in ("query", "value")]
        modules += [(f"h.{i}.attn.c_proj", None, d, d), (f"h.{i}.mlp.c_fc", None, d, inner), (f"h.{i}.mlp.c_proj", None, inner, d)]
        for name, slice_name, n_in, n_out in modules:
            tail = f".{slice_name}.weight" if slice_name else ".weight"
            adapters[f"{name}.lora_A{tail}"] = torch.randn(r, n_in, generator=generator) / math.sqrt(n_in)
            adapters[f"{name}.lora_B{tail}"] = torch.randn(n_out, r, generator=generator) * 0.2
    leaves = {k: v.double().requires_grad_() for k, v in adapters.items()}
    logits = forward(w, c, ids, mask, leaves, scaling=LORA["alpha"] / r)
    real = mask.bool()
    loss = logits[real].pow(2).mean()
    loss.backward()
    return {**LORA, "input_ids": ids.tolist(), "attention_mask": mask.tolist(), "loss": float(loss),
            "adapters": {k: rounded(v.tolist()) for k, v in adapters.items()},
            "logits": [rounded(logits[row, :length].tolist()) for row, length in enumerate(lengths)],
            "gradients": {k: rounded(v.grad.tolist()) for k, v in leaves.items()}}


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    c = CONFIG
    generator = torch.Generator().manual_seed(2024)
    w = random_weights(c, generator)

    n = c["n_positions"]
    state = {"transformer." + k: v for k, v in w.items()}
    for i in range(c["n_layer"]):  # buffers of older checkpoints: set aside on import
        state[f"transformer.h.{i}.attn.bias"] = torch.tril(torch.ones(n, n, dtype=torch.uint8)).view(1, 1, n, n)
        state[f"transformer.h.{i}.attn.masked_bias"] = torch.tensor(-1e4, dtype=torch.float32)
    save_safetensors(out / "model.safetensors", state)

    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], **c, "activation_function": "gelu_new",
              "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1, "scale_attn_weights": True,
              "scale_attn_by_inverse_layer_idx": False, "reorder_and_upcast_attn": False}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    width = max(LENGTHS)
    ids = torch.randint(0, c["vocab_size"] - 1, (len(LENGTHS), width), generator=generator)
    mask = torch.zeros(len(LENGTHS), width, dtype=torch.long)
    for row, length in enumerate(LENGTHS):
        mask[row, :length] = 1
    ids = torch.where(mask.bool(), ids, torch.tensor(c["eos_token_id"]))
    logits = forward(w, c, ids, mask)
    reference = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                 "logits": [[[float(f"{v:.9g}") for v in logits[row, t].tolist()] for t in range(length)] for row, length in enumerate(LENGTHS)]}
    (out / "reference.json").write_text(json.dumps(reference, separators=(",", ":")) + "\n")
    (out / "lora.json").write_text(json.dumps(lora_case(w, c, ids, mask, LENGTHS), separators=(",", ":")) + "\n")
    (out / "generation.json").write_text(json.dumps(generation_cases(next_log_probs(w, c), c["eos_token_id"]), indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
