#!/usr/bin/env python3
"""Figure of bench/ceiling.sh: Euler-Maruyama's CPU time per coordinate-step as paths, steps and dimension grow
(one panel each, log axes), with the cost of one Philox normal alone (the ceiling) of the same run as a line.
Usage: plot_ceiling.py ceiling.csv scaling.csv out.png"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


ceiling, scaling, out = rows(sys.argv[1]), rows(sys.argv[2]), sys.argv[3]
variant = scaling[0]["simd"]
normal_ns = [float(r["cpu_ns_per_unit"]) for r in ceiling if r["section"] == "normals" and r["simd"] == variant]
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, (section, label) in zip(axes, [("paths", "paths (dim 1; paths x steps fixed)"),
                                       ("steps", "steps (dim 1; paths x steps fixed)"),
                                       ("dim", "dimension (100 steps; paths x dim fixed)")]):
    pts = [(float(r[section]), float(r["cpu_ns_per_unit"])) for r in scaling if r["section"] == section]
    ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color="C0", label="Euler-Maruyama, given x")
    if normal_ns:
        ax.axhline(normal_ns[0], color="C3", ls="--", lw=1, label=f"one Philox normal alone ({normal_ns[0]:.2f} ns)")
    ax.set_xscale("log")
    ax.set_xlabel(label)
    ax.grid(True, which="both", alpha=0.3)
axes[0].set_ylabel("CPU ns per coordinate-step")
axes[0].set_ylim(bottom=0)
axes[0].legend(loc="upper right", fontsize=8)
fig.suptitle(f"pmm-bench-ceiling, 1 thread, SIMD variant {variant}: where the time goes", fontsize=10)
fig.tight_layout()
fig.savefig(out, dpi=130)
print(f"plot_ceiling.py: wrote {out}")
