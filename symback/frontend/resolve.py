"""Resolving names a function reads from outside (globals, closures, builtins) to what they are."""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import inspect
import numbers
import threading
import types
from dataclasses import dataclass
from functools import lru_cache

from ..ops.arrays import KNOWN_FUNCTIONS


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
    for qualname in sorted(KNOWN_FUNCTIONS):
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

    def __init__(self, globals_: dict, closure: dict | None = None, cells: dict | None = None):
        self._globals = globals_
        self._closure = closure or {}
        self._cells = cells or {}  # closure name -> its cell, where the value can change

    def lookup(self, name: str) -> Resolved:
        if name in self._closure:
            _record(self._cells.get(name), name, self._closure[name])
            return _classify(self._closure[name], name)
        if name in self._globals:
            _record(self._globals, name, self._globals[name])
            return _classify(self._globals[name], name)
        if hasattr(builtins, name):
            return _classify(getattr(builtins, name), name)
        return Resolved("unknown", text=name)

    def extended(self, names: dict) -> Namespace:
        """This namespace with `names` added (seen first, as a closure's)."""
        return Namespace(self._globals, {**self._closure, **names}, self._cells)

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
            _record(vars(head.value), attr, obj)  # (`m.K`: the module's entry can change)
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


def namespace_of(fn) -> Namespace:
    """The outside names a live function sees: its globals and its closure's cells."""
    if not fn.__closure__:
        return Namespace(fn.__globals__)
    closure = inspect.getclosurevars(fn).nonlocals
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__))
    return Namespace(fn.__globals__, closure, cells)


# -- what generated code took from outside, to see later whether it still holds --------------

_MISSING = object()
_recording = threading.local()


@dataclass(frozen=True)
class Read:
    """A value generated code holds as it was read: `where[name]`, or a closure cell's."""

    where: object  # a dict (globals, a module's), or a cell
    name: str
    value: object

    def holds(self) -> bool:
        if isinstance(self.where, dict):
            now = self.where.get(self.name, _MISSING)
        else:
            try:
                now = self.where.cell_contents
            except ValueError:  # the cell was emptied (`del`)
                return False
        return now is self.value or type(now) is type(self.value) and _equal(now, self.value)


def _equal(a, b) -> bool:
    return isinstance(a, (int, float, complex)) and a == b


def _record(where, name: str, value) -> None:
    """Note a read whose value was built into the generated code: a number (inlined as a
    literal) or a function of the user's own (inlined)."""
    log = getattr(_recording, "log", None)
    if log is None or where is None:
        return
    number = isinstance(value, numbers.Number) and not isinstance(value, bool)
    user_function = inspect.isfunction(value) and qualname_of(value) is None
    if number or user_function or isinstance(value, bool):
        log.append(Read(where, name, value))


@contextlib.contextmanager
def recording():
    """Collect the reads made (in this thread) while the block runs: a list of `Read`."""
    previous = getattr(_recording, "log", None)
    _recording.log = log = []
    try:
        yield log
    finally:
        _recording.log = previous
