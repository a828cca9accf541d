#!/usr/bin/env python3
"""Prints a markdown comparison of two bench reports (ours.json from `pipeline bench`, theirs.json from
pytorch_reference.py): per plan tokens/s and their ratio, MFU, peak memory and its growth over the timed steps,
and the cost of HiddenKey's KL pass (HiddenKey's step time over the baseline's, on each side); with --phases
on both sides, forward, backward and optimizer times.
Usage: compare.py OURS.json THEIRS.json"""
import json
import sys


def load(path):
    with open(path) as f:
        report = json.load(f)
    return report, {r["plan"]: r for r in report["results"]}


def mfu(r):
    return "n/a" if r.get("mfu") is None else f"{r['mfu']:.1%}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ours_report, ours = load(sys.argv[1])
    theirs_report, theirs = load(sys.argv[2])
    shape = ("model", "batch", "length", "precision")
    if any(ours_report[k] != theirs_report[k] for k in shape):
        sys.exit("error: the reports measured different things: "
                 + ", ".join(f"{k} {ours_report[k]} vs {theirs_report[k]}" for k in shape))

    print(f"{ours_report['model']}, batch {ours_report['batch']} x {ours_report['length']}, {ours_report['precision']}, "
          f"{ours_report['steps']} timed steps; {ours_report['device']}; ours {ours_report['date'][:10]}, "
          f"theirs {theirs_report.get('framework', 'PyTorch')}")
    print()
    print("| plan | theirs | ours tokens/s | theirs tokens/s | ours ÷ theirs | MFU ours | MFU theirs "
          "| peak MiB ours | peak MiB theirs | growth MiB ours | growth MiB theirs |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for plan, o in ours.items():
        t = theirs.get(plan)
        if t is None:
            continue
        growth = lambda r: r["lastStepMemoryMegabytes"] - r["firstStepMemoryMegabytes"]
        print(f"| {plan} | {t.get('implementation', '?')} | {o['tokensPerSecond']:,.0f} | {t['tokensPerSecond']:,.0f} "
              f"| {o['tokensPerSecond'] / t['tokensPerSecond']:.2f}× | {mfu(o)} | {mfu(t)} "
              f"| {o['peakMemoryMegabytes']:,.0f} | {t['peakMemoryMegabytes']:,.0f} | {growth(o):+.0f} | {growth(t):+.0f} |")
    if "baseline" in ours and "hiddenkey" in ours and "baseline" in theirs and "hiddenkey" in theirs:
        cost = lambda side: side["hiddenkey"]["stepMilliseconds"] / side["baseline"]["stepMilliseconds"]
        print()
        print(f"HiddenKey step ÷ baseline step (the KL pass and the masks): ours {cost(ours):.2f}×, theirs {cost(theirs):.2f}×")
    both = [p for p, o in ours.items() if o.get("phases") and (theirs.get(p) or {}).get("phases")]
    if both:  # --phases on both sides
        print()
        print("| plan | forward ms ours | theirs | backward ms ours | theirs | optimizer ms ours | theirs |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for plan in both:
            o, t = ours[plan]["phases"], theirs[plan]["phases"]
            print(f"| {plan} | {o['forward']:.1f} | {t['forward']:.1f} | {o['backward']:.1f} | {t['backward']:.1f} "
                  f"| {o['optimizer']:.1f} | {t['optimizer']:.1f} |")


if __name__ == "__main__":
    main()
