#!/usr/bin/env bash
# The one GPU script (run on the lent GPU machine from the checkout's root, after `bash ../shared/gpu/prepare.sh`
# here and with `carry: [".gpu"]`): builds pmm for CUDA, runs the device tests (every SDE pair on cuda against the
# CPU core within 1e-12, laws through the conformance battery) and the benchmarks, and writes logs and a CSV to
# $OUT (default gpu-out/). Exit status: non-zero if a build or a test failed.
set -uo pipefail
OUT=${OUT:-gpu-out}; mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
echo "# $(date -u +%FT%TZ) $(uname -n)"; nvidia-smi || true
[ -f .gpu/device-env.sh ] && source .gpu/device-env.sh
B=/tmp/pmm-gpu-build
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DPMM_WITH_TORCH=OFF -DCMAKE_CUDA_ARCHITECTURES="${CMAKE_CUDA_ARCHITECTURES:-90}" \
  > "$OUT/configure.log" 2>&1 || { echo "configure failed"; tail -30 "$OUT/configure.log"; exit 1; }
cmake --build "$B" -j "$(nproc)" --target pmm_tests_device pmm_tests_solvers pmm-bench-device pmm-solve \
  > "$OUT/build.log" 2>&1 || { echo "build failed"; grep -m20 error "$OUT/build.log"; exit 1; }
fail=0
"$B/tests/pmm_tests_device" -s 2>&1 | tee "$OUT/tests-device.log" | tail -5 || fail=1
grep -q "Status: SUCCESS" "$OUT/tests-device.log" || fail=1
grep -q "SKIPPED the cuda system" "$OUT/tests-device.log" && { echo "cuda was not used by the tests"; fail=1; }
"$B/tests/pmm_tests_solvers" -tc="conformance*" 2>&1 | tail -3 | tee "$OUT/tests-conformance.log"
"$B/pmm-solve" --process gamma-poisson --target builtin:counts3 --solver tau-leap --steps 200 --paths 1000000 \
  --device cuda --out "$OUT/gp-cuda.npy" --report "$OUT/gp-cuda.json" | tee "$OUT/solve-cuda.log"
"$B/pmm-bench-device" --device cuda --paths 4194304 --steps 1000 --repeat 3 | tee "$OUT/bench-device.csv"
command -v python3 >/dev/null && python3 bench/gpu_reference.py 4194304 1000 | tee "$OUT/bench-reference.csv"
exit $fail
