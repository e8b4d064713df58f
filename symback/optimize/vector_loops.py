"""Loops that add up independent terms, vectorised for a gradient alone.

    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2

No iteration reads what another computed but the running sum, and a sum's gradient does not
depend on the value summed so far: the gradient needs no loop. The loop becomes, for the
gradient's code only, the terms over slices and one sum:

    t1 = x[1:1000]; t2 = x[0:999]; term = 100.0 * (t1 - t2 ** 2) ** 2 + (1.0 - t2) ** 2
    s = s + np.sum(term)

which the backward pass differentiates as any array code. Only a specialised gradient is
rewritten (symback/specialise.py): the probe's call has shown the range, and the guard lets
through only calls with the same one (its bounds follow from the arguments' shapes and
tested values), so every slice is known to lie inside its array, as each element read of
the loop did. `value_and_grad` keeps the loop, whose value is the user's, bit for bit.
"""

from __future__ import annotations

import ast
import copy
import dataclasses

from .. import code, ir
from ..facts import Facts
from ..naming import Namer
from ..ops import symbols


def vectorised_loops(fn: ir.Function, facts: Facts, np: str) -> tuple[ir.Function, Facts]:
    """`fn` with each top-level loop of the kind above vectorised, and the facts of the
    values that now hold all the iterations' terms."""
    body: list = []
    shapes = dict(facts.shapes)
    floating = set(facts.floating)
    targets = {s.target for s in ir.every_statement(fn.body) if hasattr(s, "target")}
    namer = Namer(set(fn.user_names) | targets)
    for s in fn.body:
        made = None
        if isinstance(s, ir.Loop) and s.line in facts.ranges and not _read_after(fn, s):
            made = _vectorised(s, facts, np, namer)
        if made is None:
            body.append(s)
            continue
        statements, new_shapes = made
        body += statements
        shapes.update(new_shapes)
        floating |= set(new_shapes)
    if len(body) == len(fn.body) and all(a is b for a, b in zip(body, fn.body)):
        return fn, facts
    arrays = dict(facts.arrays)
    if facts.float64:
        arrays.update({n: shape for n, shape in shapes.items() if n not in facts.shapes and shape})
    facts = dataclasses.replace(facts, shapes=shapes, floating=frozenset(floating), arrays=arrays)
    return dataclasses.replace(fn, body=tuple(body)), facts


def _read_after(fn: ir.Function, loop: ir.Loop) -> bool:
    """Does anything outside the loop read its counter (its last value, in Python)?"""
    inside = {id(s) for s in ir.every_statement(loop.body)}
    outside = [s for s in ir.every_statement(fn.body) if id(s) not in inside and s is not loop]
    return (
        fn.output == loop.index
        or any(loop.index in ir.reads(s) for s in outside)
        or (fn.aux is not None and loop.index in ir.names_in(fn.aux))
    )


def _vectorised(loop: ir.Loop, facts: Facts, np: str, namer: Namer):
    """The loop's statements vectorised, and the shapes of the values they make; None when
    it is not a loop of independent terms added up."""
    start, stop, step = facts.ranges[loop.line]
    count = len(range(start, stop, step))
    if loop.kind != "for" or loop.exit is not None or step <= 0 or count < 1:
        return None
    index = loop.index
    ends = {end: entry for _, entry, end in loop.carried}
    entries = set(ends.values())
    inside = {s.target for s in loop.body if hasattr(s, "target")}
    hoisted: list = []  # loop-invariant statements, as they are
    renamed: dict[str, str] = {}  # a per-iteration value -> the array of all of them
    shapes: dict[str, tuple] = {}
    out: list = []
    for s in loop.body:
        if not isinstance(s, (ir.Elementwise, ir.Primitive)):
            return None
        reads = set(s.operands)
        if reads & entries and s.target not in ends:
            return None  # the running value read by a term: iterations depend on each other
        if s.target in ends:
            continue  # (below, once the terms are known)
        varying = reads & (set(renamed) | {index})
        if not varying:
            if reads & inside - set(t.target for t in hoisted):
                return None
            hoisted.append(s)
            continue
        if isinstance(s, ir.Primitive):
            made = _slice(
                s, index, (start, stop, step), count, facts, np, namer.fresh(f"{s.target}_all")
            )
            if made is None:
                return None
            renamed[s.target] = made.target
            shapes[made.target] = (count,)
            out.append(made)
            continue
        outer = reads - set(renamed) - {index}
        if index in reads or any(facts.shapes.get(n) != () for n in outer):
            return None  # (the counter as a value, or an array read whole by each term)
        if not _numpy_only(s.code, np):
            return None
        name = namer.fresh(f"{s.target}_all")
        out.append(_renamed(s, name, renamed))
        renamed[s.target] = name
        shapes[name] = (count,)
    scalars = {n for s in loop.body for n in s.operands if facts.shapes.get(n) == ()}
    scalars -= entries | {index} | set(renamed)
    for _, entry, end in loop.carried:
        made = _summed(loop, entry, end, renamed, scalars, np, namer)
        if made is None:
            return None
        statements, term = made
        out += statements
        shapes[term] = (count,)
        shapes[statements[1].target] = ()
    return hoisted + out, shapes


