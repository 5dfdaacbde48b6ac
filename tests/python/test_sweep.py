"""pmm.sweep: rows of (solver, steps, metrics); errors shrink with steps on a finite target."""
import pytest

import pmm


def columns(table):
    return {k: list(table[k]) for k in table} if not isinstance(table, dict) else table


def test_sweep_rows_and_convergence():
    t = columns(pmm.sweep(target="builtin:atoms3", solvers=["heun", "euler-maruyama"], steps=[5, 200], paths=2000,
                          metrics=("sw", "tv", "fd"), final="denoise", threads=2))
    assert t["solver"] == ["heun", "heun", "euler-maruyama", "euler-maruyama"]
    assert t["steps"] == [5, 200, 5, 200]
    assert t["nfe"][1] == 2 * 200 + 1  # heun, plus the denoise evaluation
    assert t["tv"][1] < 0.05 and t["sw"][1] < t["sw"][0]


def test_sweep_bad_metric():
    with pytest.raises(ValueError, match="metrics"):
        pmm.sweep(metrics=("fid",), steps=5, paths=10)
    with pytest.raises(ValueError, match="tv"):
        pmm.sweep(target="builtin:gmm2d", metrics=("tv",), steps=5, paths=10)
