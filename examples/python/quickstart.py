"""Quickstart: sample the built-in 3-atom target with the Normal PMM process and plot mu(t).

Run from the repository root after building (`cmake --build build --target _pmm`):
    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py [out.png]
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import pmm  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else "quickstart.png"
print("pmm", pmm.__version__)

# 2,000 paths of the Normal process towards builtin:atoms3 (three atoms on the line), Heun, 200 steps.
r = pmm.solve(process="normal", target="builtin:atoms3", solver="heun", steps=200, paths=2000, seed=0,
              save_every=2)
samples, traj, times = r["samples"], r["trajectory"], r["times"]  # [paths, 1], [saves, paths, 1], [saves]
atoms, weights = pmm.Oracle("builtin:atoms3").atoms()
print(f"samples {samples.shape}, trajectory {traj.shape}, NFE {r['nfe']}, {r['seconds']:.3f} s")
print("total variation to the atoms' weights:", round(pmm.metrics.tv(samples, atoms, weights), 4))

fig, (ax, hist) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 1]}, sharey=True)
for p in range(60):
    ax.plot(times, traj[:, p, 0], lw=0.6, alpha=0.6)
for a in atoms[:, 0]:
    ax.axhline(a, color="k", lw=0.8, ls="--")
ax.set_xlabel("t")
ax.set_ylabel("mu(t)")
ax.set_title("Normal PMM paths to builtin:atoms3 (60 of 2,000)")
hist.hist(samples[:, 0], bins=np.linspace(samples.min() - 0.5, samples.max() + 0.5, 80), orientation="horizontal")
hist.set_xlabel("count at t = 1")
fig.tight_layout()
fig.savefig(out, dpi=120)
print("wrote", out)
