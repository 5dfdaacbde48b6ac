"""Shared fixtures: the pmm module under test and the pmm-solve binary of the same build tree."""
import os
import pathlib

import pytest

import pmm


def build_dir():
    env = os.environ.get("PMM_BINARY_DIR")
    if env:
        return pathlib.Path(env)
    # <build>/python/pmm/__init__.py
    return pathlib.Path(pmm.__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pmm_solve():
    exe = build_dir() / "pmm-solve"
    if not exe.exists():
        pytest.skip(f"{exe} not built (cmake --build build --target pmm-solve)")
    return str(exe)


def _tool(name, why):
    exe = build_dir() / name
    if not exe.exists():
        pytest.skip(f"{exe} not built ({why})")
    return str(exe)


@pytest.fixture(scope="session")
def pmm_train():
    return _tool("pmm-train", "needs LibTorch")


@pytest.fixture(scope="session")
def pmm_text():
    return _tool("pmm-text", "needs LibTorch")


@pytest.fixture(scope="session")
def torch_build():
    """Skips the test when the module was built without LibTorch (TorchScript models and bpc need it)."""
    if not pmm.has_torch:
        pytest.skip("the pmm module was built without LibTorch")
