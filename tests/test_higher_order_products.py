"""Second derivatives through matrix products: the gradient code's matmul, dot and inner
helpers differentiated again, with respect to each of their operands, for every rank the
helpers tell apart (numbers, vectors, matrices, batches that broadcast). Checked against
central differences of symback's exact first gradient, and for symmetry."""

import numpy as np
import pytest

import symback
from tests import control_zoo as cz

STEP = 1e-6


def matmul_pair(theta, a0, b0, w):
    # both operands of one product cut from one parameter: the Hessian holds the blocks of
    # each operand with itself and with the other
    k = np.size(a0)
    a = np.reshape(theta[:k], np.shape(a0))
    b = np.reshape(theta[k:], np.shape(b0))
    return np.sum(np.sin(a @ b) * w)


def dot_pair(theta, a0, b0, w):
    k = np.size(a0)
    a = np.reshape(theta[:k], np.shape(a0))
    b = np.reshape(theta[k:], np.shape(b0))
    return np.sum(np.sin(np.dot(a, b)) * w)


def inner_pair(theta, a0, b0, w):
    k = np.size(a0)
    a = np.reshape(theta[:k], np.shape(a0))
    b = np.reshape(theta[k:], np.shape(b0))
    return np.sum(np.sin(np.inner(a, b)) * w)


def outer_pair(theta, a0, b0, w):
    k = np.size(a0)
    a = np.reshape(theta[:k], np.shape(a0))
    b = np.reshape(theta[k:], np.shape(b0))
    return np.sum(np.sin(np.outer(a, b)) * w)


# The same with static slices and shapes: specialised code knows every shape, so the
# helpers' gradients are written as `@` products (products._plain).
def matrix_matrix(theta, w):
    return np.sum(np.sin(np.reshape(theta[:6], (2, 3)) @ np.reshape(theta[6:], (3, 4))) * w)


def matrix_vector(theta, w):
    return np.sum(np.sin(np.reshape(theta[:6], (2, 3)) @ theta[6:]) * w)


def vector_matrix(theta, w):
    return np.sum(np.sin(theta[:3] @ np.reshape(theta[3:], (3, 2))) * w)


def vector_vector(theta, w):
    return np.sin(theta[:3] @ theta[3:]) * w


def dot_matrix_matrix(theta, w):
    return np.sum(np.sin(np.dot(np.reshape(theta[:6], (2, 3)), np.reshape(theta[6:], (3, 4)))) * w)


def dot_matrix_vector(theta, w):
    return np.sum(np.sin(np.dot(np.reshape(theta[:6], (2, 3)), theta[6:])) * w)


def dot_vector_matrix(theta, w):
    return np.sum(np.sin(np.dot(theta[:3], np.reshape(theta[3:], (3, 2)))) * w)


def dot_vector_vector(theta, w):
    return np.sin(np.dot(theta[:3], theta[3:])) * w


STATIC = [
    (matrix_matrix, 18, (2, 4)),
    (matrix_vector, 9, (2,)),
    (vector_matrix, 9, (2,)),
    (vector_vector, 6, ()),
    (dot_matrix_matrix, 18, (2, 4)),
    (dot_matrix_vector, 9, (2,)),
    (dot_vector_matrix, 9, (2,)),
    (dot_vector_vector, 6, ()),
]


def mlp_loss(W1, b1, W2, X):
    return np.sum(np.tanh(X @ W1 + b1) @ W2)


def least_squares(A, x, b):
    return np.sum((A @ x - b) ** 2)


def solve_loss(A, b):
    return np.sum(np.tanh(np.linalg.solve(A, b)))


def inverse_loss(A):
    return np.sum(np.tanh(np.linalg.inv(A)))


def squared_determinant(A):
    return np.linalg.det(A) ** 2


def log_determinant(A):
    return np.log(np.abs(np.linalg.det(A)))


def swapped_loss(T, W):
    return np.sum(np.sin(np.swapaxes(T, 0, 2)) * W) + np.sum(T.swapaxes(-1, -2) ** 3)


def einsum_loss(A, x):
    return np.sum(np.tanh(np.einsum("ij,j->i", A, x)))


def scaled_matvec(s, A, x):
    return np.sum(np.tanh((s * A) @ x))


def vector_matrix_vector(x, A, y):
    return np.tanh(x @ A) @ np.cos(A @ y)


