"""Hostile file names, identifiers and strings through grad, gen, check and explain: the
user's text never becomes code (no PWNED file appears, the generated module's tree holds
only what symback writes) and every gradient is still right (against the closed form)."""

from __future__ import annotations

import ast
import builtins
import importlib.util
import itertools
import math
import os
import unicodedata
from pathlib import Path

import pytest

from symback import cli, codegen

# Each tries to end the string or line it is pasted into and run open("PWNED", "w").
FILE_STEMS = [
    'q"""; open("PWNED", "w"); """',
    "q'''; open('PWNED', 'w'); '''",
    'n\nopen("PWNED", "w")\n#',
    'r\r\nopen("PWNED", "w")  # \u2028open("PWNED", "w")',
    'b{open("PWNED", "w")}{{}}',
    "back\\slash\\",
    '\\"""; open("PWNED", "w"); #',
    "é中文 ünïcode \u00a0nbsp\tTab",
    "L" * 200,
    "-dash --force",
]
IDENTIFIERS = [
    "δx",
    "ﬁx",  # Python reads it as "fix" (NFKC)
    "n" * 300,
    "open",
    "symback",
    "ValueError",
    "_symback_x",
    "grad_f",
    "Ωmega",
    "plain",
]
# string values the function holds: they reach the generated code as its defaults
STRINGS = [
    'q"""; open("PWNED", "w"); """',
    "{open('PWNED', 'w')}",
    "\\\n\x00\u2028'\"",
]
X = 0.7
EXPECTED = math.cos(X) * X + math.sin(X)  # d/dx (sin(x) * x)
# names no generated module calls
DANGEROUS = {"open", "exec", "eval", "compile", "__import__", "getattr", "globals", "system"}

CASES = list(zip(FILE_STEMS, IDENTIFIERS, itertools.cycle(STRINGS)))


DOC = '"""A docstring with \\"\\"\\" and {braces} in it."""'


def source(name: str, text: str) -> str:
    """A module whose function `name` (hand-written gradient `name_grad`) holds `text`."""
    return f"""\
import numpy as np
import symback

NOTE = {text!r}


@symback.grad
def {name}(x, tag={text!r}):
    {DOC}
    return np.sin(x) * x


def {name}_grad(x, tag={text!r}):
    return np.cos(x) * x + np.sin(x)
"""


def load(path: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_only_symbacks_code(text: str, shown_source: str | None) -> None:
    """The tree of a generated module holds a docstring naming its source, imports of numpy
    and math, aliases of builtins and functions; its calls go to numpy, math, its own
    functions and harmless builtins."""
    tree = ast.parse(text)
    docstring = ast.get_docstring(tree, clean=False)
    assert docstring.startswith("Gradients of ")
    if shown_source is not None:
        assert f"from {shown_source}." in docstring.splitlines()[0]
    imports, defs = set(), set()
    for node in tree.body[1:]:
        if isinstance(node, ast.Import):
            assert {a.name for a in node.names} <= {"numpy", "math"}
            imports |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.FunctionDef):
            defs.add(node.name)
        else:
            assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Name), ast.dump(node)
            assert node.value.id in dir(builtins) and node.value.id not in DANGEROUS
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            assert isinstance(root, ast.Name), ast.dump(node.func)
            bound = imports | defs | (set(dir(builtins)) - DANGEROUS)
            assert root.id in bound or root.id in _locals(tree), root.id
        if isinstance(node, ast.Name):
            assert node.id not in DANGEROUS, node.id
        if isinstance(node, ast.Attribute):
            assert node.attr not in DANGEROUS, node.attr


def _locals(tree: ast.Module) -> set[str]:
    """Names assigned inside the module's functions (a helper may call a local function)."""
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def shown(file_name: str) -> str:
    return file_name if file_name.isprintable() else repr(file_name)


def no_pwned(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.rglob("PWNED*")), f"code ran: {folder}"


@pytest.fixture
def hostile(tmp_path, monkeypatch, request):
    """The case's file written in an empty folder, which is the working directory."""
    stem, name, text = request.param
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    path = folder / f"{stem}.py"
    path.write_text(source(name, text), encoding="utf-8")
    yield path, unicodedata.normalize("NFKC", name), text
    no_pwned(tmp_path, Path.cwd())


@pytest.mark.parametrize("hostile", CASES, indirect=True, ids=range(len(CASES)))
def test_grad_in_memory(hostile):
    path, name, _ = hostile
    module = load(path, f"hostile_{abs(hash(path.name))}")
    g = getattr(module, name)  # decorated: the gradient
    assert g(X) == pytest.approx(EXPECTED, rel=1e-12)
    assert_only_symbacks_code(g.source, shown(path.name))


@pytest.mark.parametrize("hostile", CASES, indirect=True, ids=range(len(CASES)))
def test_gen_writes_a_module_that_runs_only_its_gradient(hostile, capsys):
    path, name, _ = hostile
    relative = os.path.join(".", path.name)  # (a leading "-" is not an option)
    assert cli.main(["gen", relative]) == 0, capsys.readouterr().err
    output = Path(codegen.default_output(path))
    text = output.read_text(encoding="utf-8")
    assert_only_symbacks_code(text, shown(path.name))
    module = load(output, f"hostile_grad_{abs(hash(path.name))}")
    assert getattr(module, f"grad_{name}")(X) == pytest.approx(EXPECTED, rel=1e-12)
    assert cli.main(["gen", "--check", relative]) == 0, capsys.readouterr().err
    assert cli.main(["gen", "--all", "--stdout", relative]) == 0
    assert_only_symbacks_code(capsys.readouterr().out, shown(path.name))
    other = os.path.join(".", path.stem + "_out.py")
    assert cli.main(["gen", relative, "-o", other]) == 0
    assert_only_symbacks_code(Path(other).read_text(encoding="utf-8"), shown(path.name))
    for wrt in ['x); open("PWNED", "w"', path.stem]:  # --wrt names no parameter: refused
        assert cli.main(["gen", relative, "--wrt", wrt, "--stdout"]) in (2, 3)


@pytest.mark.parametrize("hostile", CASES, indirect=True, ids=range(len(CASES)))
def test_check_and_explain(hostile, capsys):
    path, name, _ = hostile
    assert cli.main(["check", f"{path}:{name}", f"{name}_grad", "--at", f"x={X}"]) == 0
    assert "correct" in capsys.readouterr().out
    assert cli.main(["explain", f"{path}:{name}", "--at", f"x={X}"]) == 0
    out = capsys.readouterr().out
    assert f") = {EXPECTED:.6g}\n" in out
    assert out.isprintable() or set(out) - set(filter(str.isprintable, out)) == {"\n"}


def test_generated_code_never_names_a_file_unescaped(tmp_path, monkeypatch):
    """The case of the issue, run as Python would: generate, then import, in a fresh folder."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / 'q"""; open("PWNED", "w"); """.py'
    path.write_text(source("f", "plain"), encoding="utf-8")
    g = load(path, "issue_case").f
    assert g(X) == pytest.approx(EXPECTED, rel=1e-12)
    assert cli.main(["gen", path.name]) == 0
    load(Path(codegen.default_output(path)), "issue_case_grad")
    no_pwned(tmp_path)
    assert 'from q"""; open("PWNED", "w"); """.py.' in g.source.replace('\\"', '"')
