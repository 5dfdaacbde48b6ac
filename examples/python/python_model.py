"""Sampling with a Python-callable predictor g(mu, t) -> E[x | mu(t) = mu].

The predictor here is the exact posterior mean of a small point set written in NumPy (what a trained network
wrapped as `lambda mu, t: net(torch.from_numpy(mu), torch.from_numpy(t)).numpy()` would be); pmm.solve calls
it once per batch of paths, holding the GIL only for the call. Its samples are compared with the built-in
oracle's for the same seed.
    PYTHONPATH=build/python /usr/bin/python3 examples/python/python_model.py
"""
import numpy as np

import pmm

points = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
b = 2.0  # the Normal process's prior precision (default)
schedule = pmm.Schedule("exponential")


def g(mu, t):
    """mu [B, 2], t [B] -> E[x | mu(t) = mu]: mu | x ~ N(c x, v I), c = F/(b + F), v = F/(b + F)^2."""
    F = schedule.F(t)[:, None]
    c, v = F / (b + F), np.maximum(F / (b + F) ** 2, 1e-300)
    logits = -((mu[:, None, :] - c[:, :, None] * points[None]) ** 2).sum(-1) / (2 * v)
    w = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (w / w.sum(axis=1, keepdims=True)) @ points


mine = pmm.solve(model=g, dim=2, steps=100, paths=5000, seed=1, save_every=0)
ref = pmm.solve(target=points, steps=100, paths=5000, seed=1, save_every=0)
print(f"python model: {mine['seconds']:.3f} s, built-in oracle: {ref['seconds']:.3f} s")
print("largest difference between the two runs' samples:", float(np.abs(mine["samples"] - ref["samples"]).max()))
print("sliced W2^2 between them:", pmm.metrics.sw(mine["samples"], ref["samples"]))
print("TV of the python model's samples to the points:", pmm.metrics.tv(mine["samples"], points))
