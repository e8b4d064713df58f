"""Second derivatives through joins (np.stack, np.concatenate, np.vstack, np.hstack,
np.column_stack) and np.prod: their gradients' pieces, and np.prod's product of the others,
differentiated again. Checked against central differences of symback's exact first gradient
(general and specialised code), for symmetry, and for np.prod against the Hessian worked out
by hand, exactly where the input has zeros."""

import itertools

import numpy as np
import pytest

import symback
from tests.helpers import check_gradient
from tests.test_higher_order_products import check_hessian, check_hvp

# Each function cuts its arrays from one parameter, so that the Hessian holds the blocks of
# every piece of the join with itself and with the others.


def stack_axis0(theta):
    a, b = theta[:3], theta[3:]
    return np.sum(np.sin(np.stack([a, b**2])) * (np.arange(6.0).reshape(2, 3) - 2.5))


def stack_axis1(theta):
    a, b = theta[:3], theta[3:]
    return np.sum(np.cos(np.stack([a * b, b**2, a], axis=1)) * np.arange(9.0).reshape(3, 3))


def stack_last_of_matrices(theta):
    A = np.reshape(theta, (2, 3))
    return np.sum(np.sin(np.stack([A, A**2], axis=-1)) * np.arange(12.0).reshape(2, 3, 2))


def stack_second_to_last(theta):
    A = np.reshape(theta, (2, 3))
    return np.sum(np.sin(np.stack([A, A * A[0]], axis=-2)) * np.arange(12.0).reshape(2, 2, 3))


def stack_numbers(theta):
    return np.sum(np.sin(np.stack([theta[0], theta[1] * theta[2], 2.0])) * np.arange(1.0, 4.0))


def concatenate_vectors(theta):
    a, b = theta[:2], theta[2:]
    return np.sum(np.sin(np.concatenate([a, b * b, a * b[:2]])) * np.arange(1.0, 8.0))


def concatenate_columns(theta):
    A, B = np.reshape(theta[:6], (2, 3)), np.reshape(theta[6:], (2, 2))
    return np.sum(np.tanh(np.concatenate([A, B**2, A[:, :1] * B[:, 1:]], axis=1)) * 0.7)


def concatenate_last_axis(theta):
    T = np.reshape(theta, (2, 2, 2))
    return np.sum(np.sin(np.concatenate([T, T**2], axis=-1)) * np.arange(16.0).reshape(2, 2, 4))


def concatenate_flattened(theta):
    A, b = np.reshape(theta[:4], (2, 2)), theta[4:]
    return np.sum(np.sin(np.concatenate([A, b**2], axis=None)) * np.arange(1.0, 7.0))


def concatenate_one(theta):
    return np.sum(np.sin(np.concatenate([theta**2])))


def vstack_mixed(theta):
    s, v, M = theta[0], theta[1:4], np.reshape(theta[4:], (2, 3))
    return np.sum(np.sin(np.vstack([v, M * s, v**2])) * np.arange(12.0).reshape(4, 3))


def vstack_numbers(theta):
    return np.sum(np.cos(np.vstack([theta[0] * theta[1], theta[1] ** 2])))


def hstack_numbers_and_vectors(theta):
    s, v = theta[0], theta[1:]
    return np.sum(np.sin(np.hstack([s, v * s, s**2, v])) * np.arange(1.0, 9.0))


def hstack_matrices(theta):
    A, B = np.reshape(theta[:4], (2, 2)), np.reshape(theta[4:], (2, 1))
    return np.sum(np.sin(np.hstack([A, B * A[:, :1], B])) * np.arange(8.0).reshape(2, 4))


def hstack_3d(theta):
    T = np.reshape(theta, (2, 2, 2))
    return np.sum(np.sin(np.hstack([T, T**2])) * np.arange(16.0).reshape(2, 4, 2))


def hstack_one(theta):
    return np.sum(np.sin(np.hstack([theta * theta[0]])))


def column_stack_mixed(theta):
    s, v, M = theta[0], theta[1:3], np.reshape(theta[3:], (2, 2))
    return np.sum(np.sin(np.column_stack([v, M * s, v**2])) * np.arange(8.0).reshape(2, 4))


def column_stack_numbers(theta):
    return np.sum(np.cos(np.column_stack([theta[0] * theta[1], theta[1] ** 2])))


JOINS = [
    (stack_axis0, 6),
    (stack_axis1, 6),
    (stack_last_of_matrices, 6),
    (stack_second_to_last, 6),
    (stack_numbers, 3),
    (concatenate_vectors, 5),
    (concatenate_columns, 10),
    (concatenate_last_axis, 8),
    (concatenate_flattened, 6),
    (concatenate_one, 3),
    (vstack_mixed, 10),
    (vstack_numbers, 2),
    (hstack_numbers_and_vectors, 4),
    (hstack_matrices, 6),
    (hstack_3d, 8),
    (hstack_one, 3),
    (column_stack_mixed, 7),
    (column_stack_numbers, 2),
]


@pytest.mark.parametrize("f, size", JOINS, ids=[f.__name__ for f, _ in JOINS])
def test_hessian_through_a_join(f, size):
    theta = np.random.default_rng(3).normal(size=size)
    H = check_hessian(f, (theta,), 0)
    assert np.abs(H).max() > 0.1
    check_hvp(f, (theta,), 0)


