"""Reading a module file without importing it: its functions and the names they can see.

Only what symback can know without running anything is resolved: imports of numpy and math
(imported here, they are safe), module-level numeric constants, and the file's own
functions. Any other import binds an opaque name: calling it is a clear error.
"""

from __future__ import annotations

import ast
import importlib
import operator
from dataclasses import dataclass

from ..errors import SourceUnavailableError, UnsupportedSyntaxError
from .resolve import Namespace
from .source import SourceInfo

SAFE_MODULES = ("numpy", "math")


@dataclass(frozen=True)
class ModuleFile:
    """A parsed module file: source info, its top-level functions, and its namespace."""

    source: SourceInfo
    functions: dict[str, ast.FunctionDef]
    namespace: Namespace
    text: str


class Opaque:
    """A module-level name symback cannot know without running the file."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


class StaticFunction:
    """A function defined in the file, standing in for the live function object."""

    def __init__(self, fdef: ast.FunctionDef, source: SourceInfo, namespace: Namespace):
        self.__name__ = fdef.name
        self.fdef, self.source, self.namespace = fdef, source, namespace
        # @symback.defgrad(...): its rule exists only when the file runs
        self.defgrad = any("defgrad" in ast.unparse(d) for d in fdef.decorator_list)


def read_module(path: str) -> ModuleFile:
    """Parse `path` and resolve its top-level names without executing it."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise SourceUnavailableError(f"cannot read {path}: {exc.strerror}") from None
    lines = tuple(text.splitlines(keepends=True))
    source = SourceInfo(path, text, 0, 0, lines)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        from ..errors import Place

        place = Place(
            path, exc.lineno or 1, (exc.offset or 1) - 1, source.user_line(exc.lineno or 1)
        )
        raise UnsupportedSyntaxError(f"the file does not parse: {exc.msg}", place) from None
    names: dict[str, object] = {}
    namespace = Namespace(names)  # filled in below; helpers resolve names through it
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                head = alias.name.split(".")[0]
                bound = alias.asname or head
                target = alias.name if alias.asname else head
                names[bound] = _import(target) if head in SAFE_MODULES else Opaque(alias.name)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                names[bound] = _from_import(node.module or "", alias.name)
        elif isinstance(node, ast.FunctionDef):
            functions[node.name] = node
            names[node.name] = StaticFunction(node, source, namespace)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = _constant(node.value, names)
            for t in targets:
                if isinstance(t, ast.Name):
                    names[t.id] = value if value is not None else Opaque(t.id)
        elif isinstance(node, ast.ClassDef):
            names[node.name] = Opaque(node.name)
    return ModuleFile(source, functions, namespace, text)


def _import(name: str):
    return importlib.import_module(name)


def _from_import(module: str, attr: str):
    if module.split(".")[0] not in SAFE_MODULES:
        return Opaque(f"{module}.{attr}")
    value = getattr(importlib.import_module(module), attr, None)
    return value if value is not None else Opaque(f"{module}.{attr}")


_FOLD = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def _constant(node: ast.expr, names: dict):
    """The value of a module-level numeric constant expression, or None if it is not one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        if not isinstance(node.value, bool):
            return node.value
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _constant(node.operand, names)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        left, right = _constant(node.left, names), _constant(node.right, names)
        if left is None or right is None:
            return None
        try:
            return _FOLD[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
    if isinstance(node, ast.Name):
        value = names.get(node.id)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        module = names.get(node.value.id)
        value = getattr(module, node.attr, None) if hasattr(module, "__name__") else None
        return value if isinstance(value, float) else None
    return None
