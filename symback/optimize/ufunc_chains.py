"""Elementwise lines read as NumPy ufunc calls, and written as a chain of such calls into one
buffer (`np.subtract(t1, t3, out=t3)`): the forms the in-place pass (inplace.py) writes."""

from __future__ import annotations

import ast

import numpy

from .. import code

_BINARY = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}


def ufunc(node, np: str) -> str | None:
    """The NumPy ufunc a call `np.f(...)` of elementwise arguments names, if it is one."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == np
        and not node.keywords
    ):
        return None
    f = getattr(numpy, node.func.attr, None)
    floats = "d" * len(node.args) + "->d"  # (not a comparison: its result is no float)
    if isinstance(f, numpy.ufunc) and f.nin == len(node.args) and floats in f.types:
        return node.func.attr
    return None


def operands(node, np: str) -> tuple[str, list] | None:
    """(ufunc name, operands) of an elementwise operation, None for anything else."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)], [node.left, node.right]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        if isinstance(node.right, ast.Constant) and node.right.value == 2:
            return "square", [node.left]  # (what NumPy's `**` itself runs for x**2)
        return "power", [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "negative", [node.operand]
    name = ufunc(node, np)
    return (name, list(node.args)) if name is not None else None


def shape_of(tree, shapes: dict, scalars: frozenset[str], np: str) -> tuple | None:
    """The shape of an elementwise expression of known float64 arrays, float scalars and
    numbers; None if it is anything else or reads no array."""
    found: list[tuple] = []

    def visit(node) -> bool:
        if isinstance(node, ast.Name):
            if node.id in shapes:
                found.append(shapes[node.id])
                return True
            return node.id in scalars
        if isinstance(node, ast.Constant):
            return type(node.value) in (int, float)
        parts = operands(node, np)
        return parts is not None and all(visit(p) for p in parts[1])

    if tree is None or not visit(tree) or not found:
        return None
    try:
        return tuple(numpy.broadcast_shapes(*found))
    except ValueError:
        return None


def has_operation(tree, arrays) -> bool:
    """Is this an operation on an array (not a name, nor a number like `-0.5` or `2 * s`,
    which the operation reading it broadcasts)?"""
    if isinstance(tree, (ast.Name, ast.Constant)):
        return False
    return any(isinstance(n, ast.Name) and n.id in arrays for n in ast.walk(tree))


def basic_slices(index) -> tuple | None:
    """The index if it is only slices of literal bounds (and `...`): buf[index] is then a
    view, so writing into it writes buf. None for anything else."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    out = []
    try:
        for p in parts:
            if isinstance(p, ast.Constant) and p.value is Ellipsis:
                out.append(Ellipsis)
            elif isinstance(p, ast.Slice):
                bounds = (p.lower, p.upper, p.step)
                out.append(slice(*(b if b is None else ast.literal_eval(b) for b in bounds)))
            else:
                return None
    except ValueError:
        return None
    if not all(
        isinstance(b, (int, type(None)))
        for s in out
        if s is not Ellipsis
        for b in (s.start, s.stop, s.step)
    ):
        return None
    return tuple(out) if out else None


def sliced(shape: tuple, index: tuple) -> tuple | None:
    """The shape of buf[index] for a buffer of `shape`."""
    try:
        return numpy.broadcast_to(numpy.float64(0.0), shape)[index].shape
    except (IndexError, ValueError):
        return None


def chain(tree, out: ast.expr, target: str, np: str, line: int | None, arrays: dict) -> list:
    """Statements that compute elementwise `tree` into the array `out` (a name or a slice),
    each one operation; `out` holds the partial result, so nothing else is allocated."""
    rows: list[code.Line] = []

    def into(node) -> None:
        function, args = operands(node, np)
        given, used = [], False
        for arg in args:
            if has_operation(arg, arrays) and not used:
                into(arg)  # the first operation's operand is computed into `out` first
                given.append(out)
                used = True
            else:
                given.append(arg)
        computed = code.call(code.attr(np, function), *given, out=out)
        rows.append(code.effect(target, computed, line))

    into(tree)
    return rows
