"""Python-callable predictors: the oracle wrapped in Python gives the oracle's samples; errors propagate."""
import numpy as np
import pytest

import pmm

POINTS = np.array([[0.0, 1.0], [2.0, -1.0], [-3.0, 0.5]])


def test_wrapped_oracle_gives_the_oracles_samples_bitwise():
    oracle = pmm.Oracle(POINTS)
    calls = []

    def model(mu, t):
        calls.append(mu.shape[0])
        assert mu.dtype == np.float64 and mu.shape[1] == 2 and t.shape == (mu.shape[0],)
        return oracle(mu, t)

    model.dim = oracle.dim
    model.batch = oracle.batch  # same chunks as the native run
    ref = pmm.solve(target=POINTS, steps=25, paths=400, seed=3)
    got = pmm.solve(model=model, steps=25, paths=400, seed=3)
    assert got["samples"].tobytes() == ref["samples"].tobytes()
    assert got["trajectory"].tobytes() == ref["trajectory"].tobytes()
    assert got["nfe"] == ref["nfe"]
    assert len(calls) == (2 * 25 + 1) * 4  # heun: 2 evaluations per step + the final denoise, 400 paths in batches of 128
    # pmm.Oracle itself is a model (it has dim and batch).
    direct = pmm.solve(model=oracle, steps=25, paths=400, seed=3)
    assert direct["samples"].tobytes() == ref["samples"].tobytes()


def numpy_finite_set_oracle(points, F, b=2.0):
    """E[x | mu] for the normal process: mu | x ~ N(c x, v I) with c = F / (b + F), v = F / (b + F)^2 ... (as the
    C++ finite-set oracle), written in NumPy."""
    def g(mu, t):
        Ft = F(t)[:, None]
        c = Ft / (b + Ft)
        v = np.maximum(Ft / (b + Ft) ** 2, 1e-300)
        d2 = ((mu[:, None, :] - c[:, :, None] * points[None, :, :]) ** 2).sum(-1)
        logits = -d2 / (2 * v)
        logits -= logits.max(axis=1, keepdims=True)
        w = np.exp(logits)
        w /= w.sum(axis=1, keepdims=True)
        return w @ points
    return g


def test_numpy_predictor_close_to_the_builtin_oracle():
    sched = pmm.Schedule("exponential")
    g = numpy_finite_set_oracle(POINTS, sched.F)
    oracle = pmm.Oracle(POINTS)
    mu = np.random.default_rng(0).normal(size=(64, 2))
    for t in (0.05, 0.3, 0.7):
        tt = np.full(64, t)
        np.testing.assert_allclose(g(mu, tt), oracle(mu, tt), rtol=1e-9, atol=1e-9)
    ref = pmm.solve(target=POINTS, steps=40, paths=300, seed=1, save_every=0)
    got = pmm.solve(model=g, dim=2, steps=40, paths=300, seed=1, save_every=0)
    np.testing.assert_allclose(got["samples"], ref["samples"], rtol=1e-6, atol=1e-6)


def test_exceptions_in_the_model_propagate():
    def boom(mu, t):
        raise ZeroDivisionError("boom from the model")

    with pytest.raises(ZeroDivisionError, match="boom from the model"):
        pmm.solve(model=boom, dim=2, steps=5, paths=10)


@pytest.mark.parametrize("ret, exc", [
    (lambda mu, t: mu[:, :1], ValueError),
    (lambda mu, t: mu.ravel(), ValueError),
    (lambda mu, t: mu.astype(str), TypeError),
    (lambda mu, t: None, TypeError),
])
def test_bad_model_returns_name_the_model(ret, exc):
    with pytest.raises(exc, match="model"):
        pmm.solve(model=ret, dim=2, steps=5, paths=10)


def test_model_result_may_be_float32_or_fortran():
    oracle = pmm.Oracle(POINTS)
    ref = pmm.solve(model=lambda mu, t: oracle(mu, t), dim=2, steps=10, paths=50, seed=0)
    got = pmm.solve(model=lambda mu, t: np.asfortranarray(oracle(mu, t)), dim=2, steps=10, paths=50, seed=0)
    assert got["samples"].tobytes() == ref["samples"].tobytes()
    f32 = pmm.solve(model=lambda mu, t: oracle(mu, t).astype(np.float32), dim=2, steps=10, paths=50, seed=0)
    np.testing.assert_allclose(f32["samples"], ref["samples"], rtol=1e-4, atol=1e-4)


def test_oracle_sample_and_atoms():
    oracle = pmm.Oracle(POINTS, weights=[1, 1, 2])
    x = oracle.sample(1000, seed=0)
    assert x.shape == (1000, 2)
    pts, w = oracle.atoms()
    np.testing.assert_array_equal(pts, POINTS)
    np.testing.assert_allclose(w, [0.25, 0.25, 0.5])
    assert pmm.Oracle("builtin:gmm2d").atoms() is None
