"""pmm.solve(process="dirichlet-categorical") against pmm-solve: the same seed gives the same token ids (the bytes of
--out s.npy), the same decoded lines (--out s.txt) and the same masked-fraction trajectory, for the fixed-grid and
event-driven samplers, a Markov-chain target, a sequence-set target with given_x, and the argument checks."""
import subprocess

import numpy as np
import pytest

import pmm

CORPUS = "the cat sat on the mat and the dog sat on the log " * 40


def data_bytes(path, arr):
    raw = path.read_bytes()
    assert arr.flags.c_contiguous
    return raw[-arr.nbytes:] == arr.tobytes()


def cli_tokens(exe, tmp_path, args, given_x=False):
    """Runs pmm-solve twice (.npy outputs with the trajectory, then .txt outputs); returns (s.npy path, s.txt lines)."""
    base = [exe, "--process", "dirichlet-categorical", *args, "--quiet", "--threads", "2"]
    extra = ["--out-x", str(tmp_path / "x.npy")] if given_x else []
    subprocess.run([*base, "--out", str(tmp_path / "s.npy"), "--trajectory", str(tmp_path / "m.npy"), *extra],
                   check=True)
    extra = ["--out-x", str(tmp_path / "x.txt")] if given_x else []
    subprocess.run([*base, "--out", str(tmp_path / "s.txt"), *extra], check=True)
    return tmp_path / "s.npy", (tmp_path / "s.txt").read_text().splitlines()


@pytest.mark.parametrize("solver", ["fixed-grid", "event-driven"])
def test_markov_target_same_tokens_as_cli(pmm_solve, tmp_path, solver):
    (tmp_path / "corpus.txt").write_text(CORPUS)
    target = f"markov:{tmp_path / 'corpus.txt'}"
    npy, lines = cli_tokens(pmm_solve, tmp_path, ["--target", target, "--solver", solver, "--steps", "40",
                                                  "--paths", "300", "--length", "24", "--seed", "7"])
    r = pmm.solve(process="dirichlet-categorical", target=target, solver=solver, steps=40, paths=300, length=24,
                  seed=7, threads=3)
    s = r["samples"]
    assert s.dtype == np.int32 and s.shape == (300, 24)
    assert data_bytes(npy, s)
    np.testing.assert_array_equal(np.load(npy), s)
    assert r["text"] == lines
    assert r["text"][0] == "".join("abcdefghijklmnopqrstuvwxyz "[i] for i in s[0])
    m = np.load(tmp_path / "m.npy")
    assert r["trajectory"].shape == m.shape == (101, 300)
    assert r["trajectory"].tobytes() == m.tobytes()
    np.testing.assert_array_equal(r["times"], np.arange(101) / 100)  # i / (saves - 1), as pmm-solve
    assert r["solver"] == solver and r["schedule"] == "linear" and r["alphabet"] == "abcdefghijklmnopqrstuvwxyz "
    assert r["nfe"] >= 1 and 0 < r["nfe_mean"] <= r["nfe"]


def test_sequence_set_given_x_chars_alphabet_same_as_cli(pmm_solve, tmp_path):
    seqs = tmp_path / "seqs.txt"
    seqs.write_text("abbaab\nbababa\naaabbb\n")
    npy, lines = cli_tokens(pmm_solve, tmp_path, ["--target", str(seqs), "--alphabet", "chars:ab", "--length", "6",
                                                  "--solver", "fixed-grid", "--steps", "10", "--paths", "50",
                                                  "--seed", "2", "--given-x", "--schedule", "semi-ar",
                                                  "--save-every", "5"],
                            given_x=True)
    r = pmm.solve(process="dirichlet-categorical", target=str(seqs), alphabet="chars:ab", length=6,
                  solver="fixed-grid", steps=10, paths=50, seed=2, given_x=True, schedule="semi-ar", save_every=5)
    assert data_bytes(npy, r["samples"]) and r["text"] == lines
    assert data_bytes(tmp_path / "x.npy", r["x"])
    assert r["x_text"] == (tmp_path / "x.txt").read_text().splitlines()
    # Given x, the conditional process reveals x itself.
    np.testing.assert_array_equal(r["samples"], r["x"])
    assert set(r["text"]) <= {"abbaab", "bababa", "aaabbb"}
    assert r["trajectory"].shape == (3, 50)  # save_every 5 of 10 steps: 10 // 5 + 1 saves, as pmm-solve
    assert data_bytes(tmp_path / "m.npy", r["trajectory"])


def test_results_do_not_depend_on_threads(tmp_path):
    (tmp_path / "c.txt").write_text(CORPUS)
    kw = dict(process="dirichlet-categorical", target=f"markov:{tmp_path / 'c.txt'}", paths=200, length=16,
              seed=1, save_every=0)
    a, b = pmm.solve(threads=1, **kw), pmm.solve(threads=4, **kw)
    assert a["samples"].tobytes() == b["samples"].tobytes()
    assert a["trajectory"] is None and a["times"] is None


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(), ValueError, "target"),
    (dict(target="markov:{c}", final="denoise"), ValueError, "final"),
    (dict(target="markov:{c}", prior={"b": 1}), ValueError, "prior"),
    (dict(target="markov:{c}", weights=[1.0]), ValueError, "weights"),
    (dict(target="markov:{c}", solver="heun"), ValueError, "solver"),
    (dict(target="markov:{c}", length=0), ValueError, "length"),
    (dict(target="markov:{c}", alphabet="chars:"), ValueError, "alphabet"),
    (dict(target="markov:{c}", device="cuda"), ValueError, "device"),
    (dict(target="markov:{c}", model="m.pt"), ValueError, "model"),
    (dict(model=lambda mu, t: mu), TypeError, "model"),
    (dict(target="markov:/nonexistent/file.txt"), (ValueError, OSError), "target"),
])
def test_errors_name_the_argument(tmp_path, kwargs, exc, name):
    (tmp_path / "c.txt").write_text(CORPUS)
    kwargs = {k: (v.format(c=tmp_path / "c.txt") if isinstance(v, str) else v) for k, v in kwargs.items()}
    with pytest.raises(exc, match=name):
        pmm.solve(process="dirichlet-categorical", paths=10, **kwargs)


def test_length_and_alphabet_only_for_tokens():
    with pytest.raises(ValueError, match="length"):
        pmm.solve(length=8, paths=10, steps=5)
    with pytest.raises(ValueError, match="alphabet"):
        pmm.solve(alphabet="text8", paths=10, steps=5)
