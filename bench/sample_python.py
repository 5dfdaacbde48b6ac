#!/usr/bin/env python3
"""The stochastic Heun sampler of pmm-solve (include/pmm/solvers/heun.hpp) written in PyTorch-Python, on a
TorchScript predictor file (pmm-train's model.pt: forward(mu [B, dim], t [B]) -> [B, dim]) of the normal process:
the same grid (uniform), the same coefficients (k = f/(b + F), s = sqrt(f)/(b + F), exponential schedule from the
file's `schedule` attribute), 2 forwards per step and a final denoising forward, paths run in chunks of CHUNK paths
each through the whole grid, as pmm-solve does. The state is float64 as in pmm-solve before issue 18 (torch.randn
normals instead of pmm's Philox stream: the same law, not the same samples).
Prints one CSV row: framework,threads,paths,chunk,steps,wall_s,cpu_s,path_steps_per_s,mean0,mean1.
Usage: sample_python.py MODEL.pt PATHS STEPS CHUNK [THREADS] [OUT.npy]"""
import math
import resource
import sys
import time

import numpy as np
import torch


def schedule(text):
    kind, _, args = text.partition(":")
    if kind != "exponential":
        raise SystemExit(f"sample_python.py: only the exponential schedule, got {text}")
    p = dict(kv.split("=") for kv in args.split(",")) if args else {}
    a, k = float(p.get("a", 13.0 / 250.0)), float(p.get("k", 13.0))
    return (lambda t: a * k * math.exp(k * t)), (lambda t: a * (math.exp(k * t) - 1.0))


def main():
    path, paths, steps, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    out = sys.argv[6] if len(sys.argv) > 6 else ""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    m = torch.jit.load(path)
    m.eval()
    f, F = schedule(m.schedule)
    b = float(m.b)
    dim = int(np.prod(list(m.event_shape)))
    grid = [s / steps for s in range(steps + 1)]
    result = torch.empty(paths, dim, dtype=torch.float64)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    with torch.no_grad():
        for p0 in range(0, paths, chunk):
            n = min(chunk, paths - p0)
            mu = torch.zeros(n, dim, dtype=torch.float64)
            for s in range(steps):
                t0, t1 = grid[s], grid[s + 1]
                dt = t1 - t0
                d0, d1 = b + F(t0), b + F(t1)
                k0, s0, k1, s1 = f(t0) / d0, math.sqrt(f(t0)) / d0, f(t1) / d1, math.sqrt(f(t1)) / d1
                g0 = m(mu.float(), torch.full((n,), t0)).double()
                xi = torch.randn(n, dim, dtype=torch.float64)
                mu_p = mu + k0 * dt * (g0 - mu) + s0 * math.sqrt(dt) * xi
                g1 = m(mu_p.float(), torch.full((n,), t1)).double()
                mu = mu + 0.5 * dt * (k0 * (g0 - mu) + k1 * (g1 - mu_p)) + 0.5 * (s0 + s1) * math.sqrt(dt) * xi
            result[p0:p0 + n] = m(mu.float(), torch.full((n,), 1.0)).double()  # --final denoise
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    if out:
        np.save(out, result.numpy())
    mean = result.mean(0).tolist()
    print(f"pytorch-python,{threads},{paths},{chunk},{steps},{wall:.3f},{cpu:.3f},{paths * steps / wall:.1f},"
          f"{mean[0]:.4f},{mean[1] if dim > 1 else 0.0:.4f}")


if __name__ == "__main__":
    main()
