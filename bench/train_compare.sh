#!/usr/bin/env bash
# Training throughput of pmm-train (C++ LibTorch) beside the same loop in PyTorch-Python (bench/train_python.py) on
# the very same TorchScript network, batch, objective and thread count, one after the other in one run. Python runs
# with OPENBLAS_NUM_THREADS = threads, as pmm-train's --threads sets OpenBLAS's pool (set_torch_threads).
# Needs Debian python3-torch (same 1.13 as libtorch-dev). Usage: bench/train_compare.sh [build-dir] [steps] [threads]
set -euo pipefail
build=${1:-build}; steps=${2:-200}; threads=${3:-1}
here=$(cd "$(dirname "$0")" && pwd); tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "train_compare.sh: needs python3-torch (apt-get install python3-torch)" >&2; exit 2; }
echo "# $(date -u +%FT%TZ) $(uname -n) $(nproc) cores:$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "net,framework,threads,batch,steps,seconds,samples_per_s"
/usr/bin/python3 - "$tmp/gmm.npy" <<'PY'
import sys, numpy as np
r = np.random.default_rng(0); c = np.array([[-2.0, 0.0], [2.0, 1.0]])
np.save(sys.argv[1], c[r.integers(0, 2, 8192)] + 0.3 * r.standard_normal((8192, 2)))
PY
run() {  # name batch data-for-python pmm-train-args...
  local name=$1 B=$2 pydata=$3; shift 3
  "$build/pmm-train" "$@" --batch "$B" --steps "$steps" --threads "$threads" --lr 1e-3 --clip 1 --out "$tmp/$name" \
    --checkpoint-every 0 >/dev/null 2>&1
  /usr/bin/python3 -c "import json,sys; r=json.load(open('$tmp/$name/train.json'))['train']; print(f\"$name,pmm-train,$threads,$B,$steps,{r['seconds']:.3f},{r['samples_per_s']:.1f}\")"
  OPENBLAS_NUM_THREADS=$threads /usr/bin/python3 "$here/train_python.py" "$tmp/$name/model_raw.pt" "$pydata" "$name" "$B" "$steps" "$threads" 1e-3 1
}
run mlp 256 "$tmp/gmm.npy" --data "$tmp/gmm.npy" --net mlp --width 256 --depth 3
run unet 32 shape:1x28x28 --data builtin:shapes --net unet --channels 16
