"""Zero-copy results, accepted array kinds and the errors for bad arguments."""
import numpy as np
import pytest

import pmm

POINTS = np.array([[0.0, 1.0], [2.0, -1.0], [-3.0, 0.5]])


def is_capsule(obj):
    return type(obj).__name__ == "PyCapsule"


def test_results_own_the_cpp_buffers_without_a_copy():
    r = pmm.solve(target=POINTS, steps=10, paths=50, seed=0, given_x=True)
    for key in ("samples", "trajectory", "times", "x"):
        arr = r[key]
        assert arr.dtype == np.float64
        assert not arr.flags.owndata, key
        assert is_capsule(arr.base), (key, type(arr.base))
        assert arr.flags.c_contiguous and arr.flags.writeable
    assert r["samples"].shape == (50, 2) and r["x"].shape == (50, 2)


def test_arrays_outlive_the_result_dict():
    samples = pmm.solve(target=POINTS, steps=10, paths=50, seed=0)["samples"]
    copy = samples.copy()
    for _ in range(3):
        pmm.solve(target=POINTS, steps=10, paths=50, seed=1)
    np.testing.assert_array_equal(samples, copy)


@pytest.mark.parametrize("convert", [
    lambda a: a.astype(np.float32),
    lambda a: np.asfortranarray(a),
    lambda a: a.tolist(),
    lambda a: a[::-1].copy()[::-1],  # negative strides
])
def test_target_kinds_give_the_same_samples(convert):
    ref = pmm.solve(target=POINTS, steps=10, paths=100, seed=4)["samples"]
    got = pmm.solve(target=convert(POINTS), steps=10, paths=100, seed=4)["samples"]
    np.testing.assert_array_equal(got, ref)  # all points are exact in float32


def test_strided_non_contiguous_target():
    big = np.zeros((3, 4))
    big[:, ::2] = POINTS
    ref = pmm.solve(target=POINTS, steps=10, paths=100, seed=4)["samples"]
    got = pmm.solve(target=big[:, ::2], steps=10, paths=100, seed=4)["samples"]
    np.testing.assert_array_equal(got, ref)


def test_integer_count_target_for_gamma_poisson():
    counts = np.array([[0, 3], [5, 1], [2, 2]], dtype=np.int64)
    ref = pmm.solve(process="gamma-poisson", target=counts.astype(np.float64), steps=20, paths=100, seed=1)
    got = pmm.solve(process="gamma-poisson", target=counts, steps=20, paths=100, seed=1)
    assert got["samples"].tobytes() == ref["samples"].tobytes()
    got32 = pmm.solve(process="gamma-poisson", target=counts.astype(np.uint32), steps=20, paths=100, seed=1)
    assert got32["samples"].tobytes() == ref["samples"].tobytes()


def test_weights_array():
    w = np.array([1, 0, 0])
    r = pmm.solve(target=POINTS, weights=w, steps=50, paths=100, seed=0, given_x=True)
    np.testing.assert_array_equal(r["x"], np.tile(POINTS[0], (100, 1)))


@pytest.mark.parametrize("kwargs, exc, needle", [
    (dict(target=np.array(["a", "b"])), TypeError, "target"),
    (dict(target=np.array([[True, False]])), TypeError, "target"),
    (dict(target=np.array([[1 + 2j, 0j]])), TypeError, "target"),
    (dict(target=np.zeros((2, 2, 2))), ValueError, "target"),
    (dict(target=np.zeros((0, 2))), ValueError, "target"),
    (dict(target=object()), TypeError, "target"),
    (dict(target=POINTS, weights=np.ones(4)), ValueError, "weights"),
    (dict(target=POINTS, weights=np.ones((3, 1))), ValueError, "weights"),
    (dict(target=POINTS, weights=np.array(["x", "y", "z"])), TypeError, "weights"),
    (dict(steps=0), ValueError, "steps"),
    (dict(paths=0), ValueError, "paths"),
    (dict(threads=0), ValueError, "threads"),
    (dict(save_every=-1), ValueError, "save_every"),
    (dict(final="median"), ValueError, "final"),
    (dict(solver="tau-leap"), ValueError, "solver"),
    (dict(process="poisson"), ValueError, "process"),
    (dict(prior={"b": -1}), ValueError, "prior"),
    (dict(prior={"b": "two"}), TypeError, "prior"),
    (dict(prior=[1]), TypeError, "prior"),
    (dict(schedule="exponential:k=abc"), ValueError, "schedule"),
    (dict(grid="triangle"), ValueError, "grid"),
    (dict(device="tpu"), ValueError, "device"),
    (dict(target="builtin:nope"), ValueError, "nope"),
    (dict(target="/nonexistent/points.npy"), ValueError, "^target: /nonexistent/points.npy"),
    (dict(target="builtin:atoms3", weights="w.npy"), ValueError, "^weights: only applies"),
    (dict(model=lambda mu, t: mu), ValueError, "dim"),
    (dict(model=3, dim=2), TypeError, "model"),
    (dict(steps=2.5), TypeError, "^steps: expected an integer"),
    (dict(paths="10"), TypeError, "^paths: expected an integer"),
    (dict(threads=1.0), TypeError, "^threads: expected an integer"),
    (dict(solver=3), TypeError, "^solver: expected a string"),
    (dict(grid=3), TypeError, "^grid: expected a string"),
    (dict(schedule=3), TypeError, "^schedule: expected a string"),
    (dict(process=None), TypeError, "^process: expected a string"),
])
def test_bad_arguments_raise_naming_the_argument(kwargs, exc, needle):
    kwargs = dict(dict(steps=5, paths=10), **kwargs)
    with pytest.raises(exc, match=needle):
        pmm.solve(**kwargs)
