"""symback's module helpers for cumulative products, finite differences (np.gradient), np.sinc's
derivatives and np.split's pieces: copied into generated modules as helper_code.py's are
(backend/helpers.py)."""

import numpy as np


def cumprod_parts(g, x, d, axis):
    """The gradient of sum(g * cumprod(x, axis)) with respect to x, and its change along d
    (the eps part of the gradient at x + eps d): with the products before each element and a
    sum after it, so that no division by x is needed and zeros in x are exact."""
    if axis is None:
        grad, change = cumprod_parts(np.ravel(g), np.ravel(x), np.ravel(d), 0)
        return np.reshape(grad, np.shape(x)), np.reshape(change, np.shape(x))
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    g = np.moveaxis(np.broadcast_to(g, np.shape(x.swapaxes(-1, axis))), axis, -1)
    d = np.moveaxis(np.broadcast_to(d, np.shape(x.swapaxes(-1, axis))), axis, -1)
    n = np.shape(x)[-1]
    # before[i]: the product of x[:i]; after[i]: sum over k >= i of g[k] x[i+1] ... x[k]
    before, before_d = np.ones(np.shape(x)), np.zeros(np.shape(x))
    after, after_d = np.zeros(np.shape(x)), np.zeros(np.shape(x))
    for i in range(1, n):
        before[..., i] = before[..., i - 1] * x[..., i - 1]
        before_d[..., i] = before_d[..., i - 1] * x[..., i - 1] + before[..., i - 1] * d[..., i - 1]
    if n:
        after[..., n - 1] = g[..., n - 1]
    for i in range(n - 2, -1, -1):
        after[..., i] = g[..., i] + x[..., i + 1] * after[..., i + 1]
        after_d[..., i] = d[..., i + 1] * after[..., i + 1] + x[..., i + 1] * after_d[..., i + 1]
    grad = before * after
    change = before_d * after + before * after_d
    return np.moveaxis(grad, -1, axis), np.moveaxis(change, -1, axis)


def cumprod_vjp(g, x, axis):
    """The gradient of sum(g * np.cumprod(x, axis)) with respect to x (exact where x has
    zeros: no division)."""
    return cumprod_parts(g, x, np.zeros(np.shape(x)), axis)[0]


def cumprod_jvp(h, x, axis):
    """The change of np.cumprod(x, axis) along h (the eps part of cumprod(x + eps h))."""
    if axis is None:
        return cumprod_jvp(np.ravel(h), np.ravel(x), 0)  # (flat, as cumprod's value)
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    h = np.moveaxis(np.broadcast_to(h, np.shape(x.swapaxes(-1, axis))), axis, -1)
    value, change = np.ones(np.shape(x)[:-1]), np.zeros(np.shape(x)[:-1])
    out = np.zeros(np.shape(x))
    for i in range(np.shape(x)[-1]):
        value, change = value * x[..., i], change * x[..., i] + value * h[..., i]
        out[..., i] = change
    return np.moveaxis(out, -1, axis)


def cumprod_hvp(g, x, d, axis):
    """The change of cumprod_vjp(g, x, axis) along d (x's Hessian of sum(g * cumprod(x))
    times d)."""
    return cumprod_parts(g, x, d, axis)[1]


def cumprod_d2(x, d, e, axis):
    """The second change of np.cumprod(x, axis) along d and e (the eps1 eps2 part of
    cumprod(x + eps1 d + eps2 e))."""
    if axis is None:
        return cumprod_d2(np.ravel(x), np.ravel(d), np.ravel(e), 0)  # (flat, as cumprod)
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    d = np.moveaxis(np.broadcast_to(d, np.shape(x.swapaxes(-1, axis))), axis, -1)
    e = np.moveaxis(np.broadcast_to(e, np.shape(x.swapaxes(-1, axis))), axis, -1)
    value = np.ones(np.shape(x)[:-1])
    along_d, along_e, both = np.zeros_like(value), np.zeros_like(value), np.zeros_like(value)
    out = np.zeros(np.shape(x))
    for i in range(np.shape(x)[-1]):
        xi, di, ei = x[..., i], d[..., i], e[..., i]
        both = both * xi + along_d * ei + along_e * di
        along_d, along_e = along_d * xi + value * di, along_e * xi + value * ei
        value = value * xi
        out[..., i] = both
    return np.moveaxis(out, -1, axis)


