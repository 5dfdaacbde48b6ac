#!/usr/bin/env bash
# pmm-classifier from the outside (LibTorch builds): --help; a tiny training run writes the classifier and its report,
# and --model evaluates it; bad input exits 2 with one stderr line naming the option and leaves no classifier,
# report or temporary file behind. Quick (a few seconds). Usage: classifier.sh BUILD_DIR
set -u
B=${1:?build dir}; C="$B/pmm-classifier"
[ -x "$C" ] || { echo "SKIPPED: $C not built (needs LibTorch)"; exit 0; }
T=$(mktemp -d /tmp/pmm_cli_classifier.XXXXXX); trap 'rm -rf "$T"' EXIT
fail=0
ok() { if "$@" >"$T/log" 2>&1; then :; else echo "FAIL (expected success): $*"; cat "$T/log"; fail=1; fi; }
bad() {  # bad NAME args...: exit 2, one stderr line naming NAME, nothing written under $T/out
  local name=$1; shift
  rm -rf "$T/out"; mkdir "$T/out"
  "$C" "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL (rc $rc, expected 2): $*"; cat "$T/err.log"; fail=1; return; fi
  if [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -q -- "$name" "$T/err.log"; then
    echo "FAIL (stderr should be one line naming $name): $*"; cat "$T/err.log"; fail=1; fi
  if [ -n "$(ls -A "$T/out")" ]; then echo "FAIL (output left behind: $(ls "$T/out")): $*"; fail=1; fi
}

# --help names the modes and options
"$C" --help >"$T/help.log" 2>&1 || { echo "FAIL: --help exited non-zero"; fail=1; }
for o in --train-images --train-labels --test-images --model --classify --cfd --cfd-ref --out; do
  grep -q -- "$o" "$T/help.log" || { echo "FAIL: --help does not mention $o"; fail=1; }
done

# Tiny data written without numpy: 16 uint8 images 1x8x8 (class = brightness) with int64 labels, and a 2-D array.
PYTHONPATH="$(dirname "$0")" /usr/bin/python3 - "$T" <<'EOF'
import struct, sys
from npy_writer import npy
t = sys.argv[1]
labels = [k % 2 for k in range(16)]
npy(t + "/img.npy", "|u1", (16, 1, 8, 8), bytes(b for k in labels for b in [200 if k else 20] * 64))
npy(t + "/lab.npy", "<i8", (16,), b"".join(struct.pack("<q", k) for k in labels))
npy(t + "/flat.npy", "<f8", (4, 64), b"".join(struct.pack("<d", 0.0) for _ in range(256)))
EOF

# training mode: the classifier and its report; evaluation mode: test accuracy of the saved file
ok "$C" --train-images "$T/img.npy" --train-labels "$T/lab.npy" --classes 2 --channels 8 --features 16 --steps 3 \
   --batch 8 --threads 1 --out "$T/c.pt"
[ -s "$T/c.pt" ] && [ -s "$T/c.json" ] || { echo "FAIL: training wrote no c.pt/c.json"; fail=1; }
ok "$C" --model "$T/c.pt" --test-images "$T/img.npy" --test-labels "$T/lab.npy" --threads 1
grep -q "test accuracy" "$T/log" || { echo "FAIL: --model --test-images printed no accuracy"; cat "$T/log"; fail=1; }

# bad input: exit 2, the option (or the missing file) named, no output left behind
TR=(--train-images "$T/img.npy" --train-labels "$T/lab.npy" --classes 2 --steps 1 --threads 1)
bad --threads     "${TR[@]}" --threads -1 --out "$T/out/c.pt"
bad --out         "${TR[@]}" --out "$T/out/c.txt"
bad --out         --train-images "$T/img.npy" --train-labels "$T/lab.npy"
bad --train-images --train-images "$T/flat.npy" --train-labels "$T/lab.npy" --out "$T/out/c.pt"
bad --train-images --train-images "$T/out/missing.npy" --train-labels "$T/lab.npy" --out "$T/out/c.pt"
bad --test-images "${TR[@]}" --test-images "$T/img.npy" --out "$T/out/c.pt"
bad --model       --model "$T/img.npy" --report "$T/out/r.json"
bad --train-images --model "$T/c.pt" --train-images "$T/img.npy" --train-labels "$T/lab.npy"
bad --cfd         --cfd "$T/flat.npy" --cfd-ref "$T/out/ref.npz" "${TR[@]}" --out "$T/out/c.pt"
# --classify/--cfd flags are checked before training: with training images that do not exist, the flag is named
bad --cfd         --cfd "$T/flat.npy" --cfd-ref "$T/out/ref.npz" --train-images "$T/out/missing.npy" \
                  --train-labels "$T/lab.npy" --out "$T/out/c.pt"
bad --pixel-range --classify "$T/flat.npy" --pixel-range 1,0 --train-images "$T/out/missing.npy" \
                  --train-labels "$T/lab.npy" --out "$T/out/c.pt"
bad --image-shape --classify "$T/flat.npy" --image-shape 2x8x8 --train-images "$T/out/missing.npy" \
                  --train-labels "$T/lab.npy" --out "$T/out/c.pt"
[ $fail -eq 0 ] && echo "classifier.sh: all passed"
exit $fail
