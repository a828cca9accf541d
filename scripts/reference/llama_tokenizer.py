#!/usr/bin/python3
"""A tiny LLaMA-style SentencePiece tokenizer for the tests (Text/DecoderTokenizer.cs, the LLaMA family).

Regenerate (Debian 12: `apt-get install python3-sentencepiece`):

    /usr/bin/python3 scripts/reference/llama_tokenizer.py tests/Pipeline.Tests/Fixtures/llama-tiny

It trains a SentencePiece BPE model with LLaMA's settings (<unk> 0, <s> 1, </s> 2, no pad, byte fallback, a dummy
prefix space, digits split, identity normalisation, whitespace kept) on this repository's own docs/*.md as of commit
TEXT_COMMIT (read with `git show`, so the model does not change when the docs do; no third-party text), and writes
into the given directory:
  tokenizer.model     the SentencePiece model protobuf (what LLaMA checkpoints ship)
  tokenization.json   texts and the ids SentencePiece itself gives them (no <s> added), and the decoded texts
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import sentencepiece as spm

TEXT_COMMIT = "5ccdf57"
DOCS = ["architecture.md", "benchmarks.md", "data.md", "experiments.md", "framework.md", "gpu.md", "models.md", "results.md"]
VOCAB_SIZE = 384  # 3 specials + 256 byte-fallback pieces + 125 learned pieces

CASES = [
    "Hello world",
    "LoRA meets dropout under a unified framework.",
    " leading space and  two  spaces",
    "digits 12345 and 3.14",
    "the model's attention weights",
    "accents: café, naïve; symbols ≈ → ×",
    "emoji 🙂 and CJK 漢字",
    "line one\nline two",
    "DropKey, DropAttention, HiddenCut and HiddenKey",
]


def main(out):
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as tmp:
        # Relative names: the trainer records its input and output paths in the model, which should not vary.
        os.chdir(tmp)
        corpus = Path("docs.txt")
        text = "".join(subprocess.run(["git", "-C", str(root), "show", f"{TEXT_COMMIT}:docs/{name}"], check=True,
                                      capture_output=True, text=True).stdout for name in DOCS)
        corpus.write_text(text)
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix="tokenizer", model_type="bpe", vocab_size=VOCAB_SIZE,
            character_coverage=0.9995, byte_fallback=True, split_digits=True, add_dummy_prefix=True,
            normalization_rule_name="identity", remove_extra_whitespaces=False, allow_whitespace_only_pieces=True,
            unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, max_sentence_length=100000, minloglevel=2)
        model = Path("tokenizer.model").read_bytes()
    (out / "tokenizer.model").write_bytes(model)
    sp = spm.SentencePieceProcessor(model_proto=model)
    cases = [{"text": t, "ids": sp.encode(t), "decoded": sp.decode(sp.encode(t))} for t in CASES]
    reference = {"vocab_size": sp.get_piece_size(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "unk_id": sp.unk_id(), "cases": cases}
    (out / "tokenization.json").write_text(json.dumps(reference, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
