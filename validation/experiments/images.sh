#!/usr/bin/env bash
# Image experiment (paper Table 2 in shape): a Normal and a Gamma-Poisson PMM U-Net trained on Fashion-MNIST with
# pmm-train, a small CNN classifier trained on the same data (pmm-classifier) whose penultimate features define the
# classifier Frechet distance (CFD; NOT FID), and pmm-sweep over solvers and NFE scored by CFD through pmm-sweep's
# FID path (--metric fid --fid-features classifier.pt), plus image grids and mu(t) trajectories of a few pixels.
#
# Usage: validation/experiments/images.sh [--full] [--device cpu|cuda] [--build DIR] [--out DIR] [--data DIR]
#   default: a CPU size meant to finish within 30 minutes on 2 shared cores (measured: docs/results.md);
#   --full:  a GPU size (use with --device cuda); never run here (no GPU was available).
#   --smoke: ~25 s, checks that every stage runs (no results); --summary-only: redo summary and figure from OUT.
# Data: $PMM_DATA_DIR or --data (default build-data/), filled by scripts/setup.sh --data (docs/data.md).
# Outputs in OUT (default /tmp/images-run): classifier.{pt,json}, normal/ and gamma-poisson/ (pmm-train runs),
# sweep-*.csv, *.png, times.txt, summary.json and summary.md. Each stage's wall time is recorded in times.txt.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
summary_only=0 size=cpu device=cpu build="$root/build" out=/tmp/images-run data="${PMM_DATA_DIR:-$root/build-data}"
while [ $# -gt 0 ]; do
  case "$1" in
    --full) size=full ;;
    --smoke) size=smoke ;;
    --summary-only) summary_only=1 ;;
    --device) device="${2:?--device needs a value}"; shift ;;
    --build) build="${2:?--build needs a value}"; shift ;;
    --out) out="${2:?--out needs a value}"; shift ;;
    --data) data="${2:?--data needs a value}"; shift ;;
    -h|--help) sed -n "2,13p" "$0"; exit 0 ;;
    *) echo "images.sh: unknown option '$1' (expected --full, --device, --build, --out, --data)" >&2; exit 2 ;;
  esac
  shift
done
for app in pmm-train pmm-classifier pmm-sweep pmm-solve pmm-plot; do
  [ -x "$build/$app" ] || { echo "images.sh: $build/$app not found (build with LibTorch first, or give --build DIR)" >&2; exit 2; }
done
if [ ! -f "$data/fashion-mnist-test-labels.npy" ]; then
  echo "images.sh: no Fashion-MNIST .npy files in $data; running scripts/setup.sh --data" >&2
  PMM_DATA_DIR="$data" "$root/scripts/setup.sh" --data
fi

# The ODE is fixed-step RK4 (ode-rk4): pmm-sweep sizes the adaptive "ode" by bisecting its tolerance on pilot
# runs down to rtol 1e-12, which costs minutes per run with a U-Net on CPU (measured: 156 s for 16 paths).
# CH: U-Net base channels; STEPS x BATCH: training samples per model; PATHS: samples per sweep run (the CFD
# reference is the first REF test images); NFE: budgets; SEEDS: sweep repetitions.
if [ "$size" = full ]; then
  CH=64 STEPS=40000 BATCH=128 LR=2e-4 EMA=0.9999 CLS_CH=32 CLS_STEPS=6000 PATHS=10000 REF=10000 SEEDS=3
  NFE=10,20,50,100,200,500,1000 NFE_GP=10,20,50,100,200,500,1000 THREADS=0 CORE_THREADS=8
  SOLVERS=exact,euler-maruyama,heun,ode-rk4 SOLVERS_GP=exact,tau-leap,euler-maruyama
elif [ "$size" = smoke ]; then  # ~25 s: checks that every stage runs, not results
  CH=8 STEPS=10 BATCH=8 LR=2e-3 EMA=0.9 CLS_CH=4 CLS_STEPS=10 PATHS=16 REF=64 SEEDS=1
  NFE=10 NFE_GP=10 THREADS=1 CORE_THREADS=1
  SOLVERS=exact,ode-rk4 SOLVERS_GP=tau-leap
