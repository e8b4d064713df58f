"""Which values have the same shape in every call that passes a specialised gradient's guard.

A value's shape is *determined* when it follows from the arguments' shapes (and the values
of the arguments tested by value) alone, whatever the data: an elementwise formula of
determined values, a primitive of determined arrays, `X.shape[0] - 1`. A value computed
from data in a way that sets its shape (a boolean mask's selection, a branch whose sides
differ) is not.

Inside a loop, the shape of a value may also depend on the iteration. It does not when the
loop's counter is only ever an integer subscript (`X[t]`, `x[i + 1]`, never `x[:t]`) and
the carried values keep their shapes: if every statement of the body is determined by the
shapes of the carried values at the iteration's start, and the first iteration ends with
them as it started, the second starts as the first did, and so on, for any number of
iterations. The probe's record of the first iteration (`first`) shows whether it does.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter

import numpy

from . import code, ir
from .ops.arrays import PRIMITIVES_BY_OP

# Arguments tested by value (a loop bound, a flag, a mode), not only by type: shapes may
# depend on them.
BY_VALUE = (int, bool, str, type(None))
SHAPE_ATTRIBUTES = frozenset({"shape", "ndim", "size"})


class Known:
    """The names found so far: with a determined shape, with a tested value, and loop
    counters (integers whose values change, whose shapes do not)."""

    def __init__(self, shaped: set[str], valued: set[str]):
        self.shaped, self.valued, self.counters = shaped, valued, set()
        self.ranges: set[int] = set()  # lines of loops over a range fixed by the guard

    def copy(self) -> Known:
        known = Known(set(self.shaped), set(self.valued))
        known.counters = set(self.counters)
        known.ranges = self.ranges  # (one set: what a body finds is found)
        return known


def determined(
    fn: ir.Function, description: tuple, modules: set[str], values: dict, first: dict
) -> Known:
    """The values whose shapes are the same in every call with the arguments `description`
    gives, found from the function's statements, a probe call's `values`, and the values at
    the end of each loop's first iteration in that call (`first`: the loop's line -> the
    names' values)."""
    shaped = {name for name, _, _ in description}
    valued = {name for name, kind, _ in description if kind in BY_VALUE}
    known = Known(shaped, valued)
    lines = Counter(s.line for s in ir.every_statement(fn.body) if isinstance(s, ir.Loop))
    twice = {line for line, loops in lines.items() if loops > 1}  # records that would mix
    _block(fn.body, known, modules, values, first, twice)
    known.ranges -= twice
    return known


def recording_first_iterations(items, record: str, names: dict) -> tuple:
    """The forward lines of a probe, each loop's first iteration recorded at its end as
    `record[line] = locals().copy()` (before a `break`, which would skip it)."""
    out = []
    for item in items:
        if isinstance(item, code.Block):
            body = list(recording_first_iterations(item.body, record, names))
            if isinstance(item, code.For) and _is_range(item.iter):  # its bounds, once
                key = ast.Tuple([code.literal("range"), code.number(item.line or 0)], ast.Load())
                out.append(code.set_item(record, key, copy.deepcopy(item.iter), item.line))
            if isinstance(item, (code.For, code.While)):
                key = code.number(item.line or 0)
                test = ast.Compare(key, [ast.NotIn()], [code.name(record)])
                snapshot = code.call(code.attr(code.call(names["locals"]), "copy"))
                keep = code.set_item(record, key, snapshot, item.line)
                at = len(body) - (bool(body) and _breaks(body[-1]))
                body.insert(at, code.If(test=test, body=(keep,), line=item.line))
            orelse = recording_first_iterations(item.orelse, record, names)
            item = code.with_body(item, tuple(body), orelse)
        out.append(item)
    return tuple(out)


def _is_range(node) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "range"


def _breaks(item) -> bool:
    """Is it the `if stop: break` a loop with a `break` ends with?"""
    return isinstance(item, code.If) and any(
        isinstance(line, code.Line) and isinstance(line.node, ast.Break) for line in item.body
    )


def _block(stmts, known: Known, modules, values, first, twice) -> None:
    for s in stmts:
        if isinstance(s, ir.Loop):
            _loop(s, known, modules, values, first, twice)
        elif not isinstance(s, (ir.If, ir.Push, ir.Pop)):
            # (a popped value is whatever was pushed, maybe in a loop or branch)
            _statement(s, known, ir.names_in(s.code) - modules)


