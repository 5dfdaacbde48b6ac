"""Ctrl-C during a long native solve surfaces as KeyboardInterrupt within a second, and the module stays usable."""
import os
import signal
import threading
import time

import pytest

import pmm


@pytest.mark.parametrize("threads", [1, 2])
def test_sigint_interrupts_a_long_solve(threads):
    delay = 0.5
    timer = threading.Timer(delay, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        # About 10^10 path-steps: minutes of work unless interrupted.
        pmm.solve(steps=100000, paths=100000, save_every=0, threads=threads)
    elapsed = time.monotonic() - start
    timer.join()
    assert elapsed < delay + 1.0, elapsed
    r = pmm.solve(steps=10, paths=20, seed=0)
    assert r["samples"].shape == (20, 2)


def test_sigint_interrupts_a_python_model():
    oracle = pmm.Oracle("builtin:gmm2d")
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        pmm.solve(model=oracle, steps=100000, paths=20000, save_every=0)
    timer.join()
    assert time.monotonic() - start < 1.5


def test_sigint_interrupts_a_token_solve(tmp_path):
    (tmp_path / "c.txt").write_text("the cat sat on the mat and the dog sat on the log " * 40)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        # 4 x 10^5 sequences of 64 tokens: tens of seconds unless interrupted (checked as each chunk of paths ends).
        pmm.solve(process="dirichlet-categorical", target=f"markov:{tmp_path / 'c.txt'}", paths=400000, length=64,
                  save_every=0, threads=2)
    timer.join()
    assert time.monotonic() - start < 1.5
