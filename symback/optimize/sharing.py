"""What the common-subexpression pass (cse.py) knows: which calls are pure, which names may
share memory with an array changed in place, which are bound once, and each value's number.

Every fact comes from the operation records (ops/) and the tree (code.py): a call is pure
(the same arguments give the same value, and nothing changes) when it has a record, as a
NumPy or math function, a method or one of symback's helpers, and writes to no `out=`.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from dataclasses import dataclass, field

from .. import code
from ..ops.arrays import KNOWN_FUNCTIONS, METHODS, PRIMITIVES
from ..ops.elementwise import SHAPE_ONLY

# a fresh array: what these return never shares memory with an operand
_FRESH_NODES = (ast.BinOp, ast.UnaryOp, ast.Compare)
# code evaluated only sometimes, or later: nothing inside is computed ahead of it
OPAQUE_NODES = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp)
OPAQUE_NODES += (ast.GeneratorExp, ast.NamedExpr, ast.Starred, ast.Await, ast.Yield)
_NO_KEY = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_NO_KEY += (ast.NamedExpr, ast.Await, ast.Yield)
_MISSING = object()
# elementwise by their records (the identity), but handing back the array they are given
_HANDED_BACK = frozenset({"numpy.asarray", "numpy.asanyarray"})


class Scoped(dict):
    """A dict whose entries set inside a block go when the block ends."""

    def __init__(self):
        super().__init__()
        self._undo: list = []
        self._marks: list[int] = []

    def set(self, key, value) -> None:
        self._undo.append((key, self.get(key, _MISSING)))
        self[key] = value

    def enter(self) -> None:
        self._marks.append(len(self._undo))

    def leave(self) -> None:
        mark = self._marks.pop()
        while len(self._undo) > mark:
            key, previous = self._undo.pop()
            if previous is _MISSING:
                del self[key]
            else:
                self[key] = previous


@dataclass
class Calls:
    """Calls read by their function: `np.linalg.solve` as "numpy.linalg.solve"."""

    np: str
    math: str
    helpers: dict[str, str]  # a helper's name in the module -> its key

    def qualified(self, func: ast.expr) -> str | None:
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return None
        parts.reverse()
        if func.id == self.np:
            return ".".join(["numpy", *parts])
        if func.id == self.math:
            return ".".join(["math", *parts])
        if parts:
            return None
        if func.id in self.helpers:
            return f"symback.{self.helpers[func.id]}"
        return f"builtins.{func.id}" if hasattr(builtins, func.id) else None

    def pure(self, call: ast.Call) -> bool:
        """Does the call have a record (so computing it twice gives the same value twice)?"""
        if any(k.arg == "out" for k in call.keywords):
            return False
        func = call.func
        name = self.qualified(func)
        if name is not None:
            return name in KNOWN_FUNCTIONS
        return isinstance(func, ast.Attribute) and func.attr in METHODS  # x.sum(axis=0)

    def of_shapes(self, call: ast.Call) -> bool:
        """Is it a function of its arguments' shapes only (np.shape, np.zeros_like)?"""
        return self.qualified(call.func) in SHAPE_ONLY

    def changes(self, call: ast.Call) -> bool:
        """May the call change an array it is given (a user's function, `s.pop()`, out=)?
        NumPy, math, builtins and symback's helpers change nothing they are not told to
        (the tree says where: Line.changes)."""
        if self.pure(call):
            return False
        if any(k.arg == "out" for k in call.keywords):
            return True
        name = self.qualified(call.func)
        if name is None:
            return True  # a method other than a recorded one, or the user's function
        return name.startswith("numpy.random") or name.split(".")[0] not in (
            "numpy",
            "math",
            "symback",
            "builtins",
        )


def fresh(value: ast.expr, calls: Calls) -> bool:
    """Is the value a new array, sharing memory with no name it reads?"""
    if isinstance(value, _FRESH_NODES):
        return True
    if not isinstance(value, ast.Call) or not calls.pure(value):
        return False
    name = calls.qualified(value.func)
    if name is None or name.startswith("symback.") or name in _HANDED_BACK:
        return False  # a method (x.reshape) or a helper may hand back its argument
    row = PRIMITIVES.get(name)
    return row is None or row.view is None  # an elementwise function makes a new array


@dataclass
class Facts:
    """Whole-function facts, found in one walk over the tree in execution order."""

    calls: Calls
    changed: set[str] = field(default_factory=set)  # may share memory changed in place
    stable: set[str] = field(default_factory=set)  # bound once, read after, never changed
    effects: set[int] = field(default_factory=set)  # ids of lines that change something


