"""Adjoints of reductions, shapes, indexing, np.full and the fused softmax forms (the rows of
ops/arrays.py that have no sibling module of their own), and the reductions' records."""

from __future__ import annotations

import math

from .build import helper, np
from .primitive import AXIS, REDUCE, UNSUPPORTED, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def sum_rule(c: Context):
    return (Contribution(c.expanded_bar(), spread=True),)


def mean_rule(c: Context):
    # An empty `x` averages zero elements: its gradient is empty whatever it is divided by,
    # so the count is taken as at least 1 (dividing by 0 raises on a Python float bar).
    axis = c.params.get("axis")
    if c.shapes is not None:  # the count of averaged elements is known
        shape = c.shapes[0]
        axes = range(len(shape)) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        count = max(math.prod(shape[a] for a in axes), 1)
        return (Contribution(c.expanded_bar() / count, spread=True),)
    size = np.maximum(np.size(c.x), 1)
    scale = c.expanded_bar() * (np.size(c.value) / size)
    if axis is None:
        scale = c.bar / size
    return (Contribution(scale, spread=True),)


def max_min_rule(c: Context):
    # Ties share the gradient equally (docs/conventions.md): each of k tied maxima gets 1/k.
    axis = c.params.get("axis")
    keep = c.params.get("keepdims")
    v = c.value if axis is None or keep else np.expand_dims(c.value, axis)
    hit = c.x.eq(v)
    count = np.sum(hit, axis=axis, keepdims=True)
    return (Contribution(hit * (c.expanded_bar() / count)),)


def prod_rule(c: Context):
    axis = c.params.get("axis")
    if isinstance(axis, tuple):
        return (UNSUPPORTED,)
    return (Contribution(c.expanded_bar() * helper.prod_others(c.x, axis)),)


def _var(c: Context):
    axis = c.params.get("axis")
    centred = c.x - np.mean(c.x, axis=axis, keepdims=True)
    count = np.size(c.x) / np.size(c.value) - c.params.get("ddof", 0)
    return centred, count


def var_rule(c: Context):
    centred, count = _var(c)
    return (Contribution(2 * centred * (c.expanded_bar() / count)),)


def std_rule(c: Context):
    centred, count = _var(c)
    v = c.value
    axis = c.params.get("axis")
    if axis is not None and not c.params.get("keepdims"):
        v = np.expand_dims(c.value, axis)
    # Where the std is 0 (one element, or equal ones) the centred values are 0 too: the
    # gradient there is 0, as var's is (one element: std is 0 for every x), not 0 / 0.
    safe = np.where(v.eq(0), 1.0, v)
    return (Contribution(centred * (c.expanded_bar() / (count * safe))),)


def transpose_rule(c: Context):
    axes = c.params.get("axes")
    if axes is None:
        return (Contribution(np.transpose(c.bar), view=True),)
    inverse = tuple(sorted(range(len(axes)), key=lambda i: axes[i]))
    return (Contribution(np.transpose(c.bar, inverse), view=True),)


def swapaxes_rule(c: Context):
    # swapping the same two axes again puts them back
    axes = (c.params["axis1"], c.params["axis2"])
    return (Contribution(np.swapaxes(c.bar, *axes), view=True),)


def reshape_rule(c: Context):
    return (Contribution(np.reshape(c.bar, np.shape(c.x)), view=True),)


def cumsum_rule(c: Context):
    axis = c.params.get("axis")
    if axis is None:
        flat = np.flip(np.cumsum(np.flip(np.ravel(c.bar))))
        return (Contribution(np.reshape(flat, np.shape(c.x))),)
    flipped = np.flip(c.bar, axis)
    return (Contribution(np.flip(np.cumsum(flipped, axis), axis)),)


def flip_rule(c: Context):
    # flipping the same axes again puts the elements back
    axis = c.params.get("axis")
    return (Contribution(np.flip(c.bar) if axis is None else np.flip(c.bar, axis), view=True),)


