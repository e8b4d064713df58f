"""Adjoints of diagonals and linear algebra: diag, diagonal, norm, det, inv, solve, trace,
multi_dot, matrix_power; the records of the last two."""

from __future__ import annotations

import math

from .build import helper, np
from .primitive import UNSUPPORTED, ArrayPrimitive, Context, Contribution
from .primitive import example as _e


def diag(c: Context):
    # np.diag(v, k) builds a matrix from a vector and reads a diagonal of a matrix: the
    # adjoint of each is the other, np.diag(g, k) (a helper makes it fit a matrix that is
    # not square; a Python `if` here would not survive a second derivative).
    k = c.params.get("k", 0)
    g = helper.diag_grad(c.bar, c.x, k) if k else helper.diag_grad(c.bar, c.x)
    return (Contribution(g, view=True),)  # a matrix's diagonal: a read-only view


def diag_grad(c: Context):
    # diag_grad(g, like, k) is np.diag(g, k) fitted to like's shape: linear in g, with
    # np.diag(bar, k) as its adjoint whether like is a vector or a matrix.
    k = c.params["extra"][1:2]
    return (Contribution(np.diag(c.bar, *k), view=True),)


def diagonal(c: Context):
    offset, axis1, axis2 = (
        c.params.get(n, d) for n, d in (("offset", 0), ("axis1", 0), ("axis2", 1))
    )
    args = (offset, axis1, axis2)
    if (axis1, axis2) == (0, 1):
        args = (offset,) if offset else ()
    return (Contribution(helper.scatter_diagonal(c.bar, c.x, *args)),)


def scatter_diagonal(c: Context):
    # scatter_diagonal(g, like, offset, axis1, axis2) puts g on a diagonal of zeros: its
    # adjoint reads bar's diagonal.
    return (Contribution(np.diagonal(c.bar, *c.params["extra"][1:]), view=True),)


def norm(c: Context):
    """np.linalg.norm(x, ord, axis): a vector norm along one axis, a matrix norm over two
    (axis None: by x's dimensions, tested where they are not known). At x = 0 the
    subgradient 0 (like abs); a maximum tied shares its gradient equally (like np.max)."""
    order, axis = c.params.get("ord"), c.params.get("axis")
    v, bar = c.value, c.bar
    if axis is not None and not c.params.get("keepdims"):
        v, bar = np.expand_dims(v, axis), np.expand_dims(bar, axis)
    safe = np.where(v.eq(0), 1.0, v)
    if order in (None, "fro") or order == 2 and isinstance(axis, int):
        return (Contribution(bar * c.x / safe),)  # (both kinds of norm agree here)
    if isinstance(axis, int) or c.ndims is not None and c.ndims[0] < 2:
        return (_vector_norm(c.x, order, axis, bar, v, safe),)
    if axis is not None or c.ndims is not None:
        return (_matrix_norm(c.x, order, axis or (-2, -1), bar, v),)
    if order in (1, 2, math.inf, -math.inf, "nuc"):
        # x's dimensions unknown: a vector's norm of these orders is its column's (n x 1)
        column = np.reshape(c.x, (np.shape(c.x)[0], -1))
        g = _matrix_norm(column, order, (-2, -1), bar, v)
        return (Contribution(np.reshape(g.value, np.shape(c.x))),)
    if order in (-1, -2):  # (a vector's and a matrix's differ, and x's kind is not known)
        return (UNSUPPORTED,)
    return (_vector_norm(c.x, order, None, bar, v, safe),)  # (no matrix norm of this order)


def _vector_norm(x, order, axis, bar, v, safe) -> Contribution:
    if order in (None, 2):
        return Contribution(bar * x / safe)
    if order == 0:  # (a count: no gradient)
        return Contribution(0.0 * x)
    if order == 1:
        return Contribution(bar * np.sign(x))
    if order in (math.inf, -math.inf):
        hit = np.abs(x).eq(v)
        return Contribution(bar * np.sign(x) * hit / np.sum(hit, axis=axis, keepdims=True))
    if isinstance(order, (int, float)):
        return Contribution(bar * np.sign(x) * np.abs(x) ** (order - 1) / safe ** (order - 1))
    return UNSUPPORTED


def _matrix_norm(x, order, axes, bar, v) -> Contribution:
    if order in (1, -1, math.inf, -math.inf):  # the largest (smallest) column or row sum
        summed, across = axes if order in (1, -1) else axes[::-1]
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        hit = sums.eq(v)
        share = hit / np.sum(hit, axis=across, keepdims=True)
        return Contribution(bar * np.sign(x) * share)
    if order in (2, -2, "nuc") and tuple(axes) in ((0, 1), (-2, -1)):
        u, vh = (np.linalg.svd(x, full_matrices=False)[k] for k in (0, 2))
        if order == "nuc":  # d sum(s) = U^T dA V on the diagonal
            return Contribution(bar * (u @ vh))
        k = 0 if order == 2 else -1  # the largest (smallest) singular value
        pick = slice(None, 1) if k == 0 else slice(-1, None)
        return Contribution(bar * (u[..., :, pick] @ vh[..., pick, :]))
    return UNSUPPORTED