def gradient_vjp(g, like, axis, edge_order):
    """The gradient of np.gradient(like, axis=axis, edge_order=edge_order) (unit spacing),
    given g: the differences' stencils transposed. With no axis, np.gradient of an array of
    several dimensions returns one array per axis: g holds one gradient for each."""
    if axis is None:
        if np.ndim(like) == 1:
            return gradient_vjp(g, like, 0, edge_order)
        return sum(gradient_vjp(g[k], like, k, edge_order) for k in range(np.ndim(like)))
    g = np.moveaxis(np.asarray(g, dtype=float), axis, -1)
    out = np.zeros(np.shape(g))
    # interior: (f[i + 1] - f[i - 1]) / 2
    out[..., 2:] += g[..., 1:-1] / 2
    out[..., :-2] -= g[..., 1:-1] / 2
    if edge_order == 1:  # f[1] - f[0] and f[-1] - f[-2]
        out[..., 1] += g[..., 0]
        out[..., 0] -= g[..., 0]
        out[..., -1] += g[..., -1]
        out[..., -2] -= g[..., -1]
    else:  # (-3 f[0] + 4 f[1] - f[2]) / 2 and (3 f[-1] - 4 f[-2] + f[-3]) / 2
        out[..., 0] -= 1.5 * g[..., 0]
        out[..., 1] += 2.0 * g[..., 0]
        out[..., 2] -= 0.5 * g[..., 0]
        out[..., -1] += 1.5 * g[..., -1]
        out[..., -2] -= 2.0 * g[..., -1]
        out[..., -3] += 0.5 * g[..., -1]
    return np.moveaxis(out, -1, axis)


def gradient_of(g, axis, edge_order):
    """np.gradient(g) (unit spacing) as one array: the adjoint of gradient_vjp."""
    return np.asarray(np.gradient(g, axis=axis, edge_order=edge_order))


def sinc_derivative(x, n):
    """The n-th derivative of np.sinc(x) = sin(pi x) / (pi x): its power series near 0,
    where the closed form divides 0 by 0, and Leibniz's rule on sin(z) / z elsewhere."""
    z = np.pi * np.asarray(x, dtype=float)
    near = np.abs(z) < 1.0
    zs, zf = np.where(near, z, 0.0), np.where(near, 1.0, z)
    # sinc = sum over k of (-1)^k z^(2k) / (2k + 1)!: its n-th derivative in z, term by term
    series = np.zeros(np.shape(z))
    for k in range(30):
        if 2 * k < n:
            continue
        coefficient = (-1.0) ** k / (2 * k + 1)  # (2k)! / (2k - n)! / (2k + 1)!
        for m in range(1, 2 * k - n + 1):
            coefficient = coefficient / m
        series = series + coefficient * zs ** (2 * k - n)
    # d^n (sin z / z) = sum over j of C(n, j) sin(z + j pi / 2) (-1)^(n-j) (n-j)! / z^(n-j+1)
    far = np.zeros(np.shape(z))
    binomial = 1.0
    for j in range(n + 1):
        factorial = 1.0
        for m in range(1, n - j + 1):
            factorial = factorial * m
        sign = (-1.0) ** (n - j)
        far = far + binomial * np.sin(zf + j * np.pi / 2) * sign * factorial / zf ** (n - j + 1)
        binomial = binomial * (n - j) / (j + 1)
    return np.pi**n * np.where(near, series, far)


def split_axis(like, axis):
    """The axis np.split cut along: `axis`, or np.hsplit's (None): 1, or 0 for a vector."""
    if axis is None:
        return 1 if np.ndim(like) > 1 else 0
    return axis


def split_place(g, like, sections, axis, k):
    """Zeros shaped like `like`, with g in the place of piece k of np.array_split(like,
    sections, axis) (np.hsplit's axis where axis is None): that piece's gradient."""
    axis = split_axis(like, axis)
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    places = np.array_split(np.arange(np.shape(like)[axis]), sections)[k]
    start = places[0] if len(places) else 0
    index = (slice(None),) * (axis % np.ndim(like)) + (slice(start, start + len(places)),)
    out[index] = g
    return out


def split_piece(g, sections, axis, k):
    """Piece k of np.array_split(g, sections, axis) (np.hsplit's axis where axis is None):
    the adjoint of split_place."""
    return np.array_split(g, sections, split_axis(g, axis))[k]


def unjoin(g, like, kind):
    """The gradient of np.<kind>(like), kind hstack, column_stack or dstack of one array's
    items, given g: g's elements put back in like's places."""
    ndim = np.ndim(like)
    if ndim < 2 or kind == "hstack" and ndim < 3:  # (end to end: the same order)
        return np.reshape(g, np.shape(like))
    if ndim == 2:  # column_stack and dstack of vectors: like's transpose
        return np.transpose(np.reshape(g, np.shape(np.transpose(like))))
    axis = 2 if kind == "dstack" else 1  # (A's first axis merged into the items' axis)
    return np.moveaxis(np.reshape(g, np.shape(np.moveaxis(like, 0, axis))), axis, 0)
