#!/usr/bin/env bash
# Sweep throughput on a GPU host (docs/sweeps.md): runs per hour of the Table 1 MR sweep (table1-hiddenkey, seed 1,
# MiniLM) with N = 1, 4, 8, 16 runs sharing one GPU, each N for SECONDS_PER_N seconds (default 60), through
# scripts/bench/sweep-throughput.sh. Needs artifacts/gpu-carry from scripts/gpu/prepare-carry.sh (the CLI bundle and
# a PIPELINE_HOME with MiniLM and the MR data). Results: RESULTS (default $OUT, else ./gpu-results)/sweep/.
# About 5 minutes of device time with the defaults: run.sh in one call, e.g.
#   run(command="bash scripts/gpu/sweeps.sh", carry=["artifacts/gpu-carry"])
set -euo pipefail
results="${1:-${OUT:-gpu-results}}"
carry="${CARRY:-artifacts/gpu-carry}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xJf "$carry/pipeline-gpu-linux-x64.tar.xz"
mkdir -p "$work/home" "$results/sweep"
tar -C "$work/home" -xJf "$carry/pipeline-home.tar.xz"
nvidia-smi -L | tee "$results/sweep/host.txt"
nproc | sed 's/^/cpu cores: /' | tee -a "$results/sweep/host.txt"
PIPELINE_HOME="$work/home" PIPELINE="$work/pipeline-gpu/run.sh" \
  scripts/bench/sweep-throughput.sh "$results/sweep" table1-hiddenkey "${SECONDS_PER_N:-60}" "${JOBS:-1 4 8 16}" --device cuda --seeds 1
