#!/usr/bin/env bash
# Runs the solver benchmark and the NumPy loop in one go (same machine, same minute) and prints CSV.
# Usage: bench/run.sh [build-dir] [paths] [steps]
set -euo pipefail
build=${1:-build}; paths=${2:-131072}; steps=${3:-1000}
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
"$build/pmm-bench-solvers" --paths "$paths" --steps "$steps" --threads 2
/usr/bin/python3 "$(dirname "$0")/numpy_sde.py" "$paths" "$steps" | sed 's/^/ /' | sed 's/^ //'
