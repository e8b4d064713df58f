"""After an element write, the array's old names are stale: refuse code that reads one.

`y[i] = v` changes the array for every name that holds it: another name (`z = y`), a view
(`r = y[1:]`, `y.T`, a row `y[0]` of a 2-D array), or the value a loop started from.
Lowering gives the written array a new SSA name; a statement that still reads an old one
would see the new elements in Python but the old ones in the derivative, a wrong gradient.
Writing into the caller's arrays (a parameter or a view of one) is refused here too.
"""

from __future__ import annotations

import ast
import re

from .. import ir
from ..errors import UnsupportedSyntaxError
from ..ops import symbols
from ..ops.arrays import PRIMITIVES_BY_OP
from ..ops.functions import Maximum, Minimum
from ..ops.views import is_always_view


class _Memory:
    """Union-find over SSA names that may be the same array."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def root(self, name: str) -> str:
        while self.parent.get(name, name) != name:
            name = self.parent[name]
        return name

    def join(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            self.parent[ra] = rb
        self.parent.setdefault(rb, rb)


def _shares(memory: _Memory, stmts) -> None:
    """Join each value with what it may share memory with."""
    for s in stmts:
        if isinstance(s, ir.Write):
            memory.join(s.target, s.array)
        elif isinstance(s, ir.Primitive) and s.op in PRIMITIVES_BY_OP:
            view = PRIMITIVES_BY_OP[s.op].view  # (the result may be a view of this operand)
            if view is not None:
                memory.join(s.target, s.operands[view])
        elif isinstance(s, ir.Elementwise) and s.expr == symbols.operand(0):
            if isinstance(s.code, ast.Name):  # `merged = value` after an if: the same array
                memory.join(s.target, s.operands[0])
        elif isinstance(s, ir.If):
            _shares(memory, s.then + s.orelse)
            for merged, a, b in s.outputs:
                memory.join(merged, a)
                memory.join(merged, b)
        elif isinstance(s, ir.Loop):
            _shares(memory, s.body)
            for before, entry, end in s.carried:
                memory.join(entry, before)
                memory.join(entry, end)
        if isinstance(s, ir.Elementwise) and isinstance(s.code, ast.Call):
            # builtins min/max (a bare name, maybe an alias; np.maximum is an attribute)
            # return one of their arguments itself
            if isinstance(s.code.func, ast.Name) and isinstance(s.expr, (Maximum, Minimum)):
                for arg in s.code.args:
                    if isinstance(arg, ast.Name) and arg.id in s.operands:
                        memory.join(s.target, arg.id)


def memory_groups(body) -> dict[str, frozenset[str]]:
    """Each name of a written array's group -> every name that may share its memory."""
    writes = list(_writes(body))
    if not writes:
        return {}
    memory = _Memory()
    _shares(memory, body)
    written = {memory.root(w.target) for w in writes}
    groups: dict[str, set[str]] = {}
    for name in memory.parent:
        if memory.root(name) in written:
            groups.setdefault(memory.root(name), set()).add(name)
    return {name: frozenset(group) for group in groups.values() for name in group}


def _writes(stmts) -> list[ir.Write]:
    return [s for s in ir.every_statement(stmts) if isinstance(s, ir.Write)]


def _spelled(made, row) -> str:
    """How the user wrote the operation that made a value: `np.reshape`, `indexing`."""
    if row is None:
        return "it"
    return f"`{row.names[0].replace('numpy.', 'np.')}`" if row.names else "indexing"


def _user_name(ssa: str, user_names) -> str | None:
    base = re.sub(r"_\d+$", "", ssa)
    return ssa if ssa in user_names else base if base in user_names else None


