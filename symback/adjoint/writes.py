"""Adjoints of element writes, and the undo log that keeps forward values right backwards.

Forward, each write `y[i] = v` first logs (y, the index, a copy of the elements it is about
to overwrite) in one list. Backward, each write's adjoint first puts those elements back, so
every backward line sees the arrays as the forward pass had them at that point. A loop's
backward iteration first undoes its own iteration's writes (back to the log's length when
that iteration started), then recomputes the iteration, whose writes log again. Only the
overwritten elements are saved: a loop filling n elements stays O(n) in time and memory.

The adjoint of `y[i] = v` sends d_y[i] to v and zeroes d_y[i] (the old element is gone);
`y[i] += v` sends d_y[i] to v and leaves d_y alone. A written array's adjoint is one array
updated in place (a read `y[j]` adds at j), carried by terms marked `mutable`, so that a
loop does O(1) work per element instead of building a whole array each iteration.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field

from .. import code, ir
from ..frontend.stale import memory_groups
from ..frontend.syntax import over_range
from ..ops import symbols
from ..optimize.sharing import Calls, fresh
from .forward import forward_lines
from .stacks import push, replaying
from .state import Sweep, Term, named
from .sums import sum_of, zeros


@dataclass
class WriteLog:
    """The names the forward code gives the undo log and the marks into it."""

    log: str  # the list of (array, index, overwritten elements)
    log_write: str  # the helper that appends to it
    np: str  # numpy's name in the module
    len: str  # the builtin len's name in the module
    differentiated: set[str] = field(default_factory=set)  # writes of an active value
    replay: bool = False  # recomputing a loop body that reads no array it writes: no writes
    # loop -> a stack of the log's length at the start of each iteration
    loop_marks: dict[int, str] = field(default_factory=dict)
    # if / loop the backward pass does not walk -> the log's length before it
    before: dict[int, str] = field(default_factory=dict)

    def forward(self, s: ir.Write) -> list[code.Line]:
        """Log the elements, write, and name the written array by its new SSA name."""
        renamed = code.assign(s.target, code.name(s.array), s.line)
        if self.replay or s.through:
            return [renamed]
        index = s.index_value(self.np)
        checked = {"differentiated": ast.Constant(True)} if s.target in self.differentiated else {}
        log = code.call(self.log_write, code.name(self.log), code.name(s.array), index, **checked)
        value = code.name(s.value)
        if s.op == "add.at":
            add_at = code.attr(self.np, "add", "at")
            write = code.effect(
                s.array, code.call(add_at, code.name(s.array), index, value), s.line
            )
        else:
            op = {"=": None, "+=": ast.Add(), "-=": ast.Sub()}[s.op]
            write = code.set_item(s.array, s.index, value, s.line, op)
        return [code.effect(self.log, log, s.line), write, renamed]

    def before_statement(self, s) -> list[code.Line]:
        mark = self.before.get(id(s))
        if mark is None:
            return []
        return [code.assign(mark, code.call(self.len, code.name(self.log)), s.line)]

    def loop_lines(self, loop: ir.Loop) -> tuple[list[code.Line], list[code.Line]]:
        """(before the loop, at the start of each iteration): the iteration marks."""
        marks = self.loop_marks.get(id(loop))
        if marks is None:
            return [], []
        start_mark = push(marks, code.call(self.len, code.name(self.log)))
        return [code.assign(marks, ast.List([], ast.Load()), loop.line)], [start_mark]


def contains_write(stmt) -> bool:
    """Is `stmt` an element write, or a branch or loop with one inside?"""
    return any(isinstance(s, ir.Write) for s in ir.every_statement([stmt]))


def written_arrays(stmts) -> set[str]:
    """The SSA names of arrays that are written, in any version (before and after writes,
    carried by loops, merged after branches): their adjoints are updated in place."""
    links: list[tuple[str, ...]] = []
    seeds: set[str] = set()

    def visit(body) -> None:
        for s in body:
            if isinstance(s, ir.Write):
                seeds.add(s.target)
                links.append((s.target, s.array))
            elif isinstance(s, ir.If):
                visit(s.then + s.orelse)
                links.extend(s.outputs)
            elif isinstance(s, ir.Loop):
                visit(s.body)
                links.extend(s.carried)

    visit(stmts)
    out = set(seeds)
    while True:
        grown = {n for link in links if out & set(link) for n in link}
        if grown <= out:
            return out
        out |= grown


def setup(sweep: Sweep, body) -> None:
    sweep.buffers = written_arrays(body)
    sweep.sharing = memory_groups(body)  # name -> the names that may share its memory
    sweep.writes = None
    if not sweep.buffers:
        return
    sweep.writes = WriteLog(
        sweep.namer.fresh("writes"),
        sweep.names["log_write"],
        sweep.names["np"],
        sweep.names["len"],
    )
    sweep.helpers.add("log_write")
    sweep.writes.differentiated = {
        s.target
        for s in ir.every_statement(body)
        if isinstance(s, ir.Write) and s.value in sweep.active
    }
    for loop in ir.every_statement(body):
        if isinstance(loop, ir.Loop) and contains_write(loop):
            sweep.writes.loop_marks[id(loop)] = sweep.namer.fresh("marks")


def start(sweep: Sweep) -> list[code.Line]:
    if sweep.writes is None:
        return []
    return [code.assign(sweep.writes.log, ast.List([], ast.Load()))]


def write(sweep: Sweep, stmt: ir.Write) -> None:
    # Everything still to be summed that reads the array is computed before the undo.
    terms = sweep.terms.pop(stmt.target, None)
    settle(sweep, stmt)
    active = terms and stmt.target in sweep.active
    adjoint = owned(sweep, stmt.target, terms, stmt.line, sweep.lines) if active else None
    if not stmt.through:  # (a write through a view logged nothing: views.py)
        log = sweep.writes.log
        sweep.helpers.add("undo_last_write")
        undo = code.call(sweep.names["undo_last_write"], code.name(log))
        sweep.lines.append(code.effect(log, undo, stmt.line, kept=True))
    if adjoint is None:
        return
    index = stmt.index
    element = ast.Subscript(code.name(adjoint), index, ast.Load())
    if stmt.value in sweep.active and _one_number(sweep, stmt):
        # one element, of a number: its adjoint is the element's (a NumPy scalar, a copy)
        name = sweep.namer.adjoint(stmt.value)
        value = ast.UnaryOp(ast.USub(), element) if stmt.op == "-=" else element
        sweep.lines.append(code.assign(name, value, stmt.line))
        sweep.add(stmt.value, named(name))
    elif stmt.value in sweep.active:  # summed back to v's shape: v may have been broadcast
        sweep.helpers.add("unbroadcast")
        name = sweep.namer.adjoint(stmt.value)
        if stmt.op == "-=":
            part = ast.UnaryOp(ast.USub(), element)
        else:
            part = code.call(code.attr(element, "copy"))
        value = code.call(sweep.names["unbroadcast"], part, code.name(stmt.value))
        sweep.lines.append(code.assign(name, value, stmt.line))
        sweep.add(stmt.value, named(name))
    if stmt.op == "=":
        sweep.lines.append(code.set_item(adjoint, index, ast.Constant(0.0), stmt.line))
    if stmt.array in sweep.active:
        sweep.add(stmt.array, named(adjoint, mutable=True))


def _one_number(sweep: Sweep, stmt: ir.Write) -> bool:
    """Known from the first call: a float written into one element, at integer positions?"""
    shapes = sweep.shapes or {}
    if not (sweep.float64 and shapes.get(stmt.value) == () and stmt.value in sweep.floating):
        return False
    if any(shapes.get(n) != () or n in sweep.fn.boolean for n in stmt.index_operands):
        return False  # (an array of positions, a mask: several elements)
    parts = code.element_positions(stmt.index)
    written = sweep.written.get(stmt.array)
    return parts is not None and written is not None and len(parts) == len(written)


def settle(sweep: Sweep, stmt) -> None:
    """Bind to names now the pending terms that read an array `stmt` writes (or a view of
    it): they must see its elements as they are before the writes are undone. A term that
    reads only the array's shape (an element read's scatter, of values not read of the
    array) waits."""
    touched: set[str] = set()
    for s in ir.every_statement([stmt]):
        if isinstance(s, ir.Write):
            touched |= sweep.sharing.get(s.target, frozenset())
    np_copy = code.attr(sweep.names["np"], "copy")
    line = getattr(stmt, "line", None)

    def bound(value: str, expr: ast.expr) -> ast.Name:
        """`d_value_part = expr`, now, before the undo."""
        name = sweep.namer.fresh(f"d_{value}_part")
        sweep.lines.append(code.assign(name, expr, line))
        return code.name(name)

    for value, terms in sweep.terms.items():
        for k, t in enumerate(terms):
            if t.scatter is not None and code.names_in(t.scatter[0]) & touched:
                # the values scattered read the array (z * x[1:] sends z to x[1:])
                g = t.scatter[0]
                kept = bound(value, code.call(np_copy, g))
                expr = code.replaced(t.expr, g, kept)
                terms[k] = dataclasses.replace(t, expr=expr, scatter=(kept, *t.scatter[1:]))
            elif not (t.mutable or t.scatter is not None or not t.uses & touched):
                expr = code.call(np_copy, t.expr) if t.name else t.expr
                terms[k] = Term(bound(value, expr), wrap=t.wrap)


def leaves_lineage(sweep: Sweep, stmt) -> bool:
    """A statement that makes a written array from another value (`y = np.copy(h)`, or
    `merged = y` after an if). Its adjoint may be an array updated in place: passed on as it
    is to the same array under another name (True: handled here), or copied before it
    reaches another value, which later in-place updates must leave alone."""
    terms = sweep.terms.get(stmt.target)
    if not terms or not any(t.mutable for t in terms):
        return False
    identity = isinstance(stmt, ir.Elementwise) and stmt.expr == symbols.operand(0)
    if identity and stmt.operands[0] in sweep.buffers:
        adjoint = owned(sweep, stmt.target, sweep.terms.pop(stmt.target), stmt.line, sweep.lines)
        if stmt.operands[0] in sweep.active:
            sweep.add(stmt.operands[0], named(adjoint, mutable=True))
        return True
    if len(terms) == 1:  # (a sum of several terms is a new array anyway)
        copied = code.call(code.attr(sweep.names["np"], "copy"), terms[0].expr)
        sweep.terms[stmt.target] = [Term(copied)]
    return False


def owned(sweep: Sweep, value: str, terms, line, lines: list, name: str | None = None) -> str:
    """The adjoint of a written array as an array the walk may update in place: the mutable
    term with the others added into it, or a new array; bound to `name` if given."""
    np = sweep.names["np"]
    mutable = [t for t in terms if t.mutable]
    if mutable:
        base = mutable[0].name
        for t in terms:
            if t is not mutable[0]:
                lines.append(add_into(sweep, base, value, t, line))
        if name is not None and name != base:
            lines.append(code.assign(name, code.name(base), line))
            return name
        return base
    name = name or sweep.namer.adjoint(value)
    if not terms:
        expr = zeros(sweep, value)
    else:
        expr = sum_of(sweep, value, terms, owned=True)
        fresh = len(terms) > 1 or terms[0].wrap == "spread" or terms[0].scatter is not None
        if not fresh:  # it may be an array another name holds too: copy it
            expr = code.call(code.attr(np, "array"), expr, dtype=code.name(sweep.names["float"]))
    lines.append(code.assign(name, expr, line))
    return name


def add_into(sweep: Sweep, base: str, value: str, term: Term, line) -> code.Line:
    """`base += term`, in place; an element read adds at its index only."""
    if term.scatter is not None:
        return add_at(sweep, base, term.scatter, line)
    return code.augment(base, ast.Add(), sum_of(sweep, value, [term]), line)


def add_at(sweep: Sweep, base: str, scatter: tuple, line) -> code.Line:
    """`base[subscript] += g`, or np.add.at(base, index, g) for an index that may name an
    element twice."""
    g, index, sub = scatter
    if sub is not None:  # a basic index reads no element twice
        return code.set_item(base, sub, g, line, ast.Add())
    np_add_at = code.attr(sweep.names["np"], "add", "at")
    return code.effect(base, code.call(np_add_at, code.name(base), index, g), line)


def replay(sweep: Sweep, loop: ir.Loop) -> list:
    """A backward iteration's recomputation of the loop body (after the carried values are
    restored). A body that reads an array it writes first undoes the writes of the
    iteration, so that it reads the arrays as they were when the iteration started, and
    writes (and logs) again. A body that only writes leaves the arrays alone: the adjoints of
    its writes undo the forward iteration's own writes."""
    tapes = replaying(sweep, loop)
    if sweep.writes is None or not contains_write(loop) or reads_written(sweep, loop):
        body = forward_lines(loop.body, sweep.stacks, sweep.kept, sweep.writes, tapes)
        return iteration_start(sweep, loop) + body
    sweep.writes.loop_marks.pop(id(loop), None)  # no iteration to undo: no marks needed
    again = dataclasses.replace(sweep.writes, replay=True)
    return forward_lines(loop.body, sweep.stacks, sweep.kept, again, tapes)


