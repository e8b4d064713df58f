"""Adjoints made from their terms: one sum, each term summed back or spread to its value.

A value's adjoint is complete once the backward walk reaches its statement; `close` binds
the sum of its terms to a name (or hands a bare term on as it is). Several slices' gradients
of one array go into one buffer (`scattered`); a parameter's gradient is an array the caller
owns (`parameter`).
"""

from __future__ import annotations

import ast
import math

import numpy

from .. import code
from .shapes import without_negation
from .state import Sweep, Term, held_terms, holding


def close(sweep: Sweep, value: str, terms: list[Term], line: int | None) -> ast.expr:
    """Emit `d_value = sum of terms` (or reuse a bare one) and return the adjoint: a name or
    a number."""
    if len(terms) == 1 and terms[0].bare:
        bare = terms[0].expr
        if terms[0].name and sweep.shapes is not None and holding(sweep, bare) is None:
            held = terms[0].actual
            held = sweep.shapes.get(value) if held is None else held
            if held is not None:
                sweep.held[terms[0].name] = held
        return bare
    name = sweep.namer.adjoint(value)
    if len(terms) == 1 and (terms[0].wrap == "spread" or terms[0].view):
        sweep.views.add(name)  # (not to be handed out as it is)
    if not scattered(sweep, name, value, terms, line):
        sweep.lines.append(code.assign(name, sum_of(sweep, value, terms), line))
    held = held_terms(sweep, value, terms)
    held = sweep.shapes.get(value) if held is None and sweep.shapes is not None else held
    if held is not None:
        sweep.held[name] = held
    return code.name(name)


def sum_of(sweep: Sweep, value: str, terms: list[Term], owned: bool = False) -> ast.expr:
    """The terms as one sum, each summed back or spread to `value`'s shape as it says
    (`owned`: the sum is an array of its own at `value`'s whole shape, so a lone spread
    term, or a sum held smaller in specialised code, is a new full array)."""
    parts, grouped = [], []
    np = sweep.names["np"]
    outers = [t.outer for t in terms if t.outer is not None]
    if len(outers) > 1:  # sum of a_k b_k^T: [a_1 ... a_K] @ [b_1 ... b_K]^T, one product
        # (np.array of equal-shaped vectors is np.stack's rows at a quarter of its per-call
        # cost, which is Python code; .T is a view, and matmul reads it as is)
        columns = code.attr(_array(np, [a for a, _ in outers]), "T")
        parts.append(ast.BinOp(columns, ast.MatMult(), _array(np, [b for _, b in outers])))
        grouped.append(False)
        terms = [t for t in terms if t.outer is None]
    shape = code.call(code.attr(np, "shape"), code.name(value))
    for t in terms:
        expr = t.expr
        if t.wrap == "unbroadcast":
            sweep.helpers.add("unbroadcast")
            expr = code.call(sweep.names["unbroadcast"], expr, code.name(value))
        elif t.wrap == "spread" and owned and len(terms) == 1:
            expr = code.call(code.attr(np, "full"), shape, expr)
        elif t.wrap == "spread":
            expr = code.call(code.attr(np, "broadcast_to"), expr, shape)
        parts.append(expr)
        grouped.append(t.is_sum and len(terms) > 1)
    out = joined(parts, grouped)
    held = held_terms(sweep, value, terms) if owned else None
    if held is not None and held != sweep.shapes[value]:
        # (whoever binds it takes it to have the value's shape: a loop's carried adjoint
        # seeds its body, where a number would be summed as one element, not as many)
        out = code.call(code.attr(np, "full"), code.literal(sweep.shapes[value]), _constant(out))
    return out


def _array(np: str, items: list) -> ast.expr:
    return code.call(code.attr(np, "array"), ast.List(list(items), ast.Load()))


def joined(parts: list[ast.expr], grouped: list[bool] | None = None) -> ast.expr:
    """Terms as one sum, `a - b` rather than `a + -b`; a term that is itself a sum joins
    the chain (`a + b - c`) unless it is `grouped` (`a + (b - c)`)."""
    grouped = grouped or [False] * len(parts)
    out = parts[0]
    for p, group in zip(parts[1:], grouped[1:]):
        signed = [(True, p)] if group else _signed_terms(p)
        for k, (plus, term) in enumerate(signed):
            positive = None if k else without_negation(term, _LEFT_FIRST)
            if positive is not None:
                plus, term = not plus, positive
            out = ast.BinOp(out, ast.Add() if plus else ast.Sub(), term)
    return out


_LEFT_FIRST = (ast.Mult, ast.Div, ast.MatMult)  # a product whose leftmost factor comes first


