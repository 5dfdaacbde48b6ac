#!/usr/bin/env bash
# Runs the solver benchmark and the NumPy loops in one go (same machine, same minute) and prints CSV, then the
# ratios pmm (1 thread) / NumPy of the pairs that run the same scheme: Normal Euler-Maruyama (numpy_sde.py),
# Gamma-Poisson tau-leap and the Inverse-Gamma-Gamma exact step (numpy_jump.py).
# Usage: bench/run.sh [build-dir] [paths] [steps] [threads]
set -euo pipefail
build=${1:-build}; paths=${2:-131072}; steps=${3:-1000}; threads=${4:-2}
here=$(dirname "$0")
out=$(mktemp); trap 'rm -f "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2);" \
  "load $(cut -d' ' -f1-3 /proc/loadavg)"
{
  "$build/pmm-bench-solvers" --paths "$paths" --steps "$steps" --threads "$threads"
  /usr/bin/python3 "$here/numpy_sde.py" "$paths" "$steps"
  /usr/bin/python3 "$here/numpy_jump.py" "$paths" "$steps"
} | tee "$out"
echo "# load $(cut -d' ' -f1-3 /proc/loadavg); ratios, 1 thread / NumPy:"
awk -F, '$3 == 1 { rate[$1 "," $2] = $7 }
  END {
    split("normal,euler-maruyama,numpy-euler-maruyama gamma-poisson,tau-leap,numpy-tau-leap " \
          "inverse-gamma-gamma,exact,numpy-exact", pairs, " ")
    for (i in pairs) {
      split(pairs[i], f, ",")
      a = rate[f[1] "," f[2]]; b = rate[f[1] "," f[3]]
      if (a > 0 && b > 0) printf "# %s %s: %.4g / %.4g = %.2fx\n", f[1], f[2], a, b, a / b
    }
  }' "$out"
