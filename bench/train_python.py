#!/usr/bin/env python3
"""The PMM Normal training loop written in PyTorch-Python, on the very network pmm-train built (its TorchScript
model_raw.pt), with the same objective, batch and optimizer: x from the data, t ~ U(0, 1), mu(t) = (F x + sqrt(F) eps)/(b + F)
from its exact law, loss = mean_j f(t_j) ||x_j - g(mu_j, t_j)||^2, Adam, gradient clipping, EMA.
Prints one CSV row: net,framework,threads,batch,steps,seconds,samples_per_s.
Usage: train_python.py MODEL_RAW.pt DATA.npy|shape:CxHxW NET BATCH STEPS [THREADS] [LR] [CLIP]"""
import sys, time
import numpy as np
import torch

model, data, net, B, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 1
lr = float(sys.argv[7]) if len(sys.argv) > 7 else 1e-3
clip = float(sys.argv[8]) if len(sys.argv) > 8 else 1.0
torch.set_num_threads(threads)
torch._C._set_graph_executor_optimize(False)  # as pmm-train does (bitwise-reproducible resume)
rng = np.random.default_rng(1)
if data.startswith("shape:"):  # images: the values do not change the cost, only the shape does
    shape = [int(v) for v in data[6:].split("x")]
    xs = rng.uniform(-1, 1, size=[4096] + shape)
else:
    xs = np.load(data).astype(np.float64)
m = torch.jit.load(model)
m.train()
params = list(m.parameters())
for p in params:
    p.requires_grad_(True)
ema = [p.detach().clone() for p in params]
opt = torch.optim.Adam(params, lr=lr)
b = 2.0
start = time.perf_counter()
for step in range(steps):
    x = torch.from_numpy(xs[rng.integers(0, len(xs), size=B)])
    t = torch.from_numpy(rng.random(B))
    e13 = torch.exp(13.0 * t)
    f, F = 13.0 / 250.0 * e13, (e13 - 1.0) / 250.0
    bc = [B] + [1] * (x.dim() - 1)
    mu = (F.view(bc) * x + F.sqrt().view(bc) * torch.randn(x.shape, dtype=torch.float64)) / (b + F.view(bc))
    x32, mu32, t32, w32 = x.float(), mu.float(), t.float(), f.float()
    opt.zero_grad()
    g = m(mu32, t32)
    loss = (w32 * ((x32 - g) ** 2).reshape(B, -1).sum(1)).mean()
    loss.backward()
    if clip > 0:
        torch.nn.utils.clip_grad_norm_(params, clip)
    opt.step()
    with torch.no_grad():
        d = min(0.9999, (1.0 + step) / (10.0 + step))
        for e, p in zip(ema, params):
            e.mul_(d).add_(p.detach(), alpha=1.0 - d)
    loss.item()
sec = time.perf_counter() - start
print(f"{net},pytorch-python,{threads},{B},{steps},{sec:.3f},{steps * B / sec:.1f}")
