"""TorchScript models from Python: pmm.solve(model="file.pt") gives pmm-solve --model's bytes (a tiny MLP and a tiny
token transformer trained here by pmm-train for a few steps), and pmm.metrics.bpc gives pmm-text bpc's reported value
(the PMM network by eq. 169, an autoregressive model exactly). Skipped without LibTorch, where model="file.pt" and
bpc raise RuntimeError naming LibTorch (checked below)."""
import json
import subprocess

import numpy as np
import pytest

import pmm

CORPUS = "the cat sat on the mat and the dog sat on the log " * 40


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def models(tmp_path_factory, pmm_train, pmm_text, torch_build):
    """Tiny networks: an MLP for the normal process, a token transformer (pmm-train), an autoregressive one."""
    d = tmp_path_factory.mktemp("models")
    (d / "corpus.txt").write_text(CORPUS)
    run(pmm_train, "--process", "normal", "--data", "builtin:gmm2d", "--net", "mlp", "--width", 16, "--depth", 1,
        "--steps", 5, "--batch", 32, "--threads", 1, "--out", d / "mlp")
    run(pmm_train, "--process", "categorical", "--net", "transformer", "--data", d / "corpus.txt", "--seq-len", 16,
        "--model-dim", 16, "--layers", 1, "--heads", 2, "--schedule", "staircase", "--steps", 5, "--batch", 8,
        "--threads", 1, "--out", d / "pmm")
    run(pmm_text, "train-ar", "--data", d / "corpus.txt", "--seq-len", 16, "--model-dim", 16, "--layers", 1,
        "--heads", 2, "--steps", 5, "--batch", 8, "--threads", 1, "--out", d / "ar")
    return d


def test_normal_mlp_same_bytes_as_cli(pmm_solve, models, tmp_path):
    model = str(models / "mlp" / "model.pt")
    out = tmp_path / "s.npy"
    run(pmm_solve, "--model", model, "--steps", 20, "--paths", 300, "--seed", 4, "--out", out,
        "--trajectory", tmp_path / "t.npy", "--quiet")
    r = pmm.solve(model=model, steps=20, paths=300, seed=4)
    assert r["samples"].shape == (300, 2)
    assert out.read_bytes()[-r["samples"].nbytes:] == r["samples"].tobytes()
    assert np.load(tmp_path / "t.npy").tobytes() == r["trajectory"].tobytes()
    assert "TorchScript" in r["predictor"] or "model.pt" in r["predictor"]
    assert r["nfe"] == 2 * 20 + 1


def test_token_transformer_same_tokens_as_cli(pmm_solve, models, tmp_path):
    model = str(models / "pmm" / "model.pt")
    for solver in ("event-driven", "fixed-grid"):
        run(pmm_solve, "--process", "dirichlet-categorical", "--model", model, "--solver", solver, "--steps", 15,
            "--paths", 40, "--seed", 3, "--out", tmp_path / "s.npy", "--quiet")
        run(pmm_solve, "--process", "dirichlet-categorical", "--model", model, "--solver", solver, "--steps", 15,
            "--paths", 40, "--seed", 3, "--out", tmp_path / "s.txt", "--quiet")
        r = pmm.solve(process="dirichlet-categorical", model=model, solver=solver, steps=15, paths=40, seed=3)
        # Length, alphabet and schedule come from the file, as in pmm-solve.
        assert r["samples"].shape == (40, 16) and r["alphabet"] == " acdeghlmnost"
        assert r["schedule"].startswith("staircase")
        assert (tmp_path / "s.npy").read_bytes()[-r["samples"].nbytes:] == r["samples"].tobytes()
        assert r["text"] == (tmp_path / "s.txt").read_text().splitlines()
    with pytest.raises(ValueError, match="length"):
        pmm.solve(process="dirichlet-categorical", model=model, length=17, paths=2)
    with pytest.raises(ValueError, match="schedule"):
        pmm.solve(process="dirichlet-categorical", model=model, schedule="linear", paths=2)
    with pytest.raises(ValueError, match="model"):
        pmm.solve(process="dirichlet-categorical", model=str(models / "missing.pt"), paths=2)


@pytest.mark.parametrize("kind", ["pmm", "ar"])
def test_bpc_equals_pmm_text_report(pmm_text, models, tmp_path, kind):
    model = str(models / kind / "model.pt")
    report = tmp_path / "b.json"
    run(pmm_text, "bpc", "--model", model, "--data", models / "corpus.txt", "--passes", 2, "--seed", 5,
        "--report", report)
    j = json.loads(report.read_text())
    got = pmm.metrics.bpc(model, CORPUS, passes=2, seed=5, full=True)
    assert got["bpc"] == j["bpc"]  # the same terms and the same sums: equal to the last bit (JSON keeps 17 digits)
    assert got["standard_error"] == j["standard_error"]
    assert got["scored_characters"] == j["scored_characters"] and got["windows"] == j["data"]["windows"]
    assert got["kind"] == ("pmm" if kind == "pmm" else "autoregressive")
    assert pmm.metrics.bpc(model, data=str(models / "corpus.txt"), passes=2, seed=5) == j["bpc"]
    with pytest.raises(ValueError, match="alphabet"):
        pmm.metrics.bpc(model, CORPUS, alphabet="text8")


def test_without_libtorch_model_files_raise(tmp_path):
    if pmm.has_torch:
        pytest.skip("this build has LibTorch (the TorchScript tests above run instead)")
    with pytest.raises(RuntimeError, match="LibTorch"):
        pmm.solve(model=str(tmp_path / "m.pt"), steps=5, paths=10)
    with pytest.raises(RuntimeError, match="LibTorch"):
        pmm.solve(process="dirichlet-categorical", model=str(tmp_path / "m.pt"), paths=10)
    with pytest.raises(RuntimeError, match="LibTorch"):
        pmm.metrics.bpc(str(tmp_path / "m.pt"), "abc")
