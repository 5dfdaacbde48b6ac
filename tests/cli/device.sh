#!/usr/bin/env bash
# --device on pmm-solve, pmm-sweep and pmm-validate: the Thrust path kernels (thrust-cpp: the CUDA source built for the
# CPU) give the CPU's samples for the same seed, SDE solvers and the fixed-step probability-flow ODE (ode-rk4,
# ode-heun); the adaptive ode is refused on a device naming the option; --device cuda without a usable GPU is one
# line naming --device, exit 2, no output, in every app. --precision f32 (pmm-solve): float32 Normal SDE kernels.
set -u
B=${1:?build dir}; S="$B/pmm-solve"; T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
printf 'x0,x1\n-1,0.3\n0.5,-0.7\n2,1.1\n0.5,-0.7\n' > "$T/pts.csv"  # a 2-D point set (the repeat: weight 2)
# Samples printed to 17 digits agree to 1e-12: normals differ from the CPU's SIMD ones in the last bit at most, the
# ODE is deterministic after its first draw, and Poisson counts are identical.
same_samples() {
  max_diff "$1" "$2" | awk '{ exit !($1 <= 1e-12) }'
}
# The largest |difference| between two CSV sample files, over every row and column.
max_diff() {
  awk -F, 'NR==FNR { for (i = 1; i <= NF; ++i) a[FNR, i] = $i; next }
           FNR > 1 { for (i = 1; i <= NF; ++i) { d = $i - a[FNR, i]; if (d < 0) d = -d; if (d > m) m = d } }
           END { printf "%.3g\n", m }' "$1" "$2"
}
for spec in "normal builtin:atoms3 heun" "normal builtin:atoms3 exact" "gamma-poisson builtin:counts3 tau-leap-midpoint" \
            "gamma-poisson builtin:counts3 exact" "normal builtin:atoms3 ode-rk4" "normal $T/pts.csv ode-heun"; do
  set -- $spec
  for d in cpu thrust-cpp; do
    "$S" --process $1 --target $2 --solver $3 --steps 50 --paths 999 --seed 3 --final denoise --device $d \
      --ode-clock log-precision --out "$T/$d.csv" >/dev/null 2>"$T/err" || { echo "FAIL: $spec --device $d"; cat "$T/err"; fail=1; }
  done
  same_samples "$T/cpu.csv" "$T/thrust-cpp.csv" || { echo "FAIL: $spec thrust-cpp differs from cpu"; fail=1; }
done
"$S" --process normal --target builtin:atoms3 --solver ode --device thrust-cpp --out "$T/o.npy" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--device: the adaptive probability-flow ODE 'ode' (dopri5) runs on the CPU only" "$T/err" \
  && [ ! -e "$T/o.npy" ] || { echo "FAIL: --solver ode --device thrust-cpp: rc $rc"; cat "$T/err"; fail=1; }

# --precision f32 (float32 Normal SDE kernels) agrees with f64 to float rounding (1e-4, tests/device; mu(1), as the
# denoised output of a 3-atom oracle is the atoms themselves in both); cpu and gamma-poisson refuse it.
for prec in f64 f32; do
  "$S" --process normal --target builtin:atoms3 --solver heun --steps 50 --paths 999 --seed 3 --device thrust-cpp \
    --precision $prec --final mean --out "$T/$prec.csv" >/dev/null 2>"$T/err" || { echo "FAIL: --precision $prec"; cat "$T/err"; fail=1; }
done
max_diff "$T/f64.csv" "$T/f32.csv" | awk '{ exit !($1 > 0 && $1 < 1e-4) }' || { echo "FAIL: --precision f32 vs f64"; fail=1; }
"$S" --process normal --target builtin:atoms3 --precision f32 --out "$T/p.npy" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q -- "--precision: f32 applies to the device path kernels" "$T/err" || { echo "FAIL: --precision f32 on cpu"; cat "$T/err"; fail=1; }
"$S" --process gamma-poisson --target builtin:counts3 --precision f32 --device thrust-cpp --out "$T/p.npy" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q -- "--precision: f32 kernels exist for the normal process" "$T/err" || { echo "FAIL: --precision f32 gamma-poisson"; cat "$T/err"; fail=1; }

