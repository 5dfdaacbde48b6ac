#!/usr/bin/env bash
# Text experiment (paper Table 3 in shape): a Dirichlet-Categorical PMM transformer (staircase schedule) and an
# autoregressive transformer of the same width/depth/heads, trained on the same English corpus reduced to the
# text8 alphabet, scored in bits per character on held-out text (eq. 169 for the PMM), plus generated samples.
#
# Usage: validation/experiments/text.sh [--full | --smoke] [--device cpu|cuda] [--build DIR] [--out DIR] [--source kjv|fortunes]
#   default: a CPU size that finishes in about 25-30 minutes on 2 shared cores (measured, docs/results.md);
#   --full:  a GPU size (use with --device cuda); the paper's own runs are ~10^6 steps on 4 H100s.
# Outputs in OUT (default /tmp/text-run): data/, pmm/ (pmm-train), ar/ (pmm-text train-ar), *-bpc.json,
# *-samples.txt, summary.json and summary.md. Each stage's wall time is recorded in summary.json.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
size=cpu device=cpu build="$root/build" out=/tmp/text-run source=kjv
while [ $# -gt 0 ]; do
  case "$1" in
    --full) size=full ;;
    --smoke) size=smoke ;;
    --device) device="${2:?--device needs a value}"; shift ;;
    --build) build="${2:?--build needs a value}"; shift ;;
    --out) out="${2:?--out needs a value}"; shift ;;
    --source) source="${2:?--source needs a value}"; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "text.sh: unknown option '$1' (expected --full, --device, --build, --out, --source)" >&2; exit 2 ;;
  esac
  shift
done
for app in pmm-train pmm-text pmm-solve; do
  [ -x "$build/$app" ] || { echo "text.sh: $build/$app not found (build with LibTorch first, or give --build DIR)" >&2; exit 2; }
done

# Same network for both models: width, blocks, heads, window length; same steps and batch (same sequences seen).
if [ "$size" = full ]; then
  L=256 D=512 LAYERS=8 HEADS=8 STEPS=100000 BATCH=128 LR=3e-4 EMA=0.9999 EVAL_CHARS=0 PASSES=8 THREADS=0
elif [ "$size" = smoke ]; then  # seconds: checks that every stage runs, not results
  L=16 D=16 LAYERS=1 HEADS=2 STEPS=20 BATCH=8 LR=2e-3 EMA=0.9 EVAL_CHARS=2000 PASSES=1 THREADS=1
else
  # One LibTorch thread: on the shared 2-core machine --threads 2 ran 20x slower (OpenMP spinning against the
  # OpenBLAS pool and the other jobs), measured 609 vs 30 samples/s.
  L=64 D=64 LAYERS=3 HEADS=4 STEPS=10000 BATCH=32 LR=2e-3 EMA=0.999 EVAL_CHARS=0 PASSES=8 THREADS=1
fi
SCHEDULE="staircase:a=3.5,b=100,c=0.985"
SEED=0
mkdir -p "$out"
times="$out/times.txt"
: > "$times"
source "$root/validation/experiments/common.sh"

stage data /usr/bin/python3 "$root/scripts/prepare_text.py" --source "$source" --out "$out/data"
stage pmm_train "$build/pmm-train" --process categorical --net transformer --data "$out/data/train.txt" \
  --seq-len "$L" --model-dim "$D" --layers "$LAYERS" --heads "$HEADS" --schedule "$SCHEDULE" \
  --time-sampling log-precision --steps "$STEPS" --batch "$BATCH" --lr "$LR" --ema "$EMA" --seed "$SEED" \
  --device "$device" --log-every 50 "${threads[@]}" --force --out "$out/pmm"  # --force: a rerun replaces its own model
stage ar_train "$build/pmm-text" train-ar --data "$out/data/train.txt" --seq-len "$L" --model-dim "$D" \
  --layers "$LAYERS" --heads "$HEADS" --steps "$STEPS" --batch "$BATCH" --lr "$LR" --ema "$EMA" --seed "$SEED" \
  --device "$device" --log-every 50 "${threads[@]}" --out "$out/ar"
stage pmm_bpc "$build/pmm-text" bpc --model "$out/pmm/model.pt" --data "$out/data/valid.txt" \
  --max-chars "$EVAL_CHARS" --passes "$PASSES" --seed 1 --device "$device" "${threads[@]}" --report "$out/pmm-bpc.json"
stage ar_bpc "$build/pmm-text" bpc --model "$out/ar/model.pt" --data "$out/data/valid.txt" \
  --max-chars "$EVAL_CHARS" --device "$device" "${threads[@]}" --report "$out/ar-bpc.json"
stage pmm_samples "$build/pmm-solve" --process dirichlet-categorical --model "$out/pmm/model.pt" --solver event-driven \
  --paths 8 --seed 1 --device "$device" --show 0 --out "$out/pmm-samples.txt" --report "$out/pmm-samples.json"
stage ar_samples "$build/pmm-text" sample-ar --model "$out/ar/model.pt" --paths 8 --seed 1 --device "$device" \
  --out "$out/ar-samples.txt" > /dev/null

/usr/bin/python3 - "$out" "$size" "$device" <<'PY'
import json, os, platform, subprocess, sys, datetime
out, size, device = sys.argv[1:4]
times = dict(line.split() for line in open(os.path.join(out, "times.txt")))
times = {k: float(v) for k, v in times.items()}
pmm_b, ar_b = (json.load(open(os.path.join(out, f))) for f in ("pmm-bpc.json", "ar-bpc.json"))
pmm_t, ar_t = (json.load(open(os.path.join(out, d, "train.json"))) for d in ("pmm", "ar"))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
summary = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "size": size, "device": device,
           "machine": f"{cpu}, {os.cpu_count()} cores", "wall_seconds": times,
           "total_seconds": sum(times.values()),
           "pmm": {"bpc": pmm_b["bpc"], "se": pmm_b["standard_error"], "parameters": pmm_b["model"]["parameters"],
                   "train_seconds": pmm_t["train"]["seconds"], "samples_per_s": pmm_t["train"]["samples_per_s"],
                   "last_loss": pmm_t["train"]["last_loss"]},
           "ar": {"bpc": ar_b["bpc"], "se": ar_b["standard_error"], "parameters": ar_b["model"]["parameters"],
                  "train_seconds": ar_t["train"]["seconds"], "samples_per_s": ar_t["train"]["samples_per_s"],
                  "last_loss": ar_t["train"]["last_loss_nats_per_char"]},
           "eval_characters": pmm_b["data"]["characters"]}
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=2)
md = [f"| model | parameters | train s | samples/s | validation BPC |", "|---|---|---|---|---|",
      f"| Dirichlet-Categorical PMM (staircase, eq. 169) | {summary['pmm']['parameters']} | "
      f"{summary['pmm']['train_seconds']:.0f} | {summary['pmm']['samples_per_s']:.0f} | "
      f"{summary['pmm']['bpc']:.3f} +- {summary['pmm']['se']:.3f} |",
      f"| autoregressive (causal, same width/depth/heads) | {summary['ar']['parameters']} | "
      f"{summary['ar']['train_seconds']:.0f} | {summary['ar']['samples_per_s']:.0f} | {summary['ar']['bpc']:.3f} |",
      "", f"total wall time {summary['total_seconds']:.0f} s on {summary['machine']} ({device}), {summary['date']}"]
open(os.path.join(out, "summary.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
