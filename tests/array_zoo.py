"""An array zoo: functions built from symback's array operations, each with inputs and a wrt.

Every operation of docs/supported.md's "Array operations" table appears here, most of them in
the combinations real code uses (a least-squares loss, a layer norm, a softmax, a log-det).
Inputs are fixed arrays from a seeded generator, chosen away from kinks and ties (maxima differ
by far more than the finite-difference step; matrices are made well conditioned by adding 3*I)
so that numerical gradients are a fair reference.
"""

import numpy as np

from tests.constants_zoo import CONSTANTS_ZOO
from tests.funcs_zoo import FUNCS_ZOO
from tests.syntax_zoo import SYNTAX_ZOO

EPS = 1e-8

# ---------------------------------------------------------------- data

_rng = np.random.default_rng(20240611)


def _normal(*shape):
    return _rng.standard_normal(shape)


V3 = _normal(3)
V4 = _normal(4)
W4 = _normal(4)
V5 = np.array([0.9, -1.4, 0.3, 2.1, -0.6])  # distinct, no element near 0
V6 = _normal(6)
V12 = _normal(12)
M23 = _normal(2, 3)
M34 = _normal(3, 4)
M43 = _normal(4, 3)
M53 = _normal(5, 3)
A3 = _normal(3, 3) + 3 * np.eye(3)  # well conditioned
A4 = _normal(4, 4) + 3 * np.eye(4)
SPD3 = A3 @ A3.T + np.eye(3)  # symmetric positive definite
B32 = _normal(3, 2)
T234 = _normal(2, 3, 4)
T243 = _normal(2, 4, 3)
T324 = _normal(3, 2, 4)
T2345 = _normal(2, 3, 4, 5)
# Rows with one clear maximum and minimum each (gaps of 0.3 or more: no near-ties).
SPREAD34 = np.array(
    [
        [0.2, 1.9, -0.7, 0.8],
        [-1.1, 0.4, 2.3, -0.1],
        [1.5, -0.9, 0.1, 0.6],
    ]
)
IDX_REPEAT = np.array([0, 2, 2, 4, 0, 2])  # 0 twice, 2 three times, 4 once
ROWS = np.array([2, 0, 2])
ONE_HOT_43 = np.eye(3)[[0, 2, 1, 2]]  # 4 samples, 3 classes


# ---------------------------------------------------------------- matmul, dot, outer


def quadratic_form(x, A):
    """1-D @ 2-D @ 1-D: x^T A x."""
    return x @ A @ x


def least_squares(A, x, y):
    """2-D @ 1-D: ||Ax - y||^2."""
    r = A @ x - y
    return r @ r


def row_vector_times_matrix(x, M):
    """1-D @ 2-D."""
    return np.sum(np.tanh(x @ M))


def inner_product(u, v):
    """1-D @ 1-D, by operator and by np.dot."""
    return (u @ v) * np.dot(u, v) + np.sin(np.dot(v, u))


def matrix_product(A, B):
    """2-D @ 2-D."""
    return np.sum(np.sin(A @ B))


def np_matmul_and_dot(A, B, x):
    """The function spellings: np.matmul and np.dot on matrices, A.dot on a vector."""
    C = np.matmul(A, B)
    D = np.dot(A, B)
    return np.sum(C * D) + np.sum(np.cos(A.dot(x)))


def batched_matmul(A, B):
    """Stacked 3-D @ 3-D: a batch of matrix products."""
    return np.sum((A @ B) ** 2)


def batched_matmul_broadcast(A, B):
    """3-D @ 2-D: one matrix applied to a batch (its gradient sums over the batch)."""
    return np.sum(np.tanh(np.matmul(A, B)))


def batched_matrix_vector(A, x):
    """3-D @ 1-D."""
    return np.sum(np.exp(0.3 * (A @ x)))


def outer_product(u, v, M):
    return np.sum(np.outer(u, v) * M) + np.sum(np.outer(v, v) ** 2)


def gram_row_sums(X):
    """The chain `(X.T @ X).sum(axis=1)`."""
    s = (X.T @ X).sum(axis=1)
    return np.sum(s**2)


def bilinear(x, A, y):
    return x @ A @ y + np.sum(np.outer(x, y) * A)


# ---------------------------------------------------------------- transpose, reshape


def transpose_forms(A, B):
    """`.T`, np.transpose and the method, all of a 2-D array."""
    return np.sum(A.T * B) + np.sum(np.transpose(A) ** 2) + np.sum(A.transpose() @ A)


