#!/usr/bin/env bash
# Packs the pipeline CLI for a CUDA host: self-contained linux-x64, *without* the CPU libtorch natives
# (the host's PyTorch provides libtorch with CUDA; see docs/gpu.md). Writes OUTDIR/pipeline-gpu-linux-x64.tar.xz.
set -euo pipefail
# --no-onnxruntime leaves ONNX Runtime out too (≈ 8 MiB less; only `pipeline models verify` needs it).
out="${1:?usage: scripts/gpu/bundle.sh OUTDIR [--no-onnxruntime]}"
without_onnxruntime=false
[ "${2:-}" = "--no-onnxruntime" ] && without_onnxruntime=true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
limit_mib=40

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
echo "publishing src/Pipeline.Cli (Release, linux-x64, self-contained, no CPU libtorch)..."
dotnet publish "$root/src/Pipeline.Cli/Pipeline.Cli.csproj" -c Release -r linux-x64 --self-contained \
  -p:PipelineExternalLibTorch=true -p:InvariantGlobalization=true -o "$stage/pipeline-gpu/app" -nologo -v quiet
if ls "$stage/pipeline-gpu/app" | grep -q '^libtorch_cpu'; then
  echo "error: the bundle contains the CPU libtorch; mixing it with the host's CUDA libtorch crashes" >&2
  exit 1
fi
if $without_onnxruntime; then
  rm -f "$stage/pipeline-gpu/app"/libonnxruntime*.so*
fi
# The report's figures (SkiaSharp) are drawn on the build machine, not on a GPU host (≈ 4 MiB less).
rm -f "$stage/pipeline-gpu/app"/libSkiaSharp.so "$stage/pipeline-gpu/app"/libHarfBuzzSharp.so
cp "$root/scripts/gpu/run.sh" "$stage/pipeline-gpu/run.sh"

mkdir -p "$out"
archive="$out/pipeline-gpu-linux-x64.tar.xz"
tar -C "$stage" -cJf "$archive.partial" pipeline-gpu
mv "$archive.partial" "$archive"
size=$(stat -c %s "$archive")
echo "wrote $archive ($((size / 1024 / 1024)) MiB)"
if [ "$size" -gt $((limit_mib * 1024 * 1024)) ]; then
  echo "error: the bundle is larger than $limit_mib MiB" >&2
  exit 1
fi
echo "on the GPU host: tar -xJf $(basename "$archive") && pipeline-gpu/run.sh doctor"
