#!/usr/bin/env bash
# Reliability promises of docs/reliability.md from the outside: garbage inputs refused with one line
# naming the file and line, huge requests refused up front naming the option, a full disk (a 64 KiB
# tmpfs, when this user may mount one) leaving every pre-existing file as it was and no temporary
# behind, stale temporaries of killed runs removed by the next run, a second writer of a busy output
# refused naming it, and runs killed with -9 and run again giving an uninterrupted run's results.
set -u
B=${1:?build dir}; S="$B/pmm-solve"; W="$B/pmm-sweep"
[ -x "$S" ] || { echo "SKIPPED: $S not built"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_reliability.XXXXXX); M=""
bg=""
cleanup() { if [ -n "$bg" ]; then kill -9 "$bg" 2>/dev/null; fi; if [ -n "$M" ]; then umount "$M" 2>/dev/null; fi; rm -rf "$T"; }
trap cleanup EXIT
fail=0
refused() {  # refused PATTERN cmd...: exit 2, one stderr line containing PATTERN (grep -F)
  local pat=$1; shift
  "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -qF -- "$pat" "$T/err.log"; then
    echo "FAIL (rc $rc, expected 2 and one line containing '$pat'): $*"; cat "$T/err.log"; fail=1; fi
}
no_temporaries() { if ls -a "$1" | grep -q '\.tmp'; then echo "FAIL (temporary left in $1): $2"; ls -a "$1"; fail=1; fi; }
R=(--target builtin:atoms3 --steps 5 --paths 10 --quiet)

# ---- garbage refused, naming the file and the line ----
for line in "hello world" "nan 3" "O.7 2"; do
  printf '0 1\n%s\n1 2\n' "$line" > "$T/sched.txt"
  refused "$T/sched.txt: line 2: expected two finite numbers" "$S" "${R[@]}" --schedule "table:$T/sched.txt"
done
refused "--schedule: constant:c=1e+308: F(1) = 1e+308" "$S" "${R[@]}" --schedule constant:c=1e308
printf '{"type": "gaussian-mixture", "weights": [1], "means": [[0]], "variances": [[1]], "weights": [2]}\n' > "$T/mix.json"
refused 'the key "weights" appears twice' "$S" --target "$T/mix.json" --steps 5 --paths 10 --quiet

# ---- huge requests: refused before allocating, with the estimate and the option ----
refused "--paths: 4294967295 paths of dimension 2 need about" "$S" --target builtin:gmm2d --paths 4294967295 --steps 5
grep -qF "GiB of memory" "$T/err.log" || { echo "FAIL: no memory estimate in: $(cat "$T/err.log")"; fail=1; }
if [ -x "$W" ]; then
  refused "--paths: 4294967295 paths and 4294967295 reference paths of dimension 2 need about" \
    "$W" --target builtin:gmm2d --solvers heun --metric fd --nfe 10 --paths 4294967295 --quiet --out "$T/s.csv"
  [ -e "$T/s.csv" ] && { echo "FAIL: pmm-sweep refused but wrote $T/s.csv"; fail=1; }
fi

# ---- stale temporaries of a killed run are removed by the next run on the same output ----
dead=$(sh -c 'echo $$')  # a process that has exited
printf 'half' > "$T/out.npy.tmp.$dead"
"$S" "${R[@]}" --out "$T/out.npy" >/dev/null 2>&1 || { echo "FAIL: run after a stale temporary"; fail=1; }
[ -e "$T/out.npy.tmp.$dead" ] && { echo "FAIL: stale $T/out.npy.tmp.$dead not removed"; fail=1; }

# ---- SIGTERM during a run: no temporary behind (the signal may land before, during or after the write) ----
caught=0
for attempt in 1 2 3; do
  rm -f "$T"/big.npy*
  "$S" --target builtin:gmm2d --steps 1 --paths 2000000 --quiet --out "$T/big.npy" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 2000); do ls "$T" | grep -q 'big.npy.tmp' && { caught=$((caught + 1)); break; }; sleep 0.001; done
  kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
  no_temporaries "$T" "SIGTERM of pmm-solve (attempt $attempt)"