def transpose_axes(T, W):
    """np.transpose with `axes`, and the method with an axes tuple."""
    P = np.transpose(T, (1, 0, 2))
    Q = T.transpose((2, 0, 1))
    return np.sum(P * W) + np.sum(Q**3)


def transpose_method_varargs(T, W):
    """`x.transpose(1, 0, 2)`: the axes as separate arguments, as NumPy allows."""
    return np.sum(T.transpose(1, 0, 2) * W)


def swapaxes_forms(T, W):
    """np.swapaxes and the method, with a negative axis."""
    P = np.swapaxes(T, 1, 2)
    Q = T.swapaxes(-1, 0)
    return np.sum(P * W) + np.sum(np.sin(Q) * Q)


def full_of_values(s, v, X):
    """np.full with a number, and with a row that broadcasts to the shape."""
    return np.sum(np.full((2, 3), s) * X) + np.sum(np.full(np.shape(X), v) ** 2)


def flip_forms(x, M):
    """np.flip of a vector, and of a matrix along one axis and along all."""
    return np.sum(np.flip(x) * x**2) + np.sum(np.flip(M, 0) * M) + np.sum(np.sin(np.flip(M)) * M)


def transpose_3d_no_axes(T):
    """.T of a 3-D array reverses all axes."""
    return np.sum(T.T * np.cos(T.T))


def reshape_then_matmul(v, w):
    M = np.reshape(v, (3, 4))
    return np.sum(np.tanh(M @ w))


def reshape_method_forms(v, w):
    """x.reshape(3, 4), x.reshape((4, 3)), x.reshape(-1) and a shape read from the data."""
    A = v.reshape(3, 4)
    B = v.reshape((4, 3))
    C = A.reshape(-1)
    D = B.reshape(B.shape[0], -1)
    return np.sum(A @ w) + np.sum(B**2) + C @ v + np.sum(np.sin(D))


def ravel_and_flatten(M, v):
    a = np.ravel(M)
    b = M.ravel()
    c = M.flatten()
    return a @ v + np.sum(b**2) + np.sum(np.exp(c / 4))


def reshape_batch(T, w):
    """Flatten all but the first axis, as before a dense layer."""
    X = np.reshape(T, (T.shape[0], -1))
    return np.sum(np.tanh(X @ w))


# ---------------------------------------------------------------- reductions


def sum_each_axis(X):
    return (
        np.sum(np.sum(X, axis=0) ** 2)
        + np.sum(np.sum(X, axis=1) ** 3)
        + np.sum(np.sin(np.sum(X, axis=-1)))
    )


def sum_keepdims(X):
    """keepdims=True keeps the reduced axis, so the result broadcasts against X."""
    centred = X - np.sum(X, axis=1, keepdims=True) / 4
    cols = X / np.sum(X**2, axis=0, keepdims=True)
    return np.sum(centred**2) + np.sum(cols * X)


def sum_tuple_axes(T):
    a = np.sum(T**2, axis=(0, 2))
    b = np.sum(np.sin(T), axis=(1, 2), keepdims=True)
    c = np.sum(T, axis=(-1, 0))
    return np.sum(a**2) + np.sum(b * T) + c @ c


def sum_4d_axes(T):
    """A 4-D array reduced over a tuple with a negative axis, keepdims on and off."""
    a = np.sum(T, axis=(1, -1))
    b = np.mean(T, axis=(0, 2), keepdims=True)
    return np.sum(a**2) + np.sum(np.exp(0.2 * (T - b)))


def mean_axes(X):
    return (
        np.sum(np.mean(X, axis=0) ** 2)
        + np.sum(np.exp(np.mean(X, axis=-1)))
        + np.sum((X - np.mean(X, axis=1, keepdims=True)) ** 2)
        + np.mean(X) ** 2
    )


def reduction_methods(X):
    """x.sum(axis=0), x.mean(...), x.max(...), x.min(...), x.var(), x.std(...)."""
    return (
        np.sum(X.sum(axis=0) ** 2)
        + X.mean(axis=1, keepdims=True).sum()
        + X.max(axis=1).sum()
        + X.min(axis=0).mean()
        + X.var()
        + X.std(axis=0, ddof=1).sum()
    )


def max_over_axes(X):
    """Row and column maxima, keepdims and negative axis (inputs have no ties)."""
    return (
        np.sum(np.max(X, axis=1) ** 2)
        + np.sum(np.max(X, axis=0))
        + np.sum(X * np.max(X, axis=-1, keepdims=True))
        + np.max(X)
    )


def min_and_amax_amin(X):
    return (
        np.sum(np.min(X, axis=0) ** 2)
        + np.sum(np.amax(X, axis=1, keepdims=True) * X)
        + np.amin(X)
        + np.sum(np.amin(X, axis=-1))
    )


