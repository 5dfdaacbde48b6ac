"""pmm: Posterior Mean Matching generative models from Python.

The native extension ``pmm._pmm`` runs the C++ library (the same solvers, oracles and noise as ``pmm-solve``);
results come back as NumPy arrays that own the C++ buffers (no copy).

>>> import pmm
>>> r = pmm.solve(process="normal", target="builtin:gmm2d", steps=100, paths=1000, seed=0)
>>> r["samples"].shape
(1000, 2)
"""
from . import _pmm
from ._pmm import Oracle, Schedule, __version__, builtin_targets, checks, has_torch, make_grid, solve, solvers
from . import metrics

__all__ = ["solve", "Schedule", "Oracle", "make_grid", "solvers", "builtin_targets", "metrics", "validate", "checks", "sweep",
           "has_torch", "__version__"]


def validate(quick=True, checks=None, seed=0, threads=None):
    """Run pmm-validate's checks (``quick``: the reduced sizes of ``make test``; else the full ones).

    checks: None (all), a name, or a list of names or group prefixes (``"orders.weak"``); see ``pmm.checks()``.
    Returns the check table: a pandas DataFrame when pandas is importable, else a list of dicts with keys
    name, what, statistic, tolerance, pass, seconds, error, details. Ctrl-C stops between checks.
    """
    rows = _pmm._validate(quick=quick, checks=checks, seed=seed, threads=threads)
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)


def _reference_seed(base, s):
    # pmm-sweep's reference seed of repetition s (apps/pmm-sweep.cpp), so noise and reference never share one.
    return ((base + s) ^ 0x5EED0000A11CE) & 0xFFFFFFFFFFFFFFFF


def sweep(process="normal", target="builtin:gmm2d", weights=None, solvers=None, steps=(10, 20, 50, 100),
          paths=10000, seeds=1, seed=0, metrics=("fd", "sw"), ref_paths=None, threads=None, prior=None,
          schedule="exponential", grid="uniform", final="denoise"):
    """Sample quality against steps for several solvers, as ``pmm-sweep`` does with an oracle target.

    For every solver (default: the process's SDE solvers and, for normal, ode-rk4), every entry of ``steps``
    and every repetition s < ``seeds``, runs ``pmm.solve(seed=seed + s)`` and compares the samples with
    ``ref_paths`` (default: ``paths``) draws from the target (seed as pmm-sweep's reference seed) by each metric
    of ``metrics`` (``fd``, ``sw``, ``kid``, ``energy``; ``tv`` against the exact weights of a finite target).
    Returns rows (one per run) as a pandas DataFrame when pandas is importable, else a dict of lists with the
    columns process, solver, steps, seed, nfe, wall_s and one per metric.
    """
    oracle = Oracle(target, weights=weights, process=process, schedule=schedule, prior=prior)
    if solvers is None:
        solvers = [s for s in _pmm.solvers(process) if not s.startswith("ode")]
        if process == "normal":
            solvers.append("ode-rk4")
    if isinstance(steps, int):
        steps = [steps]
    unknown = [m for m in metrics if m not in ("fd", "sw", "kid", "energy", "tv")]
    if unknown:
        raise ValueError(f"metrics: unknown {unknown} (expected fd, sw, kid, energy, tv)")
    atoms = oracle.atoms() if "tv" in metrics else None
    if "tv" in metrics and atoms is None:
        raise ValueError("metrics: tv needs a finite target (a point set)")
    cols = {k: [] for k in ("process", "solver", "steps", "seed", "nfe", "wall_s", *metrics)}
    for s in range(seeds):
        reference = oracle.sample(ref_paths or paths, seed=_reference_seed(seed, s))
        for solver in solvers:
            for n in steps:
                r = solve(process=process, target=target, weights=weights, solver=solver, steps=n, paths=paths,
                          seed=seed + s, threads=threads, save_every=0, prior=prior, schedule=schedule, grid=grid,
                          final=final)
                x = r["samples"]
                for key, value in (("process", process), ("solver", solver), ("steps", n), ("seed", seed + s),
                                   ("nfe", r["nfe"]), ("wall_s", r["seconds"])):
                    cols[key].append(value)
                for m in metrics:
                    if m == "tv":
                        cols[m].append(metrics_module.tv(x, atoms[0], atoms[1]))
                    elif m in ("sw", "kid"):
                        cols[m].append(getattr(metrics_module, m)(x, reference, seed=seed))
                    else:
                        cols[m].append(getattr(metrics_module, m)(x, reference))
    try:
        import pandas
    except ImportError:
        return cols
    return pandas.DataFrame(cols)


metrics_module = metrics