def _statement(s, known: Known, reads: set[str]) -> None:
    shaped, valued, counters = known.shaped, known.valued, known.counters
    counted = reads & counters
    if isinstance(s, ir.Opaque):
        if _from_shapes(s.code, shaped, valued | counters):
            shaped.add(s.target)
            (counters if counted else valued).add(s.target)
        elif _elementwise(s.code) and reads <= shaped:
            shaped.add(s.target)  # a comparison: its shape is known, not its value
        elif _new_array(s.code, shaped, valued):
            shaped.add(s.target)
        return
    if isinstance(s, ir.Primitive):
        if s.op == "custom":
            return
        arrays = set(s.operands[:1] if PRIMITIVES_BY_OP[s.op].indexed else s.operands)
        rest = reads - arrays
        if counted - arrays and not (s.op == "getitem" and _counter_free_slices(s, counters)):
            return  # x[:t]: its shape changes with the counter
        if arrays <= shaped and rest <= valued | counters:
            shaped.add(s.target)
            if reads <= valued:  # (t1[0] of a tested shape: a tested number too)
                valued.add(s.target)
        return
    if reads <= shaped:
        shaped.add(s.target)
        if reads <= valued:
            valued.add(s.target)
        elif reads <= valued | counters:
            counters.add(s.target)  # (i + 1: a counter too)


def _loop(loop: ir.Loop, known: Known, modules, values, first, twice) -> None:
    """The body's determined values, where the carried values keep their shapes."""
    index = loop.index
    header = loop.header
    is_range = _is_range(header)
    if (
        is_range
        and all(_from_shapes(a, known.shaped, known.valued) for a in header.args)
        and not header.keywords
    ):
        known.ranges.add(loop.line)  # (its bounds the same in every call)
    # Carried values assumed to keep their shapes, dropped until the assumption holds.
    keeping = {e for b, e, _ in loop.carried if b in known.shaped}
    record = first.get(loop.line) if loop.line not in twice else None
    while True:
        inside = known.copy()
        if index is not None and loop.kind == "for":
            if is_range:
                inside.shaped.add(index)
                inside.counters.add(index)
            elif isinstance(header, ast.Name) and header.id in known.shaped:
                inside.shaped.add(index)  # a row of an array: its shape is the array's less one
        inside.shaped |= keeping
        for b, e, _ in loop.carried:
            if e in keeping and b in known.valued | known.counters:
                inside.counters.add(e)  # (a count carried on: its shape is a number's)
        _block(loop.body, inside, modules, values, first, twice)
        kept = {
            e
            for b, e, end in loop.carried
            if e in keeping and _kept(b, end, inside, record, values)
        }
        if kept == keeping:
            break
        keeping = kept
    known.shaped |= inside.shaped  # (the counter too: after the loop, its last value)
    known.counters |= {e for e in keeping if e in inside.counters}


def _kept(before: str, end: str, inside: Known, record: dict | None, values: dict) -> bool:
    """Does the carried value end the first iteration with the shape it started with?"""
    if end not in inside.shaped or record is None or before not in values or end not in record:
        return False
    try:
        return numpy.shape(record[end]) == numpy.shape(values[before])
    except ValueError:  # (a ragged list)
        return False


def _counter_free_slices(s: ir.Primitive, counters: set[str]) -> bool:
    """Is every counter in the subscript an integer position, none in a slice's bounds?"""
    subscript = dict(s.params).get("subscript")
    if subscript is None:
        return False
    for node in ast.walk(subscript):
        if isinstance(node, ast.Slice) and ir.names_in(node) & counters:
            return False
    return True


def _from_shapes(node, shaped: set, valued: set) -> bool:
    """Is this expression computed from shapes and tested values only (`X.shape[0] - 1`)?"""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in valued
    if isinstance(node, ast.Attribute):
        return node.attr in SHAPE_ATTRIBUTES and _names_in(node.value, shaped)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "len":
            return len(node.args) == 1 and _names_in(node.args[0], shaped)
        if node.func.id in ("int", "min", "max", "abs"):
            return all(_from_shapes(a, shaped, valued) for a in node.args)
        return False
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Tuple, ast.Compare)):
        return all(
            _from_shapes(child, shaped, valued)
            for child in ast.iter_child_nodes(node)
            if isinstance(child, ast.expr)
        )
    return False


def _new_array(node, shaped: set, valued: set) -> bool:
    """`np.zeros((n, m))`, `np.ones(n)`, `np.full(n, v)`, `np.eye(n)` of tested numbers, or
    `np.zeros_like(x)` of an array of known shape: a new array of a known shape."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
        return False
    if any(k.arg in ("shape", "like") for k in node.keywords):
        return False
    name, first = node.func.attr, node.args[0]
    if name in ("zeros", "ones", "empty", "full", "eye", "identity"):
        sizes = [first] if name != "eye" else node.args[:2]
        return all(_from_shapes(a, shaped, valued) for a in sizes)
    if name in ("zeros_like", "ones_like", "empty_like", "full_like"):
        return _names_in(first, shaped)
    return False


def _names_in(node, names: set) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _elementwise(node) -> bool:
    """Comparisons and arithmetic of names and numbers: broadcast, elementwise."""
    allowed = (ast.Compare, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant)
    operators = (ast.cmpop, ast.boolop, ast.operator, ast.unaryop, ast.expr_context)
    return all(isinstance(n, allowed + operators) for n in ast.walk(node))