# pmm-sweep: the same table's quality columns on thrust-cpp as on cpu (samples agree to 1e-12, so the metrics agree
# to ~1e-9 relative; the wall times and nothing else differ).
W="$B/pmm-sweep"
for d in cpu thrust-cpp; do
  "$W" --process normal --target builtin:atoms3 --solvers exact,heun,ode-rk4,ode-heun --nfe 8,20 --metric fd,sw \
    --paths 300 --seeds 2 --noise philox --device $d --out "$T/sweep-$d.csv" --quiet 2>"$T/err" \
    || { echo "FAIL: pmm-sweep --device $d"; cat "$T/err"; fail=1; }
done
if ! python3 - "$T/sweep-cpu.csv" "$T/sweep-thrust-cpp.csv" <<'PY'
import csv, sys
rows = [list(csv.DictReader(open(p))) for p in sys.argv[1:]]
assert len(rows[0]) == len(rows[1]) and len(rows[0]) > 10, (len(rows[0]), len(rows[1]))
for a, b in zip(*rows):
    for k in ("process", "target", "metric", "solver", "nfe_requested", "seed", "steps", "nfe", "n_seeds", "paths", "setting"):
        assert a[k] == b[k], (k, a, b)
    for k in ("value", "se"):
        if a[k] != b[k]:
            x, y = float(a[k]), float(b[k])
            assert abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-12), (k, a, b)
PY
then echo "FAIL: pmm-sweep thrust-cpp quality columns differ from cpu"; fail=1; fi
"$W" --process normal --target builtin:atoms3 --solvers ode --nfe 20 --metric fd --paths 100 --noise philox \
  --device thrust-cpp --out "$T/sweep-ode.csv" --quiet 2>"$T/err"
[ $? -eq 2 ] && grep -q -- "--solvers: 'ode' has no device kernel" "$T/err" || { echo "FAIL: pmm-sweep ode on a device"; cat "$T/err"; fail=1; }

# pmm-validate: the checks whose solver runs the device has (recovery, pathwise, errata.eq149) pass on thrust-cpp,
# and the report says where they ran.
V="$B/pmm-validate"
"$V" --quick --threads 2 --device thrust-cpp --check recovery.normal pathwise errata.eq149 --report "$T/v.json" \
  >"$T/v.out" 2>"$T/err" || { echo "FAIL: pmm-validate --quick --device thrust-cpp"; tail -20 "$T/v.out"; cat "$T/err"; fail=1; }
grep -q "device thrust-cpp: [1-9][0-9]* of" "$T/v.out" || { echo "FAIL: pmm-validate does not say the device ran"; tail -3 "$T/v.out"; fail=1; }
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['device']=='thrust-cpp' and j['checks_on_device']>=3, j['device']; \
assert any('thrust-cpp' in c.get('devices', []) for c in j['checks'])" "$T/v.json" || { echo "FAIL: pmm-validate report device"; fail=1; }

if ! nvidia-smi >/dev/null 2>&1; then
  for app in solve sweep validate; do
    case $app in
      solve) "$S" --process normal --target builtin:atoms3 --device cuda --out "$T/c.npy" >/dev/null 2>"$T/err" ;;
      sweep) "$W" --process normal --target builtin:atoms3 --noise philox --device cuda --out "$T/c.csv" >/dev/null 2>"$T/err" ;;
      validate) "$V" --quick --device cuda --report "$T/c.json" >/dev/null 2>"$T/err" ;;
    esac
    rc=$?
    if [ $rc -ne 2 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q -- "--device" "$T/err"; then
      echo "FAIL: pmm-$app --device cuda without a GPU: rc $rc"; cat "$T/err"; fail=1; fi
    ls "$T"/c.* >/dev/null 2>&1 && { echo "FAIL: pmm-$app wrote output"; fail=1; }
  done
  echo "SKIPPED the cuda runs: no GPU here ($(head -c 200 "$T/err"))"
fi
"$S" --process normal --target builtin:atoms3 --device tpu --out "$T/d.npy" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q -- "--device: unknown device 'tpu'" "$T/err" || { echo "FAIL: --device tpu"; cat "$T/err"; fail=1; }
exit $fail
