"""Joins' records and adjoints: stack, concatenate, vstack, hstack, column_stack cut the
gradient apart.

Each piece is a basic index of the gradient (`g[:, 3:5]`, `g[..., 1]`): fast (a view), and
differentiable again (its adjoint is a scatter), so that Hessians go through joins. Where the
shapes are known (specialised code) the bounds are numbers; elsewhere they are computed from
the operands' shapes (`g[: np.shape(a)[0]]`).
"""

from __future__ import annotations

import math

from .build import Expr, helper, ifexp, np
from .primitive import AXIS, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def _piece(g) -> Contribution:
    """A piece of the gradient: a view of it (copied if handed out on its own)."""
    return Contribution(g, view=True)


def _at(axis: int, part):
    """An index taking `part` (a slice or an integer) along `axis`, all of the other axes."""
    everything = slice(None)
    if axis < 0:
        return (..., part, *[everything] * (-axis - 1))
    return (*[everything] * axis, part) if axis else part


def _plus(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    return b if isinstance(a, int) and a == 0 else a + b


def _slices(sizes: list) -> list[slice]:
    """The slices `start:stop` that cut a join of pieces of these sizes (numbers, or
    expressions) back apart; the first starts and the last stops at the ends."""
    out, start = [], 0
    for i, size in enumerate(sizes):
        stop = _plus(start, size)
        first = isinstance(start, int) and start == 0
        out.append(slice(None if first else start, None if i == len(sizes) - 1 else stop))
        start = stop
    return out


def _whole(c: Context, axis):
    """The adjoint of a join of the items of one array along its first axis (np.vstack(A)):
    np.concatenate of them along `axis` of the items merges A's first axis into that one,
    so bar is split back into both and A's first axis moved back in front."""
    if axis == 0 or axis is None:  # (flattened items, or along their first axis)
        return (Contribution(np.reshape(c.bar, _shape(c, 0))),)
    # (an item's axis -k, counted from the end, is the array's axis -k - 1)
    return (Contribution(_unmerged(c, axis if axis > 0 else axis - 1)),)


def _unmerged(c: Context, axis: int):
    moved = np.shape(np.moveaxis(c.x, 0, axis))
    if c.shapes is not None:
        shape, at = c.shapes[0], axis % len(c.shapes[0])
        moved = shape[1 : at + 1] + shape[:1] + shape[at + 1 :]
    return np.moveaxis(np.reshape(c.bar, moved), axis, 0)


def stack(c: Context):
    axis = c.params.get("axis", 0)
    if c.params.get("whole"):  # np.stack(A, axis) is np.moveaxis(A, 0, axis)
        return (Contribution(np.moveaxis(c.bar, axis, 0) if axis else c.bar, view=True),)
    return tuple(_piece(c.bar[_at(axis, i)]) for i in range(len(c.operands)))


def concatenate(c: Context):
    axis = c.params.get("axis", 0)
    if c.params.get("whole"):  # np.concatenate(A): of A's items
        return _whole(c, axis)
    if len(c.operands) == 1:
        return (_piece(c.bar),)
    if axis is None:  # the arrays were flattened and joined end to end
        sizes = [np.size(x) for x in c.operands]
        if c.shapes is not None:
            sizes = [math.prod(shape) for shape in c.shapes]
        cuts = _slices(sizes)
        return tuple(_piece(np.reshape(c.bar[cut], _shape(c, i))) for i, cut in enumerate(cuts))
    sizes = [np.shape(x)[axis] for x in c.operands]
    if c.shapes is not None:
        sizes = [shape[axis] for shape in c.shapes]
    return tuple(_piece(c.bar[_at(axis, cut)]) for cut in _slices(sizes))


def _shape(c: Context, i: int) -> tuple | Expr:
    """Operand i's shape: a literal where known."""
    return c.shapes[i] if c.shapes is not None else np.shape(c.operands[i])


def _pieces(c: Context, axis: int, sizes: list, lifted: int) -> tuple:
    """The adjoint of a join along `axis` of arrays first lifted to `lifted` dimensions (a
    vector stacked as a row, a number as one element): each piece of the gradient along
    `axis`, reshaped like its array. With known shapes, an array of fewer dimensions than
    `lifted` is read with integer indices instead, so that no reshape is needed."""
    if len(c.operands) == 1:
        return (_piece(np.reshape(c.bar, _shape(c, 0))),)
    out = []
    for i, cut in enumerate(_slices(sizes)):
        if c.shapes is None:
            g = np.reshape(c.bar[_at(axis, cut)], _shape(c, i))
        elif len(c.shapes[i]) >= lifted:
            g = c.bar[_at(axis, cut)]
        else:  # a number or a vector that the join lifted: one element along `axis`
            start = cut.start or 0
            g = c.bar[_lifted_index(c.shapes[i], axis, start, lifted)]
        out.append(_piece(g))
    return tuple(out)


def _lifted_index(shape: tuple[int, ...], axis: int, start: int, lifted: int):
    """The index reading a number or vector that np.vstack / np.column_stack / np.hstack
    lifted: element `start` along the joined axis, all of the vector's own axis."""
    if not shape:  # a number: one element in every lifted axis
        parts = tuple(start if k == axis else 0 for k in range(lifted))
    else:  # a vector: a row (vstack: g[2]) or a column (column_stack: g[:, 2])
        parts = tuple(start if k == axis else slice(None) for k in range(axis + 1))
    return parts if len(parts) > 1 else parts[0]


def _lifted(axis: int):
    """The rule of a join that lifts vectors (and numbers) to 2-D and joins along `axis`:
    np.vstack (rows, axis 0), np.column_stack (columns, axis 1). A matrix brings its own
    size along the axis, a vector or a number one."""

    def rule(c: Context):
        sizes = [ifexp(np.ndim(x).lt(2), 1, np.shape(x)[axis]) for x in c.operands]
        if c.shapes is not None:
            sizes = [s[axis] if len(s) >= 2 else 1 for s in c.shapes]
        return _pieces(c, axis, sizes, 2)

    return rule


def _by_rank(c: Context, kind: str, forms: dict):
    """The adjoint of np.<kind>(A) (A's items joined): forms[ndim] (the last one for any
    higher rank) where the shapes are known; else a helper that picks it when it runs (an
    `a if c else b` would be read back eagerly when differentiated again)."""
    if c.shapes is None:
        return helper.unjoin(c.bar, c.x, kind)
    return forms[min(len(c.shapes[0]), max(forms))]()


def column_stack(c: Context):
    if c.params.get("whole"):  # np.column_stack(A): A's items as columns
        # (numbers: a row; vectors: the columns of A.T; matrices: joined along axis 1)
        forms = {
            1: lambda: np.reshape(c.bar, _shape(c, 0)),
            2: lambda: np.transpose(c.bar),
            3: lambda: _unmerged(c, 1),
        }
        return (Contribution(_by_rank(c, "column_stack", forms)),)
    return _lifted(1)(c)


def vstack(c: Context):
    if c.params.get("whole"):  # np.vstack(A): A's items as rows, its first two axes merged
        return (Contribution(np.reshape(c.bar, _shape(c, 0))),)
    return _lifted(0)(c)


def dstack(c: Context):
    # np.dstack lifts each array to 3-D ((n,) to (1, n, 1), (m, n) to (m, n, 1)) and joins
    # along axis 2: each piece of the gradient is shaped back like its array
    if c.params.get("whole"):  # np.dstack(A): A's items, lifted, along axis 2
        # (numbers: (1, 1, n); vectors: (1, n, m), A.T; higher: merged into axis 2)
        forms = {
            1: lambda: np.reshape(c.bar, _shape(c, 0)),
            2: lambda: np.transpose(np.reshape(c.bar, np.shape(np.transpose(c.x)))),
            3: lambda: _unmerged(c, 2),
        }
        return (Contribution(_by_rank(c, "dstack", forms)),)
    sizes = [ifexp(np.ndim(x).lt(3), 1, np.shape(x)[2]) for x in c.operands]
    if c.shapes is not None:
        sizes = [s[2] if len(s) >= 3 else 1 for s in c.shapes]
    cuts = _slices(sizes)
    return tuple(_piece(np.reshape(c.bar[:, :, cut], _shape(c, i))) for i, cut in enumerate(cuts))


def c_(c: Context):
    # np.c_[a, b] makes vectors (and numbers) columns, (n,) to (n, 1), and joins along the
    # last axis: each piece of the gradient is shaped back like its array
    sizes = [ifexp(np.ndim(x).lt(2), 1, np.shape(x)[-1]) for x in c.operands]
    if c.shapes is not None:
        sizes = [s[-1] if len(s) >= 2 else 1 for s in c.shapes]
    cuts = _slices(sizes)
    return tuple(_piece(np.reshape(c.bar[..., cut], _shape(c, i))) for i, cut in enumerate(cuts))


def hstack(c: Context):
    if c.params.get("whole"):  # np.hstack(A): A's items end to end, or along their axis 1
        forms = {2: lambda: np.reshape(c.bar, _shape(c, 0)), 3: lambda: _unmerged(c, 1)}
        return (Contribution(_by_rank(c, "hstack", forms)),)
    # np.hstack joins vectors (and numbers) end to end but the rest along axis 1: which one
    # depends on the arrays' ranks, so without known shapes a helper cuts the gradient.
    if c.shapes is None:
        pieces = list(c.operands)
        return tuple(_piece(helper.hstack_piece(c.bar, pieces, i)) for i in range(len(c.operands)))
    if max(len(s) for s in c.shapes) < 2:  # numbers and vectors: end to end
        return _pieces(c, 0, [s[0] if s else 1 for s in c.shapes], 1)
    return _pieces(c, 1, [s[1] for s in c.shapes], 2)


def unjoin_rule(c: Context):
    # unjoin(g, like, kind) puts the elements of np.<kind>(like) back: its adjoint joins again
    kind = c.params["extra"][1].node.value
    return (Contribution(getattr(np, kind)(c.bar)),)


def hstack_piece_rule(c: Context):
    # hstack_piece(g, pieces, i) reads piece i of g: its adjoint puts bar there in zeros
    pieces, i = c.params["extra"]
    return (Contribution(helper.hstack_place(c.bar, c.x, pieces, i)),)


def hstack_place_rule(c: Context):
    # hstack_place(piece, like, pieces, i) puts piece i in zeros: its adjoint reads it back
    _, pieces, i = c.params["extra"]
    return (_piece(helper.hstack_piece(c.bar, pieces, i)),)


# The joins' records (ops/arrays.py puts them in PRIMITIVE_TABLE).
JOIN_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "stack",
        ("numpy.stack",),
        0,
        stack,
        AXIS,
        positional=AXIS,
        layout="sequence",
        whole=True,
        examples=(
            _e("np.stack([a, b], axis=1)", (3,), (3,)),
            _e("np.stack(a, axis=2)", (2, 3, 4)),
        ),
    ),
    ArrayPrimitive(
        "concatenate",
        ("numpy.concatenate",),
        0,
        concatenate,
        AXIS,
        positional=AXIS,
        layout="sequence",
        whole=True,
        examples=(
            _e("np.concatenate([a, b], axis=1)", (2, 2), (2, 3)),
            _e("np.concatenate([a, b], axis=None)", (2, 2), (3,)),
            _e("np.concatenate(a)", (2, 3)),
            _e("np.concatenate(a, axis=1)", (2, 3, 4)),
            _e("np.concatenate(a, axis=-1)", (2, 3, 4)),
        ),
    ),
    ArrayPrimitive(
        "vstack",
        ("numpy.vstack", "numpy.row_stack"),
        0,
        vstack,
        layout="sequence",
        whole=True,
        examples=(
            _e("np.vstack([a, b])", (3,), (2, 3)),
            _e("np.vstack(a)", (4,)),
            _e("np.vstack(a)", (2, 3, 2)),
        ),
    ),
    ArrayPrimitive(
        "hstack",
        ("numpy.hstack",),
        0,
        hstack,
        (),
        (),
        ("hstack_piece", "unjoin"),
        layout="sequence",
        whole=True,
        examples=(
            _e("np.hstack([a, b])", (2,), (3,)),
            _e("np.hstack([a, b])", (2, 1), (2, 2)),
            _e("np.hstack(a)", (4,)),
            _e("np.hstack(a)", (3, 2)),
            _e("np.hstack(a)", (2, 3, 4)),
        ),
    ),
    ArrayPrimitive(
        "column_stack",
        ("numpy.column_stack",),
        0,
        column_stack,
        helpers=("unjoin",),
        layout="sequence",
        whole=True,
        examples=(
            _e("np.column_stack([a, b])", (3,), (3, 2)),
            _e("np.column_stack(a)", (3,)),
            _e("np.column_stack(a)", (3, 2)),
            _e("np.column_stack(a)", (2, 3, 2)),
        ),
    ),
    ArrayPrimitive(
        "c_",
        (),
        0,
        c_,
        layout="sequence",
        written="np.c_[a, b]",
        examples=(
            _e("np.c_[a, b]", (3,), (3, 2)),
            _e("np.c_[a, b, a]", (2, 2, 1), (2, 2, 3)),
        ),
    ),
    ArrayPrimitive(
        "dstack",
        ("numpy.dstack",),
        0,
        dstack,
        helpers=("unjoin",),
        layout="sequence",
        whole=True,
        examples=(
            _e("np.dstack([a, b])", (3,), (3,)),
            _e("np.dstack((a, b))", (2, 3), (2, 3, 2)),
            _e("np.dstack(a)", (3,)),
            _e("np.dstack(a)", (3, 2)),
            _e("np.dstack(a)", (2, 3, 2)),
            _e("np.dstack(a)", (2, 2, 3, 2)),
        ),
    ),
)
