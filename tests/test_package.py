"""The package's public names: imported at first use, each where type checkers are told it is."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import symback

INIT = Path(symback.__file__)


def test_every_public_name_resolves():
    public = set(symback.__all__) - {"__version__"}
    assert set(symback._HOMES) == public
    for name in sorted(public):
        value = getattr(symback, name)
        assert getattr(value, "__name__", name) == name
        assert name in dir(symback)
    with pytest.raises(AttributeError, match="no attribute 'gradients'"):
        symback.gradients  # noqa: B018


def test_type_checkers_see_the_same_homes():
    """The imports under `if TYPE_CHECKING:` name each public name's module in _HOMES."""
    tree = ast.parse(INIT.read_text())
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
    )
    seen = {
        alias.name: node.module
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == symback._HOMES


def test_import_symback_loads_no_sympy():
    code = "import sys, symback; print(sorted(m for m in ('sympy', 'numpy', 'symback.api') if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
    code = "import sys; from symback import grad; print('sympy' in sys.modules, grad.__module__)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["True", "symback.api"]
