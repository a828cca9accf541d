#!/usr/bin/env python3
"""Compares two kernel profiles of a training step, ours and PyTorch's (scripts/gpu/profile.sh).

Reads either kind of CSV, told apart by its header: Nsight Systems' kernel summary (`nsys stats -r cuda_gpu_kern_sum
-f csv`: one row per kernel name with its total time) or Nsight Compute's raw page (`ncu --import R --csv --page raw
--metrics gpu__time_duration.sum --print-units base`: one row per launch). Groups kernels by what they do (from their
names), prints device milliseconds per step per group on both sides, and the kernels whose per-step time differs most:
where our step spends device time PyTorch's does not. `--steps` is the number of steps the profiles hold (the timed
steps when both sides ran with --profiler-range). Standard library only.

Usage: kernel_diff.py OURS.csv THEIRS.csv --steps N [--top 10]
"""
import argparse
import csv
import re

GROUPS = [  # first match wins
    ("attention", r"flash|fmha|attention|sdpa|efficient_attention"),
    ("gemm", r"gemm|cutlass|sm\d+_xmma|cublas|ampere_|hopper_|nvjet|matmul"),
    ("dropout/rng", r"bernoulli|dropout|philox|random|fused_dropout|uniform"),
    ("normalisation", r"layer_norm|layernorm|rms_norm|batch_norm"),
    ("softmax/reduction", r"softmax|reduce|sum_kernel|norm_kernel|log_softmax|nll_loss|cross_entropy|kl_div"),
    ("optimizer", r"adam|multi_tensor|foreach|sgd"),
    ("copy/cast", r"copy|cast|cat_|transpose|permute|index|gather|scatter|memcpy|memset|fill"),
    ("elementwise", r"elementwise|vectorized|unrolled|pointwise|gelu|mul_|add_|where|mask"),
]


def group(name: str) -> str:
    lower = name.lower()
    for label, pattern in GROUPS:
        if re.search(pattern, lower):
            return label
    return "other"


def rows(path: str):
    """(kernel name, ns, launches) per CSV row, from an nsys kernel summary or an ncu raw page."""
    with open(path, newline="", encoding="utf-8") as f:
        # ncu puts its own "==PROF==" lines around the table: the CSV lines are the quoted ones.
        table = csv.DictReader(line for line in f if line.startswith('"'))
        fields = table.fieldnames or []
        if "Total Time (ns)" in fields:
            for row in table:
                yield row["Name"], float(row["Total Time (ns)"]), int(row["Instances"])
        elif "Kernel Name" in fields and "gpu__time_duration.sum" in fields:
            for row in table:
                if row["ID"].isdigit():  # the row after the header holds the units
                    yield row["Kernel Name"], float(row["gpu__time_duration.sum"].replace(",", "")), 1
        else:
            raise SystemExit(f"{path}: neither an nsys kernel summary (Total Time (ns), Instances, Name) nor an ncu "
                             "raw page (ID, Kernel Name, gpu__time_duration.sum)")


def read(path: str) -> dict[str, tuple[float, int]]:
    """Kernel name → (total ns, instances)."""
    kernels: dict[str, tuple[float, int]] = {}
    for name, ns, count in rows(path):
        before = kernels.get(name, (0.0, 0))
        kernels[name] = (before[0] + ns, before[1] + count)
    return kernels


def by_group(kernels: dict[str, tuple[float, int]]) -> dict[str, tuple[float, int]]:
    """Group label → (total ns, instances) over its kernels."""
    groups: dict[str, tuple[float, int]] = {}
    for name, (ns, count) in kernels.items():
        before = groups.get(group(name), (0.0, 0))
        groups[group(name)] = (before[0] + ns, before[1] + count)
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ours")
    parser.add_argument("theirs")
    parser.add_argument("--steps", type=int, required=True, help="steps each profile holds")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    ours, theirs = read(args.ours), read(args.theirs)
    per_step = lambda ns: ns / 1e6 / args.steps

    ours_groups, theirs_groups = by_group(ours), by_group(theirs)
    print("| group | ours ms/step | theirs ms/step | difference | ours launches/step | theirs launches/step |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [(label, ours_groups.get(label, (0.0, 0)), theirs_groups.get(label, (0.0, 0)))
            for label in [g for g, _ in GROUPS] + ["other"] if label in ours_groups or label in theirs_groups]
    total = lambda groups: (sum(ns for ns, _ in groups.values()), sum(n for _, n in groups.values()))
    rows.append(("**all kernels**", total(ours_groups), total(theirs_groups)))
    for label, (o_ns, o_n), (t_ns, t_n) in rows:
        print(f"| {label} | {per_step(o_ns):.2f} | {per_step(t_ns):.2f} | {per_step(o_ns - t_ns):+.2f} | "
              f"{o_n / args.steps:.0f} | {t_n / args.steps:.0f} |")

    print(f"\nThe {args.top} kernels whose device time per step differs most (positive: ours spends more):\n")
    print("| kernel | group | ours ms/step | theirs ms/step | difference |")
    print("|---|---|---:|---:|---:|")
    names = set(ours) | set(theirs)
    diffs = sorted(names, key=lambda n: -abs(ours.get(n, (0, 0))[0] - theirs.get(n, (0, 0))[0]))
    for name in diffs[:args.top]:
        o, t = ours.get(name, (0.0, 0))[0], theirs.get(name, (0.0, 0))[0]
        short = name if len(name) <= 90 else name[:87] + "..."
        print(f"| `{short}` | {group(name)} | {per_step(o):.2f} | {per_step(t):.2f} | {per_step(o - t):+.2f} |")


if __name__ == "__main__":
    main()
