#!/usr/bin/python3
"""Renderer behind pmm-plot (matplotlib, Agg): mu(t) trajectories with mean and quantile bands, NFE-vs-metric
sweeps on log axes with the metric's noise floor, histograms and scatter plots of samples against a target
sample, and image grids. pmm-plot validates the arguments and calls this script; it can also be run alone:
    pmm_plot.py trajectory traj.npy [--report run.json] --out traj.png
    pmm_plot.py sweep sweep.csv --out sweep.png [--metric fd]
    pmm_plot.py hist samples.npy [--reference target.npy] --out h.png
    pmm_plot.py scatter samples.npy [--reference target.npy] --out s.png
    pmm_plot.py grid samples.npy --shape 1x28x28 --out grid.png
The output format follows the --out extension (.png or .svg). Exit status 2 on bad input, with one line
"pmm-plot: error: ..." on stderr."""
import argparse
import csv
import json
import math
import os
import sys


def fail(message):
    sys.stderr.write("pmm-plot: error: %s\n" % message)
    sys.exit(2)


try:
    import numpy as np
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError as e:  # pragma: no cover - depends on the machine
    fail("matplotlib and numpy are needed (Debian: apt-get install python3-matplotlib python3-numpy): %s" % e)

COLORS = {
    "euler-maruyama": "#d62728",
    "exact": "#ff7f0e",
    "heun": "#1f77b4",
    "ode": "#2ca02c",
    "ode-dopri5": "#2ca02c",
    "ode-rk4": "#9467bd",
    "ode-heun": "#17becf",
    "tau-leap": "#8c564b",
    "tau-leap-midpoint": "#e377c2",
}
METRIC_NAMES = {
    "fd": "Frechet distance (squared)",
    "fid": "FID (Frechet distance of network features)",
    "kid": "KID",
    "sw": "sliced Wasserstein-2 (squared)",
    "energy": "energy distance",
    "tv": "total variation of atom weights",
}


def metric_label(m, rows, labels):
    """The y label of metric m: --metric-label's text for it, else the metric's own name from the table. A fid
    row names its feature network (setting "... features=FILE:..."): FID only when that is Inception."""
    if m in labels:
        return labels[m]
    if m == "fid":
        feats = {r.get("setting", "").split("features=")[-1] for r in rows
                 if r["metric"] == m and "features=" in r.get("setting", "")}
        names = sorted({f.split(":")[0] for f in feats if f})
        if names and not any("inception" in n.lower() for n in names):
            return "fid: Frechet distance of %s features" % ", ".join(os.path.basename(n) for n in names)
    return "%s: %s" % (m, METRIC_NAMES[m]) if m in METRIC_NAMES else m


def parse_metric_labels(text, metrics):
    """--metric-label: one TEXT for a single metric, or METRIC=TEXT pairs separated by ';'."""
    if not text:
        return {}
    if "=" not in text or text.split("=", 1)[0] not in metrics:
        if len(metrics) != 1:
            fail("--metric-label: the table has metrics %s: give METRIC=TEXT[;METRIC=TEXT] or draw one --metric"
                 % ", ".join(metrics))
        return {metrics[0]: text}
    out = {}
    for part in text.split(";"):
        k, _, v = part.partition("=")
        if k not in metrics or not v:
            fail("--metric-label: '%s' is not METRIC=TEXT with METRIC one of %s" % (part, ", ".join(metrics)))
        out[k] = v
    return out


def load_npy(path, what):
    try:
        return np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any reader error is bad input
        fail("%s: %s: cannot read as .npy (%s)" % (what, path, e))


def load_points(path, what):
    if path.endswith(".csv"):
        try:
            a = np.genfromtxt(path, delimiter=",", comments="#", names=None, skip_header=0)
        except Exception as e:  # noqa: BLE001
            fail("%s: %s: %s" % (what, path, e))
        if a.ndim >= 1 and a.size and np.isnan(a.flat[0]):  # header line
            a = np.genfromtxt(path, delimiter=",", comments="#", skip_header=1)
    else:
        a = load_npy(path, what)
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] < 1:
        fail("%s: %s: expected points [n, dim], got shape %s" % (what, path, a.shape))
    if not np.all(np.isfinite(a)):
        fail("%s: %s: contains NaN or infinity" % (what, path))
    return a


def save(fig, out):
    try:
        fig.savefig(out, dpi=130, bbox_inches="tight")
    except Exception as e:  # noqa: BLE001
        fail("--out: %s: cannot write (%s)" % (out, e))
    plt.close(fig)


