#!/usr/bin/env bash
# Issue 17's kernel-level profile on a GPU host: where does our step spend device time that PyTorch's does not?
# For each plan, `pipeline bench` and scripts/bench/pytorch_reference.py run the same shape under a CUDA profiler that
# records only the timed steps (both sides mark them with --profiler-range: cuProfilerStart/Stop), and
# scripts/bench/kernel_diff.py groups the kernels (GEMM, attention, elementwise, softmax/reductions, normalisation,
# dropout/RNG, copies, optimizer) and lists the largest differences per step — the "five most expensive differences"
# the issue asks for. The profiler, the first the host has:
#   nsys (Nsight Systems, --capture-range=cudaProfilerApi): kernels as they ran, overlapping as they do;
#   ncu (Nsight Compute, --profile-from-start off, one metric gpu__time_duration.sum, clocks and caches left alone):
#       every kernel of the range replayed alone — their sum is the device's busy time without overlap. The H200
#       host of 2026-11-29 had ncu (/usr/local/cuda/bin) but no nsys.
#   neither: PyTorch's side from torch.profiler (--profile), ours only its --phases split; the log says so.
#
# Usage (repository root, one device call; ≈ 3 min of device time with the defaults):
#   run(command="bash scripts/gpu/profile.sh", carry=["artifacts/gpu-carry"])    # after scripts/gpu/prepare-carry.sh
# RESULTS: $1, else $OUT, else ./gpu-profile (kernels-PLAN.md, the CSVs, the benches' JSON, profile.log; a tar.gz of
# them all, since a device call brings back only a few files). SHAPE (default: roberta-large bf16, B = 128, L = 128,
# the issue's GPU-bound shape), PLANS (default: baseline hiddenkey), STEPS (profiled steps; default 20 under nsys,
# 3 under ncu), PYTHON (default python3), BUNDLE (default artifacts/gpu-carry/pipeline-gpu-linux-x64.tar.xz).
set -uo pipefail
results="${1:-${OUT:-gpu-profile}}"
bundle="${BUNDLE:-artifacts/gpu-carry/pipeline-gpu-linux-x64.tar.xz}"
read -ra shape <<< "${SHAPE:---model roberta-large --precision bf16 --batch 128 --length 128}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"
log="$results/profile.log"
[ -f "$bundle" ] || { echo "error: no bundle at $bundle (scripts/gpu/prepare-carry.sh)" | tee "$log"; exit 2; }
tar -C "$work" -xJf "$bundle"
pipeline="$work/pipeline-gpu/run.sh"
find_tool() { command -v "$1" || ls /usr/local/cuda/bin/"$1" /opt/nvidia/nsight-*/*/"$1" /opt/nvidia/nsight-*/*/bin/"$1" 2>/dev/null | head -1; }
nsys="$(find_tool nsys)"
ncu="$([ -n "$nsys" ] || find_tool ncu)"
steps="${STEPS:-$([ -n "$nsys" ] && echo 20 || echo 3)}"
echo "== host: $(nvidia-smi -L | head -1); nsys: ${nsys:-none}; ncu: ${ncu:-none}; shape: ${shape[*]}; $steps profiled steps" | tee "$log"

for plan in ${PLANS:-baseline hiddenkey}; do
  ours=("$pipeline" bench "${shape[@]}" --device cuda --plan "$plan" --warmup 5 --steps "$steps")
  theirs=("$python" scripts/bench/pytorch_reference.py "${shape[@]}" --device cuda --plan "$plan" --warmup 5 --steps "$steps")
  if [ -n "$nsys$ncu" ]; then
    for side in ours theirs; do
      declare -n cmd="$side"
      echo "== $plan, $side, under $(basename "${nsys:-$ncu}")" | tee -a "$log"
      csv="$results/$side-$plan-kernels.csv"
      if [ -n "$nsys" ]; then
        timeout 300 "$nsys" profile -t cuda -s none --cpuctxsw=none --capture-range=cudaProfilerApi \
          --capture-range-end=stop -f true -o "$work/$side-$plan" "${cmd[@]}" --profiler-range \
          --json "$results/$side-$plan.json" >> "$log" 2>&1 || echo "== $side $plan: exit $?" | tee -a "$log"
        "$nsys" stats -q -r cuda_gpu_kern_sum -f csv -o "$work/$side-$plan" "$work/$side-$plan.nsys-rep" >> "$log" 2>&1
        mv "$work/$side-${plan}_cuda_gpu_kern_sum.csv" "$csv"
      else
        timeout 400 "$ncu" --profile-from-start off --metrics gpu__time_duration.sum --clock-control none \
          --cache-control none -f -o "$work/$side-$plan" "${cmd[@]}" --profiler-range \
          --json "$results/$side-$plan.json" >> "$log" 2>&1 || echo "== $side $plan: exit $?" | tee -a "$log"
        "$ncu" --import "$work/$side-$plan.ncu-rep" --csv --page raw --metrics gpu__time_duration.sum \
          --print-units base > "$csv" 2>> "$log"
      fi
    done
    "$python" scripts/bench/kernel_diff.py "$results/ours-$plan-kernels.csv" "$results/theirs-$plan-kernels.csv" \
      --steps "$steps" | tee "$results/kernels-$plan.md" | tee -a "$log"
  else
    echo "== $plan: neither nsys nor ncu on this host; PyTorch's kernels by torch.profiler, ours by --phases only" | tee -a "$log"
    timeout 300 "${theirs[@]}" --profile "$results/theirs-$plan-kernels.txt" >> "$log" 2>&1
    timeout 300 "${ours[@]}" --phases --json "$results/ours-$plan.json" >> "$log" 2>&1
  fi
done
echo "== done: $results" | tee -a "$log"
tar -C "$results" --exclude profile.tar.gz -czf "$work/profile.tar.gz" . && mv "$work/profile.tar.gz" "$results/"
