#!/usr/bin/env python3
"""The jump processes given x, written the way a NumPy user would (float64, one Generator, a loop over steps):
Gamma-Poisson tau-leap, dN ~ Poisson(max(x, 0) dF), mu1 = (beta2 + F0)/(beta2 + F1) mu0 + dN/(beta2 + F1)
(beta1 = 0.1, beta2 = 2, x from counts3: {1, 4, 10} w.p. 0.3/0.4/0.3), and the Inverse-Gamma-Gamma exact step,
dY = max(x, 0) G, G ~ Gamma(dF, 1), mu1 = (beta1 + F0 - 1)/(beta1 + F1 - 1) mu0 + dY/(beta1 + F1 - 1) (beta1 = 2,
beta2 = 1, x from scales3: {0.5, 1.5, 4} w.p. 0.3/0.4/0.3). Same schedule and grid as pmm-bench-solvers:
F(t) = (e^{13 t} - 1)/250, t_i = i/steps. Prints CSV rows like pmm-bench-solvers (best of `repeats`)."""
import sys, time
import numpy as np

paths = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 17
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
rng = np.random.default_rng(1)
F = np.expm1(13.0 * np.arange(steps + 1) / steps) / 250.0


def tau_leap(x, beta1=0.1, beta2=2.0):
    mu = np.full(paths, beta1 / beta2)
    rate = np.maximum(x, 0.0)
    for i in range(steps):
        dN = rng.poisson(rate * (F[i + 1] - F[i]))
        mu = (beta2 + F[i]) / (beta2 + F[i + 1]) * mu + dN / (beta2 + F[i + 1])
    return mu


def igg_exact(x, beta1=2.0, beta2=1.0):
    mu = np.full(paths, beta2 / (beta1 - 1.0))
    scale = np.maximum(x, 0.0)
    for i in range(steps):
        dY = scale * rng.standard_gamma(F[i + 1] - F[i], size=paths)
        mu = (beta1 + F[i] - 1.0) / (beta1 + F[i + 1] - 1.0) * mu + dY / (beta1 + F[i + 1] - 1.0)
    return mu


cases = [("gamma-poisson", "numpy-tau-leap", tau_leap, [1.0, 4.0, 10.0]),
         ("inverse-gamma-gamma", "numpy-exact", igg_exact, [0.5, 1.5, 4.0])]
only = sys.argv[4] if len(sys.argv) > 4 else ""
for process, name, run, atoms in cases:
    if only and only != process:
        continue
    x = rng.choice(np.array(atoms), size=paths, p=[0.3, 0.4, 0.3])
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        best = min(best, time.perf_counter() - start)
    print(f"{process},{name},1,{paths},{steps},{best:.4f},{paths * steps / best:.4g}", flush=True)
