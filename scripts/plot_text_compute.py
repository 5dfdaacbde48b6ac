#!/usr/bin/env python3
"""Text BPC against training compute (validation/experiments/text_compute.sh's summary.csv).

Left: validation bits per character against training FLOPs (6 x parameters x training characters) for the
Dirichlet-Categorical PMM (staircase schedule), the autoregressive model and, where run, the PMM with the linear
schedule; error bars are +-1 standard error (PMM: the eq. 169 Monte Carlo estimator; AR: over windows).
Right: the gap PMM - AR against training steps on log-log axes, with a least-squares power law
gap = a steps^-b fitted to the staircase runs (weighted by 1/se^2) and its extrapolation, drawn dashed.

Usage: plot_text_compute.py SUMMARY_CSV OUT_PNG [--earlier CSV] [--fit-json OUT_JSON]
--earlier: rows of the same columns from earlier runs of the same configuration (drawn with open markers, used in
the fit like the others).
"""
import argparse
import csv
import json
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("summary")
    ap.add_argument("out")
    ap.add_argument("--earlier", default="")
    ap.add_argument("--fit-json", default="")
    a = ap.parse_args()
    rows = []
    for path, earlier in ((a.summary, False), (a.earlier, True)):
        if not path:
            continue
        try:
            for r in csv.DictReader(open(path)):
                r = {k: (float(v) if k not in ("model", "schedule") else v) for k, v in r.items()}
                r["earlier"] = earlier
                rows.append(r)
        except OSError as e:
            print(f"plot_text_compute.py: {path}: {e.strerror}", file=sys.stderr)
            return 2
    by = {}
    for r in rows:
        by.setdefault(r["model"], []).append(r)
    for v in by.values():
        v.sort(key=lambda r: r["steps"])
    if "pmm" not in by or "ar" not in by:
        print("plot_text_compute.py: the summary needs rows of both 'pmm' and 'ar'", file=sys.stderr)
        return 2

    style = {"pmm": ("PMM, staircase schedule (eq. 169)", "C0", "o"),
             "pmm-linear": ("PMM, linear schedule (eq. 169)", "C2", "s"),
             "ar": ("autoregressive (exact)", "C3", "^")}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, rs in by.items():
        label, colour, marker = style.get(name, (name, "k", "x"))
        x = [r["train_flops"] for r in rs]
        y = [r["bpc"] for r in rs]
        e = [r["se"] for r in rs]
        ax.errorbar(x, y, yerr=e, label=label, color=colour, marker=marker, capsize=3, lw=1.2, ms=5)
        old = [r for r in rs if r["earlier"]]
        if old:
            ax.plot([r["train_flops"] for r in old], [r["bpc"] for r in old], ls="none", marker=marker, ms=8,
                    mfc="white", mec=colour, label=f"{label.split(',')[0].split(' (')[0]}: earlier runs (2026-11-23)")
        for r in rs:
            ax.annotate(f"{int(r['steps']):,}", (r["train_flops"], r["bpc"]), textcoords="offset points",
                        xytext=(4, 5), fontsize=7, color=colour)
    ax.set_xscale("log")
    ax.set_xlabel("training FLOPs (6 x parameters x characters; labels: optimizer steps)")
    ax.set_ylabel("validation bits per character")
    ax.set_title("BPC against training compute")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)

    ar = {r["steps"]: r for r in by["ar"]}
    pts = [(r["steps"], r["bpc"] - ar[r["steps"]]["bpc"], math.hypot(r["se"], ar[r["steps"]]["se"]))
           for r in by["pmm"] if r["steps"] in ar]
    steps = np.array([p[0] for p in pts])
    gap = np.array([p[1] for p in pts])
    se = np.array([p[2] for p in pts])
    bx.errorbar(steps, gap, yerr=se, color="C0", marker="o", capsize=3, lw=1.2, label="PMM (staircase) - AR")
    ar_old = {r["steps"] for r in by["ar"] if r["earlier"]}
    olds = [(s_, g) for s_, g, _ in pts if s_ in ar_old]
    if olds:
        bx.plot([o[0] for o in olds], [o[1] for o in olds], ls="none", marker="o", ms=8, mfc="white", mec="C0",
                label="earlier runs (2026-11-23)")
    fit = {}
    if len(pts) >= 3 and np.all(gap > 0):
        # log gap = log a - b log steps, weights (gap/se)^2 (the delta-method variance of log gap).
        w = (gap / se) ** 2
        A = np.vstack([np.ones_like(steps), -np.log(steps)]).T
        coef, *_ = np.linalg.lstsq(A * np.sqrt(w)[:, None], np.log(gap) * np.sqrt(w), rcond=None)
        cov = np.linalg.inv((A * w[:, None]).T @ A)
        resid = np.log(gap) - A @ coef
        chi2 = float(np.sum(w * resid ** 2))
        dof = len(pts) - 2
        scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
        b, b_se = float(coef[1]), float(math.sqrt(cov[1, 1] * scale))
        grid = np.geomspace(steps.min(), 1e6, 100)
        bx.plot(grid, np.exp(coef[0]) * grid ** (-b), "C0--", lw=1,
                label=f"fit gap ~ steps^-{b:.2f} (+-{b_se:.2f}), extrapolated")
        at = {int(s): float(np.exp(coef[0]) * s ** (-b)) for s in (10 ** 5, 10 ** 6)}
        fit = {"exponent": b, "exponent_se": b_se, "chi2": chi2, "dof": dof,
               "gap_at_1e5_steps": at[10 ** 5], "gap_at_1e6_steps": at[10 ** 6],
               "points": [{"steps": int(s), "gap": float(g), "se": float(e)} for s, g, e in pts]}
    bx.axhline(0.06, color="gray", ls=":", lw=1, label="paper's gap (0.06 bits, ~10^6 steps, 12x768 net)")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("optimizer steps (batch 32 windows of 64 characters)")
    bx.set_ylabel("BPC gap, PMM - autoregressive (bits)")
    bx.set_title("Does the gap close with compute?")
    bx.grid(True, which="both", alpha=0.3)
    bx.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(a.out, dpi=130)
    if a.fit_json:
        json.dump(fit, open(a.fit_json, "w"), indent=2)
    print(json.dumps(fit, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
