#!/usr/bin/env python3
"""Reference outputs of transformers' own decoders, for `pipeline models parity` (issue 13's transformers parity).

For GPT-2 (GPT2LMHeadModel) and LLaMA (LlamaForCausalLM, grouped-query attention, untied head) it builds a tiny
random model, saves it with `save_pretrained` (config.json + model.safetensors, fp32) into OUT/gpt2 and OUT/llama,
and writes beside each, in the format of scripts/reference/*.py:

  reference.json   a right-padded batch (input_ids, attention_mask) and the next-token logits at its real tokens
  generation.json  prompts (ids), max_new_tokens, and the ids `generate` produces for each prompt alone: greedy, and beam
                   search with 4 beams, length_penalty 0.9, no_repeat_ngram_size 4 (early_stopping False); the
                   end-of-text token and what follows it left out, as Pipeline's completions leave it

Then `pipeline models parity OUT/gpt2 --tolerance 1e-4` (and OUT/llama) loads the checkpoint with Pipeline's import
and checks logits and ids. Needs PyTorch and transformers (the GPU host has both; no network is used).

Usage: decoder_parity.py OUT [--device cpu|cuda]
"""
import json
import os
import sys

import torch

PROMPTS = [[5, 17, 30], [1, 2, 3, 4, 5, 6], [42], [9, 9, 11, 12]]
LENGTHS = [8, 5, 1]
MAX_NEW = 8


def tiny(kind):
    import transformers
    if kind == "gpt2":
        config = transformers.GPT2Config(vocab_size=64, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                                         bos_token_id=63, eos_token_id=63, pad_token_id=63,
                                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
        return transformers.GPT2LMHeadModel(config)
    config = transformers.LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32,
                                      rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False,
                                      bos_token_id=1, eos_token_id=2, pad_token_id=0)
    return transformers.LlamaForCausalLM(config)


def write(kind, out, device):
    torch.manual_seed(0)
    model = tiny(kind).eval()
    with torch.no_grad():  # larger weights than the init's 0.02, so that logits and beams differ clearly
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    folder = os.path.join(out, kind)
    model.save_pretrained(folder)  # safetensors, the default since transformers 4.35
    model.to(device)
    config = model.config
    pad, eos = config.pad_token_id, config.eos_token_id

    generator = torch.Generator().manual_seed(1)
    width = max(LENGTHS)
    ids = torch.randint(3, config.vocab_size - 1, (len(LENGTHS), width), generator=generator)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(LENGTHS):
        mask[row, :n] = 1
    ids = ids.masked_fill(mask == 0, pad)
    with torch.no_grad():
        logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float().cpu()
    reference = dict(input_ids=ids.tolist(), attention_mask=mask.tolist(),
                     logits=[logits[row, :n].tolist() for row, n in enumerate(LENGTHS)])
    with open(os.path.join(folder, "reference.json"), "w") as f:
        json.dump(reference, f)

    def run(**kwargs):
        expected = []
        for prompt in PROMPTS:
            x = torch.tensor([prompt], device=device)
            with torch.no_grad():
                y = model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=MAX_NEW, do_sample=False,
                                   eos_token_id=eos, pad_token_id=pad, **kwargs)
            new = y[0, len(prompt):].tolist()
            expected.append(new[:new.index(eos)] if eos in new else new)
        return expected

    beam = dict(num_beams=4, length_penalty=0.9, no_repeat_ngram_size=4, early_stopping=False)
    generation = dict(prompts=PROMPTS, max_new_tokens=MAX_NEW, pad_token_id=pad, cases=[
        dict(strategy="greedy", eos_token_id=eos, expected=run()),
        dict(strategy="beam", eos_token_id=eos, expected=run(**beam), **{k: v for k, v in beam.items() if k != "early_stopping"}),
    ])
    with open(os.path.join(folder, "generation.json"), "w") as f:
        json.dump(generation, f)
    print(f"wrote {folder}: config.json, model.safetensors, reference.json, generation.json")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    device = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--device" else ("cuda" if torch.cuda.is_available() else "cpu")
    import transformers
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {device}")
    for kind in ("gpt2", "llama"):
        write(kind, out, device)


if __name__ == "__main__":
    main()
