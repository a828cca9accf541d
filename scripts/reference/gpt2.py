#!/usr/bin/python3
"""A hand-written PyTorch reference for the GPT-2 family (Models/Gpt2/): a tiny random GPT-2 in HF layout and its logits.

Regenerate the fixture (Debian 12: `apt-get install python3-torch`; plain PyTorch, no transformers):

    /usr/bin/python3 scripts/reference/gpt2.py tests/Pipeline.Tests/Fixtures/gpt2-tiny

It writes, into the given directory:
  config.json        as HF's GPT2Config.to_dict would (model_type gpt2, n_inner null, gelu_new, …)
  model.safetensors  the GPT2LMHeadModel state dict: `transformer.` prefix, Conv1D weights [in, out], and the causal-mask
                     buffers (`attn.bias`, `attn.masked_bias`) that older HF versions stored
  reference.json     a right-padded batch (input_ids, attention_mask) and the tied LM head's logits at its real tokens
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
import struct
import sys
from pathlib import Path

import torch

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


def forward(w, c, ids, attention_mask):
    w = {k: v.double() for k, v in w.items()}
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
        return t @ w[name + ".weight"] + w[name + ".bias"]

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


def next_log_probs(w, c, tokens):
    """log-softmax of the next-token logits after `tokens` (one unpadded prompt + what was generated), float64."""
    ids = torch.tensor([tokens])
    return torch.log_softmax(forward(w, c, ids, torch.ones_like(ids))[0, -1], -1)


def banned_ngram_tokens(tokens, n):
    """transformers' NoRepeatNGramLogitsProcessor: tokens that would repeat an n-gram of `tokens`."""
    if n <= 0 or len(tokens) + 1 < n:
        return []
    prefix = tuple(tokens[len(tokens) - n + 1:])
    return [tokens[i + n - 1] for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n - 1]) == prefix]


def greedy(w, c, prompt, max_new_tokens, eos):
    tokens = list(prompt)
    for _ in range(max_new_tokens):
        token = int(next_log_probs(w, c, tokens).argmax())
        if token == eos:
            break
        tokens.append(token)
    return tokens[len(prompt):]


class BeamHypotheses:
    def __init__(self, num_beams, length_penalty):
        self.num_beams, self.length_penalty, self.beams, self.worst_score = num_beams, length_penalty, [], 1e9

    def add(self, hyp, sum_logprobs, generated_len):
        score = sum_logprobs / (generated_len ** self.length_penalty)
        if len(self.beams) < self.num_beams or score > self.worst_score:
            self.beams.append((score, hyp))
            if len(self.beams) > self.num_beams:
                ranked = sorted([(s, i) for i, (s, _) in enumerate(self.beams)])
                del self.beams[ranked[0][1]]
                self.worst_score = ranked[1][0]
            else:
                self.worst_score = min(score, self.worst_score)

    def is_done(self, best_sum_logprobs, generated_len):  # early_stopping=False
        if len(self.beams) < self.num_beams:
            return False
        return self.worst_score >= best_sum_logprobs / generated_len ** self.length_penalty


def beam_search(w, c, prompt, max_new_tokens, eos, num_beams, length_penalty, no_repeat_ngram_size):
    beams = [list(prompt) for _ in range(num_beams)]
    scores = torch.tensor([0.0] + [-1e9] * (num_beams - 1), dtype=torch.float64)
    hyps, done = BeamHypotheses(num_beams, length_penalty), False
    for step in range(max_new_tokens):
        rows = []
        for tokens in beams:
            lp = next_log_probs(w, c, tokens).clone()
            lp[banned_ngram_tokens(tokens, no_repeat_ngram_size)] = -float("inf")
            rows.append(lp)
        vocab = rows[0].shape[0]
        candidates = (torch.stack(rows) + scores[:, None]).view(-1)
        top, index = torch.topk(candidates, 2 * num_beams)
        generated_len = step + 1
        next_beams, next_scores = [], []
        for rank, (score, flat) in enumerate(zip(top.tolist(), index.tolist())):
            beam, token = flat // vocab, flat % vocab
            if token == eos:
                if rank < num_beams:
                    hyps.add(beams[beam][len(prompt):], score, generated_len)
                continue
            next_beams.append(beams[beam] + [token])
            next_scores.append(score)
            if len(next_beams) == num_beams:
                break
        done = hyps.is_done(max(top.tolist()), generated_len)
        beams, scores = next_beams, torch.tensor(next_scores, dtype=torch.float64)
        if done:
            break
    if not done:
        for tokens, score in zip(beams, scores.tolist()):
            hyps.add(tokens[len(prompt):], score, len(tokens) - len(prompt))
    return sorted(hyps.beams, key=lambda b: b[0])[-1][1]


PROMPTS = [[5, 17, 30], [1, 2, 3, 4, 5, 6], [42], [9, 9]]
MAX_NEW_TOKENS = 8


def generation_cases(w, c):
    eos = c["eos_token_id"]
    cases = [{"strategy": "greedy", "eos_token_id": eos, "expected": [greedy(w, c, p, MAX_NEW_TOKENS, eos) for p in PROMPTS]}]
    beam = dict(num_beams=4, length_penalty=0.9, no_repeat_ngram_size=2)
    cases.append({"strategy": "beam", "eos_token_id": eos, **beam,
                  "expected": [beam_search(w, c, p, MAX_NEW_TOKENS, eos, **beam) for p in PROMPTS]})
    # The random model never says its own end-of-text within 8 tokens; name the token greedy search emits most often
    # the end of text, so that finished hypotheses (and their length penalty) decide the result.
    emitted = [t for row in cases[0]["expected"] for t in row]
    frequent = max(sorted(set(emitted)), key=emitted.count)
    cases.append({"strategy": "beam", "eos_token_id": frequent, **beam,
                  "expected": [beam_search(w, c, p, MAX_NEW_TOKENS, frequent, **beam) for p in PROMPTS]})
    return {"prompts": PROMPTS, "max_new_tokens": MAX_NEW_TOKENS, "cases": cases}


def save_safetensors(path, tensors):
    """An 8-byte little-endian header length, the JSON header, then the raw little-endian bytes."""
    dtypes = {torch.float32: "F32", torch.uint8: "U8"}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


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
    (out / "generation.json").write_text(json.dumps(generation_cases(w, c), indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
