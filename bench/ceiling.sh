#!/usr/bin/env bash
# The CPU ceiling (docs/benchmarks.md): Philox blocks/s and normals/s alone, Euler-Maruyama as a fraction of them,
# for every SIMD variant the CPU has (PMM_SIMD), then EM's cost as paths, steps and dimension grow, and the NumPy EM
# loop of bench/numpy_sde.py in the same run. Writes OUT/ceiling.csv, OUT/scaling.csv, OUT/numpy.csv, OUT/machine.txt
# and the figure OUT/scaling.png (needs matplotlib).
# Usage: bench/ceiling.sh [build-dir] [out-dir] [--quick]
set -euo pipefail
build=${1:-build}; out=${2:-/tmp/pmm-ceiling}; quick=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$build/pmm-bench-ceiling" ] || { echo "ceiling.sh: $build/pmm-bench-ceiling not found (build first)" >&2; exit 2; }
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "host: $(uname -n), $(nproc) cores:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  echo "cpu flags: $(grep -m1 flags /proc/cpuinfo | grep -o 'avx512f\|avx2\|fma' | sort -u | tr '\n' ' ')"
  echo "MHz (first core, now): $(grep -m1 MHz /proc/cpuinfo | cut -d: -f2)"
  echo "glibc: $(ldd --version | head -1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"
best=$("$build/pmm-bench-ceiling" --only ceiling --work 1000 --repeats 1 | awk -F, 'NR == 2 {print $2}')
variants="baseline"
case "$best" in avx512*) variants="avx512 avx2 baseline" ;; avx2) variants="avx2 baseline" ;; esac
args=(--repeats 3); [ "$quick" = --quick ] && args+=(--quick)
: > "$out/ceiling.csv"
for v in $variants; do  # header once
  PMM_SIMD=$v "$build/pmm-bench-ceiling" --only ceiling --threads 2 "${args[@]}" | { [ -s "$out/ceiling.csv" ] && tail -n +2 || cat; } >> "$out/ceiling.csv"
done
steps=1000; [ "$quick" = --quick ] && steps=100
/usr/bin/python3 "$here/numpy_sde.py" 131072 "$steps" > "$out/numpy.csv"
"$build/pmm-bench-ceiling" --only scaling "${args[@]}" > "$out/scaling.csv"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
cat "$out/machine.txt" "$out/ceiling.csv" "$out/numpy.csv" "$out/scaling.csv"
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  /usr/bin/python3 "$here/plot_ceiling.py" "$out/ceiling.csv" "$out/scaling.csv" "$out/scaling.png"
else
  echo "ceiling.sh: matplotlib missing (scripts/setup.sh --plot): no figure" >&2
fi