def _signed_terms(expr: ast.expr) -> list[tuple[bool, ast.expr]]:
    """A sum `a - b + c` as its terms with their signs, left to right."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub)):
        return _signed_terms(expr.left) + [(isinstance(expr.op, ast.Add), expr.right)]
    return [(True, expr)]


def zeros(sweep: Sweep, value: str) -> ast.expr:
    """A zero adjoint for `value`: a float array of zeros of its shape, of its own (where the
    shape is known, float64: `np.zeros(shape)`, and for a number `0.0`)."""
    shape = (sweep.shapes or {}).get(value)
    if shape is not None and sweep.float64 and value in sweep.floating:
        if shape == ():
            return code.number(0.0)
        return code.call(code.attr(sweep.names["np"], "zeros"), code.literal(shape))
    zeros_like = code.attr(sweep.names["np"], "zeros_like")
    return code.call(zeros_like, code.name(value), dtype=code.name(sweep.names["float"]))


def full(sweep: Sweep, adjoint: ast.expr, value: str) -> ast.expr:
    """The adjoint (a bare one) at its value's whole shape: a broadcast view where it is
    held smaller."""
    if sweep.shapes is None:
        return adjoint
    held, shape = holding(sweep, adjoint), sweep.shapes.get(value)
    if held is None or shape is None or held == shape:
        return adjoint
    name = sweep.namer.numbered(f"{adjoint.id}_full" if isinstance(adjoint, ast.Name) else "d")
    view = code.call(code.attr(sweep.names["np"], "broadcast_to"), adjoint, code.literal(shape))
    sweep.lines.append(code.assign(name, view))
    sweep.views.add(name)
    return code.name(name)


def scattered(
    sweep: Sweep, name: str, value: str, terms: list[Term], line, lines: list | None = None
) -> bool:
    """Several slices' gradients (x[1:], x[:-1]): one zero array, each slice added in place
    (those of one slice summed first), rather than a zero array per slice. Emits the lines
    (to `lines`, or the sweep's) and says whether it did. Only in specialised code: the
    general code stays free of in-place writes, so that symback can differentiate it again."""
    if (
        sweep.shapes is None
        or len(terms) < 2
        or any(t.scatter is None or t.scatter[2] is None for t in terms)
    ):
        return False
    groups: dict[str, list[Term]] = {}  # by the subscript's tree: one slice, one group
    for t in terms:
        groups.setdefault(code.structure(t.scatter[2]), []).append(t)
    rows = {_row(g[0].scatter[2]): g for g in groups.values()}
    shape = sweep.shapes.get(value)
    np = sweep.names["np"]
    out = sweep.lines if lines is None else lines
    if shape and None not in rows and sorted(rows) == list(range(shape[0])):
        # every row read (an unrolled loop over x[0], x[1], ...): their gradients stacked,
        # by np.array (rows of one shape: np.stack's result, without its Python overhead)
        stacked = [joined([t.scatter[0] for t in rows[k]]) for k in sorted(rows)]
        out.append(code.assign(name, _array(np, stacked), line))
        return True
    for i, group in enumerate(groups.values()):
        g = joined([t.scatter[0] for t in group])
        subscript = group[0].scatter[2]
        if i == 0 and sweep.float64 and shape is not None:  # the zeros' dtype is known
            zeros_array = code.call(code.attr(np, "zeros"), code.literal(shape))
            out.append(code.assign(name, zeros_array, line))
            out.append(code.set_item(name, subscript, g, line))
        elif i == 0:
            scatter = code.call(sweep.names["scatter"], g, code.name(value), group[0].scatter[1])
            out.append(code.assign(name, scatter, line))
        else:
            out.append(code.set_item(name, subscript, g, line, ast.Add()))
    if not (sweep.float64 and shape is not None):
        sweep.helpers.add("scatter")
    return True


def _row(subscript: ast.expr) -> int | None:
    """The row a subscript reads, when it is one whole number (x[2])."""
    if isinstance(subscript, ast.Constant) and type(subscript.value) is int:
        return subscript.value if subscript.value >= 0 else None
    return None


def parameter(sweep: Sweep, p: str) -> str:
    """Emit the gradient of wrt parameter p: a fresh array (or float) the caller owns."""
    np = sweep.names["np"]
    terms = sweep.terms.pop(p, [])
    name = sweep.namer.adjoint(p)
    if not terms:
        sweep.lines.append(code.assign(name, zeros(sweep, p)))
        return name
    if scattered(sweep, name, p, terms, None):
        return name
    expr = sum_of(sweep, p, terms, owned=True)
    held, shape = held_terms(sweep, p, terms), (sweep.shapes or {}).get(p)
    modules = set(sweep.names.values())  # (np and the helpers: no value of the function)
    if held is not None and held != shape:
        pass  # sum_of made it a fresh array of p's shape
    elif len(terms) == 1 and not terms[0].wrap and terms[0].uses <= modules:
        expr = _constant(expr)
    elif len(terms) == 1 and terms[0].uses - modules and _shared(sweep, terms[0]):
        expr = code.call(code.attr(np, "copy"), expr)
    sweep.lines.append(code.assign(name, expr))
    return name


def _shared(sweep: Sweep, term: Term) -> bool:
    """Would returning this term hand out an array someone else also holds?"""
    if term.wrap == "spread":
        return False  # printed as np.full: fresh
    if term.view:
        return True
    if not (term.bare or term.wrap == "unbroadcast" and term.name):
        return False
    if term.name in sweep.views or term.name in sweep.returned:
        return True
    sweep.returned.add(term.name)
    return False


_FOLD = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b}
_FOLD.update({ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b})
_FOLD[ast.Pow] = lambda a, b: a**b


def _constant(expr: ast.expr) -> ast.expr:
    """A gradient that is a number, as a float literal (folded on the tree: arithmetic and
    NumPy or `math` functions of numbers); left as it is when it is not a finite number."""
    try:
        value = float(_fold(expr))
    except (ArithmeticError, TypeError, ValueError):
        return expr
    return code.number(value) if math.isfinite(value) else expr


def _fold(node: ast.expr):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _fold(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _FOLD:
        return _FOLD[type(node.op)](_fold(node.left), _fold(node.right))
    function = node.func if isinstance(node, ast.Call) and not node.keywords else node
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        found = getattr(numpy, function.attr, None)  # (np or math: the same functions)
        if function is node and isinstance(found, float):
            return found  # np.pi, np.e
        if function is not node and callable(found):
            return found(*(_fold(a) for a in node.args))
    raise TypeError("not a number")