# ---- trajectory ----
def cmd_trajectory(a):
    traj = load_npy(a.file, "trajectory")
    if traj.ndim != 3:
        fail("trajectory: %s: expected [saves, paths, dim] from pmm-solve --trajectory, got shape %s" % (a.file, traj.shape))
    saves, paths, dim = traj.shape
    times = np.arange(saves, dtype=float)
    xlabel = "save index"
    jumps = a.steps
    title = os.path.basename(a.file)
    if a.report:
        try:
            with open(a.report) as f:
                rep = json.load(f)
        except Exception as e:  # noqa: BLE001
            fail("--report: %s: %s" % (a.report, e))
        st = rep.get("save_times")
        if not isinstance(st, list) or len(st) != saves:
            fail("--report: %s: save_times has %s entries, the trajectory %d saves"
                 % (a.report, len(st) if isinstance(st, list) else "no", saves))
        times = np.asarray(st, dtype=float)
        xlabel = "t"
        proc = rep.get("process", {})
        pname = proc.get("name", "") if isinstance(proc, dict) else str(proc)
        solver = rep.get("solver", {})
        sname = solver.get("name", "") if isinstance(solver, dict) else str(solver)
        jumps = jumps or pname == "gamma-poisson" and sname in ("exact", "tau-leap", "tau-leap-midpoint")
        title = "%s process, %s, %s paths" % (pname, sname, rep.get("paths", "?"))
    coords = list(range(min(dim, a.max_coords)))
    fig, axes = plt.subplots(len(coords), 1, figsize=(7.5, 2.6 * len(coords) + 0.6), sharex=True, squeeze=False)
    shown = min(paths, a.paths)
    style = dict(drawstyle="steps-post") if jumps else {}
    for row, d in enumerate(coords):
        ax = axes[row][0]
        x = traj[:, :, d]
        lo5, lo25, med, hi75, hi95 = np.percentile(x, [5, 25, 50, 75, 95], axis=1)
        # Bands, mean and median are statistics over paths whose jumps fall anywhere between saves: drawn as
        # lines through the save times, never as steps (which would put every jump at a save time).
        ax.fill_between(times, lo5, hi95, color="#1f77b4", alpha=0.15, label="5-95%% of %d paths" % paths)
        ax.fill_between(times, lo25, hi75, color="#1f77b4", alpha=0.25, label="25-75%")
        for j in range(shown):
            ax.plot(times, x[:, j], color="0.35", lw=0.5, alpha=0.6, **style)
        ax.plot(times, x.mean(axis=1), color="#d62728", lw=1.8, label="mean")
        ax.plot(times, med, color="#1f77b4", lw=1.0, ls="--", label="median")
        ax.set_ylabel("mu_%d(t)" % d)
        ax.grid(alpha=0.3)
        if row == 0:
            ax.legend(loc="upper left", fontsize=8, ncol=2)
            ax.set_title("%s: %d of %d sample paths%s" % (title, shown, paths, " (each path as steps between saves)" if jumps else ""))
    axes[-1][0].set_xlabel(xlabel)
    save(fig, a.out)


# ---- sweep ----
def ref_size(row):
    """Reference samples of a row: ref_n when the table has it, else ref_paths (pmm-sweep writes the reference
    actually used there, the --data rows left after the held-out floor sets for --model runs)."""
    return row.get("ref_n") or row["ref_paths"]


