"""Adapters PEFT itself saves, for tests/Pipeline.Tests/Interop/PeftFixtureTests.cs.

Needs transformers + PEFT (the GPU host; Debian 12 has neither). Writes, for a tiny random BERT and RoBERTa sequence
classifier with LoRA on query/value (r 4, alpha 8, rank_pattern for value, rsLoRA on RoBERTa), into OUT/peft-bert and
OUT/peft-roberta:
  base/            the base model's save_pretrained (config.json + model.safetensors; its random classifier is set aside)
  adapter/         PeftModel.save_pretrained: adapter_config.json + adapter_model.safetensors (classifier as modules_to_save)
  reference.json   fixed inputs (right-padded) and the logits PEFT computes on them (fp32, eval mode), num_labels

    python3 scripts/reference/peft_fixture.py tests/Pipeline.Tests/Fixtures

Run on 2026-11-29 with PEFT 0.21.0, transformers 5.17.0, PyTorch 2.11.0 (the committed fixtures); adapter/README.md,
PEFT's model-card template, is not committed.
"""
import json
import os
import sys

import torch
from peft import LoraConfig, TaskType, get_peft_model
from transformers import BertConfig, BertForSequenceClassification, RobertaConfig, RobertaForSequenceClassification


def fixture(out, name, model, pad_id, lora_config, type_ids):
    directory = os.path.join(out, name)
    os.makedirs(directory, exist_ok=True)
    model.eval()
    model.save_pretrained(os.path.join(directory, "base"), safe_serialization=True)
    peft_model = get_peft_model(model, lora_config)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        # Trained-looking adapters and head: PEFT initialises B to zero, which would test nothing.
        for key, parameter in peft_model.named_parameters():
            if parameter.requires_grad:
                parameter.add_(torch.randn(parameter.shape, generator=generator) * 0.3)
    peft_model.save_pretrained(os.path.join(directory, "adapter"), safe_serialization=True)

    ids = torch.tensor([[2, 5, 9, 13, 3, 4], [2, 7, 3, pad_id, pad_id, pad_id]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]])
    inputs = {"input_ids": ids, "attention_mask": mask}
    if type_ids:
        inputs["token_type_ids"] = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0]])
    peft_model.eval()
    with torch.no_grad():
        logits = peft_model(**inputs).logits
    reference = {key: value.tolist() for key, value in inputs.items()}
    reference["logits"] = logits.tolist()
    reference["num_labels"] = model.config.num_labels
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
    print(f"{directory}: logits {logits.tolist()}")


def main(out):
    torch.manual_seed(0)
    shape = dict(vocab_size=100, hidden_size=16, num_hidden_layers=2, num_attention_heads=4, intermediate_size=32,
                 hidden_act="gelu", hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    bert = BertForSequenceClassification(BertConfig(max_position_embeddings=24, type_vocab_size=2, num_labels=3, **shape))
    fixture(out, "peft-bert", bert, 0, LoraConfig(
        task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, target_modules=["query", "value"], lora_dropout=0.0,
        rank_pattern={"value": 2}), type_ids=True)

    torch.manual_seed(1)
    roberta = RobertaForSequenceClassification(RobertaConfig(
        max_position_embeddings=26, type_vocab_size=1, pad_token_id=1, layer_norm_eps=1e-5, num_labels=2, **shape))
    fixture(out, "peft-roberta", roberta, 1, LoraConfig(
        task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, target_modules=["query", "value"], lora_dropout=0.0,
        use_rslora=True, alpha_pattern={"value": 4}), type_ids=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/Pipeline.Tests/Fixtures")
