#!/usr/bin/env bash
# Where a CPU training step's time goes: `pipeline bench` under `perf record`, once per allocator setting and thread
# count, split by scripts/bench/perf_categories.py into libtorch's compute kernels, libtorch's own machinery, OpenMP
# waits, the OS (page faults), libc and .NET. One CSV row per profile on stdout and in OUTDIR/profile.csv, with the
# bench's ms/step beside it; the perf data and bench output stay in OUTDIR.
#
# Usage: scripts/bench/cpu-profile.sh OUTDIR [bench options, default: --model minilm --batch 32 --length 128]
# ALLOCATORS: which of 4k-pages (THP_MEM_ALLOC_ENABLE=0), huge-pages (the default) and jemalloc (LD_PRELOAD of
# Debian's libjemalloc2, profiled only when installed) to profile; default all three.
# Needs perf (Debian: linux-perf; installed here when missing and run as root). Run it on a quiet machine.
set -euo pipefail
out="${1:?usage: scripts/bench/cpu-profile.sh OUTDIR [bench options]}"
shift
bench_args=("$@")
[ ${#bench_args[@]} -eq 0 ] && bench_args=(--model minilm --batch 32 --length 128)
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v perf >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "cpu-profile.sh: perf is missing (Debian: apt-get install linux-perf)" >&2; exit 1; }
  apt-get install -y -q linux-perf >/dev/null
fi
dotnet build src/Pipeline.Cli -c Release -v q >/dev/null
pipeline=(dotnet src/Pipeline.Cli/bin/Release/net10.0/pipeline.dll)
mkdir -p "$out"
sep=$'\x1f'
jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
header_written=false
for name in ${ALLOCATORS:-4k-pages huge-pages jemalloc}; do
  case "$name" in
    4k-pages) setting=THP_MEM_ALLOC_ENABLE=0 ;;
    huge-pages) setting=THP_MEM_ALLOC_ENABLE=1 ;;
    jemalloc) [ -f "$jemalloc" ] || { echo "cpu-profile.sh: no $jemalloc (apt-get install libjemalloc2); skipped" >&2; continue; }
              setting=LD_PRELOAD=$jemalloc ;;
    *) echo "cpu-profile.sh: unknown allocator '$name' (4k-pages, huge-pages, jemalloc)" >&2; exit 2 ;;
  esac
  for threads in 1 2; do
    for plan in baseline hiddenkey; do
      tag="$name-t$threads-$plan"
      # -D: skip the start (runtime, model build) so the profile is the steps'.
      env "$setting" OMP_NUM_THREADS="$threads" DOTNET_PerfMapEnabled=1 \
        perf record -q -F 499 -D 5000 -o "$out/$tag.data" -- \
        "${pipeline[@]}" bench --device cpu --plan "$plan" --warmup 2 --steps 20 --json "$out/$tag.json" "${bench_args[@]}" \
        > "$out/$tag.txt" 2>&1
      ms="$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(round(r['results'][0]['stepMilliseconds'],1))" "$out/$tag.json")"
      row="$(perf report -i "$out/$tag.data" --stdio --no-children -g none --sort dso,sym -F sample,dso,sym -t "$sep" 2>/dev/null |
        python3 "$here/perf_categories.py" "$tag" --header)"
      if ! $header_written; then
        echo "allocator,threads,plan,ms_per_step,$(echo "$row" | head -1)" > "$out/profile.csv"
        header_written=true
      fi
      echo "$name,$threads,$plan,$ms,$(echo "$row" | tail -1)" >> "$out/profile.csv"
      tail -1 "$out/profile.csv"
    done
  done
done
