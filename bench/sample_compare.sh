#!/usr/bin/env bash
# Learned-predictor sampling: `pmm-solve --model` (C++, LibTorch) beside the same stochastic Heun loop in
# PyTorch-Python (bench/sample_python.py) on the very same TorchScript file, paths, steps, chunk (paths per network
# call) and threads, interleaved C++, Python, C++, Python, ... so that the load of other processes hits both alike.
# Both sides run 1 ATen and 1 OpenBLAS thread per --threads (OPENBLAS_NUM_THREADS for Python, set_torch_threads for
# pmm-solve). Prints the machine, load, every repetition (wall and user+sys CPU seconds of the whole process) and the
# best and median ratios Python / C++ (> 1: C++ faster). A third, informative side (python+tunables) reruns the
# Python loop with glibc malloc kept as pmm does (keep_freed_tensor_memory): it shows how much of the gap is the
# allocator policy, which a Python user can set too.
# Needs Debian python3-torch (the same 1.13 as libtorch-dev) and numpy.
# Usage: bench/sample_compare.sh [build-dir] [paths=20000] [steps=100] [reps=3] [threads=1] [model.pt]
#        (no model: a 2 -> 256 x 3 -> 2 MLP is trained for 50 steps on builtin:gmm2d; its values do not change the
#        cost). The chunk is pmm-solve's default for a CPU network, 4096 (TorchScriptPredictor::preferred_batch).
set -euo pipefail
build=${1:-build}; paths=${2:-20000}; steps=${3:-100}; reps=${4:-3}; threads=${5:-1}; model=${6:-}
chunk=4096
here=$(cd "$(dirname "$0")" && pwd); tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
$py -c "import torch, numpy" 2>/dev/null || { echo "sample_compare.sh: needs python3-torch and numpy" >&2; exit 2; }
if [ -z "$model" ]; then
  "$build/pmm-train" --data builtin:gmm2d --net mlp --width 256 --depth 3 --steps 50 --batch 256 --threads 1 \
    --out "$tmp/mlp" --checkpoint-every 0 >/dev/null 2>&1
  model=$tmp/mlp/model.pt
fi
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# model $model, heun, $steps steps, $paths paths, chunk $chunk, $threads thread(s), torch $($py -c 'import torch; print(torch.__version__)')"
echo "rep,side,wall_s,cpu_s,load1"
tunables=glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432
for r in $(seq 1 "$reps"); do
  /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$build/pmm-solve" --model "$model" --solver heun --steps "$steps" \
    --paths "$paths" --threads "$threads" --seed "$r" --quiet >/dev/null 2>&1
  read -r w u s <"$tmp/t"; echo "$r,c++,$w,$(echo "$u + $s" | bc),$(cut -d' ' -f1 /proc/loadavg)"
  OPENBLAS_NUM_THREADS=$threads /usr/bin/time -f "%e %U %S" -o "$tmp/t" $py "$here/sample_python.py" "$model" \
    "$paths" "$steps" "$chunk" "$threads" >/dev/null
  read -r w u s <"$tmp/t"; echo "$r,python,$w,$(echo "$u + $s" | bc),$(cut -d' ' -f1 /proc/loadavg)"
  GLIBC_TUNABLES=$tunables OPENBLAS_NUM_THREADS=$threads /usr/bin/time -f "%e %U %S" -o "$tmp/t" $py \
    "$here/sample_python.py" "$model" "$paths" "$steps" "$chunk" "$threads" >/dev/null
  read -r w u s <"$tmp/t"; echo "$r,python+tunables,$w,$(echo "$u + $s" | bc),$(cut -d' ' -f1 /proc/loadavg)"
done | tee "$tmp/rows.csv"
$py - "$tmp/rows.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), fieldnames=["rep", "side", "wall", "cpu", "load"]))
by = {}
for r in rows:
    by.setdefault(r["side"], []).append((float(r["wall"]), float(r["cpu"])))
c = by["c++"]
for side in ("python", "python+tunables"):
    for i, what in ((0, "wall"), (1, "cpu")):
        ratios = [p[i] / q[i] for p, q in zip(by[side], c)]
        best = min(p[i] for p in by[side]) / min(q[i] for q in c)
        print(f"# {side} / c++ {what}: per-rep median {statistics.median(ratios):.2f} "
              f"(range {min(ratios):.2f}-{max(ratios):.2f}), best-of {best:.2f}")
PY
