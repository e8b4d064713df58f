"""Repeated forward computations are computed once, and the gradient stays right."""

import numpy as np
from scipy.optimize import rosen_der

import symback
from tests.helpers import check_gradient


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def repeated_everywhere(x, y):
    a = np.sum(np.exp(x) * y) + np.sum(np.exp(x) * y)
    b = np.tanh(x @ y) * np.tanh(x @ y)
    return a + b


def repeat_read_by_a_branch(x):
    s = np.sum(x * x)
    t = np.sum(x * x)
    if s > 1.0:
        return t * 2.0 + s
    return t - s


def repeat_in_the_aux(x):
    s = np.sum(x[1:] * 2.0)
    t = np.sum(x[1:] * 2.0)
    return s * t, t


def repeat_read_by_a_comparison(x):
    a = x[1:]
    m = x[1:] == np.max(x)  # a comparison is opaque code: it must read the merged slice too
    return np.sum(a * m)


def repeat_compared_with(x):
    a = np.expand_dims(x, 1)
    b = np.expand_dims(x, 1)
    return np.sum(np.sin(a) * (x == b))


def repeat_read_by_an_index(x, n):
    i = n - 1
    j = n - 1  # merged into i: the index below reads i then, in its adjoint too
    return np.sum(x[j] * x[: i + 1] ** 2)


def repeat_read_by_a_shape_and_an_index(x, n):
    a = n - 3
    b = n - 3
    return np.sum(np.sin(np.reshape(x, (a, -1))) * x[b])


def row_max_squared(X):
    return np.sum(np.max(X, axis=1) ** 2)


def test_rosenbrock_slices_once_and_matches_scipy():
    g = symback.grad(rosenbrock)
    assert g.source.count("x[:-1]") == 1
    # d/dx[:-1] is written through d/dx[1:] = 200 (x[1:] - x[:-1]**2), not expanded to 400 ...
    assert "400" not in g.source
    x = np.random.default_rng(3).normal(size=7)
    np.testing.assert_allclose(g(x), rosen_der(x), rtol=1e-12)
    np.testing.assert_allclose(g.function(x), rosen_der(x), rtol=1e-12)


def test_repeated_calls_and_products_are_computed_once():
    g = symback.grad(repeated_everywhere, wrt=(0, 1))
    body = g.source.split("def grad_repeated_everywhere")[1]
    assert body.count("np.exp(x)") == 1 and body.count("x @ y") == 1
    rng = np.random.default_rng(4)
    check_gradient(repeated_everywhere, (rng.normal(size=4), rng.normal(size=4)), wrt=(0, 1))


def test_repeats_read_by_a_branch_or_the_aux_stay_right():
    for x in (np.array([0.1, 0.2]), np.array([1.0, 2.0])):  # both sides of the branch
        check_gradient(repeat_read_by_a_branch, (x,))
    x = np.array([0.5, -1.0, 2.0])
    check_gradient(repeat_in_the_aux, (x,), has_aux=True)
    _, aux = symback.grad(repeat_in_the_aux, has_aux=True)(x)
    assert aux == repeat_in_the_aux(x)[1]


def test_repeats_read_by_opaque_code_stay_defined():
    # the merged value's later readers include comparisons, which once kept the old name
    x = np.array([1.0, 3.0, 2.0])
    np.testing.assert_array_equal(symback.grad(repeat_read_by_a_comparison)(x), [0.0, 1.0, 0.0])
    check_gradient(repeat_compared_with, (x,))
    # the gradient code of np.max compares x with the maximum twice: its Hessian merges them
    X = np.random.default_rng(5).normal(size=(3, 4))
    v = np.random.default_rng(6).normal(size=(3, 4))
    rows = np.argmax(X, axis=1)
    expected = np.zeros((3, 4))  # 2 v at each row's maximum
    expected[np.arange(3), rows] = 2 * v[np.arange(3), rows]
    hvp = symback.hessian_vector_product(row_max_squared)
    np.testing.assert_allclose(hvp(X, v), expected, rtol=1e-12)
    np.testing.assert_allclose(hvp.function(X, v), expected, rtol=1e-12)


def test_an_index_reading_a_merged_value_reads_the_one_kept():
    # x[j] with j merged into i: the adjoint's index is renamed with the forward code's
    # (it named j, which no longer exists: a NameError)
    x = np.linspace(0.3, 1.7, 6)
    check_gradient(repeat_read_by_an_index, (x, 6))
    # closed form: f = x[5] * sum(x**2), so df/dx = 2 x x[5] + e5 sum(x**2)
    expected = 2.0 * x * x[5]
    expected[5] += np.sum(x**2)
    np.testing.assert_allclose(symback.grad(repeat_read_by_an_index)(x, 6), expected, rtol=1e-12)
    check_gradient(repeat_read_by_a_shape_and_an_index, (x, 6))
