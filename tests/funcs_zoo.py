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
    # (np.row_stack: gone from NumPy 2.5, so tested where it exists; np.vstack is the same)
    return np.sum(np.row_stack([a, b]) ** 2)


def real_parts(x):
    return np.sum(np.real(x) * np.conj(x) + np.imag(x)) + np.sum(np.nan_to_num(np.log(x)))


def split_halves(x, A):
    """Pieces unpacked, taken by index, and held by a name."""
    left, right = np.split(x, 2)
    top, bottom = np.vsplit(A, [1])
    parts = np.array_split(A, 3, axis=1)
    return (
        np.sum(left * right**2)
        + np.sum(top**2) * np.sum(bottom)
        + np.sum(parts[2] ** 3)
        + np.sum(np.hsplit(A, [2])[0] * np.dsplit(A[None], 3)[2][0])
    )


def cumulative_products(x, A):
    """A survival curve: cumulative products of probabilities, one of them 0."""
    keep = x * np.array([1.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    return np.sum(np.cumprod(keep)) + np.sum(np.cumprod(np.tanh(A), axis=1)[:, -1])


def torque(r, f):
    return np.sum(np.cross(r, f) ** 2) + np.cross(r[0], f[1]) @ r[1]


def piecewise_by_select(x):
    y = np.select([x < -0.5, x > 0.5], [x**2, np.sin(x)], default=x * 3.0)
    return np.sum(y**2)


def partitioned_median(x):
    return np.sum(np.partition(x, 3)[:3] ** 2) + np.partition(x, 2)[2]


def smoothness(y, A):
    return np.sum(np.gradient(y) ** 2) + np.sum(np.gradient(A, 0.5, axis=1) ** 2)


def spaced_points(a, b):
    t = np.linspace(a, b, 7)
    return np.sum(np.sin(t) * t) + np.sum(np.linspace(a, 2.0 * b, 4, endpoint=False) ** 2)


def sinc_filter(x):
    return np.sum(np.sinc(x) ** 2) + np.sinc(x[0] * 0.0 + x[1])


def joined_forms(x, y, A):
    return (
        np.sum(np.r_[x, y[:2], 3.0] ** 2)
        + np.sum(np.hstack(A) * np.arange(6.0))
        + np.sum(np.vstack(x).T @ np.vstack([y, y]).T)
        + np.sum(np.dstack((x, y)) ** 3)
        + np.sum(np.c_[x, A] ** 2 * np.arange(3.0))
    )


# ---------------------------------------------------------------- linear algebra


def trace_offsets(A):
    return np.trace(A @ A, 1) + np.trace(A, offset=-1) ** 2


def spectral_energy(A):
    """Eigenvalues and eigenvectors of a symmetric matrix built from A (eigh reads its lower
    triangle only: the gradient of the upper one is 0)."""
    S = A + A.T + np.diag(np.arange(3.0)) * 3.0
    w, v = np.linalg.eigh(S)
    return np.sum(w**2) + np.sum(v[:, -1] ** 2 * np.arange(3.0)) + np.linalg.eigh(A)[0][0]


def eigh_parts_and_values(A):
    """Both parts of eigh, and eigvalsh, eigvals and svdvals of the same matrix."""
    S = A + A.T + np.diag(np.arange(3.0)) * 3.0
    w, V = np.linalg.eigh(S)
    return (
        np.sum(w * np.arange(3.0))
        + np.sum(V[0] ** 2 * w)
        + np.sum(np.linalg.eigvalsh(S) ** 3)
        + np.sum(np.log(np.linalg.eigvals(S @ S.T)))
        + np.sum(np.linalg.svdvals(A) ** 2)
    )


def eig_of_symmetric(A):
    S = A @ A.T + np.diag(np.arange(3.0)) * 2.0
    values, vectors = np.linalg.eig(S)
    return np.sum(np.log(values)) + np.sum(vectors[0] ** 2 * values)


def singular_values(A):
    s = np.linalg.svd(A, compute_uv=False)
    return np.sum(s) + np.linalg.svd(A)[1][0] ** 2


def singular_vectors(A):
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    return np.sum(U[:, 0] ** 2 * np.arange(4.0)) + np.sum((Vh[0] * s[0]) ** 3)


def gaussian_nll_slogdet(L, x):
    S = L @ L.T + np.eye(3)
    sign, logdet = np.linalg.slogdet(S)
    return 0.5 * logdet + 0.5 * x @ np.linalg.solve(S, x) + np.linalg.slogdet(S).logabsdet


def cholesky_logdet(A, y):
    L = np.linalg.cholesky(A @ A.T + 3.0 * np.eye(3))
    z = np.linalg.solve(L, y)
    return 2.0 * np.sum(np.log(np.diag(L))) + np.sum(z**2)


def qr_loss(A):
    Q, R = np.linalg.qr(A)
    return np.sum(np.log(np.abs(np.diag(R)))) + np.sum(Q[:, 0] ** 2 * np.arange(4.0))


def pinv_least_squares(X, y):
    w = np.linalg.pinv(X) @ y
    return np.sum((X @ w - y) ** 2) + np.sum(w**2)


def norms(x, A):
    return (
        np.linalg.norm(x, 1)
        + np.linalg.norm(A, "fro")
        + np.sum(np.linalg.norm(A, axis=1))
        + np.linalg.norm(A, 2)
        + np.linalg.norm(x, np.inf)
        + np.linalg.norm(x, ord=3)
        + np.linalg.norm(A, "nuc")
    )


def chain_of_products(A, B, x):
    return np.linalg.multi_dot([x, A, B, x[:2]]) + np.sum(np.linalg.multi_dot([A, B]))


def matrix_exponential_series(A):
    E = np.eye(3) + A + np.linalg.matrix_power(A, 2) / 2.0 + np.linalg.matrix_power(A, 3) / 6.0
    return np.sum(E**2)


def einsum_forms(A, B, x):
    C = np.einsum("ij,jk", A, B)  # (the output implicit: 'ik')
    y = np.einsum(A, [0, 1], x, [1], [0])
    return np.sum(np.sin(C)) + np.einsum("i,i", y, y) + np.einsum(C, (0, 1), (1, 0))[0, 1]


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
    *(
        [(stacked_rows, (_normal(3), _normal(2, 3)), ("a", "b"))]
        if hasattr(np, "row_stack")
        else []
    ),
    (real_parts, (np.array([0.5, 1.5, 2.5]),), 0),
    (split_halves, (_normal(4), _normal(3, 6)), ("x", "A")),
    (cumulative_products, (_normal(6), _normal(2, 4)), ("x", "A")),
    (torque, (_normal(2, 3), _normal(2, 3)), ("r", "f")),
    (piecewise_by_select, (np.array([-1.2, -0.1, 0.3, 0.9, 2.0]),), 0),
    (partitioned_median, (_X6,), 0),
    (smoothness, (_normal(6), _normal(3, 4)), ("y", "A")),
    (spaced_points, (0.3, 1.7), ("a", "b")),
    (sinc_filter, (np.array([0.0, 0.4, -1.3]),), 0),
    (joined_forms, (_normal(3), _normal(3), _normal(3, 2)), ("x", "y", "A")),
    # linear algebra
    (trace_offsets, (_normal(3, 3),), 0),
    (spectral_energy, (_L33,), 0),
    (eigh_parts_and_values, (_L33,), 0),
    (eig_of_symmetric, (_L33,), 0),
    (singular_values, (_M34,), 0),
    (singular_vectors, (_normal(4, 3),), 0),
    (gaussian_nll_slogdet, (_L33, _U), ("L", "x")),
    (cholesky_logdet, (_L33, _U), ("A", "y")),
    (qr_loss, (_normal(4, 3),), 0),
    (pinv_least_squares, (_normal(5, 3), _normal(5)), ("X", "y")),
    (norms, (_X6, _M34), ("x", "A")),
    (chain_of_products, (_normal(3, 4), _normal(4, 2), _U), ("A", "B", "x")),
    (matrix_exponential_series, (_L33 / 2,), 0),
    (einsum_forms, (_A23, _normal(3, 4), _normal(3)), ("A", "B", "x")),
]

try:  # scipy.special's functions: where SciPy is installed (a user's dependency)
    from tests.special_zoo import SPECIAL_ZOO
except ImportError:  # pragma: no cover
    SPECIAL_ZOO = []
FUNCS_ZOO += SPECIAL_ZOO