done
[ $caught -gt 0 ] || echo "NOTE: no SIGTERM landed while the temporary existed (the doctest covers that case)"

# ---- one writer per output: a second run on a busy output is refused naming it; kill -9 frees it ----
bg=""
"$S" --target builtin:gmm2d --steps 100000 --paths 100000 --quiet --out "$T/busy.npy" --report "$T/busy.json" >/dev/null 2>&1 &
bg=$!
for _ in $(seq 1 2000); do [ -e "$T/busy.json.lock" ] && break; sleep 0.005; done
refused "--out: $T/busy.npy is in use by another run (pid $bg)" "$S" "${R[@]}" --out "$T/busy.npy"
refused "--report: $T/busy.json is in use by another run (pid $bg)" "$S" "${R[@]}" --report "$T/busy.json"
kill -9 $bg; wait $bg 2>/dev/null
"$S" "${R[@]}" --out "$T/busy.npy" --report "$T/busy.json" >/dev/null 2>"$T/err.log" ||
  { echo "FAIL: the lock of a killed pmm-solve was not released:"; cat "$T/err.log"; fail=1; }
ls "$T" | grep -q '\.lock$' && { echo "FAIL: lock files left after a finished run: $(ls "$T" | grep lock)"; fail=1; }
if [ -x "$W" ]; then
  SW=(--process normal --target builtin:atoms3 --solvers euler-maruyama,heun --metric fd,tv --seeds 3
      --nfe 10,20,40,80,160,320 --quiet)
  "$W" "${SW[@]}" --paths 200000 --out "$T/busy.csv" >/dev/null 2>&1 & bg=$!
  for _ in $(seq 1 2000); do [ -e "$T/busy.csv.lock" ] && break; sleep 0.005; done
  refused "--out: $T/busy.csv is in use by another run (pid $bg)" "$W" "${SW[@]}" --paths 2000 --out "$T/busy.csv"
  kill -9 $bg; wait $bg 2>/dev/null
  # ---- kill -9 at a random row and a rerun: the rows of an uninterrupted sweep (wall_s aside), none twice ----
  "$W" "${SW[@]}" --paths 2000 --out "$T/ref.csv" >/dev/null 2>&1 || { echo "FAIL: reference sweep"; fail=1; }
  for trial in 1 2; do
    rm -f "$T/cut.csv"; target=$(( RANDOM % 20 + 2 ))
    "$W" "${SW[@]}" --paths 2000 --out "$T/cut.csv" >/dev/null 2>&1 & bg=$!
    while kill -0 $bg 2>/dev/null && [ "$( [ -f "$T/cut.csv" ] && wc -l <"$T/cut.csv" || echo 0)" -lt $target ]; do sleep 0.002; done
    kill -9 $bg 2>/dev/null; wait $bg 2>/dev/null
    "$W" "${SW[@]}" --paths 2000 --out "$T/cut.csv" >/dev/null 2>&1 || { echo "FAIL: sweep after kill -9"; fail=1; }
    /usr/bin/python3 - "$T/ref.csv" "$T/cut.csv" <<'PY' || fail=1
import csv, sys
def rows(p):
    with open(p) as f:
        r = list(csv.reader(f))
    w = r[0].index("wall_s")
    return [tuple(x[:w] + x[w + 1:]) for x in r[1:]]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
if sorted(a) != sorted(b) or len(set(b)) != len(b):
    print("FAIL: sweep after kill -9 and rerun: %d rows (%d distinct) vs %d uninterrupted" % (len(b), len(set(b)), len(a)))
    sys.exit(1)
PY
  done
fi
# pmm-solve killed at a random time and run again: the bytes of an uninterrupted run, no temporary.
"$S" --target builtin:gmm2d --steps 20 --paths 200000 --quiet --seed 5 --out "$T/ref.npy" >/dev/null 2>&1
for trial in 1 2; do
  "$S" --target builtin:gmm2d --steps 20 --paths 200000 --quiet --seed 5 --out "$T/cut.npy" >/dev/null 2>&1 & bg=$!
  sleep 0.$(( RANDOM % 9 + 1 )); kill -9 $bg 2>/dev/null; wait $bg 2>/dev/null
  "$S" --target builtin:gmm2d --steps 20 --paths 200000 --quiet --seed 5 --out "$T/cut.npy" >/dev/null 2>&1
  cmp -s "$T/ref.npy" "$T/cut.npy" || { echo "FAIL: pmm-solve after kill -9: --out differs from the uninterrupted run"; fail=1; }
  no_temporaries "$T" "pmm-solve rerun after kill -9"