def cmd_sweep(a):
    try:
        with open(a.file, newline="") as f:
            rows = list(csv.DictReader(f))
    except Exception as e:  # noqa: BLE001
        fail("sweep: %s: %s" % (a.file, e))
    need = {"metric", "solver", "seed", "nfe", "value", "se", "paths", "ref_paths"}
    if not rows or not need <= set(rows[0].keys()):
        fail("sweep: %s: expected a pmm-sweep table with columns %s" % (a.file, ", ".join(sorted(need))))
    metrics = sorted({r["metric"] for r in rows})
    if a.metric:
        for m in a.metric.split(","):
            if m not in metrics:
                fail("--metric: '%s' is not in %s (it has %s)" % (m, a.file, ", ".join(metrics)))
        metrics = a.metric.split(",")
    for m in metrics:  # one sample count per panel: FIDs of different n are never drawn together
        counts = {(r["paths"], r["ref_paths"]) for r in rows if r["metric"] == m}
        if len(counts) > 1:
            fail("sweep: %s: metric %s has rows at different sample counts %s; they are not comparable"
                 % (a.file, m, sorted(counts)))
    labels = parse_metric_labels(a.metric_label, metrics)
    fig, axes = plt.subplots(1, len(metrics), figsize=(6.4 * len(metrics), 4.8), squeeze=False)
    head = rows[0]
    seeds = max((int(r["n_seeds"]) for r in rows if r["seed"] == "mean"), default=1)
    for k, m in enumerate(metrics):
        ax = axes[0][k]
        summary = [r for r in rows if r["metric"] == m and r["seed"] == "mean"]
        if not summary:  # no seed finished on every seed yet: plot per-seed means
            fail("sweep: %s: no summary rows for %s yet (the sweep has not finished every seed)" % (a.file, m))
        floor = [r for r in summary if r["solver"] == "reference"]
        solvers = [s for s in dict.fromkeys(r["solver"] for r in summary) if s != "reference"]
        positive = all(float(r["value"]) > 0 for r in summary)
        curves = {}
        for s in solvers:
            curves[s] = sorted((float(r["nfe"]), float(r["value"]), float(r["se"] or 0))
                               for r in summary if r["solver"] == s)
        drawn = []
        for k_s, s in enumerate(solvers):
            pts = curves[s]
            x = np.array([p[0] for p in pts])
            y = np.array([p[1] for p in pts])
            e = np.array([p[2] for p in pts])
            # A curve equal to one drawn before (Gamma-Poisson exact and tau-leap are one algorithm in law and use the
            # same draws) would hide under it: say so, and draw it dashed with open markers so both show.
            same = [t for t in drawn if len(curves[t]) == len(pts) and all(
                p[0] == q[0] and abs(p[1] - q[1]) <= 1e-6 * max(abs(p[1]), abs(q[1]), 1e-300)
                for p, q in zip(pts, curves[t]))]
            label = s if not same else "%s (coincides with %s)" % (s, same[0])
            style = dict(marker="o", ms=4, lw=1.5) if not same else dict(marker="s", ms=7, lw=1.2, ls="--", mfc="none")
            ax.errorbar(x, y, yerr=e, capsize=2, label=label, color=COLORS.get(s), zorder=3 + k_s, **style)
            drawn.append(s)
        if floor:
            fv, fe = float(floor[0]["value"]), float(floor[0]["se"] or 0)
            ax.axhspan(fv - fe, fv + fe, color="0.6", alpha=0.35, lw=0)
            model = head["target"].endswith(".pt")
            ax.axhline(fv, color="0.3", lw=1, ls="--",
                       label="noise floor (%s %s vs %s reference)" % (floor[0]["paths"],
                                                                    "held-out data rows" if model else "oracle draws",
                                                                    ref_size(floor[0])))
        ax.set_xscale("log")
        if positive:
            ax.set_yscale("log")
        ax.set_xlabel("NFE (predictor evaluations per path, as used)")
        ax.set_ylabel(metric_label(m, rows, labels))
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        ax.set_title("%s: mean +- se over %d seeds" % (labels.get(m, m), seeds), fontsize=10)
    fig.suptitle("%s process, %s %s, %s samples per run (reference %s)"
                 % (head["process"], "model" if head["target"].endswith(".pt") else "target", head["target"],
                    head["paths"], ref_size(head)), fontsize=11)
    save(fig, a.out)


# ---- hist / scatter ----
def cmd_hist(a):
    x = load_points(a.file, "samples")
    ref = load_points(a.reference, "--reference") if a.reference else None
    if ref is not None and ref.shape[1] != x.shape[1]:
        fail("--reference: dimension %d differs from the samples' %d" % (ref.shape[1], x.shape[1]))
    w = None
    if a.reference_weights:  # the target's atoms with their weights: the histogram of the exact law
        w = load_points(a.reference_weights, "--reference-weights").ravel()
        if ref is None or len(w) != len(ref) or np.any(w < 0) or not w.sum() > 0:
            fail("--reference-weights: expected %s weights >= 0, not all 0" % (len(ref) if ref is not None else "?"))
    coords = list(range(min(x.shape[1], a.max_coords)))
    fig, axes = plt.subplots(1, len(coords), figsize=(5 * len(coords), 3.8), squeeze=False)
    for k, d in enumerate(coords):
        ax = axes[0][k]
        allv = x[:, d] if ref is None else np.concatenate([x[:, d], ref[:, d]])
        bins = np.linspace(allv.min(), allv.max(), a.bins + 1) if allv.max() > allv.min() else a.bins
        ax.hist(x[:, d], bins=bins, density=True, alpha=0.55, color="#1f77b4", label="samples (%d)" % len(x))
        if ref is not None:
            what = "%d weighted atoms, exact" % len(ref) if w is not None else "%d draws" % len(ref)
            ax.hist(ref[:, d], bins=bins, weights=w, density=True, histtype="step", lw=1.5, color="k",
                    label="%s (%s)" % (a.reference_label, what))
        ax.set_xlabel("x_%d" % d)
        ax.set_ylabel("density")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(a.title or os.path.basename(a.file), fontsize=10)
    save(fig, a.out)


