"""The frontend's shape: it imports only downwards, its modules are small, every handler is registered."""

import ast
import inspect
from pathlib import Path

import symback.frontend.lower  # noqa: F401  (registers every construct's handlers)
from symback.frontend import core

FRONTEND = Path(symback.frontend.lower.__file__).parent
# What the frontend may import from the rest of symback: the levels below it.
BELOW = {"symback.errors", "symback.ir", "symback.naming", "symback.ops"}


def _imports(path: Path) -> set[str]:
    """Every symback module the file imports, at module level or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:  # relative to symback.frontend
                package = ["symback", "frontend"][: 3 - node.level]
                base = ".".join(package + ([node.module] if node.module else []))
            if node.module is None:  # `from .. import ir`: the names are modules
                out.update(f"{base}.{a.name}" for a in node.names)
            elif base.startswith("symback"):
                out.add(base)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("symback"))
    return out


def test_the_frontend_imports_only_its_own_modules_and_the_levels_below():
    wrong = {}
    for path in sorted(FRONTEND.glob("*.py")):
        above = {
            name
            for name in _imports(path)
            if not name.startswith("symback.frontend")
            and not any(name == low or name.startswith(low + ".") for low in BELOW)
        }
        if above:
            wrong[path.name] = sorted(above)
    assert wrong == {}


def test_the_import_check_sees_an_upward_import(tmp_path):
    # (the check above must be able to fail: an import of the printer is seen as one)
    module = tmp_path / "m.py"
    module.write_text("from ..backend.printer import print_code\nfrom .core import run\n")
    assert _imports(module) == {"symback.backend.printer", "symback.frontend.core"}


def test_frontend_modules_are_small_and_say_what_they_are():
    for path in sorted(FRONTEND.glob("*.py")):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), path.name
        assert len(path.read_text().splitlines()) <= 420, path.name


def test_every_handler_is_registered_under_its_node_type():
    # A `visit_<Node>` or `value_<Node>` defined without @handler would never be called.
    defined = {}
    for path in sorted(FRONTEND.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            kind, _, node_type = getattr(node, "name", "").partition("_")
            if kind in ("visit", "value") and isinstance(getattr(ast, node_type, None), type):
                defined[node.name] = path.name
    registered = {f"visit_{t.__name__}": fn for t, fn in core.STATEMENTS.items()}
    registered.update({f"value_{t.__name__}": fn for t, fn in core.EXPRESSIONS.items()})
    assert set(defined) == set(registered)
    for name, fn in registered.items():
        assert fn.__name__ == name
        assert Path(inspect.getfile(fn)).name == defined[name]
    assert {ast.Assign, ast.If, ast.For, ast.While, ast.Return} <= set(core.STATEMENTS)
    assert {ast.Name, ast.BinOp, ast.Call, ast.Subscript} <= set(core.EXPRESSIONS)