def global_max_min(v):
    return np.max(v) ** 2 - np.min(v) * np.max(np.sin(v))


def var_std(X):
    """var and std over an axis, with ddof=1 (the sample estimates) and keepdims."""
    return (
        np.sum(np.var(X, axis=0, ddof=1))
        + np.sum(np.std(X, axis=1) ** 3)
        + np.sum(np.var(X, axis=-1, keepdims=True) * X)
        + np.std(X, ddof=1)
        + np.var(X)
    )


def std_keepdims_ddof(X):
    s = np.std(X, axis=0, keepdims=True, ddof=1)
    return np.sum(np.log(s)) + np.sum(X / s)


def standardise(X):
    """Column z-scores, the preprocessing step."""
    Z = (X - np.mean(X, axis=0)) / np.std(X, axis=0)
    return np.sum(Z**3) + np.sum(np.sin(Z))


def layer_norm(X, gamma, beta):
    mu = np.mean(X, axis=-1, keepdims=True)
    var = np.var(X, axis=-1, keepdims=True)
    Y = (X - mu) / np.sqrt(var + 1e-5) * gamma + beta
    return np.sum(np.tanh(Y) * Y)


# ---------------------------------------------------------------- cumsum


def cumsum_flat(X):
    """np.cumsum without axis runs over the flattened array."""
    c = np.cumsum(X)
    return np.sum(np.sin(c)) + c @ c


def cumsum_axes(X):
    return (
        np.sum(np.cumsum(X, axis=0) ** 2)
        + np.sum(np.cos(np.cumsum(X, axis=1)))
        + np.sum(X.cumsum(axis=-1) * X)
    )


def cumsum_vector_method(v):
    return np.sum(np.exp(0.5 * v.cumsum()))


# ---------------------------------------------------------------- linear algebra


def norms(v, M):
    """Vector norm and Frobenius norm."""
    return np.linalg.norm(v) + np.linalg.norm(M) ** 2 + np.linalg.norm(M @ v)


def normalise(v):
    u = v / np.linalg.norm(v)
    return np.sum(u**3)


def determinant(A):
    return np.linalg.det(A) + np.log(np.abs(np.linalg.det(A @ A.T)))


def inverse(A, b):
    Ainv = np.linalg.inv(A)
    return np.sum(Ainv**2) + b @ Ainv @ b + np.trace(Ainv)


def solve_vector(A, b):
    x = np.linalg.solve(A, b)
    return np.sum(x**2) + np.sum(np.sin(x))


def solve_matrix(A, B):
    X = np.linalg.solve(A, B)
    return np.sum(X * B) + np.sum(np.tanh(X))


def trace_forms(A, B):
    return np.trace(A @ B.T) + A.trace() ** 2 + np.trace(A) * np.trace(B)


def gaussian_nll(x, S):
    """Negative log-likelihood of N(0, S): log det, a solve and a quadratic form."""
    return 0.5 * np.log(np.linalg.det(S)) + 0.5 * x @ np.linalg.solve(S, x)


def mahalanobis(x, mu, S):
    d = x - mu
    return np.sqrt(d @ np.linalg.inv(S) @ d)


# ---------------------------------------------------------------- indexing


def differences(v):
    """x[1:] - x[:-1]: a finite difference, smoothed."""
    d = v[1:] - v[:-1]
    return np.sum(d**2) + np.sum(np.sin(v[::2]))


def total_variation_2d(X):
    dx = X[:, 1:] - X[:, :-1]
    dy = X[1:, :] - X[:-1, :]
    return np.sum(np.sqrt(dx**2 + 0.1)) + np.sum(np.sqrt(dy**2 + 0.1))


def column_and_row(X):
    """x[:, 0], x[0], x[-1], x[..., 1], x[1:, ::2] and a single element."""
    return (
        np.sum(X[:, 0] ** 2)
        + np.sum(X[0] * X[-1])
        + np.sum(np.exp(X[..., 1]))
        + np.sum(X[1:, ::2] ** 3)
        + X[1, 2] * X[0, 0]
    )


def ellipsis_index(T, i):
    """x[..., i] with an integer parameter."""
    return np.sum(T[..., i] ** 2) + np.sum(T[i] * T[-1])


def integer_parameter_index(v, i, j):
    """x[i] and x[i, j] with integer parameters."""
    return v[i] ** 2 * np.sin(v[j]) + v[i] * v[j]


def repeated_gather(v, idx):
    """x[idx] with repeated indices: their gradients accumulate."""
    g = v[idx]
    return np.sum(g**2) + np.sum(np.sin(g))