# (a's shape, b's shape) for each product: every case the helpers tell apart
MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 2)),
    ((2, 2, 3), (2, 3, 2)),
    ((1, 2, 3), (2, 3, 2)),  # a batch of length 1 broadcasts
    ((2, 1, 2, 3), (3, 3, 2)),
    ((3,), (2, 3, 2)),
    ((2, 2, 3), (3,)),
]
DOT_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((), (3, 2)),
    ((2, 3), ()),
    ((), ()),
    ((2, 2, 3), (3,)),
    ((3,), (2, 3, 2)),
    ((2, 2, 3), (4, 3, 2)),
]
INNER_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (4, 3)),
    ((2, 3), (4, 3)),
    ((2, 2, 3), (4, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
]
OUTER_SHAPES = [((3,), (2,)), ((2, 2), (3,)), ((), (3,))]

PAIRS = (
    [(matmul_pair, shapes) for shapes in MATMUL_SHAPES]
    + [(dot_pair, shapes) for shapes in DOT_SHAPES]
    + [(inner_pair, shapes) for shapes in INNER_SHAPES]
    + [(outer_pair, shapes) for shapes in OUTER_SHAPES]
)


def pair_arguments(f, shapes, seed=0):
    rng = np.random.default_rng(seed)
    a0, b0 = np.zeros(shapes[0]), np.zeros(shapes[1])
    product = {matmul_pair: np.matmul, dot_pair: np.dot, inner_pair: np.inner}.get(f, np.outer)
    w = rng.normal(size=np.shape(product(a0, b0)))
    theta = rng.normal(size=a0.size + b0.size)
    return (theta, a0, b0, w)


def _bound(f, args, wrt):
    return args[wrt] if isinstance(wrt, int) else args[list(f.__code__.co_varnames).index(wrt)]


def _shifted(f, args, wrt, delta):
    index = wrt if isinstance(wrt, int) else list(f.__code__.co_varnames).index(wrt)
    out = list(args)
    out[index] = np.asarray(args[index], dtype=float) + delta
    return out


def gradient_difference(f, args, wrt, v):
    """(grad(x + h v) - grad(x - h v)) / 2h, from symback's exact first gradient."""
    g = symback.grad(f, wrt=wrt)
    up, down = g(*_shifted(f, args, wrt, STEP * v)), g(*_shifted(f, args, wrt, -STEP * v))
    return (up - down) / (2 * STEP)


def numerical_hessian(f, args, wrt):
    x = np.asarray(_bound(f, args, wrt), dtype=float)
    rows = [gradient_difference(f, args, wrt, e.reshape(x.shape)) for e in np.eye(x.size)]
    return np.array(rows).reshape(x.shape + x.shape)


def check_hvp(f, args, wrt, seed=1):
    """The Hessian-vector product, specialised and general, along two random directions."""
    rng = np.random.default_rng(seed)
    hvp = symback.hessian_vector_product(f, wrt=wrt)
    for _ in range(2):
        v = rng.normal(size=np.shape(_bound(f, args, wrt)))
        numeric = gradient_difference(f, args, wrt, v)
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(hvp(*args, v), numeric, rtol=1e-6, atol=1e-7 * scale)
        np.testing.assert_allclose(hvp.function(*args, v), numeric, rtol=1e-6, atol=1e-7 * scale)
    assert hvp.specialised_source is not None  # the first call above ran specialised code


def check_hessian(f, args, wrt):
    H = symback.hessian(f, wrt=wrt)(*args)
    numeric = numerical_hessian(f, args, wrt)
    scale = max(1.0, np.abs(numeric).max())
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-7 * scale)
    n = np.size(_bound(f, args, wrt))
    flat = np.reshape(H, (n, n))
    np.testing.assert_allclose(flat, flat.T, atol=1e-12 * scale)
    return H


def _pair_id(case):
    f, (sa, sb) = case
    return f"{f.__name__.split('_')[0]}-{sa}-{sb}".replace(" ", "")


@pytest.mark.parametrize("case", PAIRS, ids=_pair_id)
def test_hessian_through_a_product_of_two_operands(case):
    # blocks a-a, a-b, b-a, b-b: the helpers' gradients with respect to g, a and b
    f, shapes = case
    args = pair_arguments(f, shapes)
    H = check_hessian(f, args, 0)
    assert np.abs(H).max() > 0.1  # the product's second derivatives are really there
    check_hvp(f, args, 0)


@pytest.mark.parametrize("f, size, out", STATIC, ids=[f.__name__ for f, _, _ in STATIC])
def test_hessian_through_a_product_of_known_shapes(f, size, out):
    rng = np.random.default_rng(2)
    args = (rng.normal(size=size), rng.normal(size=out))
    H = check_hessian(f, args, 0)
    assert np.abs(H).max() > 0.1
    check_hvp(f, args, 0)
    hvp = symback.hessian_vector_product(f)
    hvp(*args, np.ones(size))
    assert "_product(" not in hvp.specialised_source


@pytest.mark.parametrize("wrt", [0, 1])
def test_quadratic_form(wrt):
    args = (cz.V4, cz.A4)
    check_hvp(cz.quadratic_form_vec, args, wrt)
    H = check_hessian(cz.quadratic_form_vec, args, wrt)
    if wrt == 0:  # x^T A x: the Hessian is A + A^T
        np.testing.assert_allclose(H, cz.A4 + cz.A4.T, rtol=1e-12)
    else:  # linear in A
        np.testing.assert_array_equal(H, 0.0)


def test_specialised_hessian_products_are_written_with_at():
    # shapes known: the helpers' gradients of vectors and matrices become `@` products
    hvp = symback.hessian_vector_product(cz.rnn_unrolled, wrt="W")
    hvp(cz.W5, cz.H5, cz.XS45, np.ones((5, 5)))
    assert "_product(" in hvp.source and "_product(" not in hvp.specialised_source


