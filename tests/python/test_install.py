"""`cmake --install` puts an importable pmm package into site-packages, under the prefix when one is given."""
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
    m = re.search(r"^PMM_PYTHON_INSTALL_DIR:\w+=(.*)$", cache.read_text(), re.M)
    assert m, "PMM_PYTHON_INSTALL_DIR not in the cache"
    site = m.group(1)
    prefix = tmp_path / "prefix"
    env = dict(os.environ)
    if os.path.isabs(site):  # an explicit absolute folder: staged with DESTDIR, never written for real here
        env["DESTDIR"] = str(tmp_path / "stage")
        site_dir = tmp_path / "stage" / site.lstrip("/")
    else:
        site_dir = prefix / site
    subprocess.run(["cmake", "--install", str(build_dir()), "--prefix", str(prefix)], check=True,
                   stdout=subprocess.DEVNULL, env=env)
    pkg = site_dir / "pmm"
    assert (pkg / "__init__.py").exists() and (pkg / "__init__.pyi").exists()
    env = dict(os.environ, PYTHONPATH=str(site_dir))
    out = subprocess.run([sys.executable, "-c", "import pmm; print(pmm.__file__); print(pmm.__version__)"],
                         check=True, capture_output=True, text=True, env=env, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(pkg)) and out[1].count(".") == 2
