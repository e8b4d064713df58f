"""Known shapes in the backward walk: how a term is summed back to its operand's shape.

A specialised gradient (see symback/specialise.py) knows the shape of the values at the top
level of the function. An adjoint there has its value's shape (its *virtual* shape) but may
be held smaller (its *actual* shape): the adjoint of `np.sum(t)` is the upstream number
itself, not an array of copies. Broadcasting treats the two alike until a term is summed
back to a smaller operand: along an axis the actual term lacks, the sum is a product with
the axis's length.
"""

from __future__ import annotations

import ast
import copy
import math

import numpy

from .. import code

Shape = tuple[int, ...]


def broadcast(*shapes: Shape) -> Shape:
    return tuple(numpy.broadcast_shapes(*shapes)) if shapes else ()


def kept_dims(shape: Shape, axis) -> Shape:
    """`shape` after a reduction over `axis` with keepdims=True (axis None: every axis)."""
    if axis is None or not shape:  # (NumPy lets a number be reduced along axis 0 or -1)
        return tuple(1 for _ in shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def sum_to(
    expr: ast.expr, actual: Shape, virtual: Shape, target: Shape, np: str
) -> tuple[ast.expr, Shape]:
    """`expr`, held with shape `actual` for an array of shape `virtual`, summed over the axes
    broadcasting added to `target`: (the sum, the actual shape of the result). `expr` itself
    when nothing is summed."""
    if virtual == target and len(actual) <= len(target):
        return expr, actual
    summand = without_negation(expr)
    if summand is not None:  # -np.sum(a * b): negate the sum, not every element
        summed, result = sum_to(summand, actual, virtual, target, np)
        return (expr if summed is summand else ast.UnaryOp(ast.USub(), summed)), result
    lead = len(virtual) - len(target)
    summed = [i for i in range(lead)]
    summed += [lead + j for j, n in enumerate(target) if n == 1 and virtual[lead + j] != 1]
    offset = len(virtual) - len(actual)
    held = [i for i in summed if i >= offset and actual[i - offset] != 1]  # really summed
    count = math.prod(virtual[i] for i in summed if i not in held)  # summed copies: a product
    axes = tuple(i - offset for i in held)
    extra = max(len(actual) - len(target), 0)  # leading axes the result must lose
    result = list(actual)
    total = code.attr(np, "sum")
    if not target and actual:
        expr, result = code.call(total, expr), []
    elif axes and set(axes) == set(range(extra)):
        expr, result = code.call(total, expr, axis=_axis(axes)), result[extra:]
    else:
        if axes:
            expr = code.call(total, expr, axis=_axis(axes), keepdims=ast.Constant(True))
            for a in axes:
                result[a] = 1
        if extra:
            result = result[extra:]
            expr = code.call(code.attr(np, "reshape"), expr, code.literal(tuple(result)))
    if count != 1:
        expr = ast.BinOp(code.number(count), ast.Mult(), expr)
    return expr, tuple(result)


def _axis(axes: tuple[int, ...]) -> ast.expr:
    return code.literal(axes[0] if len(axes) == 1 else axes)


def scalars_first(expr: ast.expr, scalar) -> ast.expr:
    """A product with its scalar factors first (`scalar(name)` says which names are
    numbers), so that NumPy multiplies them together before touching an array:
    `-y * d * e` -> `-d * y * e` is two passes over y's elements, not three; `t**2` of a
    number is `t * t` (a Python float's power is three times slower)."""
    return _ScalarsFirst(scalar).visit(copy.deepcopy(expr))


class _ScalarsFirst(ast.NodeTransformer):
    def __init__(self, scalar):
        self.scalar = scalar

    def is_scalar(self, node) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (int, float))
        if isinstance(node, ast.Name):
            return self.scalar(node.id)
        if isinstance(node, ast.UnaryOp):
            return self.is_scalar(node.operand)
        if isinstance(node, ast.BinOp):
            return self.is_scalar(node.left) and self.is_scalar(node.right)
        if isinstance(node, ast.Call):
            return bool(node.args) and not node.keywords and all(map(self.is_scalar, node.args))
        return False

    def visit_BinOp(self, node: ast.BinOp):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Pow) and _is_two(node.right) and isinstance(node.left, ast.Name):
            if self.scalar(node.left.id):
                return ast.BinOp(node.left, ast.Mult(), ast.Name(node.left.id, ast.Load()))
            return node
        if not isinstance(node.op, ast.Mult):
            return node
        factors = _factors(node)
        scalars = [f for f in factors if self.is_scalar(f)]
        arrays = [f for f in factors if not self.is_scalar(f)]
        negated = [isinstance(f, ast.UnaryOp) and isinstance(f.op, ast.USub) for f in arrays]
        if not scalars or not arrays:
            return node
        if factors[: len(scalars)] == scalars and not any(negated):
            return node
        arrays = [f.operand if neg else f for f, neg in zip(arrays, negated)]
        if sum(negated) % 2:
            scalars[0] = ast.UnaryOp(ast.USub(), scalars[0])
        out = scalars[0]
        for f in scalars[1:] + arrays:
            out = ast.BinOp(out, ast.Mult(), f)
        return out


def _factors(node) -> list:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _factors(node.left) + _factors(node.right)
    return [node]


def _is_two(node) -> bool:
    return isinstance(node, ast.Constant) and node.value == 2


def without_negation(expr: ast.expr, through=(ast.Mult, ast.Div)) -> ast.expr | None:
    """`-a * b` as `a * b` (its negation taken out: a sum of it is the negated sum, one pass
    fewer); None when it does not start with a minus. `through`: the operations whose left
    operand is looked into."""
    leftmost = expr
    while isinstance(leftmost, ast.BinOp) and isinstance(leftmost.op, through):
        leftmost = leftmost.left
    if not (isinstance(leftmost, ast.UnaryOp) and isinstance(leftmost.op, ast.USub)):
        return None
    if leftmost is expr:
        return expr.operand
    return code.replaced_node(expr, leftmost, leftmost.operand)
