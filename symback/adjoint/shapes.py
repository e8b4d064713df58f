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
import math

import numpy

Shape = tuple[int, ...]


def broadcast(*shapes: Shape) -> Shape:
    return tuple(numpy.broadcast_shapes(*shapes)) if shapes else ()


def kept_dims(shape: Shape, axis) -> Shape:
    """`shape` after a reduction over `axis` with keepdims=True (axis None: every axis)."""
    if axis is None:
        return tuple(1 for _ in shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def sum_to(text: str, actual: Shape, virtual: Shape, target: Shape, np: str) -> tuple[str, Shape]:
    """`text`, held with shape `actual` for an array of shape `virtual`, summed over the axes
    broadcasting added to `target`: (the printed sum, the actual shape of the result)."""
    if virtual == target and len(actual) <= len(target):
        return text, actual
    lead = len(virtual) - len(target)
    summed = [i for i in range(lead)]
    summed += [lead + j for j, n in enumerate(target) if n == 1 and virtual[lead + j] != 1]
    offset = len(virtual) - len(actual)
    held = [i for i in summed if i >= offset and actual[i - offset] != 1]  # really summed
    count = math.prod(virtual[i] for i in summed if i not in held)  # summed copies: a product
    axes = tuple(i - offset for i in held)
    extra = max(len(actual) - len(target), 0)  # leading axes the result must lose
    result = list(actual)
    if not target and actual:
        text, result = f"{np}.sum({text})", []
    elif axes and set(axes) == set(range(extra)):
        text, result = f"{np}.sum({text}, axis={_axis_text(axes)})", result[extra:]
    else:
        if axes:
            text = f"{np}.sum({text}, axis={_axis_text(axes)}, keepdims=True)"
            for a in axes:
                result[a] = 1
        if extra:
            result = result[extra:]
            text = f"{np}.reshape({text}, {tuple(result)!r})"
    if count != 1:
        text = f"{count} * {_grouped(text)}"
    return text, tuple(result)


def _axis_text(axes: tuple[int, ...]) -> str:
    return str(axes[0]) if len(axes) == 1 else repr(axes)


def _grouped(text: str) -> str:
    """`text` as a factor of a product: parenthesised unless it is one name, number or call."""
    atom = (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript)
    return text if isinstance(ast.parse(text, mode="eval").body, atom) else f"({text})"