def full_rule(c: Context):
    # np.full(shape, fill) broadcasts fill to shape: its adjoint sums bar back
    return (Contribution(helper.unbroadcast(c.bar, c.x)),)


def broadcast_to_rule(c: Context):
    return (Contribution(helper.unbroadcast(c.bar, c.x)),)


def getitem_rule(c: Context):
    g = helper.scatter(c.bar, c.x, c.index)
    return (Contribution(g, scatter=(c.bar, c.index, c.params["subscript"])),)


def gather_rule(c: Context):
    g = helper.scatter_add(c.bar, c.x, c.index)
    return (Contribution(g, scatter=(c.bar, c.index, None)),)


def logsumexp_rule(c: Context):
    # log(sum(exp(x))) as the user wrote it (optimize/exp_reductions.py fuses it): its
    # gradient is the softmax, computed shifted rather than as exp(x - v), which is 0 where
    # the forward exp overflowed to v = inf
    softmax = helper.softmax(c.x, c.params.get("axis"))
    return (Contribution(softmax if c.seeded else c.expanded_bar() * softmax),)


def softmax_rule(c: Context):
    # exp(x) / sum(exp(x)) as the user wrote it: its forward value is nan where exp overflowed
    return (Contribution(helper.softmax_vjp(c.bar, c.x, c.params.get("axis"))),)


# The reductions' records (ops/arrays.py puts them in PRIMITIVE_TABLE).
REDUCTION_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "sum",
        ("numpy.sum",),
        1,
        sum_rule,
        REDUCE,
        ("sum",),
        positional=AXIS,
        scalar=True,
        spread_by_broadcasting=True,
        explain="sum",
        examples=(_e("np.sum(a, axis=1)", (2, 3)), _e("a.sum()", (2, 3))),
    ),
    ArrayPrimitive(
        "mean",
        ("numpy.mean",),
        1,
        mean_rule,
        REDUCE,
        ("mean",),
        positional=AXIS,
        scalar=True,
        spread_by_broadcasting=True,
        explain="mean",
        examples=(_e("np.mean(a, axis=0, keepdims=True)", (2, 3)), _e("np.mean(a)", (4,))),
    ),
    ArrayPrimitive(
        "max",
        ("numpy.max", "numpy.amax"),
        1,
        max_min_rule,
        REDUCE,
        ("max",),
        positional=AXIS,
        scalar=True,
        examples=(_e("np.max(a, axis=1)", (2, 3)), _e("np.amax(a)", (4,))),
    ),
    ArrayPrimitive(
        "min",
        ("numpy.min", "numpy.amin"),
        1,
        max_min_rule,
        REDUCE,
        ("min",),
        positional=AXIS,
        scalar=True,
        examples=(_e("np.min(a, 0)", (2, 3)),),
    ),
    ArrayPrimitive(
        "prod",
        ("numpy.prod",),
        1,
        prod_rule,
        REDUCE,
        ("prod",),
        ("prod_others",),
        positional=AXIS,
        scalar=True,
        examples=(_e("np.prod(a, axis=0)", (3, 2)), _e("np.prod(a)", (4,))),
    ),
    ArrayPrimitive(
        "var",
        ("numpy.var",),
        1,
        var_rule,
        REDUCE + ("ddof",),
        ("var",),
        positional=AXIS,
        scalar=True,
        examples=(_e("np.var(a, axis=1, ddof=1)", (2, 3)), _e("np.var(a)", (1, 3))),
    ),
    ArrayPrimitive(
        "std",
        ("numpy.std",),
        1,
        std_rule,
        REDUCE + ("ddof",),
        ("std",),
        positional=AXIS,
        scalar=True,
        examples=(_e("np.std(a, axis=0, keepdims=True)", (3, 2)), _e("np.std(a)", (4,))),
    ),
)
