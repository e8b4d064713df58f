"""Generated modules pass `ruff check` with its default rules: for every function of the zoos."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import symback
from symback.pipeline import Options, generate_module

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("zoo", ["zoo.py", "array_zoo.py", "control_zoo.py", "writes_zoo.py"])
def test_generated_module_passes_ruff(zoo, tmp_path):
    path = tmp_path / zoo
    shutil.copy(HERE / zoo, path)
    tree = ast.parse(path.read_text())
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    supported = []
    for name in names:
        try:  # (unformatted: black runs once, on the whole module, below)
            generate_module(str(path), [(name, Options())])
        except symback.SymbackError:
            continue  # the zoos also hold cases symback must refuse
        supported.append(name)
    assert len(supported) > len(names) // 2
    out = tmp_path / "generated.py"
    out.write_text(symback.generate(str(path), functions=supported))  # as symback gen writes it
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
