"""Resolving names a function reads from outside (globals, closures, builtins) to what they are."""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import inspect
import numbers
import sys
import threading
import types
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from ..ops.arrays import KNOWN_FUNCTIONS


@dataclass(frozen=True)
class Resolved:
    """What an outside name or attribute chain is: a number, a module, a function, or unknown."""

    kind: str  # "number", "module", "function", "constant", "holder", "unknown"
    qualname: str = ""  # numpy.exp, math, ... (modules and known functions)
    value: object = None  # the number, or the object itself
    text: str = ""  # the chain as written, for messages
    # where generated code reads it at call time (a constant: an array, a tuple): the object
    # holding it (a module, the function's Outside names, a static module's ModuleRef) and
    # the attribute it is under there
    holder: object = None
    attr: str = ""


def _known_objects() -> dict[int, str]:
    """id of every function the rules know -> its qualified name. SciPy's are known once the
    user's code has imported scipy.special: symback never imports SciPy itself."""
    return _known_in("scipy.special" in sys.modules)


@lru_cache(maxsize=None)
def _known_in(with_scipy: bool) -> dict[int, str]:
    known: dict[int, str] = {}
    for qualname in sorted(KNOWN_FUNCTIONS):
        module_name, _, attr = qualname.rpartition(".")
        if module_name.startswith("scipy") and not with_scipy:
            continue
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
    """The names visible to a function besides its locals: closure cells, globals, builtins.

    `holder` is what generated code reads the function's constants from at call time (see
    Outside), `holder_name` what it calls it."""

    def __init__(
        self,
        globals_: dict,
        closure: dict | None = None,
        cells: dict | None = None,
        holder: object = None,
        holder_name: str = "outside",
    ):
        self._globals = globals_
        self._closure = closure or {}
        self._cells = cells or {}  # closure name -> its cell, where the value can change
        self.holder = holder
        self.holder_name = holder_name
        # `np.sin` resolved once per generation (lowering asks of each call several times)
        self._chains: dict[tuple[str, ...], Resolved] = {}

    def lookup(self, name: str) -> Resolved:
        if name in self._closure:
            _record(self._cells.get(name), name, self._closure[name])
            found = _classify(self._closure[name], name)
        elif name in self._globals:
            _record(self._globals, name, self._globals[name])
            found = _classify(self._globals[name], name)
        elif hasattr(builtins, name):
            return _classify(getattr(builtins, name), name)
        else:
            return Resolved("unknown", text=name)
        return replace(found, holder=self.holder, attr=name)

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
        key = (node.id, *reversed(parts))
        found = self._chains.get(key)
        if found is None:
            found = self._chains[key] = self._resolved(node.id, parts)
        return found

    def _resolved(self, name: str, parts: list[str]) -> Resolved:
        head = self.lookup(name)
        text = ".".join([name, *reversed(parts)])
        obj = head.value
        for attr in reversed(parts):
            if head.kind not in ("module", "holder"):
                return Resolved("unknown", text=text)
            if not hasattr(obj, attr):
                return Resolved("unknown", text=text)
            holder, obj = obj, getattr(obj, attr)
            # (`m.K`: the module's entry can change)
            _record(holder.where(attr) if isinstance(holder, Outside) else vars(holder), attr, obj)
            head = replace(_classify(obj, text), holder=holder, attr=attr)
        return replace(head, text=text)


def _classify(obj: object, text: str) -> Resolved:
    if isinstance(obj, Outside):
        return Resolved("holder", value=obj, text=text)
    if isinstance(obj, bool):
        return Resolved("unknown", value=obj, text=text)
    if type(obj) in (int, float):
        return Resolved("number", value=obj, text=text)
    if isinstance(obj, types.ModuleType):
        return Resolved("module", obj.__name__, obj, text)
    helper = getattr(obj, "__symback_helper__", None)  # a generated module's helper function
    if helper is not None:
        return Resolved("function", f"symback.{helper}", obj, text)
    qualname = qualname_of(obj)
    if qualname is not None:
        return Resolved("function", qualname, obj, text)
    if isinstance(obj, numbers.Integral) and not isinstance(obj, (bool, np.bool_)):
        return Resolved("number", value=int(obj), text=text)  # (printed as a literal)
    if isinstance(obj, numbers.Real) and not isinstance(obj, np.bool_):  # numpy scalars
        return Resolved("number", value=float(obj), text=text)
    if constant_kind(obj) is not None:
        return Resolved("constant", value=obj, text=text)
    return Resolved("unknown", value=obj, text=text)