def reads_written(sweep: Sweep, loop: ir.Loop) -> bool:
    """Does the body read an array it writes (or a view of it), or leave the undoing of an
    if or loop with writes to a mark taken while it runs?"""
    touched: set[str] = set()
    for s in ir.every_statement(loop.body):
        if isinstance(s, ir.Write):
            touched |= sweep.sharing.get(s.target, frozenset())
        if id(s) in sweep.writes.before:
            return True
    for s in ir.every_statement(loop.body):
        if isinstance(s, ir.Write):
            reads = {s.value, *s.index_operands}
        elif isinstance(s, ir.If):
            reads = {s.cond}
        elif isinstance(s, ir.Loop):
            reads = set(s.header_operands)  # (carried names only pass the array on)
        elif _passes_on(s, sweep.buffers):
            continue
        else:
            reads = set(s.operands)
        if reads & touched:
            return True
    return False


def iteration_start(sweep: Sweep, loop: ir.Loop) -> list[code.Line]:
    """At the start of a backward iteration: undo the writes the forward iteration made, so
    that recomputing it reads the arrays as they were when it started."""
    marks = sweep.writes.loop_marks.get(id(loop)) if sweep.writes else None
    if marks is None:
        return []
    sweep.helpers.add("undo_writes")
    log = sweep.writes.log
    undo = code.call(sweep.names["undo_writes"], code.name(log), code.call(code.attr(marks, "pop")))
    return [code.effect(log, undo, loop.line, kept=True)]


