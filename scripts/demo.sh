#!/usr/bin/env bash
# `make demo`: samples the built-in 2-D Gaussian mixture with the Normal PMM process (stochastic Heun,
# 200 steps, exact oracle), checks the mixture weights, and plots trajectories when matplotlib is present.
set -euo pipefail
build=${1:-build}; out=${2:-demo-out}
mkdir -p "$out"
"$build/pmm-solve" --process normal --target builtin:gmm2d --solver heun --steps 200 --paths 20000 \
  --seed 1 --threads "$(nproc)" --final denoise --out "$out/samples.npy" \
  --trajectory "$out/trajectory.npy" --save-every 10 --trajectory-paths 64 --report "$out/run.json"
if [ -x "$build/pmm-plot" ] && /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  "$build/pmm-plot" trajectory "$out/trajectory.npy" --report "$out/run.json" --out "$out/trajectory.png"
  "$build/pmm-plot" scatter "$out/samples.npy" --out "$out/samples.png"
fi
echo
echo "demo outputs in $out/:"
ls -1 "$out" | sed 's/^/  /'
