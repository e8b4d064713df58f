"""symback's module helpers for rearranged arrays and contractions (tile, pad, take, tensordot,
kron): copied into generated modules as helper_code.py's are (backend/helpers.py)."""

import numpy as np


def untile(g, like, reps):
    """The gradient of np.tile(like, reps), given g: the sum of g's tiles, shaped like `like`."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    n = max(np.ndim(like), len(reps))
    shape = (1,) * (n - np.ndim(like)) + np.shape(like)
    reps = (1,) * (n - len(reps)) + reps
    # each axis of g as (tile, element): sum over the tiles
    split = [size for pair in zip(reps, shape) for size in pair]
    return np.reshape(np.sum(np.reshape(g, split), axis=tuple(range(0, 2 * n, 2))), np.shape(like))


def unpad(g, pad_width):
    """The gradient of np.pad(x, pad_width) (a constant pad), given g: g without the pad."""
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (np.ndim(g), 2))
    return g[tuple(slice(int(a), n - int(b)) for (a, b), n in zip(widths, np.shape(g)))]


def take_vjp(g, like, indices, axis=None):
    """The gradient of np.take(like, indices, axis), given g: g added where it was taken from
    (an index taken twice gets both)."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    if axis is None:
        np.add.at(np.reshape(out, -1), indices, g)  # (a view of the new array)
        return out
    axis = axis % np.ndim(like)
    taken = range(axis, axis + np.ndim(indices))
    np.add.at(np.moveaxis(out, axis, 0), indices, np.moveaxis(g, taken, range(len(taken))))
    return out


def take_along_axis_vjp(g, like, indices, axis):
    """The gradient of np.take_along_axis(like, indices, axis), given g: g added where each
    element was taken from."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    if axis is None:
        np.add.at(np.reshape(out, -1), indices, g)
        return out
    axis = axis % np.ndim(like)
    shape = np.broadcast_shapes(np.shape(indices), np.shape(g))
    where = list(np.ix_(*[np.arange(n) for n in shape]))
    where[axis] = indices
    np.add.at(out, tuple(where), g)
    return out


def tensordot_axes(a, b, axes):
    """The axes np.tensordot(a, b, axes) contracts, as two lists."""
    if np.ndim(axes) == 0:
        return list(range(np.ndim(a) - axes, np.ndim(a))), list(range(axes))
    first, second = axes
    first = [first] if np.ndim(first) == 0 else list(first)
    second = [second] if np.ndim(second) == 0 else list(second)
    return [i % np.ndim(a) for i in first], [j % np.ndim(b) for j in second]


def tensordot_left(g, a, b, axes):
    """The gradient of np.tensordot(a, b, axes) with respect to a, given g."""
    first, second = tensordot_axes(a, b, axes)
    kept = len([i for i in range(np.ndim(a)) if i not in first])
    free = [j for j in range(np.ndim(b)) if j not in second]
    out = np.tensordot(g, b, (list(range(kept, np.ndim(g))), free))
    # out's axes: a's kept ones, then a's contracted ones in the order b has their partners
    order = [i for i in range(np.ndim(a)) if i not in first]
    order += [first[second.index(j)] for j in sorted(second)]
    return np.transpose(out, np.argsort(order))


def tensordot_right(g, a, b, axes):
    """The gradient of np.tensordot(a, b, axes) with respect to b, given g."""
    first, second = tensordot_axes(a, b, axes)
    kept = [i for i in range(np.ndim(a)) if i not in first]
    out = np.tensordot(a, g, (kept, list(range(len(kept)))))
    # out's axes: b's contracted ones in the order a has their partners, then b's kept ones
    order = [second[first.index(i)] for i in sorted(first)]
    order += [j for j in range(np.ndim(b)) if j not in second]
    return np.transpose(out, np.argsort(order))


def kron_blocks(g, a, b):
    """g, the gradient of np.kron(a, b), with each axis split in two (a's index, b's
    index), and a and b with as many axes (np.kron pads the shorter shape with 1s)."""
    n = max(np.ndim(a), np.ndim(b))
    shape_a = (1,) * (n - np.ndim(a)) + np.shape(a)
    shape_b = (1,) * (n - np.ndim(b)) + np.shape(b)
    blocks = np.reshape(g, [size for pair in zip(shape_a, shape_b) for size in pair])
    return blocks, shape_a, shape_b


def kron_left(g, a, b):
    """The gradient of np.kron(a, b) with respect to a, given g."""
    blocks, shape_a, shape_b = kron_blocks(g, a, b)
    spread = np.reshape(b, [size for n in shape_b for size in (1, n)])
    summed = np.sum(blocks * spread, axis=tuple(range(1, 2 * len(shape_b), 2)))
    return np.reshape(summed, np.shape(a))


def kron_right(g, a, b):
    """The gradient of np.kron(a, b) with respect to b, given g."""
    blocks, shape_a, shape_b = kron_blocks(g, a, b)
    spread = np.reshape(a, [size for n in shape_a for size in (n, 1)])
    summed = np.sum(blocks * spread, axis=tuple(range(0, 2 * len(shape_a), 2)))
    return np.reshape(summed, np.shape(b))


def distinct(values, what, nonzero=False):
    """values, checked to be real and pairwise different along the last axis (and, with
    `nonzero`, none 0): elsewhere the gradient `what` names does not exist."""
    w = np.asarray(values)
    if np.iscomplexobj(w):
        raise np.linalg.LinAlgError(f"symback: {what}: complex values (a real gradient only)")
    gaps = np.abs(w[..., :, None] - w[..., None, :])
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None]
    apart = ~np.eye(np.shape(w)[-1], dtype=bool)  # (each value from the others)
    if np.any((gaps <= 8 * np.finfo(float).eps * scale) & apart):
        raise np.linalg.LinAlgError(f"symback: {what}: repeated values, where it does not exist")
    if nonzero and np.any(w == 0):
        raise np.linalg.LinAlgError(f"symback: {what}: a zero, where it does not exist")
    return values


def require(x, holds, what):
    """x, where `holds`; else the gradient `what` names does not exist, and this says so."""
    if not holds:
        raise np.linalg.LinAlgError(f"symback: {what}")
    return x
