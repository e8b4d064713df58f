"""Reading a module file without importing it: its functions and the names they can see.

Only what symback can know without running anything is resolved: imports of numpy and math
(imported here, they are safe), module-level numeric constants, and the file's own
functions. Any other import binds an opaque name: calling it is a clear error.
"""

from __future__ import annotations

import ast
import importlib
import keyword
import operator
import os
import tokenize
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import Place, SourceUnavailableError, UnsupportedSyntaxError
from ..ir import ModuleRef
from .resolve import Namespace
from .source import SourceInfo

# (scipy: a user's library like numpy, read where installed; scipy.special has rules)
SAFE_MODULES = ("numpy", "math", "scipy")


@dataclass(frozen=True)
class ModuleFile:
    """A parsed module file: source info, its top-level functions, and its namespace."""

    source: SourceInfo
    functions: dict[str, ast.FunctionDef]
    namespace: Namespace
    text: str


class Opaque:
    """A module-level name symback cannot know without running the file. `assigned`: bound
    by an assignment (or imported by name) to what may be a constant, which the generated
    module reads from the file's module when it runs (frontend/outside.py)."""

    def __init__(self, text: str, assigned: bool = False, numbers: bool = False):
        self.text = text
        self.assigned = assigned
        self.numbers = numbers  # a tuple or list of numbers, as written (see outside.py)

    def __repr__(self) -> str:
        return self.text


def module_name(path: str) -> str | None:
    """The dotted name `path` is imported by (packages are folders with __init__.py), or
    None if some part of it is not a Python name."""
    folder, file = os.path.split(os.path.abspath(path))
    stem, ext = os.path.splitext(file)
    parts = [stem]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
    if ext != ".py" or stem == "__init__":
        return None
    if all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
        return ".".join(parts)
    return None


class StaticFunction:
    """A function defined in the file, standing in for the live function object."""

    def __init__(self, fdef: ast.FunctionDef, source: SourceInfo, namespace: Namespace):
        self.__name__ = fdef.name
        self.fdef, self.source, self.namespace = fdef, source, namespace
        # @symback.defgrad(...): its rule exists only when the file runs
        self.defgrad = any("defgrad" in ast.unparse(d) for d in fdef.decorator_list)


def read_module(path: str) -> ModuleFile:
    """Parse `path` and resolve its top-level names without executing it."""
    text = read_source(path)
    lines = tuple(text.splitlines(keepends=True))
    source = SourceInfo(path, text, 0, 0, lines)
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        place = Place(
            path, exc.lineno or 1, (exc.offset or 1) - 1, source.user_line(exc.lineno or 1)
        )
        raise UnsupportedSyntaxError(f"the file does not parse: {exc.msg}", place) from None
    except (RecursionError, MemoryError):  # (Python cannot compile it either)
        raise UnsupportedSyntaxError(
            "the file is nested too deeply for Python to read", Place(path, 1, 0)
        ) from None
    names: dict[str, object] = {}
    dotted = module_name(path)
    holder = ModuleRef(dotted, os.path.basename(path))
    base = dotted.rpartition(".")[2] if dotted and not dotted.startswith("_") else "outside"
    # filled in below; helpers resolve names through it
    namespace = Namespace(names, holder=holder, holder_name=base)
    functions: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                head = alias.name.split(".")[0]
                bound = alias.asname or head
                target = alias.name if alias.asname else head
                if head not in SAFE_MODULES:
                    names[bound] = Opaque(alias.name)
                    continue
                with _importing(source, node):
                    names[bound] = _import(target)
                if names[bound] is None:  # (scipy, where it is not installed)
                    names[bound] = Opaque(alias.name)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name
                with _importing(source, node):
                    names[bound] = _from_import(node.module or "", alias.name, node.level)
        elif isinstance(node, ast.FunctionDef):
            functions[node.name] = node
            names[node.name] = StaticFunction(node, source, namespace)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            try:
                value = _constant(node.value, names)
            except RecursionError:  # unknown: read when the module runs (outside.py)
                value = None
            for t in targets:
                if isinstance(t, ast.Name):
                    names[t.id] = value if value is not None else _opaque(t.id, node.value)
        elif isinstance(node, ast.ClassDef):
            names[node.name] = Opaque(node.name)
    return ModuleFile(source, functions, namespace, text)


