#!/usr/bin/env bash
# Prepares, on a full build machine, everything scripts/gpu/acceptance.sh needs on a GPU host with no network,
# in one folder small enough for a size-limited copy (≤ 64 MiB):
#   OUTDIR/pipeline-gpu-linux-x64.tar.xz   the CLI without the CPU libtorch and without ONNX Runtime (≈ 27 MiB)
#   OUTDIR/pipeline-home.tar.xz            models/all-minilm-l6-v2 stored as bf16 (≈ 31 MiB) + data/mr-polarity
# Usage: scripts/gpu/prepare-carry.sh [OUTDIR]   (default artifacts/gpu-carry, which git ignores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/artifacts/gpu-carry}"
pipeline=(dotnet run --project "$root/src/Pipeline.Cli" --)
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT

mkdir -p "$out"
"$root/scripts/gpu/bundle.sh" "$out" --no-onnxruntime
"${pipeline[@]}" models export all-minilm-l6-v2 "$home/models/all-minilm-l6-v2" --bf16
PIPELINE_HOME="$home" "${pipeline[@]}" data fetch mr-polarity
rm -rf "$home/apt"   # apt's own lists: only fetching needs them
tar -C "$home" -cJf "$out/pipeline-home.tar.xz.partial" models data
mv "$out/pipeline-home.tar.xz.partial" "$out/pipeline-home.tar.xz"
du -ch "$out"/*.tar.xz | tail -1 | sed 's/total$/in all/'