def gather_rows(X, rows, w):
    """X[rows]: an embedding lookup, with row 2 read twice."""
    E = X[rows]
    return np.sum(np.tanh(E @ w))


def gather_columns(X, cols):
    """X[:, cols]: an integer array in the second axis."""
    return np.sum(X[:, cols] ** 2)


def boolean_mask(v):
    """x[x > 0]: a boolean mask from a comparison."""
    pos = v[v > 0]
    return np.sum(pos**2) + np.sum(np.exp(v[v < 0]))


def mask_from_other(v, w):
    keep = w > 0
    return np.sum(v[keep] * w[keep]) + np.sum(np.sin(v[keep]))


def new_axis_pairwise(X):
    """x[:, None, :] - x[None, :, :]: pairwise squared distances."""
    D = X[:, None, :] - X[None, :, :]
    sq = np.sum(D**2, axis=-1)
    return np.sum(np.exp(-sq))


def shape_as_data(X):
    """x.shape, x.ndim and x.size used as numbers (no gradient flows through them)."""
    n = X.shape[0]
    return np.sum(X**2) / X.size + n * np.mean(X) + X.ndim * np.sum(np.sin(X))


# ---------------------------------------------------------------- elementwise on arrays


def relu_matrix(X, W):
    H = np.maximum(X @ W, 0.0)
    return np.sum(H**2)


def where_matrix(X):
    return np.sum(np.where(X > 0, np.log1p(X**2), X**3))


def clip_array_bounds(X, lo, hi):
    return np.sum(np.clip(X, lo, hi) * X)


def maximum_two_arrays(A, B):
    """maximum/minimum of two matrices (B.T.T: a double transpose is B again)."""
    return np.sum(np.maximum(A, B) ** 2 + np.minimum(A, B.T.T))


# ---------------------------------------------------------------- models


def linear_regression(w, b, X, y):
    pred = X @ w + b
    return np.mean((pred - y) ** 2) + 0.1 * w @ w


def logistic_regression(w, b, X, y):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def softmax_cross_entropy(W, b, X, Y):
    z = X @ W + b
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * logp, axis=1))


def two_layer_mlp(W1, b1, W2, b2, X, y):
    H = np.tanh(X @ W1 + b1)
    out = H @ W2 + b2
    return 0.5 * np.mean((out - y) ** 2)


def attention(Q, K, V):
    s = Q @ K.T / np.sqrt(Q.shape[-1])
    s = s - np.max(s, axis=-1, keepdims=True)
    a = np.exp(s) / np.sum(np.exp(s), axis=-1, keepdims=True)
    return np.sum((a @ V) ** 2)


def batch_norm(X, gamma, beta):
    mu = X.mean(axis=0)
    sd = np.sqrt(X.var(axis=0) + 1e-5)
    Y = gamma * (X - mu) / sd + beta
    return np.sum(np.maximum(Y, 0.0) ** 2)


def pca_reconstruction(W, X):
    """||X - X W W^T||_F^2 for a 3 x 2 projection W."""
    R = X - X @ W @ W.T
    return np.sum(R**2)


def ridge_closed_form(lam, X, y, eye):
    """The ridge solution as a function of lambda: solve((X^T X + lam I), X^T y)."""
    G = X.T @ X + lam * eye
    w = np.linalg.solve(G, X.T @ y)
    return np.sum((X @ w - y) ** 2)


def gaussian_process_nll(X, y, ell, noise):
    """RBF kernel matrix (noise on the diagonal), log det and a solve."""
    D = X[:, None, :] - X[None, :, :]
    K = np.exp(-np.sum(D**2, axis=-1) / (2 * ell**2)) + noise
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * np.log(np.linalg.det(K))


def log_sum_exp_rows(X):
    m = np.max(X, axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(X - m), axis=1)))


# ---------------------------------------------------------------- right or refused
# Spellings at the edge of what the array table describes: symback must either refuse them
# when generating (a SymbackError) or differentiate them correctly; never a wrong gradient
# or a crash at run time.


def index_through_slice(v, idx):
    """v[idx[1:]]: still an integer array (with repeats), although the index is a slice."""
    return np.sum(v[idx[1:]] ** 2)


def index_through_attribute(v, idx):
    """v[idx.T]: an integer array reached through an attribute."""
    return np.sum(v[idx.T] ** 2)


def index_negated(v, idx):
    """v[-idx]: an integer array under a unary minus."""
    return np.sum(v[-idx] ** 2)


def trace_with_offset(A):
    """np.trace(A, 1): the first superdiagonal."""
    return np.trace(A, 1) ** 2