def _slice(s: ir.Primitive, index: str, bounds, count: int, facts: Facts, np: str, name: str):
    """`x[i + c]` over the whole range: `x[start + c : stop + c : step]`, if every index read
    lies inside x (so the slice reads what the loop did, element for element)."""
    subscript = dict(s.params).get("subscript")
    array = s.operands[0]
    shape = facts.shapes.get(array)
    if s.op != "getitem" or s.operands[1:] != (index,) or shape is None or len(shape) != 1:
        return None
    offset = _offset(subscript, index)
    start, _, step = bounds
    first, last = start + offset, start + offset + (count - 1) * step
    if offset is None or first < 0 or last >= shape[0]:
        return None
    part = ast.Slice(
        code.number(first), code.number(last + 1), None if step == 1 else code.number(step)
    )
    np_index = ast.Subscript(code.attr(np, "s_"), part, ast.Load())
    params = (("index", np_index), ("subscript", copy.deepcopy(part)))
    value = ast.Subscript(code.name(array), part, ast.Load())
    return ir.Primitive(name, "getitem", (array,), params, value, s.line)


def _offset(subscript, index: str) -> int | None:
    """c in a subscript `i`, `i + c`, `i - c` or `c + i` (c an integer literal)."""
    if isinstance(subscript, ast.Name) and subscript.id == index:
        return 0
    if not isinstance(subscript, ast.BinOp) or not isinstance(subscript.op, (ast.Add, ast.Sub)):
        return None
    left, right = subscript.left, subscript.right
    if isinstance(left, ast.Name) and left.id == index and _integer(right):
        return right.value if isinstance(subscript.op, ast.Add) else -right.value
    if isinstance(right, ast.Name) and right.id == index and _integer(left):
        return left.value if isinstance(subscript.op, ast.Add) else None
    return None


def _integer(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _summed(loop: ir.Loop, entry: str, end: str, renamed: dict, scalars: set, np: str, namer):
    """`end = entry + term` as `term_all = term` (over arrays), `total = np.sum(term_all)`,
    `entry = before + total`; None unless the end is the entry plus terms read of arrays
    (and of `scalars`, numbers the same in every iteration)."""
    s = next((t for t in loop.body if getattr(t, "target", None) == end), None)
    before = next(b for b, e, _ in loop.carried if e == entry)
    if not isinstance(s, ir.Elementwise) or s.operands.count(entry) != 1:
        return None
    node = s.code
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Add):
        return None
    if not _numpy_only(node, np):
        return None
    sides = [(node.left, node.right), (node.right, node.left)]
    rest = next((r for e, r in sides if isinstance(e, ast.Name) and e.id == entry), None)
    position = s.operands.index(entry)
    placeholder = symbols.operand(position)
    term_expr = s.expr - placeholder
    if rest is None or placeholder in term_expr.free_symbols:
        return None
    if any(placeholder in expr.free_symbols for expr, _ in s.calls):
        return None
    operands = [n for n in s.operands if n != entry]
    if not set(operands) & set(renamed) or not set(operands) <= set(renamed) | scalars:
        return None  # (a term the same in every iteration; an array read whole)
    shift = {
        symbols.operand(i): symbols.operand(i - 1) for i in range(position + 1, len(s.operands))
    }
    term_name = namer.fresh(f"{entry}_terms_all")
    term = ir.Elementwise(
        term_name,
        term_expr.xreplace(shift),
        tuple(renamed.get(n, n) for n in operands),
        _renamed_code(rest, renamed),
        s.line,
        calls=tuple((e.xreplace(shift), _renamed_code(c, renamed)) for e, c in s.calls),
    )
    total_name = namer.fresh(f"{entry}_total_all")
    total = ir.Primitive(
        total_name,
        "sum",
        (term_name,),
        (),
        code.call(code.attr(np, "sum"), code.name(term_name)),
        s.line,
    )
    added = ast.BinOp(code.name(before), ast.Add(), code.name(total_name))
    a0, a1 = symbols.operand(0), symbols.operand(1)
    result = ir.Elementwise(entry, a0 + a1, (before, total_name), added, s.line)
    return [term, total, result], term_name


def _numpy_only(node: ast.expr, np: str) -> bool:
    """Does the formula call NumPy's functions only (which take arrays, as math.sin, min or
    float do not)?"""
    return all(
        isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == np
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
    )


def _renamed(s: ir.Elementwise, name: str, renamed: dict) -> ir.Elementwise:
    return dataclasses.replace(
        s,
        target=name,
        operands=tuple(renamed.get(n, n) for n in s.operands),
        code=_renamed_code(s.code, renamed),
        calls=tuple((e, _renamed_code(c, renamed)) for e, c in s.calls),
    )


def _renamed_code(node: ast.expr, renamed: dict) -> ast.expr:
    node = copy.deepcopy(node)
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id in renamed:
            n.id = renamed[n.id]
    return node