@pytest.mark.parametrize("wrt", ["W", "h0", "xs"])
def test_unrolled_rnn(wrt):
    args = (cz.W5, cz.H5, cz.XS45)
    check_hvp(cz.rnn_unrolled, args, wrt)
    if wrt != "xs":
        check_hessian(cz.rnn_unrolled, args, wrt)


@pytest.mark.parametrize("out", [(3,), (3, 2)], ids=["vector-W2", "matrix-W2"])
@pytest.mark.parametrize("wrt", ["W1", "b1", "W2", "X"])
def test_mlp_loss(wrt, out):
    rng = np.random.default_rng(4)
    args = (
        rng.normal(size=(4, 3)),
        rng.normal(size=3),
        rng.normal(size=out),
        rng.normal(size=(5, 4)),
    )
    check_hvp(mlp_loss, args, wrt)
    check_hessian(mlp_loss, args, wrt)


@pytest.mark.parametrize("columns", [None, 2], ids=["vector-x", "matrix-x"])
@pytest.mark.parametrize("wrt", ["A", "x"])
def test_least_squares(wrt, columns):
    rng = np.random.default_rng(5)
    x_shape = (3,) if columns is None else (3, columns)
    A, x = rng.normal(size=(4, 3)), rng.normal(size=x_shape)
    b = rng.normal(size=(4,) if columns is None else (4, columns))
    check_hvp(least_squares, (A, x, b), wrt)
    H = check_hessian(least_squares, (A, x, b), wrt)
    if wrt == "x" and columns is None:  # 2 A^T A, exactly
        np.testing.assert_allclose(H, 2 * A.T @ A, rtol=1e-12)


@pytest.mark.parametrize("wrt", ["x", "A", "y"])
def test_vector_matrix_and_matrix_vector(wrt):
    rng = np.random.default_rng(6)
    args = (rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=3))
    check_hvp(vector_matrix_vector, args, wrt)
    check_hessian(vector_matrix_vector, args, wrt)


@pytest.mark.parametrize("b_shape", [(3,), (3, 2), (2, 3, 2)], ids=["vector", "matrix", "batch"])
@pytest.mark.parametrize("wrt", ["A", "b"])
def test_solve(wrt, b_shape):
    # the gradient code of solve calls solve_left (gb x^T) and np.swapaxes
    rng = np.random.default_rng(9)
    batch = b_shape[:-2]
    A = rng.normal(size=batch + (3, 3)) + 3 * np.eye(3)
    args = (A, rng.normal(size=b_shape))
    check_hvp(solve_loss, args, wrt)
    check_hessian(solve_loss, args, wrt)


def test_inverse():
    A = np.random.default_rng(10).normal(size=(3, 3)) + 3 * np.eye(3)
    check_hvp(inverse_loss, (A,), 0)
    check_hessian(inverse_loss, (A,), 0)


@pytest.mark.parametrize("f", [squared_determinant, log_determinant])
def test_determinant(f):
    # the gradient code of det reads np.asarray(bar * det)[..., None, None]
    A = np.random.default_rng(13).normal(size=(3, 3)) + 3 * np.eye(3)
    check_hvp(f, (A,), 0)
    check_hessian(f, (A,), 0)


def test_swapaxes():
    rng = np.random.default_rng(11)
    args = (rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 3, 2)))
    check_hvp(swapped_loss, args, 0)
    check_hessian(swapped_loss, args, 0)


@pytest.mark.parametrize("wrt", ["A", "x"])
def test_einsum(wrt):
    rng = np.random.default_rng(12)
    args = (rng.normal(size=(3, 4)), rng.normal(size=4))
    check_hvp(einsum_loss, args, wrt)
    check_hessian(einsum_loss, args, wrt)


def test_second_and_third_derivatives_through_a_scaled_matrix():
    # grad of grad (and of that) of a scalar parameter: the third derivative goes through
    # the gradient code of the matmul helpers' own gradients
    rng = np.random.default_rng(8)
    A, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    s = 0.7
    first = symback.grad(scaled_matvec)
    second = symback.grad(first)
    third = symback.grad(second)
    numeric_second = (first(s + STEP, A, x) - first(s - STEP, A, x)) / (2 * STEP)
    numeric_third = (second(s + STEP, A, x) - second(s - STEP, A, x)) / (2 * STEP)
    np.testing.assert_allclose(second(s, A, x), numeric_second, rtol=1e-7)
    np.testing.assert_allclose(third(s, A, x), numeric_third, rtol=1e-7)
    # the closed form: y = s (A x), f = sum tanh(y): f'' = sum -2 t (1 - t^2) (A x)^2
    t, Ax = np.tanh(s * (A @ x)), A @ x
    np.testing.assert_allclose(second(s, A, x), np.sum(-2 * t * (1 - t**2) * Ax**2), rtol=1e-12)