else
  # Threads: 1, measured faster than 2 on the shared 2-core machine (LibTorch's pools fight the other jobs).
  CH=16 STEPS=2400 BATCH=32 LR=2e-3 EMA=0.999 CLS_CH=16 CLS_STEPS=1500 PATHS=256 REF=2000 SEEDS=1
  NFE=10,20,50,100,200 NFE_GP=10,20,50,100 THREADS=1 CORE_THREADS=1
  SOLVERS=exact,euler-maruyama,heun,ode-rk4 SOLVERS_GP=exact,tau-leap,euler-maruyama
fi
SEED=0
train_x="$data/fashion-mnist-train-images.npy" train_y="$data/fashion-mnist-train-labels.npy"
test_x="$data/fashion-mnist-test-images.npy" test_y="$data/fashion-mnist-test-labels.npy"
mkdir -p "$out"
times="$out/times.txt"
py=/usr/bin/python3
if [ "$summary_only" = 0 ]; then
: > "$times"
source "$root/validation/experiments/common.sh"

# 1. The CFD feature network: trained on the 60,000 training images, accuracy on the 10,000 test images.
stage classifier "$build/pmm-classifier" --train-images "$train_x" --train-labels "$train_y" \
  --test-images "$test_x" --test-labels "$test_y" --channels "$CLS_CH" --steps "$CLS_STEPS" --batch 128 \
  --seed "$SEED" --device "$device" "${threads[@]}" --out "$out/classifier.pt"

# 2. The two PMMs (paper settings: exponential schedule, b = 2; beta1 = 0.1, beta2 = 2), same U-Net and budget.
# --force: a rerun into the same OUT replaces the script's own earlier models (pmm-train refuses that otherwise).
stage train_normal "$build/pmm-train" --process normal --data "$train_x" --net unet --channels "$CH" \
  --param edm --time-sampling log-precision --steps "$STEPS" --batch "$BATCH" --lr "$LR" --ema "$EMA" \
  --seed "$SEED" --device "$device" "${threads[@]}" --log-every 50 --preview 64 --preview-steps 100 \
  --force --out "$out/normal"
stage train_gamma_poisson "$build/pmm-train" --process gamma-poisson --data "$train_x" --net unet --channels "$CH" \
  --time-sampling log-precision --steps "$STEPS" --batch "$BATCH" --lr "$LR" --ema "$EMA" \
  --seed "$SEED" --device "$device" "${threads[@]}" --log-every 50 --preview 64 --preview-steps 100 \
  --force --out "$out/gamma-poisson"

# 3. Reference samples (test images, in each process's scale) and the sweeps, scored by CFD and pixel-space FD.
stage reference "$py" "$root/scripts/prepare_data.py" reference "$test_x" --process normal --n "$REF" \
  --out "$out/ref-normal.npy"
"$py" "$root/scripts/prepare_data.py" reference "$test_x" --process gamma-poisson --n "$REF" \
  --out "$out/ref-gamma-poisson.npy"
rm -f "$out/sweep-normal.csv" "$out/sweep-gamma-poisson.csv"
stage sweep_normal "$build/pmm-sweep" --process normal --model "$out/normal/model.pt" --data "$out/ref-normal.npy" \
  --solvers "$SOLVERS" --nfe "$NFE" --metric fid,fd --fid-features "$out/classifier.pt" \
  --fid-ref-out "$out/cfd-ref-normal.npz" --image-shape 1x28x28 --pixel-range=-1,1 --paths "$PATHS" \
  --seeds "$SEEDS" --seed "$SEED" --device "$device" --threads "$CORE_THREADS" --quiet --out "$out/sweep-normal.csv"
stage sweep_gamma_poisson "$build/pmm-sweep" --process gamma-poisson --model "$out/gamma-poisson/model.pt" \
  --data "$out/ref-gamma-poisson.npy" --solvers "$SOLVERS_GP" --nfe "$NFE_GP" --metric fid,fd \
  --fid-features "$out/classifier.pt" --fid-ref-out "$out/cfd-ref-gamma-poisson.npz" --image-shape 1x28x28 \
  --pixel-range=0,1 --paths "$PATHS" --seeds "$SEEDS" --seed "$SEED" --device "$device" --threads "$CORE_THREADS" --quiet \
  --out "$out/sweep-gamma-poisson.csv"