def constant_kind(obj: object, depth: int = 0):
    """What generated code relies on about a constant it reads at call time, or None if
    `obj` is not one (an array, a number, or a tuple or list of them, nested): the kind of
    each part (an array's dtype and number of axes, a tuple's length), not its values."""
    if isinstance(obj, np.ndarray) and type(obj) is np.ndarray and obj.dtype.kind in "biuf":
        return ("array", obj.dtype.str, obj.ndim)
    if isinstance(obj, (int, float, np.integer, np.floating, np.bool_)):
        return ("number", type(obj))
    if isinstance(obj, (tuple, list)) and depth < 8 and len(obj) <= 10_000:
        parts = tuple(constant_kind(item, depth + 1) for item in obj)
        return None if None in parts else (type(obj), parts)
    return None


class Outside:
    """The names a live function reads from outside, read by its generated code at call time
    (`outside.TARGET`): from its closure's cells first, then its globals, as Python does."""

    __slots__ = ("_globals", "_cells")

    def __init__(self, globals_: dict, cells: dict):
        self._globals = globals_
        self._cells = cells

    def __getattr__(self, name: str):
        cell = self._cells.get(name)
        if cell is not None:
            return cell.cell_contents
        try:
            return self._globals[name]
        except KeyError:
            raise AttributeError(name) from None

    def where(self, name: str):
        """The dict or cell the value of `name` is kept in (to see whether it changed)."""
        return self._cells.get(name, self._globals)

    def __repr__(self) -> str:
        return f"<names read by {self._globals.get('__name__', '?')}>"


def namespace_of(fn) -> Namespace:
    """The outside names a live function sees: its globals and its closure's cells."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    base = (getattr(module, "__name__", "") or "").rpartition(".")[2]
    base = base if base.isidentifier() and not base.startswith("_") else "outside"
    if not fn.__closure__:
        # its own module, when its globals are that module's (a module's attribute is read
        # faster than through Outside)
        holder = module if getattr(module, "__dict__", None) is fn.__globals__ else None
        return Namespace(
            fn.__globals__, holder=holder or Outside(fn.__globals__, {}), holder_name=base
        )
    closure = inspect.getclosurevars(fn).nonlocals
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__))
    return Namespace(fn.__globals__, closure, cells, Outside(fn.__globals__, cells), base)


# -- what generated code took from outside, to see later whether it still holds --------------

_MISSING = object()
_recording = threading.local()


@dataclass(frozen=True)
class Read:
    """A value generated code holds as it was read: `where[name]`, or a closure cell's."""

    where: object  # a dict (globals, a module's), or a cell
    name: str
    value: object
    # a constant read at call time: what the code relies on about it (constant_kind)
    kind: object = None

    def holds(self) -> bool:
        if isinstance(self.where, dict):
            now = self.where.get(self.name, _MISSING)
        else:
            try:
                now = self.where.cell_contents
            except ValueError:  # the cell was emptied (`del`)
                return False
        if now is self.value:
            return True
        if self.kind is not None:
            return constant_kind(now) == self.kind
        return type(now) is type(self.value) and _equal(now, self.value)


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
    elif isinstance(value, (np.ndarray, tuple, list)):
        kind = constant_kind(value)
        log.append(Read(where, name, value, kind if kind is not None else ("not", id(value))))


@contextlib.contextmanager
def recording():
    """Collect the reads made (in this thread) while the block runs: a list of `Read`."""
    previous = getattr(_recording, "log", None)
    _recording.log = log = []
    try:
        yield log
    finally:
        _recording.log = previous