def norm_with_positional_ord(v):
    """np.linalg.norm(v, 1): the 1-norm, with ord given by position."""
    return np.linalg.norm(v, 1)


def matrix_two_norm(M):
    """np.linalg.norm(M, 2): the spectral norm."""
    return np.linalg.norm(M, 2)


def dot_with_scalar(s, v):
    """np.dot of a scalar and a vector is their product (0-D is 'at most 2-D')."""
    return np.sum(np.dot(s, v) ** 2)


def batched_det(A):
    """np.linalg.det of a stack of matrices."""
    return np.sum(np.linalg.det(A) ** 2)


def batched_inv(A):
    return np.sum(np.linalg.inv(A) ** 2)


def batched_solve(A, b):
    return np.sum(np.linalg.solve(A, b) ** 2)


def std_positional_ddof(X):
    """np.std(X, 0, None, None, 1): NumPy's positional order is axis, dtype, out, ddof."""
    return np.sum(np.std(X, 0, None, None, 1))


STACK233 = _normal(2, 3, 3) + 3 * np.eye(3)

RIGHT_OR_REFUSED = [
    (index_through_slice, (V5, IDX_REPEAT), "v"),
    (index_through_attribute, (V5, IDX_REPEAT), "v"),
    (index_negated, (V5, IDX_REPEAT), "v"),
    (trace_with_offset, (M34,), 0),
    (norm_with_positional_ord, (V5,), 0),
    (matrix_two_norm, (M34,), 0),
    (dot_with_scalar, (1.3, V4), ("s", "v")),
    (batched_det, (STACK233,), 0),
    (batched_inv, (STACK233,), 0),
    (batched_solve, (STACK233, _normal(2, 3, 2)), ("A", "b")),
    (std_positional_ddof, (M34,), 0),
]


# ---------------------------------------------------------------- the zoo

Y5 = _normal(5)
LABELS5 = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
MASK_MIX = np.array([0.5, -0.3, 1.2, -2.0, 0.8, -0.1])


def einsum_contractions(A, x, B):
    """Matrix-vector, matrix-matrix to a scalar, and an index only A has."""
    return (
        np.sum(np.einsum("ij,j->i", A, x) ** 2)
        + np.einsum("ij,jk->", A, B)
        + np.sum(np.einsum("ij->j", A) * x)
    )


def einsum_batched(T, W):
    """A batched bilinear form."""
    return np.sum(np.sin(np.einsum("bij,jk->bik", T, W)))


def products(X):
    """np.prod over everything, an axis, and as a method; exact where X has zeros."""
    return np.prod(X) + np.sum(np.prod(X, axis=0) ** 2) + np.sum(X.prod(axis=1, keepdims=True))


def stack_and_concatenate(a, b):
    s = np.stack([a, b * 2.0], axis=1)
    c = np.concatenate([a, b, a * b])
    m = np.concatenate([s, s**2], axis=1)
    return np.sum(s**2) + np.sum(np.sin(c)) + np.sum(m * 0.5)


def einsum_ellipsis(T, W, x):
    """'...' as leading batch axes, on one operand and on the output."""
    return np.sum(np.sin(np.einsum("...ij,jk->...ik", T, W))) + np.sum(
        np.einsum("...i,i->...", T, x) ** 2
    )


def einsum_ellipsis_broadcast(A, B):
    """'...' on both operands, broadcast against each other (B's batch axis has length 1)."""
    return np.sum(np.einsum("...ij,...jk->...ik", A, B) ** 2)


def einsum_diagonals(A, v, X):
    """A repeated index reads a diagonal: a trace, the diagonal, a diagonal times a vector."""
    return (
        np.einsum("ii->", A) ** 2
        + np.sum(np.einsum("ii->i", A) * v)
        + np.sum(np.einsum("ii,i->i", A, v) ** 2)
        + np.sum(np.einsum("iji->j", X) ** 2)
    )


def einsum_batched_diagonal(T):
    """'...ii->...i': the diagonal of each matrix of a stack."""
    return np.sum(np.sin(np.einsum("...ii->...i", T)))


def einsum_length_one_axes(a, b, c):
    """einsum stretches an axis of length 1 to the other operand's length, like broadcasting."""
    return np.sum(np.einsum("ij,jk->ik", a, b) ** 2) + np.sum(np.einsum("ij,ij->ij", c, b))


def diag_of_vector(v, W, U):
    """np.diag(v) builds a matrix; with k the vector sits off the diagonal of a bigger one."""
    return (
        np.sum(np.diag(v) * W) + np.sum(np.sin(np.diag(v, 1)) * U) + np.sum(np.diag(v, k=-2) ** 2)
    )


