#!/usr/bin/env bash
# The one GPU script (run on the lent GPU machine from the checkout's root, after `bash ../shared/gpu/prepare.sh`
# here and with `carry: [".gpu"]`): builds pmm for CUDA, runs the device tests (every SDE pair and the fixed-step
# probability-flow ODE on cuda against the CPU core within 1e-12, float32 Normal SDE kernels against float64, laws
# through the conformance battery), pmm-solve (ODE and --precision f32),
# pmm-sweep and pmm-validate with --device cuda (each against its cpu run), and the benchmarks, and writes logs and a
# CSV to $OUT (default gpu-out/). Exit status: non-zero if a build or a test failed.
set -uo pipefail
OUT=${OUT:-gpu-out}; mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
echo "# $(date -u +%FT%TZ) $(uname -n)"; nvidia-smi || true
[ -f .gpu/device-env.sh ] && source .gpu/device-env.sh
B=/tmp/pmm-gpu-build
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DPMM_WITH_TORCH=OFF -DCMAKE_CUDA_ARCHITECTURES="${CMAKE_CUDA_ARCHITECTURES:-90}" \
  > "$OUT/configure.log" 2>&1 || { echo "configure failed"; tail -30 "$OUT/configure.log"; exit 1; }
cmake --build "$B" -j "$(nproc)" --target pmm_tests_device pmm_tests_solvers pmm-bench-device pmm-solve pmm-sweep pmm-validate \
  > "$OUT/build.log" 2>&1 || { echo "build failed"; grep -m20 error "$OUT/build.log"; exit 1; }
fail=0
"$B/tests/pmm_tests_device" -s 2>&1 | tee "$OUT/tests-device.log" | tail -5 || fail=1
grep -q "Status: SUCCESS" "$OUT/tests-device.log" || fail=1
grep -q "SKIPPED the cuda system" "$OUT/tests-device.log" && { echo "cuda was not used by the tests"; fail=1; }
"$B/tests/pmm_tests_solvers" -tc="conformance*" 2>&1 | tail -3 | tee "$OUT/tests-conformance.log"
"$B/pmm-solve" --process gamma-poisson --target builtin:counts3 --solver tau-leap --steps 200 --paths 1000000 \
  --device cuda --out "$OUT/gp-cuda.npy" --report "$OUT/gp-cuda.json" | tee "$OUT/solve-cuda.log" || fail=1
W=/tmp/pmm-gpu-work; mkdir -p "$W"  # large sample files stay here, reports and logs go to $OUT
printf 'x0,x1\n-1,0.3\n0.5,-0.7\n2,1.1\n1.5,-2\n' > "$OUT/pts.csv"  # a 2-D point set (device targets are finite sets)
# The probability-flow ODE on cuda against the CPU (FMA contraction on the device: agree to 1e-9 after 100 RK4 steps).
for d in cpu cuda; do
  "$B/pmm-solve" --process normal --target "$OUT/pts.csv" --solver ode-rk4 --steps 100 --paths 100000 --seed 5 \
    --threads "$(nproc)" --device $d --out "$W/ode-$d.csv" --report "$OUT/ode-$d.json" | tee -a "$OUT/solve-ode.log" || fail=1
done
paste -d, "$W/ode-cpu.csv" "$W/ode-cuda.csv" | awk -F, '{ for (i = 1; i <= NF / 2; ++i) { d = $i - $(i + NF / 2);
  if (d < 0) d = -d; if (d > m) m = d } } END { print "ode-rk4 cuda vs cpu: max |diff|", m + 0; exit !(m < 1e-9) }' \
  | tee -a "$OUT/solve-ode.log" || fail=1
# --precision f32 (float32 Normal SDE kernels) against f64 on cuda: within 1e-4, and the two wall times.
for prec in f64 f32; do
  "$B/pmm-solve" --process normal --target "$OUT/pts.csv" --solver heun --steps 200 --paths 1000000 --seed 5 \
    --device cuda --precision $prec --final mean --out "$W/heun-$prec.csv" --report "$OUT/heun-$prec.json" \
    | tee -a "$OUT/solve-f32.log" || fail=1
done
paste -d, "$W/heun-f64.csv" "$W/heun-f32.csv" | awk -F, '{ for (i = 1; i <= NF / 2; ++i) { d = $i - $(i + NF / 2);
  if (d < 0) d = -d; if (d > m) m = d } } END { print "heun f32 vs f64 on cuda: max |diff|", m + 0; exit !(m < 1e-4) }' \
  | tee -a "$OUT/solve-f32.log" || fail=1
# pmm-sweep: SDE and ODE cells on cuda, the quality columns against the cpu table.
for d in cpu cuda; do
  "$B/pmm-sweep" --process normal --target "$OUT/pts.csv" --solvers exact,heun,ode-rk4,ode-heun --nfe 20,100 \
    --metric fd,sw --paths 20000 --seeds 2 --noise philox --threads "$(nproc)" --device $d --out "$OUT/sweep-$d.csv" \
    | tee -a "$OUT/sweep.log" || fail=1
done
python3 - "$OUT/sweep-cpu.csv" "$OUT/sweep-cuda.csv" <<'PY' 2>&1 | tee -a "$OUT/sweep.log" || fail=1
import csv, sys
a, b = [list(csv.DictReader(open(p))) for p in sys.argv[1:]]
assert len(a) == len(b) > 0
worst = max(abs(float(x["value"]) - float(y["value"])) / max(abs(float(x["value"])), 1e-12) for x, y in zip(a, b))
print("sweep cuda vs cpu: worst relative metric difference", worst)
sys.exit(0 if worst < 1e-6 else 1)
PY
# pmm-validate: the quick suite with the device-capable solver runs on cuda; the report says which ran there.
"$B/pmm-validate" --quick --threads "$(nproc)" --device cuda --report "$OUT/validate-cuda.json" \
  > "$OUT/validate-cuda.log" 2>&1 || fail=1
tail -3 "$OUT/validate-cuda.log"
"$B/pmm-bench-device" --device cuda --paths 4194304 --steps 1000 --repeat 3 | tee "$OUT/bench-device.csv"
command -v python3 >/dev/null && python3 bench/gpu_reference.py 4194304 1000 | tee "$OUT/bench-reference.csv"
exit $fail
