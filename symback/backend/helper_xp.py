"""symback's module helpers for the array-API target: helper_code.py's, written with the functions
of the Python array API standard only (copied into generated modules as helper_code.py's are).

A helper that makes arrays takes the namespace `xp` first (the generated function finds it
once, from its arguments); those that only read shapes take none. They import nothing but
array_api_compat (for the namespace and an array's device).
"""

import array_api_compat


def namespace(*values):
    """The array namespace of the arrays among `values` (numbers, lists and None aside), NumPy
    arrays aside where there are others (constant() puts them in it); NumPy's, through
    array_api_compat, where there is none (every value a Python number)."""
    arrays = [v for v in values if array_api_compat.is_array_api_obj(v)]
    if not arrays:
        import array_api_compat.numpy as xp  # (imports NumPy only for calls on numbers)

        return xp
    others = [v for v in arrays if not array_api_compat.is_numpy_array(v)]
    return array_api_compat.array_namespace(*(others or arrays))


def shape(x):
    """x's shape as a tuple; () for a Python number."""
    return tuple(getattr(x, "shape", ()))


def ndim(x):
    """x's number of axes; 0 for a Python number."""
    return len(shape(x))


def size(x):
    """x's number of elements."""
    count = 1
    for n in shape(x):
        count = count * n
    return count


def broadcast_to(xp, v, to):
    """v (an array or a number, taken as a float: a gradient's value) broadcast to the shape
    `to`."""
    if isinstance(v, int) and not isinstance(v, bool):  # (the standard mixes no int arrays)
        v = float(v)
    return xp.broadcast_to(xp.asarray(v), tuple(to))


def transpose(xp, x, axes=None):
    """x with its axes reversed, or put in the order `axes`."""
    order = tuple(range(ndim(x)))[::-1] if axes is None else tuple(axes)
    return xp.permute_dims(x, order)


def swapaxes(xp, x, a, b):
    """x with axes a and b exchanged."""
    order = list(range(ndim(x)))
    order[a], order[b] = order[b], order[a]
    return xp.permute_dims(x, tuple(order))


def heaviside(xp, x, middle):
    """0 where x < 0, 1 where x > 0, `middle` where x == 0 (NumPy's np.heaviside)."""
    zeros = xp.zeros_like(x)
    return xp.where(x > 0, zeros + 1.0, xp.where(x < 0, zeros, zeros + middle))


def unbroadcast(xp, g, like):
    """Sum g over the axes it was broadcast along, so that it has the shape of `like`."""
    if isinstance(like, float) and isinstance(g, float):  # scalars: nothing to undo
        return g
    target = shape(like)
    if shape(g) == target:
        return g
    if ndim(g) < len(target):
        return broadcast_to(xp, g, target) * 1.0
    if ndim(g) > len(target):
        g = xp.sum(g, axis=tuple(range(ndim(g) - len(target))))
    axes = tuple(i for i, n in enumerate(target) if n == 1 and shape(g)[i] != 1)
    return xp.sum(g, axis=axes, keepdims=True) if axes else g


def exp_or_inf(xp, x):
    """exp(x), inf where it overflows."""
    return xp.exp(x)


def matmul_left(xp, g, a, b):
    """The gradient of a @ b with respect to a, given g, the gradient of the product."""
    if ndim(a) == 0 or ndim(b) == 0:  # np.dot with a scalar multiplies
        return unbroadcast(xp, g * b, a)
    if ndim(b) == 1:
        return g[..., None] * b if ndim(a) > 1 else g * b
    if ndim(a) == 1:
        return unbroadcast(xp, xp.matmul(b, g[..., None])[..., 0], a)
    return unbroadcast(xp, xp.matmul(g, xp.matrix_transpose(b)), a)