def diag_of_matrix(A):
    """np.diag(A) reads a diagonal (of a square, wide or tall matrix), offsets either side."""
    return np.sum(np.diag(A) ** 3) + np.sum(np.sin(np.diag(A, 1))) + np.sum(np.diag(A, -1) ** 2)


def diag_round_trip(A):
    """np.diag(np.diag(A)): A's diagonal as a square matrix, used in a product with A."""
    return np.sum(np.sin(np.diag(np.diag(A)) @ A))


def diagonal_forms(T, A):
    """np.diagonal with an offset and axes, and the .diagonal() method."""
    return (
        np.sum(np.diagonal(T, 1, 1, 2) ** 2)
        + np.sum(np.sin(np.diagonal(T, axis1=0, axis2=2)))
        + np.sum(A.diagonal() ** 3)
        + np.sum(A.diagonal(-1) * 2.0)
    )


def joins_of_vectors(a, b):
    """np.hstack joins vectors end to end; np.vstack stacks them as rows, column_stack as columns."""
    h = np.hstack([a, b, a * b])
    v = np.vstack([a, b])
    c = np.column_stack([a, b])
    return np.sum(np.sin(h)) + np.sum(v[0] * v[1] ** 2) + np.sum(c[:, 0] * np.cos(c[:, 1]))


def joins_of_matrices(A, B, C):
    """Matrices: np.hstack along axis 1, np.vstack along axis 0, column_stack as hstack."""
    h = np.hstack([A, B])
    v = np.vstack([A, C, A])
    c = np.column_stack([B, A])
    return np.sum(np.sin(h)) + np.sum(v**2 * 0.5) + np.sum(c[:, 1:] ** 3)


def joins_mixed(s, v, M):
    """A number and a vector in np.hstack; a vector beside matrices in vstack and column_stack."""
    h = np.hstack([s, v, s * 2.0])
    r = np.vstack([v, M])
    c = np.column_stack([v, M.T])
    return np.sum(np.sin(h)) + np.sum(np.cos(r)) + np.sum(c**2 * h[1:5, None])


def hstack_3d(T, U):
    """np.hstack of 3-D arrays joins axis 1 (not the last)."""
    return np.sum(np.sin(np.hstack([T, U])) * np.hstack([U, T]))


def slices_with_computed_bounds(x, y):
    """Slice bounds computed from lengths and shapes: integers no gradient flows through."""
    head = x[: len(y)]
    tail = x[np.shape(y)[0] - 1 : min(len(x), 5)]
    cols = np.reshape(x, (2, 3))[:, np.ndim(y) : np.size(y)]
    return np.sum(head**2 * y) + np.sum(np.sin(tail)) + np.sum(cols**3)


def inner_vectors(u, v, s):
    """np.inner of two vectors is their dot product; with a number it multiplies."""
    return np.inner(u, v) ** 2 + np.sum(np.inner(s, u) ** 2) + np.sum(np.inner(v, s) * u)


def inner_nd(A, B, T, v):
    """np.inner of arrays contracts their last axes: matrix-matrix, 3-D-matrix, matrix-vector."""
    return (
        np.sum(np.inner(A, B) ** 2) + np.sum(np.sin(np.inner(T, A))) + np.sum(np.inner(A, v) ** 2)
    )


def dot_nd(T, W, v, M):
    """np.dot beyond 2-D: a's last axis with b's second-to-last (or only) axis."""
    return (
        np.sum(np.dot(T, W) ** 2)
        + np.sum(np.sin(np.dot(T, v)))
        + np.sum(np.dot(v[:3], T) ** 2)
        + np.sum(np.dot(M, W) * 0.5)
    )


def squeeze_and_expand_dims(X, v):
    """np.squeeze (all axes of length 1, or one), and np.expand_dims, as functions and methods."""
    return (
        np.sum(np.squeeze(X) ** 3)
        + np.sum(X.squeeze(axis=0) * 2.0)
        + np.sum(np.expand_dims(v, 0) * X[0])
        + np.sum(np.expand_dims(v, axis=1) ** 2)
    )


def new_axes(v, A):
    """x[:, np.newaxis], x[None, :], x[None], x[..., None]."""
    return (
        np.sum(v[:, np.newaxis] * A)
        + np.sum(np.sin(v[None, :] * A.T))
        + np.sum(v[None] ** 3)
        + np.sum(v[..., None] * v)
    )


