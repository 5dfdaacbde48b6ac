#!/usr/bin/env bash
# Reliability promises of docs/reliability.md for the LibTorch apps (pmm-train, pmm-classifier): a huge
# --batch/--width refused up front with the estimate and the option; one run per output (a second writer
# refused naming the file); kill -9 at random points and --resume giving the bytes of an uninterrupted run
# (weights, checkpoint, loss.csv's step and loss columns, train.json's last_loss); a full disk (a small tmpfs,
# when this user may mount one) leaving the checkpoint set and the classifier as they were, no temporary, one
# line naming the file and the cause. Usage: train_reliability.sh BUILD_DIR
set -u
B=${1:?build dir}; P="$B/pmm-train"; C="$B/pmm-classifier"
[ -x "$P" ] || { echo "SKIPPED: $P not built (needs LibTorch)"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_train_reliability.XXXXXX); M=""; bg=""
cleanup() { [ -n "$bg" ] && kill -9 $bg 2>/dev/null; [ -n "$M" ] && umount "$M" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0
no_temporaries() { if ls -a "$1" | grep -q '\.tmp'; then echo "FAIL (temporary left in $1): $2"; ls -a "$1"; fail=1; fi; }
one_line() {  # one_line RC_EXPECTED PATTERN what: checks $rc and $T/err.log
  if [ "$rc" -ne "$1" ] || [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -qE -- "$2" "$T/err.log"; then
    echo "FAIL (rc $rc, expected $1 and one stderr line matching '$2'): $3"; cat "$T/err.log"; fail=1; fi
}
# A small MLP on a built-in set; --log-every 7 is not a multiple of --checkpoint-every 5, so a resume lands
# inside a log window.
TR=(--data builtin:gmm2d --width 16 --depth 2 --batch 32 --log-every 7 --threads 1 --ema 0.9)
RUN=("${TR[@]}" --seed 3 --steps 150 --checkpoint-every 5)

# ---- a huge request: refused before anything is allocated or written ----
start=$(date +%s)
"$P" --data builtin:gmm2d --batch 16777216 --width 4096 --steps 1 --out "$T/huge" >"$T/out.log" 2>"$T/err.log"; rc=$?
one_line 2 '^pmm-train: error: --batch: .*need about [0-9.]+ GiB of memory' "pmm-train --batch 16777216 --width 4096"
[ $(( $(date +%s) - start )) -le 30 ] || { echo "FAIL: the refusal took more than 30 s"; fail=1; }
[ -e "$T/huge" ] && { echo "FAIL: a refused pmm-train created $T/huge"; fail=1; }

# ---- the uninterrupted reference, and a resume of the finished run (no change but train.json's timings) ----
"$P" "${RUN[@]}" --out "$T/ref" >/dev/null 2>"$T/err.log" || { echo "FAIL: reference run"; cat "$T/err.log"; fail=1; }
cp "$T/ref/train.json" "$T/ref.json"
"$P" "${RUN[@]}" --out "$T/ref" --resume >/dev/null 2>"$T/err.log" || { echo "FAIL: resume of a finished run"; fail=1; }
last() { /usr/bin/python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["train"]; print(t["steps"], repr(t["last_loss"]))' "$1"; }
[ "$(last "$T/ref.json")" = "$(last "$T/ref/train.json")" ] ||
  { echo "FAIL: --resume of a finished run changed train.json: $(last "$T/ref.json") -> $(last "$T/ref/train.json")"; fail=1; }
# The tensors of a .pt file (zip members */data/*), as a sorted list: LibTorch writes memory addresses into
# the TorchScript code and orders the Adam state by address, so neither the files' bytes nor the members'
# names agree between two uninterrupted runs; every tensor's bytes do.
tensors_equal() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, zipfile
def tensors(p):
    with zipfile.ZipFile(p) as z:
        return sorted(z.read(n) for n in z.namelist() if "/data/" in n)
sys.exit(0 if tensors(sys.argv[1]) == tensors(sys.argv[2]) else 1)
PY
}
same_run() {  # same_run DIR what: what resume promises equal to the uninterrupted run
  for f in checkpoint.pt model.pt model_raw.pt; do
    tensors_equal "$T/ref/$f" "$1/$f" || { echo "FAIL: $2: the tensors of $f differ from the uninterrupted run"; fail=1; }
  done
  cmp -s <(cut -d, -f1,2 "$T/ref/loss.csv") <(cut -d, -f1,2 "$1/loss.csv") ||
    { echo "FAIL: $2: loss.csv (step, loss) differs:"; diff <(cut -d, -f1,2 "$T/ref/loss.csv") <(cut -d, -f1,2 "$1/loss.csv") | head -5; fail=1; }
  [ "$(last "$T/ref/train.json")" = "$(last "$1/train.json")" ] || { echo "FAIL: $2: train.json last_loss differs"; fail=1; }
  no_temporaries "$1" "$2"
}

# ---- kill -9 at random points (a random loss.csv row), then --resume until done ----
rows() { [ -f "$1/loss.csv" ] && echo $(( $(wc -l <"$1/loss.csv") - 1 )) || echo 0; }
kills=0
for trial in 1 2; do
  D="$T/run$trial"; resume=()
  for round in 1 2 3; do
    target=$(( $(rows "$D") + RANDOM % 6 + 1 ))
    "$P" "${RUN[@]}" --out "$D" "${resume[@]}" >/dev/null 2>"$T/err.log" & bg=$!
    while kill -0 $bg 2>/dev/null && [ "$(rows "$D")" -lt $target ]; do sleep 0.005; done
    if kill -9 $bg 2>/dev/null; then kills=$((kills + 1)); fi
    wait $bg 2>/dev/null; bg=""
    resume=(--resume)
    [ -f "$D/checkpoint.pt" ] || resume=()
  done
  "$P" "${RUN[@]}" --out "$D" "${resume[@]}" >/dev/null 2>"$T/err.log" || { echo "FAIL: final resume of $D"; cat "$T/err.log"; fail=1; }
  same_run "$D" "kill -9 and --resume (trial $trial)"
done
echo "train_reliability: $kills kill -9 landed during a run (2 trials of 3 kills)"

# ---- one run per folder: a second pmm-train on the same --out is refused while the first runs ----
"$P" "${TR[@]}" --steps 1000000 --checkpoint-every 0 --out "$T/busy" >/dev/null 2>&1 & bg=$!
for _ in $(seq 1 3000); do [ "$(rows "$T/busy")" -ge 1 ] && break; sleep 0.01; done
"$P" "${TR[@]}" --out "$T/busy" >"$T/out.log" 2>"$T/err.log"; rc=$?
one_line 2 "--out: $T/busy is in use by another run" "a second pmm-train on a busy --out"
kill -9 $bg; wait $bg 2>/dev/null; bg=""

# ---- a full disk ----
mkdir -p "$T/full"
if mount -t tmpfs -o size=1m tmpfs "$T/full" 2>/dev/null; then
  M="$T/full"; F="$M/run"
  "$P" "${TR[@]}" --steps 10 --seed 3 --out "$F" >/dev/null 2>"$T/err.log" || { echo "FAIL: first run on the tmpfs"; cat "$T/err.log"; fail=1; }
  before=$(cd "$F" && sha256sum checkpoint.pt model.pt model_raw.pt)
  dd if=/dev/zero of="$M/fill" bs=4096 >/dev/null 2>&1  # leave one page: the header and a few rows fit
  size=$(stat -c %s "$M/fill"); truncate -s $(( (size / 4096 - 1) * 4096 )) "$M/fill"
  "$P" "${TR[@]}" --steps 10 --seed 4 --force --out "$F" >/dev/null 2>"$T/err.log"; rc=$?  # replaces the run
  one_line 2 "$F/(checkpoint|model|model_raw)\.pt.*No space left on device" "pmm-train on a full disk"
  [ "$(cd "$F" && sha256sum checkpoint.pt model.pt model_raw.pt)" = "$before" ] ||
    { echo "FAIL: pmm-train on a full disk changed the checkpoint set"; fail=1; }
  no_temporaries "$F" "pmm-train on a full disk"
  if [ -s "$F/loss.csv" ] && [ "$(tail -c 1 "$F/loss.csv" | od -An -c | tr -d ' ')" != '\n' ]; then
    echo "FAIL: pmm-train left a partial row in loss.csv"; fail=1; fi
  rm -rf "$M"/*
  if [ -x "$C" ]; then
    PYTHONPATH="$(dirname "$0")" /usr/bin/python3 - "$T" <<'PY'
import struct, sys
from npy_writer import npy
labels = [k % 2 for k in range(16)]
npy(sys.argv[1] + "/img.npy", "|u1", (16, 1, 8, 8), bytes(b for k in labels for b in [200 if k else 20] * 64))
npy(sys.argv[1] + "/lab.npy", "<i8", (16,), b"".join(struct.pack("<q", k) for k in labels))
PY
    CR=(--train-images "$T/img.npy" --train-labels "$T/lab.npy" --classes 2 --channels 8 --features 16 --steps 2 --batch 8 --threads 1)
    "$C" "${CR[@]}" --seed 1 --out "$M/c.pt" >/dev/null 2>"$T/err.log" || { echo "FAIL: classifier on the tmpfs"; cat "$T/err.log"; fail=1; }
    before=$(cd "$M" && sha256sum c.pt c.json)
    dd if=/dev/zero of="$M/fill" bs=4096 >/dev/null 2>&1
    "$C" "${CR[@]}" --seed 2 --out "$M/c.pt" >/dev/null 2>"$T/err.log"; rc=$?
    one_line 2 "$M/c\.(pt|json).*No space left on device" "pmm-classifier on a full disk"
    [ "$(cd "$M" && sha256sum c.pt c.json)" = "$before" ] || { echo "FAIL: pmm-classifier on a full disk changed c.pt or c.json"; fail=1; }
    no_temporaries "$M" "pmm-classifier on a full disk"
  fi
else
  echo "SKIPPED: cannot mount a tmpfs here (not root?): the disk-full cases did not run"
fi

# ---- pinned CPU kernels (validation/experiments/common.sh): with OpenBLAS, oneDNN and ATen pinned to their AVX2
# kernels, a U-Net trains to the same weights when glibc is made to see a CPU without AVX-512, AVX2 and FMA (its
# libm/libmvec variants switched, as on an older machine); ATen's non-SIMD kernels instead (a control) change them.
if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  PYTHONPATH="$(dirname "$0")" /usr/bin/python3 - "$T/det.npy" <<'PY'
import sys
from npy_writer import npy
x, data = 12345, bytearray()
for _ in range(64 * 256):
    x = (1103515245 * x + 12345) % 2**31
    data.append(x >> 23)
npy(sys.argv[1], "|u1", (64, 1, 16, 16), bytes(data))
PY
  DR=(--data "$T/det.npy" --net unet --channels 8 --steps 20 --batch 8 --threads 1 --log-every 5 --ema 0.9 --seed 0)
  PIN=(env OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2)
  "${PIN[@]}" "$P" "${DR[@]}" --out "$T/pin1" >/dev/null 2>"$T/err.log" || { echo "FAIL: pinned run"; cat "$T/err.log"; fail=1; }
  "${PIN[@]}" GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX2,-FMA "$P" "${DR[@]}" --out "$T/pin2" >/dev/null 2>"$T/err.log" ||
    { echo "FAIL: pinned run with glibc's AVX2 variants off"; cat "$T/err.log"; fail=1; }
  "${PIN[@]}" ATEN_CPU_CAPABILITY=default "$P" "${DR[@]}" --out "$T/pin3" >/dev/null 2>"$T/err.log" ||
    { echo "FAIL: run with ATen's default kernels"; cat "$T/err.log"; fail=1; }
  tensors_equal "$T/pin1/model.pt" "$T/pin2/model.pt" ||
    { echo "FAIL: pinned kernels: the weights change when glibc sees a CPU without AVX2"; fail=1; }
  [ "$(cut -d, -f1,2 "$T/pin1/loss.csv")" = "$(cut -d, -f1,2 "$T/pin2/loss.csv")" ] ||
    { echo "FAIL: pinned kernels: loss.csv changes when glibc sees a CPU without AVX2"; fail=1; }
  tensors_equal "$T/pin1/model.pt" "$T/pin3/model.pt" &&
    { echo "FAIL: control: ATen's default kernels gave the same weights (the comparison cannot fail)"; fail=1; }
else
  echo "SKIPPED: pinned-kernel determinism (this CPU lacks AVX2 or FMA)"
fi

[ $fail -eq 0 ] && echo "train_reliability: all passed"
exit $fail
