#!/usr/bin/env bash
# Runs the pipeline CLI of a GPU bundle (scripts/gpu/bundle.sh) on the host's libtorch:
# PyTorch's torch/lib (found with python3, or $PYTHON), or a libtorch directory in $LIBTORCH_DIR.
# Usage: run.sh ARGS...   e.g.  run.sh doctor
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
app="${PIPELINE_APP:-$here/app/pipeline}"
fail() { echo "error: $*" >&2; exit 2; }

[ -x "$app" ] || fail "no pipeline app at $app. Build a bundle with scripts/gpu/bundle.sh OUTDIR, unpack it on this host and run the run.sh inside it (or set PIPELINE_APP)."

if [ -n "${LIBTORCH_DIR:-}" ]; then
  lib="$LIBTORCH_DIR"
  [ -f "$lib/libtorch_cpu.so" ] || lib="$LIBTORCH_DIR/lib"
else
  python="${PYTHON:-python3}"
  lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)" \
    || fail "cannot import torch with $python. Install PyTorch with CUDA, set PYTHON to a python that has it, or set LIBTORCH_DIR."
fi
[ -f "$lib/libtorch_cpu.so" ] || fail "no libtorch_cpu.so in $lib (set LIBTORCH_DIR to a libtorch directory)"

export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PIPELINE_LIBTORCH_DIR="$lib"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
exec "$app" "$@"
