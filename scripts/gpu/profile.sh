#!/usr/bin/env bash
# Issue 17's kernel-level profile on a GPU host: where does our step spend device time that PyTorch's does not?
# For each plan, `pipeline bench` and scripts/bench/pytorch_reference.py run the same shape under Nsight Systems
# (`nsys profile -t cuda`), `nsys stats` sums device time per kernel, and scripts/bench/kernel_diff.py groups the
# kernels (GEMM, attention, elementwise, softmax/reductions, normalisation, dropout/RNG, copies, optimizer) and lists
# the largest differences per step — the "five most expensive differences" the issue asks for.
# Without nsys on the host the PyTorch side still gets a kernel table from torch.profiler (--profile), ours only its
# --phases split, and the log says so.
#
# Usage (repository root, one device call; ≈ 3 min of device time with the defaults):
#   run(command="bash scripts/gpu/profile.sh", carry=["artifacts/gpu-carry"])    # after scripts/gpu/prepare-carry.sh
# RESULTS: $1, else $OUT, else ./gpu-profile. SHAPE (default: roberta-large bf16, B = 128, L = 128, the issue's
# GPU-bound shape), PLANS (default: baseline hiddenkey), STEPS (default 20), PYTHON (default python3),
# BUNDLE (default artifacts/gpu-carry/pipeline-gpu-linux-x64.tar.xz).
set -uo pipefail
results="${1:-${OUT:-gpu-profile}}"
bundle="${BUNDLE:-artifacts/gpu-carry/pipeline-gpu-linux-x64.tar.xz}"
read -ra shape <<< "${SHAPE:---model roberta-large --precision bf16 --batch 128 --length 128}"
python="${PYTHON:-python3}" steps="${STEPS:-20}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"
log="$results/profile.log"
[ -f "$bundle" ] || { echo "error: no bundle at $bundle (scripts/gpu/prepare-carry.sh)" | tee "$log"; exit 2; }
tar -C "$work" -xJf "$bundle"
pipeline="$work/pipeline-gpu/run.sh"
nsys="$(command -v nsys || ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys 2>/dev/null | head -1 || true)"
echo "== host: $(nvidia-smi -L | head -1); nsys: ${nsys:-none}; shape: ${shape[*]}" | tee "$log"

for plan in ${PLANS:-baseline hiddenkey}; do
  ours=("$pipeline" bench "${shape[@]}" --device cuda --plan "$plan" --warmup 5 --steps "$steps")
  theirs=("$python" scripts/bench/pytorch_reference.py "${shape[@]}" --device cuda --plan "$plan" --warmup 5 --steps "$steps")
  if [ -n "$nsys" ]; then
    for side in ours theirs; do
      declare -n cmd="$side"
      echo "== $plan, $side, under nsys" | tee -a "$log"
      timeout 300 "$nsys" profile -t cuda -s none --cpuctxsw=none -f true -o "$results/$side-$plan" "${cmd[@]}" \
        --json "$results/$side-$plan.json" >> "$log" 2>&1 || echo "== $side $plan: exit $?" | tee -a "$log"
      "$nsys" stats -q -r cuda_gpu_kern_sum -f csv -o "$results/$side-$plan" "$results/$side-$plan.nsys-rep" >> "$log" 2>&1
    done
    "$python" scripts/bench/kernel_diff.py "$results/ours-${plan}_cuda_gpu_kern_sum.csv" \
      "$results/theirs-${plan}_cuda_gpu_kern_sum.csv" --steps $((steps + 5)) | tee "$results/kernels-$plan.md" | tee -a "$log"
  else
    echo "== $plan: no nsys on this host; PyTorch's kernels by torch.profiler, ours by --phases only" | tee -a "$log"
    timeout 300 "${theirs[@]}" --profile "$results/theirs-$plan-kernels.txt" >> "$log" 2>&1
    timeout 300 "${ours[@]}" --phases --json "$results/ours-$plan.json" >> "$log" 2>&1
  fi
done
rm -f "$results"/*.sqlite
echo "== done: $results" | tee -a "$log"
