"""Stages import downwards: no import circle between symback's modules, nor between its stage
packages (frontend, adjoint, optimize, backend, ...), function-level imports included.

The imports are read from the source with `ast`, so an import inside a function or under
`if TYPE_CHECKING:` counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import symback

ROOT = Path(symback.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The symback modules `path` imports, anywhere in it."""
    me = _module(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            # (a package's __init__ importing its own modules is no circle)
            if (
                name
                and name != me
                and not me.startswith(name + ".")
                and not name.startswith(me + ".")
            ):
                out.add(name)
    return out


def _graph() -> dict[str, set[str]]:
    files = sorted(ROOT.rglob("*.py"))
    known = {_module(p) for p in files}
    return {_module(p): _imports(p, known) for p in files}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected parts of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                part = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    part.append(w)
                    if w == v:
                        break
                if len(part) > 1:
                    out.append(sorted(part))
    return out


def _stage(module: str) -> str:
    """symback.adjoint.reverse -> symback.adjoint; a top-level module is a stage of its own."""
    return ".".join(module.split(".")[:2])


def test_no_import_circle_between_modules():
    assert _circles(_graph()) == []


def test_no_import_circle_between_stage_packages():
    stages: dict[str, set[str]] = {}
    for module, imported in _graph().items():
        if module == "symback":  # (the package's public names: it imports everything)
            continue
        deps = stages.setdefault(_stage(module), set())
        deps.update(_stage(m) for m in imported if _stage(m) not in (_stage(module), "symback"))
    assert _circles(stages) == []


def test_the_walk_finds_circles_and_imports():
    """The check itself: a circle made up here is found, and the real graph is read, imports
    inside functions included (gradcheck/formula.py imports the pipeline in a function)."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _graph()
    assert {"symback.adjoint.state", "symback.adjoint.loops"} <= graph["symback.adjoint.reverse"]
    formula = (ROOT / "gradcheck" / "formula.py").read_text()
    assert "\n    from ..pipeline import lower\n" in formula  # (inside a function)
    assert "symback.pipeline" in graph["symback.gradcheck.formula"]
