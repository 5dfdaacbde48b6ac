#!/usr/bin/env bash
# pmm-solve --device: the Thrust path kernels (thrust-cpp: the CUDA source built for the CPU) give the CPU's samples
# for the same seed; --device cuda without a usable GPU is one line naming --device, exit 2, no output.
set -u
B=${1:?build dir}; S="$B/pmm-solve"; T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
for spec in "normal builtin:atoms3 heun" "normal builtin:atoms3 exact" "gamma-poisson builtin:counts3 tau-leap-midpoint" \
            "gamma-poisson builtin:counts3 exact"; do
  set -- $spec
  for d in cpu thrust-cpp; do
    "$S" --process $1 --target $2 --solver $3 --steps 50 --paths 999 --seed 3 --final denoise --device $d \
      --out "$T/$d.csv" >/dev/null 2>"$T/err" || { echo "FAIL: $spec --device $d"; cat "$T/err"; fail=1; }
  done
  # Normals differ from the CPU's SIMD ones in the last bit at most; samples printed to 17 digits agree to 1e-12.
  if ! awk 'NR==FNR { a[FNR] = $1; next } { d = $1 - a[FNR]; if (d < 0) d = -d; if (d > 1e-12) bad = 1 }
            END { exit bad }' "$T/cpu.csv" "$T/thrust-cpp.csv"; then echo "FAIL: $spec thrust-cpp differs from cpu"; fail=1; fi
done
if ! nvidia-smi >/dev/null 2>&1; then
  "$S" --process normal --target builtin:atoms3 --device cuda --out "$T/c.npy" >/dev/null 2>"$T/err"; rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q -- "--device" "$T/err"; then
    echo "FAIL: --device cuda without a GPU: rc $rc"; cat "$T/err"; fail=1; fi
  [ -e "$T/c.npy" ] && { echo "FAIL: output written"; fail=1; }
  echo "SKIPPED the cuda run: no GPU here ($(head -c 200 "$T/err"))"
fi
"$S" --process normal --target builtin:atoms3 --device tpu --out "$T/d.npy" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q -- "--device: unknown device 'tpu'" "$T/err" || { echo "FAIL: --device tpu"; cat "$T/err"; fail=1; }
exit $fail
