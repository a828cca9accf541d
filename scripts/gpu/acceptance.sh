#!/usr/bin/env bash
# The GPU checks in one go, for a CUDA host with PyTorch (run from the repository root, so scripts/ is here):
#   1. doctor through run.sh (device name, checked op)
#   2. scripts/bench/compare.sh: ours vs PyTorch/PEFT at roberta-large, bf16, B=32, L=128 (20 timed steps)
#   3. device memory over 200 steps of baseline and HiddenKey (growth from the first to the last timed step)
#   4. the MR quickstart on CUDA (`run quickstart --device cuda`), when artifacts/gpu-carry/pipeline-home.tar.xz
#      (scripts/gpu/prepare-carry.sh: MiniLM as bf16 + the MR data) is there
#   5. a second compare at bert-base size (how the ratio holds where kernels are smaller)
#   6. a compare at batch 128 with --phases (where the GPU is the limit: forward, backward, optimizer apart)
#   7. decoders: transformers parity (scripts/gpu/decoder_parity.py writes tiny GPT-2 and LLaMA checkpoints with
#      save_pretrained and their logits and generate ids; `pipeline models parity` checks our import against them),
#      then ours vs PyTorch/PEFT at GPT2-Medium (DECODER_SHAPE) and its memory over MEMORY_STEPS steps
#   8. PEFT interop (docs/interop.md): scripts/gpu/peft_parity.py has PEFT and transformers load our committed exports
#      (tests/Pipeline.Tests/Fixtures/peft-export: adapter + merged) and reproduce our logits within 1e-4 fp32; then
#      scripts/reference/peft_fixture.py writes PEFT's own adapters (peft-bert, peft-roberta) into the results
#      (committed under tests/Pipeline.Tests/Fixtures/ for PeftFixtureTests; copy them over to refresh with a newer PEFT)
# Everything lands in RESULTS (default $OUT, else ./gpu-results) as gpu-results.tar.gz plus a log; both are
# rewritten after every step, so a call cut short still brings back what finished. Each step has a time limit.
# BUNDLE: the tar.xz made by scripts/gpu/bundle.sh (default: artifacts/gpu-carry/pipeline-gpu-linux-x64.tar.xz).
# SHAPE, COMPARE_STEPS, MEMORY_STEPS override the measured shape and step counts (a quick try on a CPU, say;
# SHAPE starts with --model); BIG_SHAPE is step 6's; COMPARE_RUNS repeats the main compare (default 1);
# PYTHON: the interpreter with PyTorch (default python3).
set -uo pipefail
results="${1:-${OUT:-gpu-results}}"
bundle="${BUNDLE:-artifacts/gpu-carry/pipeline-gpu-linux-x64.tar.xz}"
read -ra shape <<< "${SHAPE:---model roberta-large --precision bf16 --batch 32 --length 128}"
read -ra big <<< "${BIG_SHAPE:---model roberta-large --precision bf16 --batch 128 --length 128}"
read -ra decoder <<< "${DECODER_SHAPE:---model gpt2-medium --precision bf16 --batch 8 --length 512}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
mkdir -p "$results" "$work/out"
log="$results/acceptance.log"
[ -f "$bundle" ] || { echo "error: no bundle at $bundle (scripts/gpu/bundle.sh artifacts/gpu-carry)" | tee "$log"; exit 2; }
tar -C "$work" -xJf "$bundle"
export PIPELINE="$work/pipeline-gpu/run.sh" PYTHON="$python" PYTHONUNBUFFERED=1
# step TITLE SECONDS COMMAND...: runs it under a time limit, logs it, then packs everything so far.
step() {
  echo "== $1" | tee -a "$log"
  local limit="$2"; shift 2
  timeout "$limit" "$@" 2>&1 | tee -a "$log"
  local rc="${PIPESTATUS[0]}"
  [ "$rc" = 0 ] || echo "== failed with exit code $rc$([ "$rc" = 124 ] && echo " (over ${limit} s)")" | tee -a "$log"
  cp "$log" "$work/out/" && tar -C "$work/out" -czf "$results/gpu-results.tar.gz" .
}

step "host" 60 bash -c "nvidia-smi -L; $python -c 'import torch; print(\"torch\", torch.__version__, torch.version.cuda)';
  $python -m pip list 2>/dev/null | grep -i -E '^(transformers|peft|torch) '"
step "doctor" 120 "$PIPELINE" doctor
for run in $(seq "${COMPARE_RUNS:-1}"); do  # more than one run shows how much the ratios move between runs
  step "compare ${shape[*]} (run $run)" \
    300 scripts/bench/compare.sh "$work/out/compare$([ "$run" = 1 ] || echo "-$run")" "${shape[@]}" --warmup 5 \
    --steps "${COMPARE_STEPS:-20}"
done
step "memory over ${MEMORY_STEPS:-200} steps (ours)" \
  180 "$PIPELINE" bench "${shape[@]}" --plan baseline --plan hiddenkey --warmup 5 --steps "${MEMORY_STEPS:-200}" \
  --json "$work/out/memory-ours.json"
step "memory over ${MEMORY_STEPS:-200} steps (PyTorch)" \
  180 "$python" scripts/bench/pytorch_reference.py "${shape[@]}" --plan baseline --plan hiddenkey --warmup 5 \
  --steps "${MEMORY_STEPS:-200}" --json "$work/out/memory-theirs.json"
home_archive="$(dirname "$bundle")/pipeline-home.tar.xz"
if [ -f "$home_archive" ]; then
  mkdir -p "$work/home" && tar -C "$work/home" -xJf "$home_archive"
  step "quickstart on MR, cuda" 400 env PIPELINE_HOME="$work/home" "$PIPELINE" run quickstart --device cuda --out "$work/out/runs"
else
  echo "== quickstart skipped: no $home_archive (scripts/gpu/prepare-carry.sh)" | tee -a "$log"
fi
step "compare at bert-base ${shape[*]:2}" \
  180 scripts/bench/compare.sh "$work/out/compare-bert-base" --model bert-base "${shape[@]:2}" --warmup 5 \
  --steps "${COMPARE_STEPS:-20}"
step "compare ${big[*]} --phases" \
  180 scripts/bench/compare.sh "$work/out/compare-phases" "${big[@]}" --phases --warmup 3 --steps "${COMPARE_STEPS:-20}"
step "decoder parity with transformers" 300 bash -c "'$python' scripts/gpu/decoder_parity.py '$work/out/decoders' &&
  '$PIPELINE' models parity '$work/out/decoders/gpt2' --tolerance 1e-4 &&
  '$PIPELINE' models parity '$work/out/decoders/llama' --tolerance 1e-4"
step "compare ${decoder[*]}" \
  300 scripts/bench/compare.sh "$work/out/compare-decoder" "${decoder[@]}" --warmup 3 --steps "${COMPARE_STEPS:-20}"
step "decoder memory over ${MEMORY_STEPS:-200} steps (ours)" \
  240 "$PIPELINE" bench "${decoder[@]}" --plan baseline --plan hiddenkey --warmup 3 --steps "${MEMORY_STEPS:-200}" \
  --json "$work/out/memory-decoder-ours.json"
step "PEFT interop" 300 bash -c "'$python' scripts/gpu/peft_parity.py tests/Pipeline.Tests/Fixtures/peft-export;
  rc=\$?; '$python' scripts/reference/peft_fixture.py '$work/out/peft-fixtures' && exit \$rc"
rm -rf "$work"
echo "wrote $results/gpu-results.tar.gz" | tee -a "$log"
