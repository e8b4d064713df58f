"""Resolving names a function reads from outside (globals, closures, builtins) to what they are."""

from __future__ import annotations

import ast
import builtins
import importlib
import numbers
import types
from dataclasses import dataclass
from functools import lru_cache

from ..ops.arrays import PRIMITIVES
from ..ops.elementwise import ELEMENTWISE, NON_DIFFERENTIABLE, SHAPE_ONLY


@dataclass(frozen=True)
class Resolved:
    """What an outside name or attribute chain is: a number, a module, a function, or unknown."""

    kind: str  # "number", "module", "function", "unknown"
    qualname: str = ""  # numpy.exp, math, ... (modules and known functions)
    value: object = None  # the number, or the object itself
    text: str = ""  # the chain as written, for messages


@lru_cache(maxsize=None)
def _known_objects() -> dict[int, str]:
    """id of every function the rules know -> its qualified name."""
    known: dict[int, str] = {}
    names = set(ELEMENTWISE) | NON_DIFFERENTIABLE | SHAPE_ONLY | set(PRIMITIVES)
    for qualname in sorted(names):
        module_name, _, attr = qualname.rpartition(".")
        module = importlib.import_module(module_name)
        obj = getattr(module, attr, None)
        if obj is not None and not isinstance(obj, numbers.Number):
            known.setdefault(id(obj), qualname)
    return known


def qualname_of(obj: object) -> str | None:
    """The rules-table name of a function object, if the rules know it."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return _known_objects().get(id(obj))


class Namespace:
    """The names visible to a function besides its locals: closure cells, globals, builtins."""

    def __init__(self, globals_: dict, closure: dict | None = None):
        self._globals = globals_
        self._closure = closure or {}

    def lookup(self, name: str) -> Resolved:
        if name in self._closure:
            return _classify(self._closure[name], name)
        if name in self._globals:
            return _classify(self._globals[name], name)
        if hasattr(builtins, name):
            return _classify(getattr(builtins, name), name)
        return Resolved("unknown", text=name)

    def chain(self, node: ast.expr) -> Resolved | None:
        """Resolve `a.b.c` read from outside the function; None if it starts at a local name."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.lookup(node.id)
        text = ".".join([node.id, *reversed(parts)])
        obj = head.value
        for attr in reversed(parts):
            if head.kind != "module":
                return Resolved("unknown", text=text)
            if not hasattr(obj, attr):
                return Resolved("unknown", text=text)
            obj = getattr(obj, attr)
            head = _classify(obj, text)
        return Resolved(head.kind, head.qualname, head.value, text)


def _classify(obj: object, text: str) -> Resolved:
    if isinstance(obj, bool):
        return Resolved("unknown", value=obj, text=text)
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return Resolved("number", value=obj, text=text)
    if isinstance(obj, types.ModuleType):
        return Resolved("module", obj.__name__, obj, text)
    helper = getattr(obj, "__symback_helper__", None)  # a generated module's helper function
    if helper is not None:
        return Resolved("function", f"symback.{helper}", obj, text)
    qualname = qualname_of(obj)
    if qualname is not None:
        return Resolved("function", qualname, obj, text)
    if isinstance(obj, numbers.Real):  # numpy scalars
        return Resolved("number", value=float(obj), text=text)
    return Resolved("unknown", value=obj, text=text)