class _StaleReads:
    """The walk in program order: which names of written arrays are stale where."""

    def __init__(self, fn: ir.Function, memory: _Memory, written: set[str]):
        self.fn, self.memory, self.written = fn, memory, written
        self.made = {  # name -> the statement that binds it
            s.target: s for s in ir.every_statement(fn.body) if not isinstance(s, (ir.If, ir.Loop))
        }

    def refuse(self, write: ir.Write, name: str, line: int):
        place = write.place  # the array as the written line names it (maybe in a helper)
        array = place.line[place.col_offset :].split("[")[0].strip() if place else "the array"
        user = _user_name(name, self.fn.user_names)
        what = f"`{user}`" if user and user != array else "another name or a view that holds it"
        raise UnsupportedSyntaxError(
            f"this write into `{array}` also changes {what}, which line {line} reads after "
            "the write (the derivative would use the values from before it)",
            write.place,
            hint=self.why(name, write)
            + "read what you need from the array before writing into it, or write into a "
            "copy made with np.copy",
        )

    def why(self, name: str, write: ir.Write) -> str:
        """What made symback give up following the write (the start of the hint)."""
        made = self.made.get(name)
        row = PRIMITIVES_BY_OP.get(made.op) if isinstance(made, ir.Primitive) else None
        what = _spelled(made, row)
        if row is not None and row.view is not None and not is_always_view(row, dict(made.params)):
            return (
                f"{what} is a view or a copy depending on the shapes, which symback cannot tell; "
            )
        written = self.made.get(write.array)
        row = PRIMITIVES_BY_OP.get(written.op) if isinstance(written, ir.Primitive) else None
        if row is not None and row.view is not None and not row.through:
            return (
                f"symback follows a write through a view of an array only for an index "
                f"(z = y[1:]), not through {_spelled(written, row)}; "
            )
        return ""

    def check(self, names, stale: dict, line: int) -> None:
        for name in names:
            if name in stale:
                self.refuse(stale[name], name, line)

    def group(self, name: str) -> str | None:
        root = self.memory.root(name)
        return root if root in self.written else None

    def walk(self, stmts, alive: dict[str, set[str]], stale: dict) -> None:
        for s in stmts:
            if isinstance(s, ir.Loop):
                self.loop(s, alive, stale)
                continue
            if isinstance(s, ir.If):
                self.branches(s, alive, stale)
                continue
            through = isinstance(s, ir.Write) and s.through  # (its old elements stay: views.py)
            self.check(s.operands[1:] if through else s.operands, stale, s.line)
            group = self.group(s.target)
            if group is None:
                continue
            if isinstance(s, ir.Write):
                for name in alive.get(group, ()):
                    stale[name] = s
                alive[group] = {s.target}
            else:
                alive.setdefault(group, set()).add(s.target)

    def loop(self, loop: ir.Loop, alive, stale) -> None:
        self.check(loop.header_operands, stale, loop.line)
        self.check([b for b, _, _ in loop.carried], stale, loop.line)
        first: dict[str, ir.Write] = {}
        for w in _writes(loop.body):
            first.setdefault(self.memory.root(w.target), w)
        for group, write in first.items():  # the second iteration runs after the first's writes
            for name in alive.get(group, ()):
                stale[name] = write
        inner = {g: set(names) for g, names in alive.items() if g not in first}
        for _, entry, _ in loop.carried:
            if self.group(entry) is not None:
                inner.setdefault(self.group(entry), set()).add(entry)
        inner_stale = dict(stale)
        self.walk(loop.body, inner, inner_stale)
        self.check([end for _, _, end in loop.carried], inner_stale, loop.line)
        if loop.kind == "while":  # the test reads the carried names' new values again
            entries = {e for _, e, _ in loop.carried}
            tested = [n for n in loop.header_operands if n not in entries]
            self.check(tested, inner_stale, loop.line)
        for group in first:
            alive[group] = {e for _, e, _ in loop.carried if self.group(e) == group}

    def branches(self, stmt: ir.If, alive, stale) -> None:
        self.check([stmt.cond], stale, stmt.line)
        results = []
        for body, pick in ((stmt.then, 1), (stmt.orelse, 2)):
            branch_alive = {g: set(names) for g, names in alive.items()}
            branch_stale = dict(stale)
            for name in stmt.unshared if pick == 2 else ():  # a copy: not stale (views.py)
                branch_stale.pop(name, None)
            self.walk(body, branch_alive, branch_stale)
            self.check([out[pick] for out in stmt.outputs], branch_stale, stmt.line)
            results.append((branch_alive, branch_stale))
        for _, branch_stale in results:
            stale.update(branch_stale)
        for group in set(results[0][0]) | set(results[1][0]):
            names = results[0][0].get(group, set()) | results[1][0].get(group, set())
            alive[group] = {n for n in names if n not in stale}
        for merged, _, _ in stmt.outputs:
            if self.group(merged) is not None:
                alive.setdefault(self.group(merged), set()).add(merged)


def check_writes(fn: ir.Function) -> None:
    """Refuse element writes into the caller's arrays, and reads of a written array's old
    names (see the module docstring)."""
    writes = list(_writes(fn.body))
    if not writes:
        return
    memory = _Memory()
    _shares(memory, fn.body)
    written = {memory.root(w.target) for w in writes}
    for p in fn.params:
        group = memory.root(p.name)
        if group in written:
            write = next(w for w in writes if memory.root(w.target) == group)
            raise UnsupportedSyntaxError(
                f"this write changes `{p.name}`, the array the caller passed in (this name "
                "holds it, or a view of it)",
                write.place,
                hint=f"write into a copy: `out = np.copy({p.name})`, then `out[...] = ...`",
            )
    walk = _StaleReads(fn, memory, written)
    stale: dict = {}
    walk.walk(fn.body, {}, stale)
    walk.check([fn.output], stale, fn.output_line)
    aux = [n.id for n in ast.walk(fn.aux) if isinstance(n, ast.Name)] if fn.aux else []
    for name in aux:  # the backward pass puts written elements back before aux is returned
        if memory.root(name) in written:
            raise UnsupportedSyntaxError(
                "the auxiliary value holds an array the function writes into, which the "
                "gradient code puts back as it was before the writes",
                next(w for w in writes if memory.root(w.target) == memory.root(name)).place,
                hint="return a copy as the auxiliary value: `y_out = np.copy(y)`",
            )