# The CFD floor: PATHS real training images (not in the reference) against the same reference statistics.
floors() {
  for p in normal gamma-poisson; do
    local range=-1,1
    [ "$p" = gamma-poisson ] && range=0,1
    "$py" "$root/scripts/prepare_data.py" reference "$train_x" --process "$p" --n "$PATHS" --out "$out/floor-$p.npy"
    "$build/pmm-classifier" --model "$out/classifier.pt" --cfd "$out/floor-$p.npy" --cfd-ref "$out/cfd-ref-$p.npz" \
      --pixel-range="$range" --device "$device" --report "$out/cfd-floor-$p.json"
  done
}
stage floors floors

# 4. Grids (64 samples, 100 steps) and mu(t) of 4 pixels of 16 paths (200 steps), per process.
grids() {
  for p in normal gamma-poisson; do
    local solver=euler-maruyama range=-1,1
    [ "$p" = gamma-poisson ] && solver=tau-leap range=0,1
    "$build/pmm-plot" grid "$out/$p/samples.npy" --shape 1x28x28 --range "$range" --count 64 \
      --title "$p PMM, exact solver, 100 steps, denoised" --out "$out/grid-$p.png"
    "$build/pmm-solve" --process "$p" --model "$out/$p/model.pt" --solver "$solver" --steps 200 --paths 16 \
      --seed 7 --device "$device" --threads "$CORE_THREADS" --final denoise --trajectory "$out/traj-$p-all.npy" --save-every 2 \
      --report "$out/traj-$p.json" --out "$out/traj-$p-final.npy" --quiet
    # Pixels (row, col) = (14, 14) centre, (7, 14), (21, 10), (14, 4): mostly garment, edge, background.
    "$py" -c "import numpy as np, sys; t = np.load(sys.argv[1]); np.save(sys.argv[2], t[:, :, [14*28+14, 7*28+14, 21*28+10, 14*28+4]])" \
      "$out/traj-$p-all.npy" "$out/traj-$p.npy"
    rm -f "$out/traj-$p-all.npy"
    "$build/pmm-plot" trajectory "$out/traj-$p.npy" --report "$out/traj-$p.json" --paths 8 --out "$out/traj-$p.png"
    "$build/pmm-classifier" --model "$out/classifier.pt" --classify "$out/$p/samples.npy" --pixel-range="$range" \
      --report "$out/classes-$p.json" > /dev/null
  done
  "$build/pmm-classifier" --model "$out/classifier.pt" --classify "$out/ref-normal.npy" --pixel-range=-1,1 \
    --report "$out/classes-reference.json" > /dev/null
  "$build/pmm-plot" grid "$out/ref-normal.npy" --shape 1x28x28 --range -1,1 --count 64 \
    --title "Fashion-MNIST test images" --out "$out/grid-data.png"
}
stage grids grids
fi  # summary_only

# 5. Summary: tables of CFD (the "fid" rows of the sweeps) and pixel FD against NFE, wall times, machine.
"$py" - "$out" "$size" "$device" <<'PY'
import csv, json, os, platform, sys, datetime
out, size, device = sys.argv[1:4]
times = {k: float(v) for k, v in (line.split() for line in open(os.path.join(out, "times.txt")))}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
cls = json.load(open(os.path.join(out, "classifier.json")))
summary = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "size": size, "device": device,
           "machine": f"{cpu}, {os.cpu_count()} cores", "wall_seconds": times, "total_seconds": sum(times.values()),
           "classifier": {"test_accuracy": cls["test"]["accuracy"], "train_seconds": cls["train"]["seconds"]}}
lines = [f"# Image experiment ({size}, {device}), {summary['date']}", "",
         f"Machine: {summary['machine']}. Total wall time {summary['total_seconds']:.0f} s.", "",
         f"Classifier (CFD features): test accuracy {cls['test']['accuracy']:.4f}, "
         f"{cls['train']['seconds']:.0f} s.", ""]
