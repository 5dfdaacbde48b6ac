#!/usr/bin/env bash
# Token networks from the outside: pmm-solve --process dirichlet-categorical --model FILE.pt samples with a trained
# transformer (length, alphabet, schedule taken from the file; a mismatch names the option), and pmm-text scores,
# trains and samples. Bad input: one stderr line naming the option, exit status 2, no output left behind.
# Skipped (exit 0, says so) when the build has no LibTorch.
set -u
B=${1:?build dir}; T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
if [ ! -x "$B/pmm-train" ] || [ ! -x "$B/pmm-text" ]; then echo "SKIPPED: no LibTorch build (pmm-train, pmm-text)"; exit 0; fi
fail=0
ok() { if "$@" >"$T/log" 2>&1; then :; else echo "FAIL (expected success): $*"; cat "$T/log"; fail=1; fi; }
bad() {  # bad OPTION_NAME program args...: exit 2, one stderr line naming the option, no outputs
  local name=$1; shift
  rm -f "$T"/out.* "$T"/run.json
  "$@" >"$T/out.log" 2>"$T/err.log"; local rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL (rc $rc, expected 2): $*"; cat "$T/err.log"; fail=1; return; fi
  if [ "$(wc -l <"$T/err.log")" -ne 1 ] || ! grep -q -- "$name" "$T/err.log"; then
    echo "FAIL (stderr should be one line naming $name): $*"; cat "$T/err.log"; fail=1; fi
  if ls "$T"/out.* "$T"/run.json >/dev/null 2>&1; then echo "FAIL (output left behind): $*"; fail=1; fi
}
# A tiny corpus (one line, no newline) and tiny models: enough to exercise the wiring, not to learn English.
for i in $(seq 1 40); do printf 'the cat sat on the mat and the dog sat on the log '; done > "$T/corpus.txt"
ok "$B/pmm-train" --process categorical --net transformer --data "$T/corpus.txt" --seq-len 16 --model-dim 16 \
  --layers 1 --heads 2 --schedule staircase --steps 5 --batch 8 --out "$T/pmm"
ok "$B/pmm-text" train-ar --data "$T/corpus.txt" --seq-len 16 --model-dim 16 --layers 1 --heads 2 --steps 5 \
  --batch 8 --out "$T/ar"
M="$T/pmm/model.pt"
S="$B/pmm-solve"
ok "$S" --process dirichlet-categorical --model "$M" --paths 4 --seed 3 --out "$T/s.txt" --report "$T/s.json"
[ "$(wc -l <"$T/s.txt")" -eq 4 ] || { echo "FAIL: expected 4 sampled lines"; fail=1; }
awk 'length($0) != 16 { exit 1 }' "$T/s.txt" || { echo "FAIL: sampled lines must have 16 characters"; fail=1; }
grep -q '"model"' "$T/s.json" || { echo "FAIL: report lacks the model"; fail=1; }
# Only characters of the training vocabulary come out.
tr -d ' acdeghlmnost\n' <"$T/s.txt" | grep -q . && { echo "FAIL: sampled characters outside the vocabulary"; fail=1; }
ok "$S" --process dirichlet-categorical --model "$M" --solver fixed-grid --steps 20 --paths 3 --length 16 \
  --alphabet "chars: acdeghlmnost" --schedule staircase:a=3.5,b=100,c=0.985 --out "$T/g.npy"
# Same seed, same samples.
ok "$S" --process dirichlet-categorical --model "$M" --paths 4 --seed 3 --out "$T/s2.txt"
cmp -s "$T/s.txt" "$T/s2.txt" || { echo "FAIL: same seed gave different samples"; fail=1; }
O=(--out "$T/out.txt" --report "$T/run.json")
bad --length   "$S" --process dirichlet-categorical --model "$M" --length 17 "${O[@]}"
bad --alphabet "$S" --process dirichlet-categorical --model "$M" --alphabet text8 "${O[@]}"
bad --schedule "$S" --process dirichlet-categorical --model "$M" --schedule linear "${O[@]}"
bad --model    "$S" --process dirichlet-categorical --model "$T/missing.pt" "${O[@]}"
bad --model    "$S" --process dirichlet-categorical --model "$M" --target "$T/corpus.txt" "${O[@]}"
bad --model    "$S" --process dirichlet-categorical --model "$T/ar/model.pt" "${O[@]}"

P="$B/pmm-text"
ok "$P" --help
ok "$P" bpc --model "$M" --data "$T/corpus.txt" --passes 2 --report "$T/b.json"
ok "$P" bpc --model "$T/ar/model.pt" --data "$T/corpus.txt" --report "$T/a.json"
/usr/bin/python3 - "$T/b.json" "$T/a.json" <<'PY' || fail=1
import json, math, sys
for f in sys.argv[1:]:
    j = json.load(open(f))
    # Untrained-ish models: above 0 and below ~log2(13) + margin.
    if not (0 < j["bpc"] < 6 and math.isfinite(j["standard_error"])):
        print(f"FAIL: {f}: bpc {j['bpc']}"); sys.exit(1)
PY
ok "$P" sample-ar --model "$T/ar/model.pt" --paths 2 --out "$T/ar.txt"
[ "$(wc -l <"$T/ar.txt")" -eq 2 ] || { echo "FAIL: expected 2 autoregressive samples"; fail=1; }
bad --data      "$P" bpc --model "$M" --data "$T/missing.txt" --report "$T/run.json"
bad --passes    "$P" bpc --model "$M" --data "$T/corpus.txt" --passes 0 --report "$T/run.json"
bad --report    "$P" bpc --model "$M" --data "$T/corpus.txt" --report "$T/out.csv"
bad --alphabet  "$P" bpc --model "$M" --data "$T/corpus.txt" --alphabet text8 --report "$T/run.json"
bad --data      "$P" bpc --model "$M" --data "$T/s2.txt" --report "$T/run.json"
bad --model     "$P" bpc --model "$T/corpus.txt" --data "$T/corpus.txt" --report "$T/run.json"
bad --seq-len   "$P" train-ar --data "$T/corpus.txt" --seq-len 1 --out "$T/ar2"
bad --out       "$P" sample-ar --model "$T/ar/model.pt" --out "$T/out.npy"
bad --paths     "$P" sample-ar --model "$T/ar/model.pt" --paths 0
exit $fail