def undo_if_skipped(sweep: Sweep, stmt, lines_before: int) -> None:
    """An if or loop with writes whose adjoint the walk left out (no gradient flows through
    it) still has its writes undone, back to the log's length before it."""
    if sweep.writes is None or not contains_write(stmt):
        return
    if any(isinstance(line, code.Block) for line in sweep.lines[lines_before:]):
        return
    mark = sweep.namer.fresh("writes_before")
    sweep.writes.before[id(stmt)] = mark
    sweep.helpers.add("undo_writes")
    log = sweep.writes.log
    undo = code.call(sweep.names["undo_writes"], code.name(log), code.name(mark))
    sweep.lines.append(code.effect(log, undo, stmt.line, kept=True))


def _passes_on(s, buffers) -> bool:
    """`merged = y` after an if: a written array under its merged name, not a read."""
    return (
        isinstance(s, ir.Elementwise)
        and s.target in buffers
        and s.expr == symbols.operand(0)
        and isinstance(s.code, ast.Name)
    )


def without_log(sweep: Sweep, forward: list, backward: list) -> tuple[list, list]:
    """The passes without the undo log, where nothing needs it: specialised, every written
    array a float array of the function's own (the log's check of a write's dtype, and the
    caller's arrays put back, are then moot), and no backward line from the first undo on
    reading a written array or anything that may share its memory (`y = np.asarray(z)`
    before `z[0] = ...`). A loop whose forward iterations only fill a buffer the gradient
    reads once, at the end, copied each element twice for nothing."""
    log = sweep.writes
    if log is None or sweep.shapes is None:
        return forward, backward
    params = {p.name for p in sweep.fn.params}
    names = {log.log, *log.loop_marks.values(), *log.before.values()}
    numbers = {n for n, shape in sweep.shapes.items() if shape == ()}
    group = _may_share(forward + backward, sweep.buffers, sweep.names, numbers, names)
    if not sweep.buffers <= set(sweep.floating) or group & params:
        return forward, backward
    undone = False
    for item in backward:
        undone = undone or bool(item.reads & names)
        if undone and _reads_values(item, group, names):
            return forward, backward
    return _dropped(forward, names), _dropped(backward, names)


