"""What the reference scripts (gpt2.py, llama.py) share: greedy and beam search as transformers' generate runs them, over
any model, a safetensors writer and float rounding for the JSON fixtures. `next_log_probs(tokens)` gives the float64
log-softmax of the next-token logits after `tokens` (one unpadded prompt + what was generated).

Greedy: the argmax each step, stopping at the end-of-text token. Beam search: BeamSearchScorer / BeamHypotheses — the
top 2·beams candidates, score = sum logprob / generated_len^penalty with the end-of-text token counted and the prompt
not, early_stopping False; NoRepeatNGramLogitsProcessor for no_repeat_ngram_size.
"""
import json
import struct

import torch

PROMPTS = [[5, 17, 30], [1, 2, 3, 4, 5, 6], [42], [9, 9]]
MAX_NEW_TOKENS = 8


def banned_ngram_tokens(tokens, n):
    """transformers' NoRepeatNGramLogitsProcessor: tokens that would repeat an n-gram of `tokens`."""
    if n <= 0 or len(tokens) + 1 < n:
        return []
    prefix = tuple(tokens[len(tokens) - n + 1:])
    return [tokens[i + n - 1] for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n - 1]) == prefix]


def greedy(next_log_probs, prompt, max_new_tokens, eos):
    tokens = list(prompt)
    for _ in range(max_new_tokens):
        token = int(next_log_probs(tokens).argmax())
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


def beam_search(next_log_probs, prompt, max_new_tokens, eos, num_beams, length_penalty, no_repeat_ngram_size):
    beams = [list(prompt) for _ in range(num_beams)]
    scores = torch.tensor([0.0] + [-1e9] * (num_beams - 1), dtype=torch.float64)
    hyps, done = BeamHypotheses(num_beams, length_penalty), False
    for step in range(max_new_tokens):
        rows = []
        for tokens in beams:
            lp = next_log_probs(tokens).clone()
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


def generation_cases(next_log_probs, eos):
    """greedy and beam search (4 beams, length penalty 0.9, no-repeat 2) on PROMPTS, each prompt alone; once more with
    the token greedy search emits most often named the end of text (a random model rarely says its own within 8 tokens),
    so that finished hypotheses and their length penalty decide the result."""
    cases = [{"strategy": "greedy", "eos_token_id": eos, "expected": [greedy(next_log_probs, p, MAX_NEW_TOKENS, eos) for p in PROMPTS]}]
    beam = dict(num_beams=4, length_penalty=0.9, no_repeat_ngram_size=2)
    cases.append({"strategy": "beam", "eos_token_id": eos, **beam,
                  "expected": [beam_search(next_log_probs, p, MAX_NEW_TOKENS, eos, **beam) for p in PROMPTS]})
    emitted = [t for row in cases[0]["expected"] for t in row]
    frequent = max(sorted(set(emitted)), key=emitted.count)
    cases.append({"strategy": "beam", "eos_token_id": frequent, **beam,
                  "expected": [beam_search(next_log_probs, p, MAX_NEW_TOKENS, frequent, **beam) for p in PROMPTS]})
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


def rounded(values):
    """Nested lists of floats with 9 significant digits (exact for float32)."""
    if isinstance(values, list):
        return [rounded(v) for v in values]
    return float(f"{values:.9g}")
