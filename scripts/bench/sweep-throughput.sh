#!/usr/bin/env bash
# Runs per hour of a sweep at several --jobs values on this machine: for each N, `pipeline sweep EXPERIMENT --jobs N`
# into a fresh runs folder, stopped with SIGINT after SECONDS (the sweep kills its children and prints its
# throughput: whole runs plus the share of its steps each unfinished run trained). One CSV row per N on stdout and
# in OUTDIR/throughput.csv; the sweeps' own output in OUTDIR/jobs-N.txt.
#
# Usage: scripts/bench/sweep-throughput.sh OUTDIR EXPERIMENT SECONDS "N1 N2 …" [sweep options, e.g. --device cpu --seeds 1]
# PIPELINE: the command that runs our CLI (default: pipeline-gpu/run.sh of an unpacked GPU bundle, else
#           `dotnet run --project src/Pipeline.Cli -c Release --`).
set -euo pipefail
out="${1:?usage: scripts/bench/sweep-throughput.sh OUTDIR EXPERIMENT SECONDS \"N1 N2 …\" [sweep options]}"
experiment="${2:?experiment}" seconds="${3:?seconds}" jobs="${4:?jobs list}"
shift 4
if [ -n "${PIPELINE:-}" ]; then
  read -ra pipeline <<< "$PIPELINE"
elif [ -x pipeline-gpu/run.sh ]; then
  pipeline=(pipeline-gpu/run.sh)
else
  dotnet build src/Pipeline.Cli -c Release -v q >/dev/null
  pipeline=(dotnet src/Pipeline.Cli/bin/Release/net10.0/pipeline.dll)
fi
mkdir -p "$out"
echo "experiment,jobs,seconds,runs_per_hour,runs_trained" | tee "$out/throughput.csv"
for n in $jobs; do
  runs="$(mktemp -d)"
  timeout -s INT -k 60 "$seconds" "${pipeline[@]}" sweep "$experiment" --jobs "$n" --out "$runs" "$@" > "$out/jobs-$n.txt" 2>&1 || true
  rm -rf "$runs"
  # "throughput: 2.41 runs/hour (0.40 run(s) of training steps in 00:10:00)"
  line="$(grep '^throughput:' "$out/jobs-$n.txt" || echo "throughput: nan runs/hour (nan run(s)")"
  rate="$(echo "$line" | awk '{print $2}')" trained="$(echo "$line" | sed -E 's/.*\(([^ ]+) run.*/\1/')"
  echo "$experiment,$n,$seconds,$rate,$trained" | tee -a "$out/throughput.csv"
done