def matmul_right(xp, g, a, b):
    """The gradient of a @ b with respect to b, given g, the gradient of the product."""
    if ndim(a) == 0 or ndim(b) == 0:  # np.dot with a scalar multiplies
        return unbroadcast(xp, g * a, b)
    if ndim(a) == 1 and ndim(b) == 1:
        return g * a
    if ndim(a) == 1:
        return unbroadcast(xp, a[:, None] * g[..., None, :], b)
    if ndim(b) == 1:
        return unbroadcast(xp, xp.matmul(xp.matrix_transpose(a), g[..., None])[..., 0], b)
    return unbroadcast(xp, xp.matmul(xp.matrix_transpose(a), g), b)


def product(xp, a, b):
    """a @ b, or a * b where either is a number (as np.dot multiplies)."""
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    return xp.matmul(a, b)


def softmax(xp, x, axis):
    """exp(x) / sum(exp(x)) along `axis`, shifted by the maximum so that exp cannot overflow."""
    shifted = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return shifted / xp.sum(shifted, axis=axis, keepdims=True)


def softmax_vjp(xp, g, x, axis):
    """The gradient of exp(x) / sum(exp(x)) with respect to x, given g."""
    p = softmax(xp, x, axis)
    return p * (g - xp.sum(g * p, axis=axis, keepdims=True))


def scatter(xp, g, like, index):
    """Zeros shaped like `like`, with g at `index` (a basic index: no element twice)."""
    dtype = g.dtype if hasattr(g, "dtype") else None
    device = array_api_compat.device(like) if hasattr(like, "shape") else None
    out = xp.zeros(shape(like), dtype=dtype, device=device)
    if type(index) is tuple and any(i is None for i in index):  # new axes: no place of out
        index = tuple(i for i in index if i is not None)
        g = xp.reshape(g, shape(out[index])) if ndim(g) else g
    out[index] = g
    return out


def maximum(xp, a, b):
    """np.maximum(a, b): on two Python numbers, the larger (the standard's takes an array)."""
    if not (hasattr(a, "shape") or hasattr(b, "shape")):
        return max(a, b)
    return xp.maximum(a, b)


def minimum(xp, a, b):
    """np.minimum(a, b): on two Python numbers, the smaller."""
    if not (hasattr(a, "shape") or hasattr(b, "shape")):
        return min(a, b)
    return xp.minimum(a, b)


def where(xp, condition, a, b):
    """np.where(condition, a, b), where a and b may both be Python numbers (the standard's
    takes an array among them); numbers of two kinds as floats, as NumPy promotes them.
    """
    if not (hasattr(a, "shape") or hasattr(b, "shape")):
        if isinstance(a, float) or isinstance(b, float):
            a, b = float(a), float(b)
        a = xp.asarray(a, device=array_api_compat.device(condition))
    return xp.where(condition, a, b)


def counted(xp, holds):
    """A comparison's value as numbers, 1.0 where it holds and 0.0 elsewhere: NumPy adds and
    multiplies booleans, the standard does not."""
    if isinstance(holds, bool):
        return float(holds)
    return xp.astype(holds, xp.asarray(0.0).dtype)  # (the default floating dtype)


def full(xp, to, value):
    """np.full(to, value), where value may be an array (a 0-d one: the standard's full takes
    a Python number)."""
    dtype = value.dtype if hasattr(value, "dtype") else None
    return xp.zeros(tuple(to) if isinstance(to, (tuple, list)) else (to,), dtype=dtype) + value


def length(x):
    """len(x): of an array, its first axis (the standard's arrays have no len)."""
    return x.shape[0] if hasattr(x, "shape") else len(x)


def squeeze(xp, x, axis=None):
    """np.squeeze(x, axis): without an axis, every axis of length 1."""
    if axis is None:
        axis = tuple(i for i, n in enumerate(shape(x)) if n == 1)
    return xp.squeeze(x, axis=axis)


def array(xp, value):
    """np.array(value): a copy; a list or tuple holding arrays stacked."""
    if isinstance(value, (list, tuple)) and any(hasattr(v, "shape") for v in value):
        return xp.stack([xp.asarray(v) for v in value])
    return xp.asarray(value, copy=True)


def outer(xp, a, b):
    """np.outer(a, b): each element of a times each of b, a's flattened along the rows."""
    return xp.reshape(a, (-1,))[:, None] * xp.reshape(b, (-1,))[None, :]


