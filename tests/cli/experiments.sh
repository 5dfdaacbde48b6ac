#!/usr/bin/env bash
# The experiment scripts end to end at their --smoke size (every stage runs; the numbers mean nothing):
# validation/experiments/images.sh (needs the Fashion-MNIST .npy files of scripts/setup.sh --data) and
# validation/experiments/text.sh (needs the bible-kjv package). Each part is skipped, saying so, when its data
# or the LibTorch apps are missing.
set -u
B=${1:?build dir}; T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ ! -x "$B/pmm-train" ]; then echo "SKIPPED: no LibTorch build (pmm-train)"; exit 0; fi
fail=0
data="${PMM_DATA_DIR:-$root/build-data}"
if [ -f "$data/fashion-mnist-test-labels.npy" ] && [ -x "$B/pmm-classifier" ]; then
  if "$root/validation/experiments/images.sh" --smoke --build "$B" --data "$data" --out "$T/img" >"$T/img.log" 2>&1; then
    for f in summary.md summary.json sweep-normal.csv sweep-gamma-poisson.csv grid-normal.png classifier.pt; do
      [ -s "$T/img/$f" ] || { echo "FAIL: images.sh --smoke wrote no $f"; fail=1; }
    done
  else
    echo "FAIL: images.sh --smoke"; tail -20 "$T/img.log"; fail=1
  fi
else
  echo "SKIPPED: images.sh (no Fashion-MNIST .npy in $data: scripts/setup.sh --data)"
fi
if [ -x /usr/bin/bible ] && [ -x "$B/pmm-text" ]; then
  if "$root/validation/experiments/text.sh" --smoke --build "$B" --out "$T/txt" >"$T/txt.log" 2>&1; then
    for f in summary.md summary.json; do
      [ -s "$T/txt/$f" ] || { echo "FAIL: text.sh --smoke wrote no $f"; fail=1; }
    done
  else
    echo "FAIL: text.sh --smoke"; tail -20 "$T/txt.log"; fail=1
  fi
else
  echo "SKIPPED: text.sh (no bible-kjv: scripts/setup.sh --data)"
fi
exit $fail
