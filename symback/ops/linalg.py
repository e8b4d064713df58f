"""Adjoints of diagonals and linear algebra: diag, diagonal, norm, det, inv, solve, trace."""

from __future__ import annotations

from .build import helper, np
from .primitive import Context, Contribution


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
    # d|x| = x / |x|; at x = 0 the subgradient 0 (like abs).
    safe = np.where(c.value.eq(0), 1.0, c.value)
    return (Contribution(c.bar * c.x / safe),)


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
    return (Contribution(c.bar * np.eye(rows, columns)),)
