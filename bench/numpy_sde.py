#!/usr/bin/env python3
"""The Normal PMM SDE given x, Euler-Maruyama, written the way a NumPy user would (float64).
dmu = f (x - mu)/(b + F) dt + sqrt(f)/(b + F) dW, f = (13/250) e^{13 t}, F = (e^{13 t} - 1)/250, b = 2.
Prints one CSV row like pmm-bench-solvers."""
import sys, time
import numpy as np

paths = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 17
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
rng = np.random.default_rng(1)
x = rng.choice(np.array([-1.0, 0.5, 2.0]), size=paths, p=[0.2, 0.5, 0.3])
b, dt = 2.0, 1.0 / steps
best = float("inf")
for _ in range(repeats):
    mu = np.zeros(paths)
    start = time.perf_counter()
    for i in range(steps):
        t = i * dt
        f = 13.0 / 250.0 * np.exp(13.0 * t)
        F = np.expm1(13.0 * t) / 250.0
        mu += f * (x - mu) / (b + F) * dt + np.sqrt(f * dt) / (b + F) * rng.standard_normal(paths)
    best = min(best, time.perf_counter() - start)
print(f"normal,numpy-euler-maruyama,1,{paths},{steps},{best:.4f},{paths * steps / best:.4g}")
