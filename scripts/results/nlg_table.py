#!/usr/bin/env python3
"""Prints docs/results-nlg.md's method table from the run summaries committed under docs/results/.

Each `docs/results/nlg-<method>-seed<N>.json` is a run's metrics.json (`pipeline run nlg-<method> --seed N`, copied
from runs/nlg-<method>/default/seed-N/). One row per run and, per method, a bold row with the mean over its seeds
(the paper reports NLG as the mean of 3 runs). Standard library only.

Usage: scripts/results/nlg_table.py [docs/results]
"""
import glob
import json
import os
import re
import sys

METHODS = [  # (experiment, label) in the table's order
    ("nlg-baseline", "LoRA baseline"),
    ("nlg-dropkey-column", "DropKey, column"),
    ("nlg-dropattention-element", "DropAttention, element"),
    ("nlg-hiddencut-element", "HiddenCut, element"),
    ("nlg-hiddenkey-minus", "HiddenKey⁻"),
    ("nlg-hiddenkey", "HiddenKey"),
]
TEST = ["bleu", "nist", "rouge-l", "cider", "ter", "perplexity"]
DIGITS = {"bleu": 4, "nist": 3, "rouge-l": 3, "cider": 3, "ter": 3, "perplexity": 2}


def runs(folder: str, experiment: str) -> list[tuple[int, dict]]:
    found = []
    for path in glob.glob(os.path.join(folder, f"{experiment}-seed*.json")):
        match = re.fullmatch(rf"{re.escape(experiment)}-seed(\d+)\.json", os.path.basename(path))
        if match:
            with open(path, encoding="utf-8") as f:
                found.append((int(match.group(1)), json.load(f)))
    # HiddenKey's seed 1 ran under the quick start's name while its settings were chosen (same settings).
    if experiment == "nlg-hiddenkey" and not any(seed == 1 for seed, _ in found):
        path = os.path.join(folder, "nlg-quickstart-10-epochs-seed1.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                found.append((1, json.load(f)))
    return sorted(found, key=lambda x: x[0])


def cells(best_bleu: float, epoch, test: dict) -> str:
    epoch_text = f" ({epoch})" if epoch is not None else ""
    return f"{best_bleu:.4f}{epoch_text} | " + " | ".join(f"{test[m]:.{DIGITS[m]}f}" for m in TEST)


def main() -> None:
    folder = sys.argv[1] if len(sys.argv) > 1 else "docs/results"
    print("| method | seed | best dev BLEU (epoch) | test BLEU | NIST | ROUGE-L | CIDEr | TER ↓ | test perplexity |")
    print("|---|---|---|---|---|---|---|---|---|")
    for experiment, label in METHODS:
        measured = runs(folder, experiment)
        for seed, run in measured:
            print(f"| {label} | {seed} | " + cells(run["best"]["metrics"]["bleu"], run["best"]["epoch"], run["test"]) + " |")
        if len(measured) > 1:
            n = len(measured)
            best = sum(r["best"]["metrics"]["bleu"] for _, r in measured) / n
            test = {m: sum(r["test"][m] for _, r in measured) / n for m in TEST}
            seeds = ",".join(str(s) for s, _ in measured)
            print(f"| **{label}, mean** | {seeds} | " + cells(best, None, test) + " |")


if __name__ == "__main__":
    main()