def dot(xp, a, b):
    """np.dot(a, b): a product with a number, matmul up to 2-D, else a's last axis
    contracted with b's second-to-last."""
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    if ndim(a) <= 2 and ndim(b) <= 2:
        return xp.matmul(a, b)
    last = ndim(b) - 2 if ndim(b) > 1 else 0
    return xp.tensordot(a, b, axes=([ndim(a) - 1], [last]))


def inner(xp, a, b):
    """np.inner(a, b): a product with a number, else the last axes contracted."""
    if ndim(a) == 0 or ndim(b) == 0:
        return a * b
    return xp.tensordot(a, b, axes=([ndim(a) - 1], [ndim(b) - 1]))


def solve_left(xp, gb, x):
    """The product gb x^T that the gradient of solve(a, b) with respect to a is minus."""
    return outer(xp, gb, x) if ndim(x) == 1 else xp.matmul(gb, xp.matrix_transpose(x))


def diagonal(xp, x, offset=0, axis1=0, axis2=1):
    """np.diagonal(x, offset, axis1, axis2): the diagonal of axes (axis1, axis2), last."""
    axis1, axis2 = axis1 % ndim(x), axis2 % ndim(x)
    rest = [i for i in range(ndim(x)) if i not in (axis1, axis2)]
    planes = xp.permute_dims(x, tuple(rest + [axis1, axis2]))
    return xp.linalg.diagonal(planes, offset=offset)


def trace(xp, x, offset=0, axis1=0, axis2=1):
    """np.trace(x, offset, axis1, axis2): the sum of that diagonal."""
    return xp.sum(diagonal(xp, x, offset, axis1, axis2), axis=-1)


def diagonal_matrix(xp, v, rows, cols, k=0):
    """Zeros of shape (rows, cols) with the vector v on diagonal k (np.diag of a vector,
    where rows = cols = len(v) + |k|), built from xp.eye: no element writes."""
    n = shape(v)[0]
    along = rows if k >= 0 else cols  # (the axis v runs along)
    padded = xp.concat([v, xp.zeros(along - n, dtype=v.dtype)]) if along > n else v[:along]
    spread = padded[:, None] if k >= 0 else padded[None, :]
    return xp.eye(rows, cols, k=k, dtype=v.dtype) * spread


def diag(xp, v, k=0):
    """np.diag(v, k): a vector's matrix, or a matrix's diagonal k."""
    if ndim(v) == 1:
        size = shape(v)[0] + abs(k)
        return diagonal_matrix(xp, v, size, size, k)
    return xp.linalg.diagonal(v, offset=k)


def diag_grad(xp, g, like, k=0):
    """The gradient of np.diag(like, k), given g."""
    if ndim(like) == 1:
        return xp.linalg.diagonal(g, offset=k)
    return diagonal_matrix(xp, g, shape(like)[0], shape(like)[1], k)


def ravel(xp, x):
    """np.ravel(x): x as a vector."""
    return xp.reshape(x, (-1,))


def copy(xp, x):
    """np.copy(x): a new array."""
    return xp.asarray(x, copy=True)


def cumsum(xp, x, axis=None):
    """np.cumsum(x, axis): without an axis, of x flattened."""
    if axis is None:
        return xp.cumulative_sum(xp.reshape(x, (-1,)))
    return xp.cumulative_sum(x, axis=axis)


