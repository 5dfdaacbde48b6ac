"""The same Normal PMM Euler-Maruyama loop (x given, exponential schedule, float64 and float32) written as a user
would in PyTorch eager, JAX lax.scan (jit) and diffrax Euler, timed best of 3 on the GPU. Prints CSV rows
backend,solver,paths,steps,seconds,path_steps_per_s. Libraries that are missing are skipped with a line."""
import sys
import time

paths = int(sys.argv[1]) if len(sys.argv) > 1 else 1 << 22
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
b, a, k, x = 2.0, 13.0 / 250.0, 13.0, 0.7


def F(t):
    import math
    return a * (math.exp(k * t) - 1.0) / k


def row(name, dtype, best):
    print(f"{name}-{dtype},euler-maruyama,{paths},{steps},{best:.6f},{paths * steps / best:.4g}", flush=True)


try:
    import torch
    import math
    for dtype in (torch.float64, torch.float32):
        def run():
            mu = torch.zeros(paths, device="cuda", dtype=dtype)
            for i in range(steps):
                t0, dt = i / steps, 1.0 / steps
                f0 = a * math.exp(k * t0)
                D = b + F(t0)
                mu = mu + f0 * dt / D * (x - mu) + math.sqrt(f0 * dt) / D * torch.randn_like(mu)
            torch.cuda.synchronize()
            return mu
        run()
        best = 1e300
        for _ in range(3):
            s = time.perf_counter(); run(); best = min(best, time.perf_counter() - s)
        row("pytorch-eager", str(dtype).split(".")[-1], best)
except Exception as e:  # noqa: BLE001
    print(f"# pytorch skipped: {e}", flush=True)

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    for dtype in (jnp.float64, jnp.float32):
        ts = jnp.arange(steps, dtype=dtype) / steps

        @jax.jit
        def run(key):
            def body(mu, inp):
                t0, kk = inp
                f0 = a * jnp.exp(k * t0)
                D = b + a * (jnp.exp(k * t0) - 1.0) / k
                dt = 1.0 / steps
                xi = jax.random.normal(kk, (paths,), dtype=dtype)
                return mu + f0 * dt / D * (x - mu) + jnp.sqrt(f0 * dt) / D * xi, None
            keys = jax.random.split(key, steps)
            mu, _ = jax.lax.scan(body, jnp.zeros(paths, dtype=dtype), (ts, keys))
            return mu
        run(jax.random.PRNGKey(0)).block_until_ready()
        best = 1e300
        for _ in range(3):
            s = time.perf_counter(); run(jax.random.PRNGKey(1)).block_until_ready(); best = min(best, time.perf_counter() - s)
        row("jax-scan", jnp.dtype(dtype).name, best)
except Exception as e:  # noqa: BLE001
    print(f"# jax skipped: {e}", flush=True)

try:
    import diffrax
    import jax
    import jax.numpy as jnp

    def drift(t, y, args):
        f = a * jnp.exp(k * t)
        return f * (x - y) / (b + a * (jnp.exp(k * t) - 1.0) / k)

    def diffusion(t, y, args):
        return jnp.sqrt(a * jnp.exp(k * t)) / (b + a * (jnp.exp(k * t) - 1.0) / k)

    @jax.jit
    def run(key):
        def one(kk):
            bm = diffrax.VirtualBrownianTree(0.0, 1.0, tol=1.0 / steps / 2, shape=(), key=kk)
            terms = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(diffusion, bm))
            return diffrax.diffeqsolve(terms, diffrax.Euler(), 0.0, 1.0, 1.0 / steps, 0.0).ys
        return jax.vmap(one)(jax.random.split(key, paths))
    run(jax.random.PRNGKey(0)).block_until_ready()
    best = 1e300
    for _ in range(3):
        s = time.perf_counter(); run(jax.random.PRNGKey(1)).block_until_ready(); best = min(best, time.perf_counter() - s)
    row("diffrax-euler", "float64", best)
except Exception as e:  # noqa: BLE001
    print(f"# diffrax skipped: {e}", flush=True)
