#!/usr/bin/env bash
# Does the text gap close with compute? Trains the Dirichlet-Categorical PMM transformer (staircase schedule,
# paper Table 5) and the autoregressive transformer of the same width/depth/heads (text.sh's CPU size) at
# several step budgets (each budget a separate run from step 0, same seed, constant learning rate), scores both
# on the validation windows in bits per character (PMM: eq. 169 Monte Carlo with its standard error; AR: exact,
# with the standard error over windows), and trains the PMM once more with the paper's linear ("time-dependent")
# schedule f(t) = 0.01 (1 + 2000 t) at the largest budget. Resumable: a budget whose BPC report exists is skipped.
#
# Usage: validation/experiments/text_compute.sh [--budgets "250 500 1000 4000"] [--linear-budgets "1000"]
#                                               [--build DIR] [--out DIR] [--source kjv|fortunes]
# Outputs in OUT (default /tmp/text-compute): data/, {pmm,ar,pmm-linear}-STEPS/ (run folders),
# {pmm,ar,pmm-linear}-STEPS-bpc.json, times.txt, summary.csv (one row per run) and summary.md.
# Plot: scripts/plot_text_compute.py OUT/summary.csv docs/figures/text-compute.png
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build" out=/tmp/text-compute source=kjv budgets="250 500 1000 4000" linear_budgets="1000"
while [ $# -gt 0 ]; do
  case "$1" in
    --budgets) budgets="${2?--budgets needs a value}"; shift ;;
    --linear-budgets) linear_budgets="${2?--linear-budgets needs a value}"; shift ;;
    --build) build="${2:?--build needs a value}"; shift ;;
    --out) out="${2:?--out needs a value}"; shift ;;
    --source) source="${2:?--source needs a value}"; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "text_compute.sh: unknown option '$1' (expected --budgets, --linear-budgets, --build, --out, --source)" >&2; exit 2 ;;
  esac
  shift
done
for b in $budgets $linear_budgets; do
  [[ "$b" =~ ^[1-9][0-9]*$ ]] || { echo "text_compute.sh: --budgets: '$b' is not a positive step count" >&2; exit 2; }
done
for app in pmm-train pmm-text; do
  [ -x "$build/$app" ] || { echo "text_compute.sh: $build/$app not found (build with LibTorch first, or give --build DIR)" >&2; exit 2; }
done

# text.sh's CPU size (network, batch, learning rate, EMA); its default run is 10,000 steps.
L=64 D=64 LAYERS=3 HEADS=4 BATCH=32 LR=2e-3 EMA=0.999 PASSES=8 THREADS=1 SEED=0
STAIRCASE="staircase:a=3.5,b=100,c=0.985"
LINEAR="linear:a=0.01,b=2000"
mkdir -p "$out"
times="$out/times.txt"
touch "$times"
source "$root/validation/experiments/common.sh"

[ -s "$out/data/valid.txt" ] || stage data /usr/bin/python3 "$root/scripts/prepare_text.py" --source "$source" --out "$out/data"

train_pmm() {  # NAME SCHEDULE STEPS
  local dir="$out/$1-$3"
  [ -s "$dir-bpc.json" ] && { echo "== $1-$3: done (skipped)" >&2; return 0; }
  if [ ! -s "$dir/train.json" ]; then  # a finished training is kept; an interrupted one restarts from step 0
  rm -rf "$dir"
  stage "$1-$3-train" "$build/pmm-train" --process categorical --net transformer --data "$out/data/train.txt" \
    --seq-len "$L" --model-dim "$D" --layers "$LAYERS" --heads "$HEADS" --schedule "$2" \
    --time-sampling log-precision --steps "$3" --batch "$BATCH" --lr "$LR" --ema "$EMA" --seed "$SEED" \
    --log-every 25 --threads "$THREADS" --out "$dir" > "$dir.log" 2>&1
  fi
  stage "$1-$3-bpc" "$build/pmm-text" bpc --model "$dir/model.pt" --data "$out/data/valid.txt" \
    --passes "$PASSES" --seed 1 --threads "$THREADS" --report "$dir-bpc.tmp.json"
  mv "$dir-bpc.tmp.json" "$dir-bpc.json"
}
train_ar() {  # STEPS
  local dir="$out/ar-$1"
  [ -s "$dir-bpc.json" ] && { echo "== ar-$1: done (skipped)" >&2; return 0; }
  if [ ! -s "$dir/train.json" ]; then
  rm -rf "$dir"
  stage "ar-$1-train" "$build/pmm-text" train-ar --data "$out/data/train.txt" --seq-len "$L" --model-dim "$D" \
    --layers "$LAYERS" --heads "$HEADS" --steps "$1" --batch "$BATCH" --lr "$LR" --ema "$EMA" --seed "$SEED" \
    --log-every 25 --threads "$THREADS" --out "$dir" > "$dir.log" 2>&1
  fi
  stage "ar-$1-bpc" "$build/pmm-text" bpc --model "$dir/model.pt" --data "$out/data/valid.txt" \
    --threads "$THREADS" --report "$dir-bpc.tmp.json"
  mv "$dir-bpc.tmp.json" "$dir-bpc.json"
}

for steps in $budgets; do
  train_pmm pmm "$STAIRCASE" "$steps"
  train_ar "$steps"
done
for steps in $linear_budgets; do train_pmm pmm-linear "$LINEAR" "$steps"; done

/usr/bin/python3 - "$out" <<'PY'
import csv, glob, json, os, platform, re, sys, datetime
out = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(out, "*-bpc.json"))):
    name = os.path.basename(f)[:-len("-bpc.json")]
    model, steps = re.fullmatch(r"(.*)-(\d+)", name).groups()
    b = json.load(open(f))
    tr = json.load(open(os.path.join(out, name, "train.json")))["train"]
    params = b["model"]["parameters"]
    chars = 32 * 64 * int(steps)  # batch x window: characters seen in training
    rows.append({"model": model, "steps": int(steps), "characters": chars, "parameters": params,
                 # forward + backward ~ 6 x parameters x tokens (the usual transformer estimate; attention terms
                 # add ~2 x layers x window x width per token, 6% here, left out as in Kaplan et al.)
                 "train_flops": 6 * params * chars, "bpc": b["bpc"], "se": b["standard_error"],
                 "train_seconds": tr["seconds"], "schedule": b["model"].get("schedule", "")})
rows.sort(key=lambda r: (r["model"], r["steps"]))
with open(os.path.join(out, "summary.csv"), "w", newline="") as fh:
    w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
    w.writeheader(); w.writerows(rows)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
md = ["| model | steps | train FLOPs | train s | validation BPC |", "|---|---|---|---|---|"]
md += [f"| {r['model']} | {r['steps']:,} | {r['train_flops']:.2e} | {r['train_seconds']:.0f} | "
       f"{r['bpc']:.3f} +- {r['se']:.3f} |" for r in rows]
md += ["", f"{cpu}, {os.cpu_count()} cores, {datetime.datetime.now().isoformat(timespec='seconds')}"]
open(os.path.join(out, "summary.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