def constant(xp, value):
    """A value the function reads from its module or a closure: a NumPy array there (in a
    tuple or list too) in the arguments' namespace (the standard mixes no two libraries'
    arrays), the rest as it is."""
    if type(value) in (tuple, list):  # (a NamedTuple's class takes no one iterable)
        items = [constant(xp, v) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value  # (the same list: what the function appends to, the caller sees)
        return type(value)(items)
    numpy = array_api_compat.is_numpy_array(value)
    if numpy and not array_api_compat.is_numpy_namespace(xp):
        return xp.asarray(value)
    return value


def dot_left(xp, g, a, b):
    """The gradient of np.dot(a, b) with respect to a, given g."""
    if min(ndim(a), ndim(b)) == 0 or max(ndim(a), ndim(b)) <= 2:
        return matmul_left(xp, g, a, b)
    if ndim(b) == 1:
        return g[..., None] * b
    # np.dot sums a's last axis with b's second-to-last: g holds a's other axes, then b's
    return xp.tensordot(g, swapaxes(xp, b, -1, -2), axes=ndim(b) - 1)


def dot_right(xp, g, a, b):
    """The gradient of np.dot(a, b) with respect to b, given g."""
    if min(ndim(a), ndim(b)) == 0 or max(ndim(a), ndim(b)) <= 2:
        return matmul_right(xp, g, a, b)
    lead = list(range(ndim(a) - 1))  # a's axes other than the summed one, first in g
    if ndim(b) == 1:
        return xp.tensordot(g, a, axes=(lead, lead))
    return xp.moveaxis(xp.tensordot(a, g, axes=(lead, lead)), 0, -2)


def inner_left(xp, g, a, b):
    """The gradient of np.inner(a, b) with respect to a, given g."""
    if ndim(a) == 0 or ndim(b) == 0:  # np.inner with a scalar multiplies
        return unbroadcast(xp, g * b, a)
    return xp.tensordot(g, b, axes=ndim(b) - 1)


def inner_right(xp, g, a, b):
    """The gradient of np.inner(a, b) with respect to b, given g."""
    if ndim(a) == 0 or ndim(b) == 0:  # np.inner with a scalar multiplies
        return unbroadcast(xp, g * a, b)
    lead = list(range(ndim(a) - 1))  # a's leading axes, which come first in g
    return xp.tensordot(g, a, axes=(lead, lead))


def norm(xp, x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm(x, ord, axis, keepdims): the 2-norm of x flattened, a vector norm along
    one axis, the Frobenius norm along two (other matrix norms: linalg.matrix_norm)."""
    if axis is None and ord is None:
        return xp.linalg.vector_norm(x, keepdims=keepdims)
    if axis is None:
        axis = tuple(range(ndim(x)))
    if isinstance(axis, int) or len(axis) == 1:
        return xp.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=2 if ord is None else ord)
    if ord in (None, "fro"):
        return xp.linalg.vector_norm(x, axis=tuple(axis), keepdims=keepdims)
    if keepdims:
        raise NotImplementedError("symback: np.linalg.norm with a matrix ord and keepdims")
    planes = xp.moveaxis(x, tuple(axis), (-2, -1))
    return xp.linalg.matrix_norm(planes, ord=ord)


def atleast_1d(xp, x):
    """x with at least one axis."""
    return xp.reshape(xp.asarray(x), (1,)) if ndim(x) == 0 else x


def hstack(xp, items):
    """np.hstack(items): vectors and numbers end to end, the rest along axis 1."""
    items = [atleast_1d(xp, v) for v in items]
    return xp.concat(items, axis=0 if ndim(items[0]) == 1 else 1)


def vstack(xp, items):
    """np.vstack(items): rows of vectors, the rest along axis 0."""
    items = [xp.reshape(v, (1, -1)) if ndim(v) < 2 else v for v in items]
    return xp.concat(items, axis=0)


def hstack_index(g, pieces, i):
    """Where np.hstack(pieces), shaped like g, holds pieces[i]: a slice along the axis it
    joined."""
    axis = 0 if ndim(g) == 1 else 1
    sizes = [(shape(p) or (1,))[axis] for p in pieces]
    start = sum(sizes[:i])
    return (slice(None),) * axis + (slice(start, start + sizes[i]), ...)


def hstack_piece(xp, g, pieces, i):
    """Piece i of g, shaped like pieces[i]: the gradient of np.hstack(pieces) for it."""
    return xp.reshape(g[hstack_index(g, pieces, i)], shape(pieces[i]))


def column_stack(xp, items):
    """np.column_stack(items): vectors as columns, matrices side by side."""
    items = [xp.reshape(v, (-1, 1)) if ndim(v) < 2 else v for v in items]
    return xp.concat(items, axis=1)