def filled_and_ranged(x, c):
    """np.full spreads c over a shape (its gradient sums back); np.arange is a constant."""
    return np.sum(np.full(x.shape, c) * x) + np.sum(np.full((2, 3), c * c) * np.arange(3.0))


ARRAY_ZOO = [
    (filled_and_ranged, (np.array([0.3, -1.2, 2.0]), 0.7), (0, 1)),
    # einsum, stack, concatenate
    (einsum_contractions, (M34, V4, _normal(4, 2)), ("A", "x", "B")),
    (einsum_batched, (_normal(2, 3, 4), _normal(4, 3)), ("T", "W")),
    (stack_and_concatenate, (V3, _normal(3)), ("a", "b")),
    (products, (M23,), ("X",)),
    (products, (np.array([[0.5, 0.0, 2.0], [0.0, 1.5, 0.7]]),), ("X",)),
    # matmul, dot, outer
    (quadratic_form, (V3, A3), ("x", "A")),
    (least_squares, (M53, V3, Y5), ("A", "x", "y")),
    (row_vector_times_matrix, (V3, M34), ("x", "M")),
    (inner_product, (V4, W4), ("u", "v")),
    (matrix_product, (M23, M34), ("A", "B")),
    (np_matmul_and_dot, (M23, M34, V3), ("A", "B", "x")),
    (batched_matmul, (T234, T243), ("A", "B")),
    (batched_matmul_broadcast, (T234, M43), ("A", "B")),
    (batched_matrix_vector, (T234, V4), ("A", "x")),
    (outer_product, (V3, V4, M34), ("u", "v", "M")),
    (gram_row_sums, (M53,), 0),
    (bilinear, (V3, M34, V4), ("x", "A", "y")),
    # transpose, reshape
    (transpose_forms, (M23, M23.T.copy()), ("A", "B")),
    (transpose_axes, (T234, T324), ("T", "W")),
    (transpose_method_varargs, (T234, T324), ("T", "W")),
    (transpose_3d_no_axes, (T234,), 0),
    (swapaxes_forms, (T234, T243), ("T", "W")),
    (full_of_values, (0.7, V3, M23), ("s", "v")),
    (flip_forms, (V4, M34), ("x", "M")),
    (reshape_then_matmul, (V12, V4), ("v", "w")),
    (reshape_method_forms, (V12, V4), ("v", "w")),
    (ravel_and_flatten, (M34, V12), ("M", "v")),
    (reshape_batch, (T234, V12), ("T", "w")),
    # reductions
    (sum_each_axis, (M34,), 0),
    (sum_keepdims, (M34,), 0),
    (sum_tuple_axes, (T234,), 0),
    (sum_4d_axes, (T2345,), 0),
    (mean_axes, (M34,), 0),
    (reduction_methods, (SPREAD34,), 0),
    (max_over_axes, (SPREAD34,), 0),
    (min_and_amax_amin, (SPREAD34,), 0),
    (global_max_min, (V5,), 0),
    (var_std, (M34,), 0),
    (std_keepdims_ddof, (M53,), 0),
    (standardise, (M53,), 0),
    (layer_norm, (M34, V4, W4), ("X", "gamma", "beta")),
    # cumsum
    (cumsum_flat, (M23,), 0),
    (cumsum_axes, (M34,), 0),
    (cumsum_vector_method, (V6,), 0),
    # linear algebra
    (norms, (V3, M23), ("v", "M")),
    (normalise, (V4,), 0),
    (determinant, (A3,), 0),
    (inverse, (A3, V3), ("A", "b")),
    (solve_vector, (A4, V4), ("A", "b")),
    (solve_matrix, (A3, B32), ("A", "B")),
    (trace_forms, (A3, M34[:, :3].copy()), ("A", "B")),
    (gaussian_nll, (V3, SPD3), ("x", "S")),
    (mahalanobis, (V3, W4[:3].copy(), SPD3), ("x", "mu", "S")),
    # indexing
    (differences, (V6,), 0),
    (total_variation_2d, (M34,), 0),
    (column_and_row, (M34,), 0),
    (ellipsis_index, (T234, 1), "T"),
    (integer_parameter_index, (V6, 2, 4), "v"),
    (integer_parameter_index, (V6, 3, 3), "v"),
    (repeated_gather, (V5, IDX_REPEAT), "v"),
    (gather_rows, (M34, ROWS, V4), ("X", "w")),
    (gather_columns, (M34, IDX_REPEAT[:4] % 4), "X"),
    (boolean_mask, (MASK_MIX,), 0),
    (mask_from_other, (V6, MASK_MIX), "v"),
    (new_axis_pairwise, (M43,), 0),
    (shape_as_data, (M34,), 0),
    # elementwise on arrays
    (relu_matrix, (M53, M34), ("X", "W")),
    (where_matrix, (M34,), 0),
    (
        clip_array_bounds,
        (M34, -0.5 * np.abs(M34) - 0.25, np.full(4, 0.7)),
        ("X", "lo", "hi"),
    ),
    (maximum_two_arrays, (M34, M34[::-1] * 0.8 + 0.05), ("A", "B")),
    # models
    (linear_regression, (V3, 0.2, M53, Y5), ("w", "b", "X", "y")),
    (logistic_regression, (V3, -0.1, M53, LABELS5), ("w", "b", "X")),
    (softmax_cross_entropy, (M34[:, :3].copy(), V3, M43, ONE_HOT_43), ("W", "b", "X")),
    (
        two_layer_mlp,
        (M34, V4, V4, 0.3, M53[:, :3].copy(), Y5),
        ("W1", "b1", "W2", "b2"),
    ),
    (attention, (M43, M53, _normal(5, 2)), ("Q", "K", "V")),
    (batch_norm, (M53, V3, W4[:3].copy()), ("X", "gamma", "beta")),
    (pca_reconstruction, (B32 / 3, M53), ("W", "X")),
    (ridge_closed_form, (0.7, M53, Y5, np.eye(3)), ("lam", "X", "y")),
    (gaussian_process_nll, (M53, Y5, 1.3, 0.5 * np.eye(5)), ("X", "y", "ell", "noise")),
    (log_sum_exp_rows, (SPREAD34,), 0),
]

