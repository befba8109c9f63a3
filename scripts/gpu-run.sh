#!/usr/bin/env bash
# Measures a GPU machine in one go: the adapter, the default selftest (which tunes first),
# `gpuproof bench`, and a vendor-library baseline to take ratios against (scripts/gpu-ratios.mjs
# turns the outputs into them). Each step has its own time limit and output file, and a failed
# step does not stop the others. docs/gpu-run.md has the whole procedure.
# Usage, from the project root once it is built: bash scripts/gpu-run.sh OUT_DIR [BASELINE_PY]
# (BASELINE_PY defaults to scripts/gpu-baseline.py, which needs PyTorch with CUDA)
set -uo pipefail
out=${1:?usage: gpu-run.sh OUT_DIR [BASELINE_PY]}
baseline=${2:-scripts/gpu-baseline.py}
export GPUPROOF_HOME=${GPUPROOF_HOME:-/tmp/gpuproof-home}
mkdir -p "$out" "$GPUPROOF_HOME"

step() { # name seconds command...
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" >"$out/$name.json" 2>"$out/$name.err"
  echo "{\"step\":\"$name\",\"rc\":$?,\"seconds\":$((SECONDS - t0))}" >>"$out/steps.jsonl"
}

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv >"$out/nvidia-smi.csv" 2>&1 || true
step adapters 30 node bin/gpuproof.js adapters --json
step selftest 200 node bin/gpuproof.js selftest --json
step bench 150 node bin/gpuproof.js bench --json
step baseline 90 python3 "$baseline" 8192 4096
cat "$out/steps.jsonl"