for p in ("normal", "gamma-poisson"):
    tr = json.load(open(os.path.join(out, p, "train.json")))["train"]
    summary[p] = {"train": tr}
    cls_p = json.load(open(os.path.join(out, f"classes-{p}.json")))["classify"]["histogram"]
    summary[p]["class_histogram"] = cls_p
    lines += [f"## {p}", "", f"Training: {tr['steps']} steps, {tr['seconds']:.0f} s, {tr['samples_per_s']:.0f} samples/s, "
              f"last loss {tr['last_loss']:.4g}. Classes of the 64 preview samples: {cls_p}.", ""]
    rows = list(csv.DictReader(open(os.path.join(out, f"sweep-{p}.csv"))))
    for metric, label in (("fid", "CFD (classifier Frechet distance)"), ("fd", "pixel-space FD")):
        mean = [r for r in rows if r["metric"] == metric and r["seed"] == "mean"]
        if not mean:
            mean = [r for r in rows if r["metric"] == metric]
        budgets = sorted({int(r["nfe_requested"]) for r in mean if r["solver"] != "reference"})
        lines += [f"{label}, {rows[0]['paths']} samples per run", "",
                  "| solver | " + " | ".join(map(str, budgets)) + " |", "|---" * (len(budgets) + 1) + "|"]
        for s in dict.fromkeys(r["solver"] for r in mean):
            cells = {int(r["nfe_requested"]): r for r in mean if r["solver"] == s}
            if s == "reference":
                # pmm-sweep's own floor for --model runs: --paths held-out rows of --data against the rest, which
                # is the reference of the runs. The floors stage (below) scores real training images instead.
                r = next(iter(cells.values()))
                lines.append(f"| pmm-sweep floor ({r['paths']} held-out rows vs the {r['ref_paths']}-row reference) | "
                             f"{float(r['value']):.4g} |"
                             + " |" * (len(budgets) - 1))
                continue
            def cell(b):
                if b not in cells: return ""
                r = cells[b]; nfe = round(float(r["nfe"]))
                return f"{float(r['value']):.4g}" + ("" if nfe == b else f" [{nfe}]")
            lines.append(f"| {s} | " + " | ".join(cell(b) for b in budgets) + " |")
        if metric == "fid":
            fl = json.load(open(os.path.join(out, f"cfd-floor-{p}.json")))["cfd"]
            summary[p]["cfd_floor"] = fl["value"]
            lines.append(f"| floor: {fl['n']} real training images | {fl['value']:.4g} |" + " |" * (len(budgets) - 1))
        lines.append("")
        summary[p][metric] = [{k: r[k] for k in ("solver", "nfe_requested", "nfe", "value", "se", "wall_s")} for r in mean]
# The figure: CFD and pixel FD against NFE, both processes (pmm-plot sweep would label the CFD "FID").
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
fig, axes = plt.subplots(2, 2, figsize=(10, 7.2), sharex=True)
colors = {"exact": "C1", "euler-maruyama": "C3", "heun": "C0", "ode-rk4": "C4", "tau-leap": "C2"}
for col, p in enumerate(("normal", "gamma-poisson")):
    rows = [r for r in csv.DictReader(open(os.path.join(out, f"sweep-{p}.csv"))) if r["seed"] == "mean"]
    for row, (metric, label) in enumerate((("fid", "CFD (classifier features)"), ("fd", "pixel-space FD"))):
        ax = axes[row][col]
        for s in sorted({r["solver"] for r in rows if r["solver"] != "reference"}):
            pts = sorted((float(r["nfe"]), float(r["value"])) for r in rows if r["solver"] == s and r["metric"] == metric)
            style = dict(marker="o", ms=4, color=colors.get(s))
            if p == "gamma-poisson" and s == "tau-leap":
                style.update(ls="--", marker="x", ms=7)  # identical to exact (same draws)
            ax.plot([x for x, _ in pts], [y for _, y in pts], label=s, **style)
        if metric == "fid":
            fl = json.load(open(os.path.join(out, f"cfd-floor-{p}.json")))["cfd"]
            ax.axhline(fl["value"], color="k", ls=":", lw=1, label=f"{fl['n']} real images")
        ax.set_xscale("log"); ax.set_yscale("log"); ax.grid(True, which="both", alpha=0.3)
        ax.set_title(f"{p}: {label}", fontsize=10)
        if row == 1: ax.set_xlabel("NFE (network evaluations per sample)")
        ax.legend(fontsize=7)
n = rows[0]["paths"] if rows else "?"
fig.suptitle(f"Fashion-MNIST PMM U-Nets ({size} size): quality against NFE, {n} samples per run, 1 seed", fontsize=11)
fig.tight_layout()
fig.savefig(os.path.join(out, "images-sweep.png"), dpi=90)
lines += ["Wall times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()), ""]
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=1)
open(os.path.join(out, "summary.md"), "w").write("\n".join(lines))
print("\n".join(lines))
PY
