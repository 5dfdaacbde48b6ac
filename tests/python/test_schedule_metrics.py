"""pmm.Schedule (vectorised F, f), pmm.make_grid and pmm.metrics."""
import math

import numpy as np
import pytest

import pmm


def test_version():
    assert isinstance(pmm.__version__, str) and pmm.__version__.count(".") == 2


def test_exponential_schedule_vectorised():
    s = pmm.Schedule("exponential")
    t = np.linspace(0, 1, 11)
    np.testing.assert_allclose(s.F(t), (np.exp(13 * t) - 1) / 250, rtol=1e-12)
    np.testing.assert_allclose(s.f(t), 13 / 250 * np.exp(13 * t), rtol=1e-12)
    assert isinstance(s.F(0.5), float)
    assert math.isclose(s.F(1.0), (math.exp(13) - 1) / 250, rel_tol=1e-12)
    assert s.F(t.reshape(11, 1)).shape == (11, 1)
    assert "exponential" in repr(s)
    np.testing.assert_allclose(s.alpha(0.2, 0.4), s.F(0.4) - s.F(0.2))


def test_bad_schedule_raises_value_error():
    with pytest.raises(ValueError, match="spec"):
        pmm.Schedule("quadratic")


def test_make_grid():
    g = pmm.make_grid(10)
    np.testing.assert_allclose(g, np.linspace(0, 1, 11))
    assert pmm.make_grid(10, grid="power:rho=2")[-1] == 1.0


def test_registry_lookups():
    assert "heun" in pmm.solvers("normal")
    assert "atoms3" in pmm.builtin_targets("normal")


def test_metrics_zero_on_equal_sets_and_positive_apart():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    y = rng.normal(size=(500, 2)) + 3
    assert pmm.metrics.fd(x, x) == pytest.approx(0, abs=1e-9)
    assert pmm.metrics.fd(x, y) == pytest.approx(18, rel=0.15)
    assert pmm.metrics.sw(x, y) > 5 > pmm.metrics.sw(x, x) - 1e-12
    assert pmm.metrics.kid(x, y, subsets=10, subset_size=100) > pmm.metrics.kid(x, x[::-1], subsets=10, subset_size=100)
    assert pmm.metrics.energy(x, y) > 0.5
    atoms = np.array([[0.0, 0.0], [3.0, 3.0]])
    assert pmm.metrics.tv(np.vstack([x, y]), atoms) == pytest.approx(0, abs=1e-12)
    assert pmm.metrics.tv(x, atoms) == pytest.approx(0.5, abs=0.03)  # a few x lie nearer (3, 3)
    with pytest.raises(ValueError, match="atoms"):
        pmm.metrics.tv(x, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="x"):
        pmm.metrics.fd(np.array(["a"]), y)


def test_solve_samples_atoms3_land_on_atoms():
    oracle = pmm.Oracle("builtin:atoms3")
    atoms, w = oracle.atoms()
    r = pmm.solve(target="builtin:atoms3", steps=200, paths=4000, seed=0, final="denoise")
    assert pmm.metrics.tv(r["samples"], atoms, w) < 0.05