def read_source(path: str) -> str:
    """The text of the Python file at `path`, decoded as Python decodes it (a coding
    cookie, a UTF-8 byte-order mark); a SymbackError with the place where it cannot be."""
    try:
        with tokenize.open(path) as f:
            return f.read()
    except OSError as exc:
        raise SourceUnavailableError(f"cannot read {path}: {exc.strerror or exc}") from None
    except SyntaxError as exc:  # (detect_encoding: an unknown or contradicted coding)
        place = Place(path, exc.lineno or 1, 0, exc.text or "")
        raise UnsupportedSyntaxError(f"the file cannot be decoded: {exc.msg}", place) from None
    except UnicodeDecodeError as exc:
        with open(path, "rb") as f:
            data = f.read()
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        line = data[start : end if end >= 0 else len(data)].decode(exc.encoding, "replace")
        lineno, column = data.count(b"\n", 0, exc.start) + 1, exc.start - start
        raise UnsupportedSyntaxError(
            f"the file is not valid {exc.encoding}: byte {exc.object[exc.start]:#04x} "
            f"cannot be decoded ({exc.reason})",
            Place(path, lineno, column, line),
            hint="save it in its declared encoding, or declare the one it is in with a coding "
            "comment (# -*- coding: latin-1 -*-) on its first or second line",
        ) from None


@contextmanager
def _importing(source: SourceInfo, node: ast.stmt):
    """Importing part of numpy or math for an import of the file: what fails there is a
    SymbackError at the import, as running the file would fail there."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - ModuleNotFoundError, or what the module raises
        raise UnsupportedSyntaxError(
            f"this import fails: {type(exc).__name__}: {exc}",
            source.place(node),
            hint="import what the installed numpy has (the file would fail here when run)",
        ) from None


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:  # (scipy, where it is not installed: unknown, not an error)
        if name.split(".")[0] != "scipy":
            raise
        return None


def _opaque(name: str, value: ast.expr) -> Opaque:
    """What the file binds `name` to, unknown: maybe a constant, unless it is plainly not one
    (a string, a dict, a function)."""
    plainly_not = (ast.Dict, ast.Set, ast.Lambda, ast.JoinedStr, ast.DictComp, ast.SetComp)
    if isinstance(value, ast.Constant) and not isinstance(value.value, (int, float)):
        return Opaque(name)
    return Opaque(name, not isinstance(value, plainly_not), _numbers(value))


def _numbers(node: ast.expr) -> bool:
    """Is `node` a tuple or list display of numbers (nested, all rows alike)?"""
    if not isinstance(node, (ast.Tuple, ast.List)) or not node.elts:
        return False
    if all(_constant(e, {}) is not None for e in node.elts):
        return True
    rows = [len(e.elts) if isinstance(e, (ast.Tuple, ast.List)) else -1 for e in node.elts]
    return len(set(rows)) == 1 and all(_numbers(e) for e in node.elts)


def _from_import(module: str, attr: str, level: int = 0):
    if level or module.split(".")[0] not in SAFE_MODULES:
        return Opaque(f"{module}.{attr}", assigned=True)
    imported = _import(module)
    value = getattr(imported, attr, None) if imported is not None else None
    return value if value is not None else Opaque(f"{module}.{attr}")


_FOLD = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


# Constants are folded within a budget: an integer result of at most this many bits (a
# float's range is far below it), so that `10 ** 10 ** 10` is never computed.
MAX_BITS = 4096


def _too_big(op: type, left, right) -> bool:
    """Would folding `left op right` on integers make one past MAX_BITS (or take long)?"""
    if not (isinstance(left, int) and isinstance(right, int)):
        return False
    bits = max(abs(left).bit_length(), 1), max(abs(right).bit_length(), 1)
    if op is ast.Pow:
        return abs(left) > 1 and right > 0 and (bits[0] - 1) * right >= MAX_BITS
    if op is ast.Mult:
        return bits[0] + bits[1] > MAX_BITS
    return max(bits) >= MAX_BITS


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
        if _too_big(type(node.op), left, right):
            return None  # unknown: the generated module reads it when it runs (outside.py)
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