def test_joins_are_cut_with_basic_indices():
    # the first gradient reads its pieces as slices and integer indices (views), which the
    # second derivative scatters back; np.hstack of unknown rank goes through a helper
    g = symback.grad(concatenate_columns)
    g(np.ones(10))
    assert "np.split" not in g.source and "np.take" not in g.source
    assert "[:, : np.shape(" in g.source
    assert "[:, :3]" in g.specialised_source
    g = symback.grad(hstack_matrices)
    g(np.ones(6))
    assert "_hstack_piece(" in g.source and "_hstack_piece(" not in g.specialised_source


# -- np.prod ------------------------------------------------------------------------------


def product_all(x):
    return np.prod(x)


def product_axis0(X):
    return np.sum(np.sin(np.prod(X, axis=0)))


def product_last_axis_kept(X):
    return np.sum(np.prod(X, axis=-1, keepdims=True) ** 2)


def product_method(X):
    return np.sum(np.cos(X.prod(axis=1)))


def _hessian_of_product(x):
    """d2 prod(x) / dx_j dx_k: the product of the elements other than x_j and x_k (j != k),
    0 on the diagonal (prod is linear in each element)."""
    n = x.size
    H = np.zeros((n, n))
    for j, k in itertools.permutations(range(n), 2):
        H[j, k] = np.prod([x[m] for m in range(n) if m not in (j, k)])
    return H


@pytest.mark.parametrize("zeros", [0, 1, 2, 3])
def test_hessian_of_a_product_is_exact_where_the_input_has_zeros(zeros):
    x = np.random.default_rng(zeros).normal(size=6)
    x[[1, 4, 2][:zeros]] = 0.0
    H = symback.hessian(product_all)(x)
    np.testing.assert_allclose(H, _hessian_of_product(x), rtol=1e-13, atol=1e-15)
    hvp = symback.hessian_vector_product(product_all)
    v = np.arange(6.0) - 2.0
    np.testing.assert_allclose(hvp.function(x, v), _hessian_of_product(x) @ v, rtol=1e-13)


@pytest.mark.parametrize(
    "f", [product_axis0, product_last_axis_kept, product_method], ids=lambda f: f.__name__
)
def test_hessian_through_a_product_along_an_axis(f):
    X = np.random.default_rng(5).normal(size=(3, 4))
    X[1, 2] = 0.0  # one zero: the products of the others along its row and column change
    H = check_hessian(f, (X,), 0)
    assert np.abs(H).max() > 0.1
    check_hvp(f, (X,), 0)


def _third_derivatives_of_product(x):
    """d3 prod(x) / dx_j dx_k dx_i: the product of the elements other than x_j, x_k and
    x_i where the three differ, else 0."""
    n = x.size
    T = np.zeros((n, n, n))
    for j, k, i in itertools.permutations(range(n), 3):
        T[j, k, i] = np.prod([x[m] for m in range(n) if m not in (j, k, i)])
    return T


def product_of_rows(X):
    return np.sum(np.prod(X, axis=1) * np.arange(1.0, 4.0))


# the generated functions themselves, as symback.hessian_vector_product calls the gradient
_product_hvp = symback.hessian_vector_product(product_all).function
_rows_hvp = symback.hessian_vector_product(product_of_rows).function


def product_hvp_along(x, v, e):
    return np.sum(_product_hvp(x, v) * e)


def rows_hvp_along(X, V, W):
    return np.sum(_rows_hvp(X, V) * W)


_product_third = symback.grad(product_hvp_along)
_product_third_code = _product_third.function


def product_third_along(x, v, e, u):
    return np.sum(_product_third_code(x, v, e) * u)


@pytest.mark.parametrize("zeros", [0, 1, 2, 3])
def test_third_derivative_of_a_product(zeros):
    # the gradient of a Hessian-vector product goes through prod_others_vjp's gradients,
    # exactly where x has zeros
    rng = np.random.default_rng(zeros)
    x, v, e = rng.normal(size=(3, 5))
    x[[0, 3, 1][:zeros]] = 0.0
    expected = np.einsum("jkl,k,l->j", _third_derivatives_of_product(x), v, e)
    np.testing.assert_allclose(_product_third(x, v, e), expected, rtol=1e-13, atol=1e-15)


def test_third_derivative_of_a_product_along_an_axis():
    rng = np.random.default_rng(7)
    X, V, W = rng.normal(size=(3, 3, 4))
    X[2, 1] = 0.0
    check_gradient(rows_hvp_along, (X, V, W), wrt=0)


def test_fourth_derivative_of_a_product_is_refused_with_a_place():
    # prod_others_vjp2's gradient with respect to x would need the products of the others
    # than four elements: refused, never a wrong number
    with pytest.raises(symback.SymbackError, match="prod_others_vjp2"):
        symback.grad(product_third_along)(*np.ones((4, 4)))


# -- third derivatives through joins --------------------------------------------------------


def scalar_through_joins(t):
    h = np.hstack([t, t**2, np.sin(t)])
    c = np.concatenate([h, h * t])
    s = np.stack([c, c**2], axis=1)
    return np.sum(np.cos(s) * np.arange(12.0).reshape(6, 2))


def test_third_derivative_through_joins():
    # grad of grad of grad: the hstack pieces' helpers, and the slices, differentiated again
    second = symback.grad(symback.grad(scalar_through_joins))
    third = symback.grad(second)
    for t in (0.3, -1.1):
        step = 1e-5
        numeric = (second(t + step) - second(t - step)) / (2 * step)
        np.testing.assert_allclose(third(t), numeric, rtol=1e-6)