def cmd_scatter(a):
    x = load_points(a.file, "samples")
    if x.shape[1] < 2:
        fail("scatter: %s: needs 2-D samples, got dimension %d (use hist)" % (a.file, x.shape[1]))
    ref = load_points(a.reference, "--reference") if a.reference else None
    fig, ax = plt.subplots(figsize=(6, 6))
    n = min(len(x), a.points)
    ax.scatter(x[:n, 0], x[:n, 1], s=2, color="#1f77b4", alpha=0.35, label="samples (%d of %d shown)" % (n, len(x)),
               zorder=2)
    if ref is not None:  # drawn above the samples, in a contrasting colour, so that both stay visible
        m = min(len(ref), a.points)
        ax.scatter(ref[:m, 0], ref[:m, 1], s=1.5, color="#ff7f0e", alpha=0.5, zorder=3,
                   label="%s (%d shown, drawn on top)" % (a.reference_label, m))
    ax.set_xlabel("x_0")
    ax.set_ylabel("x_1")
    ax.set_aspect("equal", adjustable="datalim")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, markerscale=4)
    ax.set_title(a.title or os.path.basename(a.file), fontsize=10)
    save(fig, a.out)


# ---- grid ----
def cmd_grid(a):
    x = load_points(a.file, "samples")
    parts = [int(p) for p in a.shape.lower().split("x")]
    c, h, w = (1, parts[0], parts[1]) if len(parts) == 2 else parts
    if c * h * w != x.shape[1]:
        fail("--shape: %s has %d values, a sample %d" % (a.shape, c * h * w, x.shape[1]))
    lo, hi = (float(v) for v in a.range.split(","))
    n = min(len(x), a.count)
    cols = a.cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    img = np.full((rows * (h + 1) + 1, cols * (w + 1) + 1, 3), 0.55)  # grey frame between images
    for k in range(n):
        im = np.clip((x[k].reshape(c, h, w) - lo) / (hi - lo), 0, 1).transpose(1, 2, 0)
        if c == 1:
            im = np.repeat(im, 3, axis=2)
        r, q = divmod(k, cols)
        img[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + q * (w + 1): 1 + q * (w + 1) + w] = im
    fig, ax = plt.subplots(figsize=(min(12, 0.5 + cols * (w + 1) / 24), min(12, 0.5 + rows * (h + 1) / 24)))
    ax.imshow(img, interpolation="nearest")
    ax.axis("off")
    ax.set_title(a.title or "%s: %d samples as %dx%dx%d images" % (os.path.basename(a.file), n, c, h, w), fontsize=9)
    save(fig, a.out)


def main(argv):
    p = argparse.ArgumentParser(prog="pmm_plot.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("trajectory")
    t.add_argument("file")
    t.add_argument("--report")
    t.add_argument("--out", required=True)
    t.add_argument("--paths", type=int, default=24)
    t.add_argument("--max-coords", type=int, default=4)
    t.add_argument("--steps", action="store_true")
    s = sub.add_parser("sweep")
    s.add_argument("file")
    s.add_argument("--out", required=True)
    s.add_argument("--metric")
    s.add_argument("--metric-label")
    for name in ("hist", "scatter"):
        h = sub.add_parser(name)
        h.add_argument("file")
        h.add_argument("--reference")
        h.add_argument("--reference-label", default="target")
        h.add_argument("--reference-weights")
        h.add_argument("--out", required=True)
        h.add_argument("--bins", type=int, default=80)
        h.add_argument("--points", type=int, default=5000)
        h.add_argument("--max-coords", type=int, default=4)
        h.add_argument("--title")
    g = sub.add_parser("grid")
    g.add_argument("file")
    g.add_argument("--shape", required=True)
    g.add_argument("--range", default="-1,1")
    g.add_argument("--count", type=int, default=64)
    g.add_argument("--cols", type=int, default=0)
    g.add_argument("--out", required=True)
    g.add_argument("--title")
    a = p.parse_args(argv)
    if not (a.out.endswith(".png") or a.out.endswith(".svg")):
        fail("--out: '%s' must end in .png or .svg" % a.out)
    {"trajectory": cmd_trajectory, "sweep": cmd_sweep, "hist": cmd_hist, "scatter": cmd_scatter,
     "grid": cmd_grid}[a.cmd](a)


if __name__ == "__main__":
    main(sys.argv[1:])
