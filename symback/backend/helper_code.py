"""symback's module helpers, as real functions: generated gradients call them.

Each function here is copied into a generated module that calls it (backend/helpers.py reads
this file's tree once and renames, at the places the tree gives, the function, `np` and the
helpers it calls to the names the module allocated; its docstring and comments are kept).
They import only numpy, read no globals but `np` and each other, and are importable and
testable as they are.
"""

import numpy as np


def unbroadcast(g, like):
    """Sum g over the axes NumPy broadcast it along, so that it has the shape of `like`."""
    if isinstance(like, float) and isinstance(g, float):  # scalars: nothing to undo
        return g
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    if np.ndim(g) < len(shape):
        return np.broadcast_to(g, shape) * 1.0
    g = np.sum(g, axis=tuple(range(np.ndim(g) - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    return np.sum(g, axis=axes, keepdims=True) if axes else g


def exp_or_inf(x):
    """np.exp(x), inf where it overflows, without a RuntimeWarning (1 / (1 + inf) is 0)."""
    with np.errstate(over="ignore"):
        return np.exp(x)


def matmul_left(g, a, b):
    """The gradient of a @ b with respect to a, given g, the gradient of the product."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # np.dot with a scalar multiplies
        return unbroadcast(g * b, a)
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b) if np.ndim(a) > 1 else g * b
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_right(g, a, b):
    """The gradient of a @ b with respect to b, given g, the gradient of the product."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # np.dot with a scalar multiplies
        return unbroadcast(g * a, b)
    if np.ndim(a) == 1:
        return g * a if np.ndim(b) == 1 else unbroadcast(a[:, None] * g[..., None, :], b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g[..., None])[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def product(a, b):
    """a @ b, or a * b where either is a number (as np.dot multiplies): the product whose
    gradients matmul_left and matmul_right give."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return np.matmul(a, b)


def dot_left(g, a, b):
    """The gradient of np.dot(a, b) with respect to a, given g, the gradient of the product."""
    if min(np.ndim(a), np.ndim(b)) == 0 or max(np.ndim(a), np.ndim(b)) <= 2:
        return matmul_left(g, a, b)
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b)
    # np.dot sums a's last axis with b's second-to-last: g holds a's other axes, then b's
    return np.tensordot(g, np.swapaxes(b, -1, -2), np.ndim(b) - 1)


def dot_right(g, a, b):
    """The gradient of np.dot(a, b) with respect to b, given g, the gradient of the product."""
    if min(np.ndim(a), np.ndim(b)) == 0 or max(np.ndim(a), np.ndim(b)) <= 2:
        return matmul_right(g, a, b)
    lead = list(range(np.ndim(a) - 1))  # a's axes other than the summed one, first in g
    if np.ndim(b) == 1:
        return np.tensordot(g, a, (lead, lead))
    return np.moveaxis(np.tensordot(a, g, (lead, lead)), 0, -2)


def inner_left(g, a, b):
    """The gradient of np.inner(a, b) with respect to a, given g, the gradient of the product."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # np.inner with a scalar multiplies
        return unbroadcast(g * b, a)
    # g holds a's leading axes, then b's: contract the latter with b's
    return np.tensordot(g, b, np.ndim(b) - 1)


def inner_right(g, a, b):
    """The gradient of np.inner(a, b) with respect to b, given g, the gradient of the product."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # np.inner with a scalar multiplies
        return unbroadcast(g * a, b)
    lead = list(range(np.ndim(a) - 1))  # a's leading axes, which come first in g
    return np.tensordot(g, a, (lead, lead))


def hstack_index(g, pieces, i):
    """Where np.hstack(pieces), shaped like g, holds pieces[i]: a slice along the axis
    it joined (vectors and numbers join end to end, the rest along axis 1)."""
    axis = 0 if np.ndim(g) == 1 else 1
    sizes = [np.shape(np.atleast_1d(p))[axis] for p in pieces]
    start = sum(sizes[:i])
    return (slice(None),) * axis + (slice(start, start + sizes[i]),)


def hstack_piece(g, pieces, i):
    """Piece i of g, shaped like pieces[i]: the gradient of np.hstack(pieces) for it."""
    return np.reshape(g[hstack_index(g, pieces, i)], np.shape(pieces[i]))


def hstack_place(piece, like, pieces, i):
    """Zeros shaped like `like` (np.hstack(pieces)) with `piece` where pieces[i] is: the
    gradient of hstack_piece(like, pieces, i) with respect to `like`."""
    out = np.zeros(np.shape(like), dtype=np.result_type(piece, float))
    out[hstack_index(like, pieces, i)] = piece
    return out


def diag_grad(g, like, k=0):
    """The gradient of np.diag(like, k), given g: np.diag(g, k), in the shape of `like`."""
    d = np.diag(g, k)
    if np.ndim(like) == 1 or np.shape(d) == np.shape(like):
        return d
    return scatter_diagonal(g, like, k)  # the diagonal of a matrix that is not square


def scatter_diagonal(g, like, offset=0, axis1=0, axis2=1):
    """Zeros shaped like `like`, with g on its diagonal `offset` of axes (axis1, axis2)."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    i = np.arange(np.shape(g)[-1])
    planes = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes land in out
    planes[..., i + max(-offset, 0), i + max(offset, 0)] = g
    return out


def prod_others(x, axis):
    """For each element, the product of the others along `axis`: exact where x has zeros."""
    if axis is None:
        return np.reshape(prod_others(np.ravel(x), 0), np.shape(x))
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    ones = np.ones(x.shape[:-1] + (1,))
    before = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(before * after, -1, axis)


def dual_products(parts):
    """Products of dual numbers along the last axis, given by their parts (value and eps
    part, or value, eps1, eps2 and eps1 eps2 parts; eps1**2 = eps2**2 = 0): those of the
    elements before each one and of those after it, by doubling the span each product
    covers, with multiplications only (exact where values are zero)."""

    def times(p, q):
        if len(p) == 2:
            return [p[0] * q[0], p[1] * q[0] + p[0] * q[1]]
        eps1, eps2 = p[1] * q[0] + p[0] * q[1], p[2] * q[0] + p[0] * q[2]
        eps12 = p[3] * q[0] + p[1] * q[2] + p[2] * q[1] + p[0] * q[3]
        return [p[0] * q[0], eps1, eps2, eps12]

    ends = []
    for step in (1, -1):  # from the start, from the end
        ps = [p[..., ::step] for p in parts]
        one = [np.full_like(p[..., :1], float(k == 0)) for k, p in enumerate(ps)]
        ps = [np.concatenate([o, p[..., :-1]], axis=-1) for o, p in zip(one, ps)]
        span = 1
        while span < np.shape(ps[0])[-1]:
            earlier = times([p[..., :-span] for p in ps], [p[..., span:] for p in ps])
            ps = [np.concatenate([p[..., :span], e], -1) for p, e in zip(ps, earlier)]
            span *= 2
        ends.append([p[..., ::step] for p in ps])
    return ends


def prod_others_vjp(g, x, axis):
    """The gradient of sum(g * prod_others(x, axis)) with respect to x: for each
    element k, the sum over the others j of g_j times the product of the elements
    other than j and k: the eps part of prod_others(x + eps g)."""
    g = np.broadcast_to(g, np.shape(x))
    if axis is None:
        flat = prod_others_vjp(np.ravel(g), np.ravel(x), 0)
        return np.reshape(flat, np.shape(x))
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    (v, d), (w, e) = dual_products([x, np.moveaxis(g, axis, -1)])
    return np.moveaxis(d * w + v * e, -1, axis)


def prod_others_vjp2(g, h, x, axis):
    """The gradient of sum(g * prod_others_vjp(h, x, axis)) with respect to x: for each
    element l, the sum over distinct others j, k of g_j h_k times the product of the
    elements other than j, k and l: the eps1 eps2 part of prod_others(x + eps1 g +
    eps2 h)."""
    g, h = np.broadcast_to(g, np.shape(x)), np.broadcast_to(h, np.shape(x))
    if axis is None:
        flat = prod_others_vjp2(np.ravel(g), np.ravel(h), np.ravel(x), 0)
        return np.reshape(flat, np.shape(x))
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    g, h = np.moveaxis(g, axis, -1), np.moveaxis(h, axis, -1)
    before, after = dual_products([x, g, h, np.zeros_like(x)])
    v, a, b, c = before
    w, d, e, f = after
    return np.moveaxis(c * w + a * e + b * d + v * f, -1, axis)


def solve_left(gb, x):
    """The product gb x^T that the gradient of solve(a, b) with respect to a is minus."""
    return np.outer(gb, x) if np.ndim(x) == 1 else gb @ np.swapaxes(x, -1, -2)


def scatter(g, like, index):
    """Zeros shaped like `like`, with g at `index` (a basic index: no element twice)."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    out[index] = g
    return out


def scatter_add(g, like, index):
    """Zeros shaped like `like`, with g added at `index`; repeated indices add up."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    np.add.at(out, index, g)
    return out


# Element writes as copies, for gradient code symback differentiates again: the written
# array is a new value, so no undo log is needed (optimize/copied_writes.py).
def with_set(a, v, index):
    """A copy of a with v at index: `a[index] = v` leaving a as it was."""
    out = np.copy(a)
    out[index] = v
    return out


def with_added(a, v, index):
    """A copy of a with v added at index: `a[index] += v` leaving a as it was."""
    out = np.copy(a)
    out[index] += v
    return out


def with_subtracted(a, v, index):
    """A copy of a with v subtracted at index: `a[index] -= v` leaving a as it was."""
    out = np.copy(a)
    out[index] -= v
    return out


def with_added_at(a, v, index):
    """A copy of a with v added at index, twice where index names an element twice."""
    out = np.copy(a)
    np.add.at(out, index, v)
    return out


def softmax(x, axis):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the maximum so that exp cannot overflow."""
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def softmax_vjp(g, x, axis):
    """The gradient of exp(x) / sum(exp(x)) with respect to x, given g: from the shifted
    softmax, so that it is finite even where the forward pass's exp overflowed."""
    p = softmax(x, axis)
    return p * (g - np.sum(g * p, axis=axis, keepdims=True))


def log_write(log, array, index, differentiated=False):
    """Save the elements a write at `index` overwrites, so that they can be put back."""
    if differentiated and array.dtype.kind != "f":
        raise TypeError(
            f"symback: a differentiated value is written into an array of dtype {array.dtype}, "
            "which rounds it; make the array a float array (np.zeros(n), np.zeros_like(x, float))"
        )
    log.append((array, index, array[index].copy()))


def undo_writes(log, mark):
    """Put back the elements that the writes logged after `mark` overwrote, last first."""
    while len(log) > mark:
        array, index, old = log.pop()
        array[index] = old


def undo_last_write(log):
    """Put back the elements that the last logged write overwrote."""
    array, index, old = log.pop()
    array[index] = old
