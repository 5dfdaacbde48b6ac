"""pmm: Posterior Mean Matching generative models from Python.

The native extension ``pmm._pmm`` runs the C++ library (the same solvers, oracles and noise as ``pmm-solve``);
results come back as NumPy arrays that own the C++ buffers (no copy).

>>> import pmm
>>> r = pmm.solve(process="normal", target="builtin:gmm2d", steps=100, paths=1000, seed=0)
>>> r["samples"].shape
(1000, 2)
"""
from . import _pmm
from ._pmm import Oracle, Schedule, __version__, builtin_targets, make_grid, solve, solvers
from . import metrics

__all__ = ["solve", "Schedule", "Oracle", "make_grid", "solvers", "builtin_targets", "metrics", "__version__"]
