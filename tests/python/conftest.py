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
