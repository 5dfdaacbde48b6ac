"""pmm: Posterior Mean Matching generative models from Python.

The native extension ``pmm._pmm`` runs the C++ library (the same solvers, oracles and noise as ``pmm-solve``);
results come back as NumPy arrays that own the C++ buffers (no copy).

>>> import pmm
>>> r = pmm.solve(process="normal", target="builtin:gmm2d", steps=100, paths=1000, seed=0)
>>> r["samples"].shape
(1000, 2)
"""
from . import _pmm
from ._pmm import Oracle, Schedule, __version__, builtin_targets, checks, make_grid, solve, solvers
from . import metrics

__all__ = ["solve", "Schedule", "Oracle", "make_grid", "solvers", "builtin_targets", "metrics", "validate", "checks",
           "__version__"]


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