def whole_function(items, params: set[str], calls: Calls) -> Facts:
    """The facts about the lines `items` (forward then backward) of a function."""
    facts = Facts(calls)
    modules = {calls.np, calls.math, *calls.helpers}  # never an array
    bound = Counter(params)
    binding: dict[str, tuple[int, tuple]] = {}  # a name -> where it is bound (order, path)
    reads: dict[str, list[tuple[int, tuple]]] = {}
    parent: dict[str, str] = {}
    members: set[str] = set()  # every name in a class of names that may share memory
    seeds: set[str] = set()
    plain: set[str] = set()  # bound by `name = value`

    def root(n: str) -> str:
        while parent.get(n, n) != n:
            parent[n] = parent.get(parent[n], parent[n])
            n = parent[n]
        return n

    def union(names) -> None:
        names = [n for n in names if n not in modules]
        members.update(names)
        names = [root(n) for n in names]
        for n in names[1:]:
            if n != names[0]:
                parent[n] = names[0]

    order = 0

    def walk(items, path: tuple) -> None:
        nonlocal order
        for item in items:
            order += 1
            if isinstance(item, code.Block):
                for n in item.head_reads:
                    reads.setdefault(n, []).append((order, path))
                if isinstance(item, code.For):
                    for n in code.names_in(item.index):
                        bound[n] += 1
                        binding.setdefault(n, (order, path))
                walk(item.body, path + ((order, 0),))
                walk(item.orelse, path + ((order, 1),))
                continue
            node = item.node
            for n in item.reads:
                reads.setdefault(n, []).append((order, path))
            changing = item.effect or isinstance(node, ast.Expr)
            changing |= any(calls.changes(c) for c in item.calls)
            if changing:  # everything the line touches may change, or be kept by another
                facts.effects.add(id(item))
                union(item.reads | item.targets)
                seeds.update((item.reads | item.targets) - modules)
            if item.statement:
                union(item.targets)
                seeds.update(item.targets)
            if isinstance(node, (ast.Assign, ast.AugAssign)) and not item.statement:
                for n in item.targets:
                    bound[n] += 1
                    binding.setdefault(n, (order, path))
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    plain.add(target.id)
                if not fresh(node.value, calls):
                    union(list(item.targets) + sorted(code.names_in(node.value)))
            elif isinstance(node, ast.AugAssign):
                for n in item.targets:
                    bound[n] += 1

    walk(items, ())
    changed_roots = {root(n) for n in seeds}
    facts.changed = {n for n in members | seeds if root(n) in changed_roots}
    for n in plain:
        if bound[n] != 1 or n in facts.changed:
            continue
        where, path = binding[n]
        if all(o > where and p[: len(path)] == path for o, p in reads.get(n, ())):
            facts.stable.add(n)
    return facts


class Numbers:
    """The value numbers both walks keep, line by line, in the same way."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.interned: dict[tuple, int] = {}
        self._leaves: dict[type, tuple[int, bool, bool]] = {}  # operators' keys, by class
        self.versions: Counter = Counter()
        self.epoch = 0  # counts writes in place: the values of names that may share memory
        self.numbers = Scoped()  # stable names bound to pure values: their values' keys
        self.order = 0
        # did the last `keys` meet a call or a matrix product (a value CSE may name)?
        self.named_values = False

    def keys(self, node: ast.AST) -> dict[int, tuple[int, bool, bool]]:
        """Each node's (key, pure, reads a name), by id."""
        out: dict[int, tuple[int, bool, bool]] = {}
        self.named_values = False
        self._key(node, out)
        return out

    def _key(self, n: ast.AST, out: dict) -> tuple[int, bool, bool]:
        # (a method, not a closure calling itself: such a closure is a reference cycle, and
        # one per line leaves the collector a pile of garbage to find)
        found = out.get(id(n))
        if found is not None:
            return found
        if isinstance(n, ast.Name):
            number = self.numbers.get(n.id)
            if number is None:
                epoch = self.epoch if n.id in self.facts.changed else -1
                number = self._intern(("name", n.id, self.versions[n.id], epoch))
            found = (number, True, True)
        elif isinstance(n, ast.Constant):
            value = n.value
            found = (self._intern(("const", type(value).__name__, repr(value))), True, False)
        elif not n._fields:  # an operator (`+`): its class is its key
            found = self._leaves.get(n.__class__)
            if found is None:
                found = self._leaves[n.__class__] = (
                    self._intern((n.__class__.__name__,)),
                    True,
                    False,
                )
        elif n.__class__ is ast.BinOp:  # (the commonest node: the general case's key, sooner)
            left, op, right = self._key(n.left, out), self._key(n.op, out), self._key(n.right, out)
            key = self._intern(("BinOp", left[0], op[0], right[0]))
            found = (key, left[1] and right[1], left[2] or right[2])
        else:
            parts: list = [type(n).__name__]
            pure, named = not isinstance(n, _NO_KEY), False
            for field_name in n._fields:
                if field_name == "ctx":
                    continue
                value = getattr(n, field_name, None)
                if isinstance(value, ast.AST):
                    k, p, m = self._key(value, out)
                    parts.append(k)
                    pure, named = pure and p, named or m
                elif isinstance(value, list):
                    keys = []
                    for v in value:
                        if isinstance(v, ast.AST):
                            k, p, m = self._key(v, out)
                            keys.append(k)
                            pure, named = pure and p, named or m
                        else:
                            keys.append(("const", repr(v)))
                    parts.append(tuple(keys))
                else:
                    parts.append(repr(value))
            if isinstance(n, ast.Call):
                pure = pure and self.facts.calls.pure(n)
                self.named_values = True
            elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.MatMult):
                self.named_values = True
            found = (self._intern(tuple(parts)), pure, named)
        out[id(n)] = found
        return found

    def _intern(self, key: tuple) -> int:
        return self.interned.setdefault(key, len(self.interned))

    def after(self, line: code.Line, keys) -> None:
        """What the line changes: the names it binds, and arrays it writes into."""
        if line.statement or id(line) in self.facts.effects:
            self.epoch += 1
        for n in line.targets:
            self.versions[n] += 1
        target = stable_target(line, self.facts)
        if target is not None and keys[id(line.node.value)][1]:
            self.numbers.set(target, keys[id(line.node.value)][0])

    def bump(self, block: code.Block) -> None:
        """A block may have run any number of times: every name it binds is new."""
        self.epoch += 1
        names = set(block.targets)
        if isinstance(block, code.For):
            names |= code.names_in(block.index)
        for n in names:
            self.versions[n] += 1


def stable_target(line: code.Line, facts: Facts) -> str | None:
    node = line.node
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        target = node.targets[0].id
        if target in facts.stable and id(line) not in facts.effects:
            return target
    return None
