"""The .pyi stubs stay complete: every public name of pmm and pmm.metrics has a stub, and pmm.solve's and
pmm.metrics.bpc's stub parameters are the native functions' parameters, in order."""
import ast
import pathlib
import re

import pmm

PKG = pathlib.Path(pmm.__file__).parent


def stub_defs(name):
    tree = ast.parse((PKG / name).read_text())
    names, params = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.FunctionDef):
            a = node.args
            params[node.name] = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return names, params


def native_params(fn):
    # pybind11's first docstring line: "solve(process: object = 'normal', target: object = None, ...) -> dict"
    head = fn.__doc__.splitlines()[0]
    inside = head[head.index("(") + 1:head.rindex(")")]
    return [p for p in re.findall(r"(?:^|, )\*?(\w+)(?=:|,|$)", inside)]


def test_every_public_name_has_a_stub():
    names, _ = stub_defs("__init__.pyi")
    assert set(pmm.__all__) - names == set()
    mnames, _ = stub_defs("metrics.pyi")
    assert set(pmm.metrics.__all__) - mnames == set()


def test_solve_and_bpc_stub_parameters_match_the_native_ones():
    _, params = stub_defs("__init__.pyi")
    assert params["solve"] == native_params(pmm.solve)
    _, mparams = stub_defs("metrics.pyi")
    assert mparams["bpc"] == native_params(pmm.metrics.bpc)