# Added after the first zoo, so that the data drawn above stays as it was.
ARRAY_ZOO += [
    # diag, diagonal
    (diag_of_vector, (V4, _normal(4, 4), _normal(5, 5)), "v"),
    (diag_of_matrix, (A3,), 0),
    (diag_of_matrix, (M34,), 0),
    (diag_of_matrix, (M43,), 0),
    (diag_round_trip, (M34,), 0),
    (diag_round_trip, (A3,), 0),
    (diagonal_forms, (T234, M34), ("T", "A")),
    (diagonal_forms, (T324, M43), ("T", "A")),
    # hstack, vstack, column_stack
    (joins_of_vectors, (V3, _normal(3)), ("a", "b")),
    (joins_of_matrices, (M34, _normal(3, 2), _normal(2, 4)), ("A", "B", "C")),
    (joins_mixed, (0.7, V4, _normal(2, 4)), ("s", "v", "M")),
    (hstack_3d, (T234, _normal(2, 3, 4)), ("T", "U")),
    # inner, dot beyond 2-D
    (inner_vectors, (V4, W4, 1.3), ("u", "v", "s")),
    (inner_nd, (M34, _normal(5, 4), T234, V4), ("A", "B", "T", "v")),
    (dot_nd, (T234, _normal(5, 4, 3), V4, M34), ("T", "W", "v", "M")),
    # einsum with '...' and repeated indices
    (einsum_ellipsis, (T234, _normal(4, 3), V4), ("T", "W", "x")),
    (einsum_ellipsis, (M34, _normal(4, 3), V4), ("T", "W", "x")),
    (einsum_ellipsis_broadcast, (T234, _normal(1, 4, 5)), ("A", "B")),
    (einsum_ellipsis_broadcast, (T234, _normal(4, 5)), ("A", "B")),
    (einsum_diagonals, (A3, V3, _normal(3, 4, 3)), ("A", "v", "X")),
    (einsum_batched_diagonal, (STACK233,), 0),
    (einsum_length_one_axes, (_normal(2, 1), M23, _normal(1, 3)), ("a", "b", "c")),
    # squeeze, expand_dims, new axes
    (squeeze_and_expand_dims, (_normal(1, 3, 4), V4), ("X", "v")),
    (new_axes, (V4, M43), ("v", "A")),
    # slice bounds computed from shapes
    (slices_with_computed_bounds, (_normal(6), V3), ("x", "y")),
]

# Functions reading constants from their module or closure (tests/constants_zoo.py), and
# written with the syntax of tests/syntax_zoo.py.
ARRAY_ZOO += CONSTANTS_ZOO + SYNTAX_ZOO

# The NumPy functions added for issue 13 (tests/funcs_zoo.py).
ARRAY_ZOO += FUNCS_ZOO


def entry_id(entry) -> str:
    """A readable test id: the function's name and its wrt (zoo entries may repeat a name)."""
    f, _, wrt = entry
    wrt_text = "-".join(map(str, wrt)) if isinstance(wrt, tuple) else str(wrt)
    return f"{f.__name__}[{wrt_text}]"
