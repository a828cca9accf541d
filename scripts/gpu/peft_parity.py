"""PEFT and transformers load our exports and reproduce our logits (docs/interop.md).

For each case under FIXTURES (default tests/Pipeline.Tests/Fixtures/peft-export, written by the .NET test
ExportFixtureTests with PIPELINE_WRITE_INTEROP_FIXTURES=1): base/ (the base checkpoint), adapter/ (`pipeline export
--format peft`), merged/ (`--merged`), ours.json (inputs and our fp32 logits). Checks, each within TOLERANCE (1e-4):
  * PeftModel.from_pretrained(AutoModelFor<task>(base), adapter) — SEQ_CLS, CAUSAL_LM, or AutoModel for
    FEATURE_EXTRACTION with the head file applied as docs/interop.md shows;
  * AutoModelFor<task>.from_pretrained(merged) (+ the head file for base-model exports).
Causal-LM logits are compared at real tokens only. Exit code 1 when any check fails.

Needs torch, transformers, peft, safetensors (the GPU host). Run on 2026-11-29 with PEFT 0.21.0, transformers 5.17.0:
all checks hold (figures in docs/interop.md).
"""
import json
import os
import sys

import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSequenceClassification

TOLERANCE = 1e-4
LOADERS = {"SEQ_CLS": AutoModelForSequenceClassification, "CAUSAL_LM": AutoModelForCausalLM, "FEATURE_EXTRACTION": AutoModel}


def apply_head(folder, hidden, mask):
    """Our head for a base-model export (head.json + head.safetensors): pool, then the classifier."""
    with open(os.path.join(folder, "head.json")) as f:
        head = json.load(f)
    weights = load_file(os.path.join(folder, "head.safetensors"))
    if head["head"] == "linear":
        if head["pooling"] == "mean":
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        else:
            pooled = hidden[:, 0]
        return torch.nn.functional.linear(pooled, weights["classifier.weight"], weights["classifier.bias"])
    if head["head"] == "roberta":
        x = torch.tanh(torch.nn.functional.linear(hidden[:, 0], weights["classifier.dense.weight"], weights["classifier.dense.bias"]))
        return torch.nn.functional.linear(x, weights["classifier.out_proj.weight"], weights["classifier.out_proj.bias"])
    raise ValueError(f"head {head['head']} has no recipe here")


def logits_of(model, folder, task_type, inputs):
    with torch.no_grad():
        output = model(**inputs)
    if task_type == "FEATURE_EXTRACTION":
        return apply_head(folder, output.last_hidden_state, inputs["attention_mask"])
    return output.logits


def compare(name, what, ours, theirs, mask, task_type):
    if task_type == "CAUSAL_LM":
        keep = mask.bool()
        ours, theirs = ours[keep], theirs[keep]
    diff = (ours - theirs).abs().max().item()
    ok = diff <= TOLERANCE
    print(f"  {'ok  ' if ok else 'FAIL'} {name} {what}: max |ours - theirs| {diff:.2e}")
    return ok


def main(root):
    passed = True
    for name in sorted(os.listdir(root)):
        case = os.path.join(root, name)
        with open(os.path.join(case, "ours.json")) as f:
            ours = json.load(f)
        task_type = ours["task_type"]
        inputs = {"input_ids": torch.tensor(ours["input_ids"]), "attention_mask": torch.tensor(ours["attention_mask"])}
        if ours.get("token_type_ids") is not None:
            inputs["token_type_ids"] = torch.tensor(ours["token_type_ids"])
        expected = torch.tensor(ours["logits"], dtype=torch.float32).reshape(ours["logits_shape"])
        loader = LOADERS[task_type]
        base_kwargs = {}
        if task_type == "SEQ_CLS":
            with open(os.path.join(case, "merged", "config.json")) as f:
                base_kwargs["num_labels"] = len(json.load(f)["id2label"])

        base = loader.from_pretrained(os.path.join(case, "base"), torch_dtype=torch.float32, **base_kwargs)
        peft_model = PeftModel.from_pretrained(base, os.path.join(case, "adapter")).eval()
        passed &= compare(name, "PeftModel.from_pretrained", expected,
                          logits_of(peft_model, os.path.join(case, "adapter"), task_type, inputs), inputs["attention_mask"], task_type)

        merged = loader.from_pretrained(os.path.join(case, "merged"), torch_dtype=torch.float32).eval()
        passed &= compare(name, f"{loader.__name__}.from_pretrained(merged)", expected,
                          logits_of(merged, os.path.join(case, "merged"), task_type, inputs), inputs["attention_mask"], task_type)
    print("all checks hold" if passed else "some checks failed")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tests/Pipeline.Tests/Fixtures/peft-export"))