def _may_share(items, buffers: set[str], names: dict[str, str], numbers: set[str], log: set[str]):
    """`buffers` and every name that may share memory with one: bound to a value that is
    not a new array (a name, a view, np.asarray of it), or kept in a list. Numbers (known
    ones, the counters of loops over ranges, `x.item(i)`) share nothing; nor do the lines
    of the `log`."""
    helpers = {v: k for k, v in names.items() if k not in ("np", "math")}
    calls = Calls(names["np"], names["math"], helpers)
    apart = numbers | set(names.values())
    links: list[set[str]] = []

    def visit(items) -> None:
        for item in items:
            if isinstance(item, code.Block):
                if isinstance(item, code.For) and over_range(item.iter):
                    apart.update(code.names_in(item.index))
                visit(item.body + item.orelse)
            elif item.reads & log:
                continue
            elif isinstance(item.node, ast.Assign) and not item.statement:
                value = item.node.value
                if not (fresh(value, calls) or _number_read(value)):
                    links.append(item.targets | item.reads)
            elif not isinstance(item.node, (ast.Assign, ast.AugAssign)):
                links.append(item.targets | item.reads)  # (s.append(y))

    visit(items)
    links = [link - apart for link in links]
    out = set(buffers)
    while True:
        grown = out.union(*(link for link in links if link & out))
        if grown == out:
            return out
        out = grown


def _number_read(value: ast.expr) -> bool:
    """`x.item(i)`: a Python number."""
    func = getattr(value, "func", None)
    return isinstance(func, ast.Attribute) and func.attr == "item"


def _reads_values(item, group: set[str], names: set[str]) -> bool:
    """Does the line (or a line of the block) read an array of `group`, other than by
    renaming it (`y_2 = y_1`, whose reads of `y_2` count where they are) or logging?"""
    if isinstance(item, code.Block):
        heads = item.head_reads & group
        return bool(heads) or any(_reads_values(i, group, names) for i in item.body + item.orelse)
    if item.reads & names:
        return False
    node = item.node
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and not item.statement:
        return False
    return bool(item.reads & group)


def _dropped(items, names: set[str]) -> list:
    """`items` without the lines that read or bind `names`, and without blocks left empty."""
    out = []
    for item in items:
        if isinstance(item, code.Block):
            body, orelse = _dropped(item.body, names), _dropped(item.orelse, names)
            if body or orelse:
                out.append(code.with_body(item, body or [code.Line(ast.Pass())], orelse))
        elif not (item.reads | item.targets) & names:
            out.append(item)
    return out