def det(c: Context):
    inverse_t = np.swapaxes(np.linalg.inv(c.x), -1, -2)
    scale = np.asarray(c.bar * c.value)[..., None, None]  # one per matrix
    return (Contribution(scale * inverse_t),)


def inv(c: Context):
    v_t = np.swapaxes(c.value, -1, -2)
    return (Contribution(-v_t @ c.bar @ v_t),)


def solve(c: Context):
    a, b = c.operands
    db = np.linalg.solve(np.swapaxes(a, -1, -2), c.bar)
    return (
        Contribution(-helper.solve_left(db, c.value)),
        Contribution(db),
    )


def solve_left(c: Context):
    # solve_left(gb, x) is gb x^T (np.outer for vectors): linear in each. From <bar, gb x^T>,
    # the gradient with respect to gb is bar @ x, and with respect to x it is bar^T gb, the
    # gradient of bar @ x with respect to x at gb (matmul_right, for vectors and batches).
    gb, x = c.operands
    return (
        Contribution(np.matmul(c.bar, x)),
        Contribution(helper.matmul_right(gb, c.bar, x)),
    )


def trace(c: Context):
    # the sizes spelt out rather than starred, so that Hessians can read this code again
    rows, columns = (np.shape(c.x)[i] for i in (0, 1))
    offset = c.params.get("offset", 0)
    eye = np.eye(rows, columns, offset) if offset else np.eye(rows, columns)
    return (Contribution(c.bar * eye),)


def multi_dot(c: Context):
    # multi_dot(arrays) = L @ x @ R for each x, L and R the products of the arrays before
    # and after it (vectors at the ends as np.linalg.multi_dot takes them): the gradient
    # for x @ R given bar is matmul_right(bar, L, x @ R), and for x matmul_left of that
    out = []
    arrays = list(c.operands)
    for i, x in enumerate(arrays):
        left, right = _chain(arrays[:i]), _chain(arrays[i + 1 :])
        g = c.bar
        if left is not None:
            g = helper.matmul_right(g, left, x if right is None else helper.product(x, right))
        if right is not None:
            g = helper.matmul_left(g, x, right)
        out.append(Contribution(g))
    return tuple(out)


def _chain(arrays: list):
    """The product of these arrays (None for none), as multi_dot computes it."""
    if not arrays:
        return None
    return arrays[0] if len(arrays) == 1 else np.linalg.multi_dot(arrays)


def matrix_power(c: Context):
    # d(A^n) = sum over k of A^k dA A^(n-1-k): the adjoint is the sum of (A^T)^k bar (A^T)^(n-1-k)
    n = c.params["n"]
    if not isinstance(n, int) or n < 0:
        return (UNSUPPORTED,)  # (negative powers: np.linalg.inv first)
    if n == 0:
        return (None,)
    a_t = np.swapaxes(c.x, -1, -2)
    powers = [None, a_t] + [np.linalg.matrix_power(a_t, k) for k in range(2, n)]
    total = None
    for k in range(n):
        term = c.bar
        if k:
            term = powers[k] @ term
        if n - 1 - k:
            term = term @ powers[n - 1 - k]
        total = term if total is None else total + term
    return (Contribution(total),)


# (records of the rest: ops/arrays.py)
LINALG_TABLE: tuple[ArrayPrimitive, ...] = (
    ArrayPrimitive(
        "multi_dot",
        ("numpy.linalg.multi_dot",),
        0,
        multi_dot,
        helpers=("matmul_left", "matmul_right", "product"),
        layout="sequence",
        examples=(
            _e("np.linalg.multi_dot([a, b, c])", (3,), (3, 4), (4, 2)),
            _e("np.linalg.multi_dot([a, b, c])", (2, 3), (3, 4), (4,)),
            _e("np.linalg.multi_dot([a, b])", (2, 3), (3, 2)),
        ),
    ),
    ArrayPrimitive(
        "matrix_power",
        ("numpy.linalg.matrix_power",),
        1,
        matrix_power,
        ("n",),
        positional=("n",),
        examples=(
            _e("np.linalg.matrix_power(a, 3)", (3, 3), domain=(-0.6, 0.6)),
            _e("np.linalg.matrix_power(a, 1)", (2, 2)),
            _e("np.linalg.matrix_power(a, 0)", (2, 2)),
        ),
    ),
)
