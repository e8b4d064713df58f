"""Functions written as users write them with the NumPy functions added for issue 13
(tensordot, tril/triu, repeat, %, tile, roll, pad, sort, ...): (function, args, wrt) entries
that tests/array_zoo.py adds to ARRAY_ZOO, so that each is differentiated to first and second
order against numerical derivatives there (test_arrays.py, test_higher_order_zoo.py).

Inputs are fixed and away from kinks: no ties where a function sorts, no a / b near an
integer where one takes a remainder.
"""

import numpy as np

_rng = np.random.default_rng(20261207)


def _normal(*shape):
    return _rng.standard_normal(shape)


# ---------------------------------------------------------------- contractions


def bilinear_tensordot(T, u, v):
    """A bilinear form with a 3-tensor, as tensor-network code writes it."""
    Tu = np.tensordot(T, u, axes=([0], [0]))
    return np.sum(np.tensordot(Tu, v, 1) ** 2)


def tensordot_layer(W, X):
    """A layer contracting two axes at once (the default axes=2)."""
    h = np.tanh(np.tensordot(X, W))
    return np.mean(h**2)


def kron_penalty(A, B):
    K = np.kron(A, B)
    return np.sum(np.sin(K)) + np.trace(K @ K.T)


# ---------------------------------------------------------------- masks and repeats


def lower_triangle_cholesky_like(L):
    """Parametrising a covariance by a lower triangle: L L^T with the rest zeroed."""
    Lt = np.tril(L)
    S = Lt @ Lt.T + np.eye(3)
    return np.log(np.linalg.det(S)) + np.sum(np.triu(S, 1) ** 2)


def repeated_rows(x, W):
    """Upsampling by repeating: each row used twice, each element of x three times."""
    up = np.repeat(W, 2, axis=0)
    return np.sum(np.repeat(x, 3) * np.ravel(up @ up.T)[:12])


def tiled_bias(b, X):
    return np.sum((X + np.tile(b, (X.shape[0], 1))) ** 2) + np.sum(np.tile(b, 2) * b[0])


# ---------------------------------------------------------------- remainders


def wrapped_phase(theta, omega):
    """An angle wrapped to [0, 2 pi): its derivative is 1 away from the wraps."""
    phase = (theta + omega * 3.0) % (2 * np.pi)
    return np.sum(np.sin(phase) * phase)


def remainder_of_two_arrays(a, b):
    return np.sum(np.mod(a, b) ** 2 + np.remainder(a * 2.0, b))


def scalar_mod(x, y):
    return (x % y) * y + x % 1.5


# ---------------------------------------------------------------- rearranging


def rolled_difference(x):
    """Periodic finite differences: x[i + 1] - x[i] with the last wrapping round."""
    return np.sum((np.roll(x, -1) - x) ** 2) + np.sum(np.diff(x, 2) ** 2)


def flips_and_rotations(A):
    B = np.flipud(A) * np.fliplr(A) + np.rot90(A, 2)
    return np.sum(np.tanh(B)[:3, :3] * np.rot90(A, 1, (0, 1))[:3, :3])


def moved_axes(T):
    return np.sum(np.moveaxis(T, 0, -1)[..., 0] ** 2) + np.sum(np.rollaxis(T, 2, 1)[0] * 2.0)


def at_least(x, s):
    return np.sum(np.atleast_2d(x).T * np.atleast_1d(s) * np.atleast_3d(x)[0])


def finite_differences(y, h):
    dy = np.diff(y, axis=1, prepend=0.0) / h
    return np.sum(dy**2)


def appended_and_padded(x, y):
    z = np.append(x, y)
    p = np.pad(x.reshape(2, 2), ((1, 0), (0, 2)), constant_values=1.0)
    return np.sum(z**3) + np.sum(p * np.arange(12.0).reshape(3, 4))


def sorted_quantile_loss(x):
    """A trimmed mean: the sorted values without the extremes."""
    s = np.sort(x)
    return np.mean(s[1:-1] ** 2) + np.sum(np.sort(x.reshape(2, 3), axis=0)[0])


def gathered(x, A):
    idx = np.argsort(A, axis=1)
    top = np.take_along_axis(A, idx[:, -2:], axis=1)
    return np.sum(np.take(x, [0, 2, 2]) * 3.0) + np.sum(top**2) + np.sum(A.take([1, 0], axis=1))


def stacked_rows(a, b):
    return np.sum(np.row_stack([a, b]) ** 2)


def real_parts(x):
    return np.sum(np.real(x) * np.conj(x) + np.imag(x)) + np.sum(np.nan_to_num(np.log(x)))


_T = _normal(3, 4, 2)
_U = _normal(3)
_V = _normal(2)
_W42 = _normal(4, 2)
_X523 = _normal(5, 4, 2)
_A23 = _normal(2, 3)
_B22 = _normal(2, 2)
_L33 = _normal(3, 3)
_X6 = np.array([0.9, -1.4, 0.3, 2.1, -0.6, 1.2])  # distinct: no ties when sorted
_M34 = _normal(3, 4)
_TH = np.array([0.3, 1.1, 2.0, 5.9])
_OM = np.array([0.1, 0.2, -0.05, 0.3])
_AA = np.array([2.3, 5.1, -1.7, 7.4])
_BB = np.array([1.1, 1.6, 0.9, 2.5])

FUNCS_ZOO = [
    (bilinear_tensordot, (_T, _U, _V), ("T", "u", "v")),
    (tensordot_layer, (_W42, _X523), ("W", "X")),
    (kron_penalty, (_A23, _B22), ("A", "B")),
    (lower_triangle_cholesky_like, (_L33,), 0),
    (repeated_rows, (_normal(4), _M34), ("x", "W")),
    (tiled_bias, (_normal(3), _normal(4, 3)), ("b", "X")),
    (wrapped_phase, (_TH, _OM), ("theta", "omega")),
    (remainder_of_two_arrays, (_AA, _BB), ("a", "b")),
    (scalar_mod, (2.7, 1.3), ("x", "y")),
    (rolled_difference, (_X6,), 0),
    (flips_and_rotations, (_normal(4, 4),), 0),
    (moved_axes, (_normal(2, 3, 4),), 0),
    (at_least, (_normal(3), 0.7), ("x", "s")),
    (finite_differences, (_normal(3, 5), 0.1), ("y", "h")),
    (appended_and_padded, (_normal(4), _normal(2, 2)), ("x", "y")),
    (sorted_quantile_loss, (_X6,), 0),
    (gathered, (_normal(3), _M34), ("x", "A")),
    (stacked_rows, (_normal(3), _normal(2, 3)), ("a", "b")),
    (real_parts, (np.array([0.5, 1.5, 2.5]),), 0),
]