done
bg=""

# ---- a full disk: pre-existing files unchanged, no temporary, one line naming the file and cause ----
mkdir -p "$T/full"
if mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
  M="$T/full"
  F="$M"
  "$S" "${R[@]}" --seed 1 --out "$F/out.npy" --report "$F/run.json" >/dev/null 2>&1 || { echo "FAIL: first run"; fail=1; }
  before=$(cd "$F" && sha256sum out.npy run.json)
  # Leave three 4 KiB pages free: one each for the lock files of --out and --report (they hold the pid), one
  # for the new --out; the --report after it does not fit.
  dd if=/dev/zero of="$F/fill" bs=4096 >/dev/null 2>&1
  size=$(stat -c %s "$F/fill"); truncate -s $(( (size / 4096 - 3) * 4096 )) "$F/fill"
  "$S" "${R[@]}" --seed 2 --out "$F/out.npy" --report "$F/run.json" >"$T/out.log" 2>"$T/err.log"; rc=$?
  [ $rc -ne 0 ] || { echo "FAIL: pmm-solve on a full disk exited 0"; fail=1; }
  [ "$(wc -l <"$T/err.log")" -eq 1 ] && grep -q "run.json.*No space left on device" "$T/err.log" ||
    { echo "FAIL: expected one line naming run.json and the cause:"; cat "$T/err.log"; fail=1; }
  [ "$(cd "$F" && sha256sum out.npy run.json)" = "$before" ] || { echo "FAIL: pmm-solve changed or removed existing outputs on a full disk"; ls -l "$F"; fail=1; }
  no_temporaries "$F" "pmm-solve on a full disk"
  # No page free at all: the first output fails.
  dd if=/dev/zero of="$F/fill2" bs=1024 >/dev/null 2>&1
  "$S" "${R[@]}" --seed 3 --out "$F/out.npy" >"$T/out.log" 2>"$T/err.log" && { echo "FAIL: exit 0 on a full disk"; fail=1; }
  [ "$(cd "$F" && sha256sum out.npy run.json)" = "$before" ] || { echo "FAIL: existing --out changed"; fail=1; }
  no_temporaries "$F" "pmm-solve --out on a full disk"
  rm -f "$F"/fill*
  # pmm-sweep appending rows to a CSV on a disk that fills: whole rows only, one line, no temporary.
  if [ -x "$W" ]; then
    dd if=/dev/zero of="$F/fill" bs=4096 >/dev/null 2>&1
    size=$(stat -c %s "$F/fill"); truncate -s $(( (size / 4096 - 1) * 4096 )) "$F/fill"
    "$W" --process normal --target builtin:atoms3 --solvers euler-maruyama,heun --metric fd,tv --paths 100 --seeds 3 \
      --nfe 10,20,40,80,160,320 --quiet --out "$F/s.csv" >"$T/out.log" 2>"$T/err.log"; rc=$?
    if [ $rc -eq 0 ]; then
      echo "NOTE: pmm-sweep fitted in the space left; the partial-row case was not reached"
    else
      [ "$(wc -l <"$T/err.log")" -eq 1 ] || { echo "FAIL: pmm-sweep on a full disk, stderr:"; cat "$T/err.log"; fail=1; }
      if [ -s "$F/s.csv" ] && [ "$(tail -c 1 "$F/s.csv" | od -An -c | tr -d ' ')" != '\n' ]; then
        echo "FAIL: pmm-sweep left a partial row at the end of its CSV"; tail -c 200 "$F/s.csv"; fail=1; fi
    fi
    no_temporaries "$F" "pmm-sweep on a full disk"
  fi
else
  echo "SKIPPED: cannot mount a tmpfs here (not root?): the disk-full cases did not run"
fi

[ $fail -eq 0 ] && echo "reliability: all passed"
exit $fail
