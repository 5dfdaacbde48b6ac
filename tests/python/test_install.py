"""`cmake --install` puts an importable pmm package into the interpreter's site-packages (staged with DESTDIR)."""
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import build_dir


def test_cmake_install_gives_an_importable_package(tmp_path):
    cache = build_dir() / "CMakeCache.txt"
    if not cache.exists() or shutil.which("cmake") is None:
        pytest.skip("no CMake build tree")
    m = re.search(r"^PMM_PYTHON_INSTALL_DIR:PATH=(.*)$", cache.read_text(), re.M)
    assert m, "PMM_PYTHON_INSTALL_DIR not in the cache"
    site = m.group(1)
    stage = tmp_path / "stage"
    subprocess.run(["cmake", "--install", str(build_dir())], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, DESTDIR=str(stage)))
    pkg = stage / site.lstrip("/") / "pmm"
    assert (pkg / "__init__.py").exists() and (pkg / "__init__.pyi").exists()
    env = dict(os.environ, PYTHONPATH=str(stage / site.lstrip("/")))
    out = subprocess.run([sys.executable, "-c", "import pmm; print(pmm.__file__); print(pmm.__version__)"],
                         check=True, capture_output=True, text=True, env=env, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(pkg)) and out[1].count(".") == 2
