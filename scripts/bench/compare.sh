#!/usr/bin/env bash
# Ours and theirs on one host in one go: `pipeline bench` and scripts/bench/pytorch_reference.py with the same
# options (the same three plans: baseline, dropkey-column, hiddenkey), one after the other on the same device,
# then the ratios (scripts/bench/compare.py). Everything lands in OUTDIR: ours.json/.txt, theirs.json/.txt, compare.md.
#
# Usage: scripts/bench/compare.sh OUTDIR [--model roberta-large] [--batch 32] [--length 128] [--precision bf16]
#                                        [--steps 20] [--warmup 5] [--device cuda]
# PIPELINE: the command that runs our CLI (default: pipeline-gpu/run.sh of an unpacked GPU bundle in the current
#           folder, else `pipeline` on PATH); PYTHON: the interpreter with PyTorch (default: python3).
set -euo pipefail
out="${1:?usage: scripts/bench/compare.sh OUTDIR [bench options]}"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${PIPELINE:-}" ]; then
  read -ra pipeline <<< "$PIPELINE"
elif [ -x pipeline-gpu/run.sh ]; then
  pipeline=(pipeline-gpu/run.sh)
else
  pipeline=(pipeline)
fi
python="${PYTHON:-python3}"
mkdir -p "$out"

echo "== ours: ${pipeline[*]} bench $*"
"${pipeline[@]}" bench "$@" --json "$out/ours.json" | tee "$out/ours.txt"
echo "== theirs: $python pytorch_reference.py $*"
"$python" "$here/pytorch_reference.py" "$@" --json "$out/theirs.json" | tee "$out/theirs.txt"
echo "== ratios"
"$python" "$here/compare.py" "$out/ours.json" "$out/theirs.json" | tee "$out/compare.md"
